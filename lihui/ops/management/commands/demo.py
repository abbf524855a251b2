"""Load believable demo data once: an operations department and its meetings — the whole
product (regime, meetings, reports, actions, minutes, surveys, search), so it lives in ops."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from lihui.actions.models import ActionItem, ActionUpdate
from lihui.actions.services import decision_record
from lihui.directory.models import SyncReport
from lihui.directory.services import DirectoryDepartment, DirectoryPerson, Snapshot, sync_apply
from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.meetings.services.agenda import agenda_ensure
from lihui.meetings.services.planning import meeting_cancel, meeting_move, meetings_plan
from lihui.minutes.services import minutes_publish
from lihui.notify.models import Message
from lihui.people.models import Department, Person, Source
from lihui.regime.services import RosterEntry, cadence_window_add, series_create
from lihui.reports.models import Kpi
from lihui.reports.services import report_get_or_create, report_save
from lihui.search.services import search_rebuild
from lihui.surveys.models import Respondent, Response, Survey

DEMO_USER, DEMO_PASSWORD = "zhouyun", "lihui-demo"

PEOPLE = [
    # username, name, department, title
    ("zhouyun", "周云", "运营部", "运营主管"),
    ("lina", "李娜", "客服部", "客服经理"),
    ("wangqiang", "王强", "物流部", "物流经理"),
    ("chenjing", "陈静", "市场部", "市场经理"),
    ("zhaolei", "赵磊", "财务部", "财务经理"),
    ("liuyang", "刘洋", "客服部", "客服主管"),
    ("sunli", "孙丽", "运营部", "运营专员"),
    ("yangfan", "杨帆", "运营部", "数据分析师"),
    ("huangmin", "黄敏", "物流部", "仓储主管"),
    ("wuhao", "吴昊", "市场部", "活动策划"),
    ("zhengshuang", "郑爽", "客服部", "质检专员"),
    ("hewei", "何伟", "物流部", "配送主管"),
    ("linfang", "林芳", "财务部", "会计"),
    ("gaoxin", "高欣", "市场部", "品牌专员"),
]


# Action titles the history's decisions and actions take in turn.
HISTORY_TITLES = ["核对华东仓库存差异", "更新客服话术库", "整理大促复盘数据", "确认下月营销预算", "优化退货审核流程",
                  "跟进物流商赔付", "梳理差评 TOP10 原因", "准备年货节备货计划"]  # fmt: skip


class Command(BaseCommand):
    help = "Load the demo team and its meeting series (only if the database has none)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-if-present", action="store_true")

    def handle(self, *args, quiet_if_present=False, **options):
        if Person.objects.filter(username=DEMO_USER).exists():
            if not quiet_if_present:
                self.stdout.write("Demo data already present.")
            return
        # The demo team works in Chinese: default agenda titles are stored in that language.
        with transaction.atomic(), translation.override("zh-hans"):
            self.load()
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Log in as {DEMO_USER} / {DEMO_PASSWORD}"))

    def load(self):
        departments, people = team_create()
        supervisor = people["zhouyun"]
        today = timezone.localdate()
        monday = today - dt.timedelta(days=today.weekday())
        weekly = weekly_series_create(supervisor=supervisor, departments=departments, people=people, today=today, monday=monday)
        monthly = monthly_series_create(supervisor=supervisor, departments=departments, people=people, today=today)
        service = service_series_create(departments=departments, people=people, supervisor=supervisor, monday=monday)
        now = timezone.now()
        past_plan_and_hold(weekly=weekly, others=(monthly, service), now=now)
        self.load_kpis_and_last_meeting(weekly, departments, people)
        for series in (weekly, monthly, service):
            self.load_history(series, people)
        search_rebuild()  # the archive finds the demo's notes, decisions and minutes at once
        supervisor_changes(weekly=weekly, supervisor=supervisor, now=now)

    def load_kpis_and_last_meeting(self, weekly, departments, people):
        """KPIs per department, and last week's meeting run with reports, so this week's
        reports show the change since then."""
        kpis_create(departments=departments)
        last = Meeting.objects.filter(series=weekly, status=Meeting.Status.HELD, window__isnull=True).order_by("-start").first()
        if last is None:
            return
        today = timezone.localdate()
        supervisor = people["zhouyun"]
        agenda_ensure(meeting=last)
        last_meeting_reports(last=last)
        last_meeting_timing(last=last)
        review_item = last_meeting_actions(weekly=weekly, last=last, people=people, supervisor=supervisor, today=today)
        last_meeting_attendance(weekly=weekly, last=last, supervisor=supervisor)
        last_meeting_minutes(last=last, review_item=review_item, supervisor=supervisor)

    def load_history(self, series, people):
        """Four months of the weekly meeting before last week's, as a supervisor would find
        them in the archive: agendas mostly on time, meetings that lately run long and are
        mostly reporting, one member absent three times running, actions closed on time,
        late or not at all, minutes now and then late, and satisfaction falling lately.
        Deterministic (no randomness), so the health page and its advice are the same on
        every machine. Messages these past events queued are dropped: they happened
        before Lihui, and nobody should be e-mailed about them now."""
        now = timezone.now()
        held = list(
            Meeting.objects.filter(series=series, status=Meeting.Status.HELD, actual_start__isnull=True)
            .order_by("start")  # fmt: skip
        )
        if not held:
            return
        history = History.of(series=series, held=held, now=now)
        for i, meeting in enumerate(held):
            history.meeting_record(i, meeting)
        history.following_reviewed()
        history_messages_drop(held=held, now=now)


# --- load: the team, the three series, their past ----------------------------------------


def team_create() -> tuple[dict[str, Department], dict[str, Person]]:
    """The operations department and its four, the people (each head of a department), and
    the administrator. The team arrives as a company would bring it: an import of its
    通讯录 through the directory engine, so the directory page has its first sync report and
    every person their 工号 and where they came from."""
    heads = {"运营部": "zhouyun", "客服部": "lina", "物流部": "wangqiang", "市场部": "chenjing", "财务部": "zhaolei"}
    path = {"运营部": "运营部", **{name: f"运营部/{name}" for name in ["客服部", "物流部", "市场部", "财务部"]}}
    # The file's key for a person is their 工号; heads and line managers are named by it too.
    number = {username: f"YY{n:04d}" for n, (username, *_rest) in enumerate(PEOPLE, start=1)}

    def manager(username: str, dept: str) -> str | None:
        if username == "zhouyun":
            return None
        return number[heads[dept] if heads[dept] != username else "zhouyun"]

    snapshot = Snapshot(
        source=Source.IMPORT,
        departments=[
            DirectoryDepartment(key=path[name], name=name, parent_key=None if name == "运营部" else "运营部", head_keys=(number[heads[name]],))
            for name in path
        ],
        people=[
            DirectoryPerson(key=number[username], username=username, employee_number=number[username], name=name, department_key=path[dept],
                            title=title, email=f"{username}@example.com", manager_key=manager(username, dept))
            for username, name, dept, title in PEOPLE
        ],
    )  # fmt: skip
    report = sync_apply(snapshot, trigger=SyncReport.Trigger.IMPORT, file_name="运营部通讯录.xlsx")
    if report.status != SyncReport.Status.DONE:
        raise RuntimeError(f"the demo team could not be imported: {report.error or report.problems}")
    people = {p.username: p for p in Person.objects.filter(username__in=number).select_related("department")}
    for person in people.values():
        person.set_password(DEMO_PASSWORD)  # the demo signs in with a password (a company would use its directory)
        person.save(update_fields=["password"])
    departments = {d.name: d for d in Department.objects.filter(name__in=path)}
    Person.objects.create_superuser(username="admin", password=DEMO_PASSWORD, name="系统管理员", email="admin@example.com")
    return departments, people


def weekly_series_create(*, supervisor, departments, people, today: dt.date, monday: dt.date):
    """The weekly operations meeting, 16 weeks back, with the sales peak nearest today as a
    window, planned from its first date."""
    weekly = series_create(
        actor=supervisor,
        data={
            "title": "运营周例会",
            "purpose": "回顾上周运营数据与行动项\n识别当前问题与挑战\n确定下周重点与策略",
            "department": departments["运营部"],
            "frequency": "weekly",
            "weekdays": "0",
            "start_time": dt.time(9, 30),
            "duration_minutes": 60,
            "start_date": monday - dt.timedelta(weeks=16),
            "location": "总部 3 楼 301 会议室",
            "video_link": "https://meeting.tencent.com/dm/lihui-demo",
            "minute_taker_rotates": True,
            "visibility": "roster",
            "holiday_policy": "next_workday",
        },
        roster=[
            RosterEntry(supervisor, "chair"),
            RosterEntry(people["lina"], "member"),
            RosterEntry(people["wangqiang"], "member"),
            RosterEntry(people["chenjing"], "member"),
            RosterEntry(people["zhaolei"], "member"),
            RosterEntry(people["sunli"], "member", 1),
            RosterEntry(people["yangfan"], "member", 2),
            RosterEntry(people["huangmin"], "member", 3),
            RosterEntry(people["liuyang"], "member"),
            RosterEntry(people["gaoxin"], "optional"),
        ],
    )
    # The sales peak nearest today within the demo's span (16 weeks back, the plan ahead):
    # 双十一 (1–15 Nov) or 618 (1–18 Jun) — one of them always falls in it.
    peaks = [(name, dt.date(y, m, 1), dt.date(y, m, last)) for y in (today.year - 1, today.year, today.year + 1)
             for name, m, last in (("618", 6, 18), ("双十一", 11, 15))]  # fmt: skip
    horizon = today + dt.timedelta(days=settings.LIHUI_PLAN_HORIZON_DAYS - 7)
    peak_name, peak_start, peak_end = max((p for p in peaks if p[1] <= horizon and p[2] >= weekly.start_date), key=lambda p: p[1])
    cadence_window_add(
        actor=supervisor,
        series=weekly,
        data={
            "kind": "peak",
            "name": peak_name,
            "start_date": peak_start,
            "end_date": peak_end,
            "frequency": "daily",
            "interval": 2,
            "start_time": dt.time(18, 0),
            "duration_minutes": 30,
        },
    )
    # The window lies partly in the past: plan it from the first date, as if the
    # regime had been configured before the peak.
    meetings_plan(series=weekly, since=dt.datetime.combine(weekly.start_date, dt.time.min, tzinfo=timezone.get_current_timezone()))
    return weekly


def monthly_series_create(*, supervisor, departments, people, today: dt.date):
    """The monthly business review, on the last Friday, from about three months back."""
    return series_create(
        actor=supervisor,
        data={
            "title": "月度经营复盘会",
            "purpose": "复盘本月关键指标\n评估各部门目标达成\n确定下月重点",
            "department": departments["运营部"],
            "frequency": "monthly",
            "monthly_mode": "weekday",
            "week_of_month": -1,
            "month_weekday": 4,
            "start_time": dt.time(14, 0),
            "duration_minutes": 120,
            "start_date": (today.replace(day=1) - dt.timedelta(days=100)).replace(day=1),
            "location": "总部 5 楼大会议室",
            "visibility": "organization",
            "holiday_policy": "skip",
        },
        roster=[
            RosterEntry(supervisor, "chair"),
            RosterEntry(people["yangfan"], "minute_taker"),
            RosterEntry(people["lina"], "member"),
            RosterEntry(people["wangqiang"], "member"),
            RosterEntry(people["chenjing"], "member"),
            RosterEntry(people["zhaolei"], "member"),
            RosterEntry(people["linfang"], "optional"),
        ],
    )


def service_series_create(*, departments, people, supervisor, monday: dt.date):
    """The customer-service department's fortnightly quality meeting, six weeks back."""
    return series_create(
        actor=people["lina"],
        data={
            "title": "客服质量双周会",
            "purpose": "复盘投诉与差评\n改进服务话术",
            "department": departments["客服部"],
            "frequency": "weekly",
            "interval": 2,
            "weekdays": "2",
            "start_time": dt.time(16, 0),
            "duration_minutes": 45,
            "start_date": monday - dt.timedelta(weeks=6) + dt.timedelta(days=2),
            "location": "客服中心小会议室",
        },
        roster=[
            RosterEntry(people["lina"], "chair"),
            RosterEntry(people["zhengshuang"], "minute_taker"),
            RosterEntry(people["liuyang"], "member"),
            RosterEntry(supervisor, "optional"),
        ],
    )


def past_plan_and_hold(*, weekly, others, now: dt.datetime) -> None:
    """The demo plays months of use: the other series' past is planned as it would have been
    had they been set up on their start dates (series_create plans from now on); every
    meeting that has ended by now is held (one running right now stays to run)."""
    for series in others:
        meetings_plan(series=series, since=dt.datetime.combine(series.start_date, dt.time.min, tzinfo=timezone.get_current_timezone()))
    for series in (weekly, *others):
        ended = [m.pk for m in Meeting.objects.filter(series=series, start__lt=now, status=Meeting.Status.SCHEDULED)
                 if m.start + dt.timedelta(minutes=m.duration_minutes) <= now]  # fmt: skip
        Meeting.objects.filter(pk__in=ended).update(status=Meeting.Status.HELD)


def supervisor_changes(*, weekly, supervisor, now: dt.datetime) -> None:
    """A few changes a supervisor makes: one cancelled, one moved."""
    upcoming = list(Meeting.objects.filter(series=weekly, start__gt=now, status=Meeting.Status.SCHEDULED)[:3])
    if len(upcoming) >= 3:
        meeting_cancel(actor=supervisor, meeting=upcoming[2], reason="年终盘点，本周暂停一次")
        local = timezone.localtime(upcoming[1].start)
        meeting_move(
            actor=supervisor,
            meeting=upcoming[1],
            date=local.date() + dt.timedelta(days=1),
            start_time=dt.time(10, 0),
            location="总部 3 楼 305 会议室",
        )


# --- load_kpis_and_last_meeting: KPIs, and last week's meeting in detail ------------------


def kpis_create(*, departments) -> None:
    kpis = {
        "客服部": [("首次响应时长", "分钟", False, "2"), ("客户满意度", "%", True, "95")],
        "物流部": [("准时发货率", "%", True, "98"), ("平均配送时长", "小时", False, "36")],
        "市场部": [("新客获取数", "人", True, "5000"), ("获客成本", "元", False, "30")],
        "财务部": [("费用预算执行率", "%", True, "100")],
    }
    for dept, rows in kpis.items():
        for i, (name, unit, higher, target) in enumerate(rows):
            Kpi.objects.create(department=departments[dept], name=name, unit=unit, higher_is_better=higher, default_target=Decimal(target), position=i)


def last_meeting_reports(*, last) -> None:
    """Every department's report, with its KPIs, filed the morning before."""
    actuals = {"首次响应时长": "2.6", "客户满意度": "93.5", "准时发货率": "97.2", "平均配送时长": "38", "新客获取数": "4620", "获客成本": "31.5", "费用预算执行率": "92"}
    texts = {
        "客服部": ("双十一售后咨询量同比增长 35%，临时增派 6 名客服。", "退货咨询高峰导致响应变慢。", "上线退货进度自助查询。"),
        "物流部": ("大促包裹已全部出库。", "华东仓爆仓两天，部分订单延迟。", "与两家快递商确定年货节运力。"),
        "市场部": ("双十一活动 GMV 达成 108%。", "新客成本上升。", "策划年货节预热活动。"),
        "财务部": ("11 月费用执行正常。", "营销费用超预算 8%。", "编制下季度预算。"),
    }
    for item in last.items.filter(kind="report").select_related("presenter"):
        report = report_get_or_create(item=item)
        progress, problems, plan = texts.get(report.department.name if report.department else "", ("", "", ""))
        values = [
            {"kpi": k.pk, "target": k.default_target, "actual": actuals.get(k.name)}
            for k in Kpi.objects.filter(department=report.department)
        ]
        report_save(actor=item.presenter, item=item, data={"progress": progress, "problems": problems, "plan": plan}, kpis=values, submit=True)
        report.refresh_from_db()
        report.submitted_at = last.start - dt.timedelta(hours=2)  # filed the morning before, as the regime asks
        report.save(update_fields=["submitted_at"])


def last_meeting_timing(*, last) -> None:
    """It started 2 minutes late and ran long: the review and the discussion overran."""
    start = last.start + dt.timedelta(minutes=2)
    items = list(last.items.order_by("position"))
    extra = {"review": 4, "discussion": 6}
    t = start
    for item in items:
        minutes = item.minutes_allotted + extra.get(item.kind, 0)
        item.seconds_used = minutes * 60
        item.save(update_fields=["seconds_used"])
        t += dt.timedelta(minutes=minutes)
    Meeting.objects.filter(pk=last.pk).update(actual_start=start, actual_end=t, agenda_published_at=last.start - dt.timedelta(days=1))


def last_meeting_actions(*, weekly, last, people, supervisor, today: dt.date):
    """What last week decided, and who owes what: one done since, one overdue, one open.
    Returns the discussion item they came from."""
    decision = decision_record(actor=supervisor, meeting=last, text="双十二期间客服增派 6 人，退货咨询优先处理")
    review_item = last.items.filter(kind="discussion").first()
    held_on = timezone.localtime(last.start).date()
    # Due after the meeting that set them: one overdue by now, one still ahead, one done.
    for title, owner, due, status in [
        ("整理 Q3 退货数据并分析主要原因", "lina", max(held_on, today - dt.timedelta(days=2)), "open"),
        ("与两家快递商确认年货节运力", "wangqiang", today + dt.timedelta(days=5), "in_progress"),
        ("双十二客服排班表", "liuyang", max(held_on, today - dt.timedelta(days=3)), "done"),
    ]:
        action = ActionItem.objects.create(
            series=weekly, meeting=last, item=review_item, decision=decision, title=title, owner=people[owner],
            due=due, status=status, created_by=supervisor,
            closed_at=timezone.now() if status == "done" else None,
        )  # fmt: skip
        if status != "open":
            ActionUpdate.objects.create(action=action, kind="status", author=people[owner], old="open", new=status, text="")
    return review_item


def last_meeting_attendance(*, weekly, last, supervisor) -> None:
    for membership in weekly.memberships.select_related("person"):
        status, reason = "present", ""
        if membership.person.username == "gaoxin":
            status, reason = "excused", "外出拜访客户"
        if membership.person.username == "liuyang":
            status = "absent"  # the third time in a row (see load_history)
        Attendance.objects.create(meeting=last, person=membership.person, status=status, reason=reason, recorded_by=supervisor)


def last_meeting_minutes(*, last, review_item, supervisor) -> None:
    """Notes from the discussion, then the minutes published the same afternoon."""
    if review_item is not None:
        review_item.notes = (
            "**退货率**：Q3 退货率 4.2%，其中尺码问题占 38%。\n\n"
            "- 客服：退货咨询平均等待 6 分钟\n- 物流：华东仓逆向物流积压 1,200 单\n\n"
            "结论：先整理 Q3 退货数据，下次例会给出原因分析。"
        )
        review_item.save(update_fields=["notes"])
    last.refresh_from_db()
    record = minutes_publish(actor=supervisor, meeting=last)
    # Published three hours after the end, or just now if it ended less than that ago.
    record.published_at = min(last.actual_end + dt.timedelta(hours=3), timezone.now())
    record.save(update_fields=["published_at"])


# --- load_history: the months before last week's meeting --------------------------------


@dataclass
class History:
    """One series' history being written, meeting by meeting (oldest first)."""

    series: Any
    held: list
    now: dt.datetime
    roster: list
    supervisor: Any
    newest: set  # the three newest held meetings, last week's (run in detail, absent there) included
    owners: list
    earlier: list = field(default_factory=list)  # every action the history gave so far

    @classmethod
    def of(cls, *, series, held: list, now: dt.datetime) -> History:
        roster = list(series.memberships.select_related("person"))
        supervisor = next(m.person for m in roster if m.role == "chair")
        newest = set(Meeting.objects.filter(series=series, status=Meeting.Status.HELD)
                     .order_by("-start").values_list("pk", flat=True)[:3])  # fmt: skip
        owners = [m.person for m in roster if m.role != "optional"]
        return cls(series=series, held=held, now=now, roster=roster, supervisor=supervisor, newest=newest, owners=owners)

    def meeting_record(self, i: int, meeting) -> None:
        """The i-th held meeting: run, attended, reported, reviewed, decided, minuted, rated."""
        n = len(self.held)
        recent = i >= n - 4  # the last four before last week's: running long
        reporting = i >= n - 10  # lately (the last six weeks, peak included): mostly reporting
        items, t = self.run(i, meeting, recent=recent, reporting=reporting)
        self.attendance(i, meeting)
        self.reports(i, meeting, items)
        self.reviews(i, meeting)
        self.actions(i, meeting, recent=recent, t=t)
        self.minutes(i, meeting, t=t)
        self.survey(i, meeting, recent=recent, reporting=reporting, t=t)

    def run(self, i: int, meeting, *, recent: bool, reporting: bool) -> tuple[list, dt.datetime]:
        """The agenda published, the meeting run item by item; returns its items and end."""
        agenda_ensure(meeting=meeting)
        items = list(meeting.items.order_by("position"))
        # A short peak-time meeting runs the same agenda in its shorter slot.
        fit = min(1.0, meeting.duration_minutes / max(1, sum(item.minutes_allotted for item in items)))
        lead = dt.timedelta(hours=6) if i % 5 == 3 else dt.timedelta(hours=30)
        start = meeting.start + dt.timedelta(minutes=(8 if i % 6 == 4 else i % 3))
        t = start
        for item in items:
            factor = 1.0
            if item.kind == "report":
                factor = 1.9 if reporting else 1.0
            elif item.kind in ("discussion", "decision"):
                factor = 0.45 if reporting else 1.1
            extra = 3 if (recent and item.kind == "report") else 0
            item.seconds_used = int((item.minutes_allotted * fit * factor + extra) * 60)
            t += dt.timedelta(seconds=item.seconds_used)
        AgendaItem.objects.bulk_update(items, ["seconds_used"])
        Meeting.objects.filter(pk=meeting.pk).update(actual_start=start, actual_end=t, agenda_published_at=meeting.start - lead)
        return items, t

    def attendance(self, i: int, meeting) -> None:
        # In the weekly meeting: absent at the three newest held meetings (peak-time ones
        # after last week's included, so the streak holds whatever the day).
        absent_streak = self.series.title == "运营周例会" and meeting.pk in self.newest
        Attendance.objects.bulk_create([
            Attendance(meeting=meeting, person=m.person, recorded_by=self.supervisor,
                       status="absent" if (m.person.username == "liuyang" and absent_streak) else
                       "late" if (m.person.username == "chenjing" and i % 4 == 1) else
                       "excused" if m.role == "optional" else "present")
            for m in self.roster
        ])  # fmt: skip

    def reports(self, i: int, meeting, items: list) -> None:
        for item in items:
            if item.kind == "report" and not (i % 7 == 2 and item.position % 2):
                report = report_get_or_create(item=item)
                report.progress = "按计划推进。"
                report.submitted_at = meeting.start - dt.timedelta(hours=3)
                report.save(update_fields=["progress", "submitted_at"])

    def reviews(self, i: int, meeting) -> None:
        """Earlier actions still open come up for review here (now and then the review is skipped)."""
        if i % 5 != 4:
            self.review(meeting)

    def review(self, meeting) -> None:
        ActionUpdate.objects.bulk_create([
            ActionUpdate(action=a, kind="review", author=self.supervisor, meeting=meeting, old=a.status, new=a.status, text="例会跟进")
            for a in self.earlier if a.closed_at is None or a.closed_at > meeting.start
        ])  # fmt: skip

    def actions(self, i: int, meeting, *, recent: bool, t: dt.datetime) -> None:
        """The meeting's decision and its two actions, closed on time, late or not at all."""
        day = timezone.localtime(meeting.start).date()
        titles = HISTORY_TITLES
        decision = decision_record(actor=self.supervisor, meeting=meeting, text=f"第 {meeting.number} 次例会决议：{titles[i % len(titles)]}")
        given = []
        for j in range(2):
            owner = self.owners[(i * 2 + j) % len(self.owners)]
            due = day + dt.timedelta(days=7)
            # Older actions are closed, half on time; lately fewer make it.
            on_time = (i + j) % (3 if recent else 2) == 0
            closed = None if (recent and j == 1) else timezone.make_aware(
                dt.datetime.combine(due + dt.timedelta(days=-1 if on_time else 4), dt.time(17, 0)))  # fmt: skip
            if closed and closed > self.now:
                closed = None
            action = ActionItem.objects.create(
                series=self.series, meeting=meeting, decision=decision, title=f"{titles[(i + j) % len(titles)]}（第 {meeting.number} 次）",
                owner=owner, due=due, status="done" if closed else "open", created_by=self.supervisor, closed_at=closed,
            )  # fmt: skip
            given.append(action)
            self.earlier.append(action)
        # Recorded during the meeting, not today (auto_now_add).
        ActionItem.objects.filter(pk__in=[a.pk for a in given]).update(created=t)

    def minutes(self, i: int, meeting, *, t: dt.datetime) -> None:
        published_at = t + (dt.timedelta(hours=30) if i % 4 == 2 else dt.timedelta(hours=3))
        if published_at <= self.now:  # a meeting held within the last day may not have its minutes yet
            record = minutes_publish(actor=self.supervisor, meeting=meeting)
            record.published_at = published_at
            record.save(update_fields=["published_at"])

    def survey(self, i: int, meeting, *, recent: bool, reporting: bool, t: dt.datetime) -> None:
        """Satisfaction: steady, then falling at each of the last three (4.4 → 4.0 → 3.6 → 3.2)."""
        n = len(self.held)
        scores = {n - 4: [5, 5, 4, 4, 4], n - 3: [4, 4, 4, 4, 4], n - 2: [4, 4, 4, 3, 3], n - 1: [4, 3, 3, 3, 3]}.get(
            i, [4, 5, 4, 4, 5, 4, 4] if i % 3 else [5, 4, 4, 4, 4, 5, 4])  # fmt: skip
        survey = Survey.objects.create(meeting=meeting, anonymous=True, opened_at=t, closes_at=t + dt.timedelta(days=3),
                                       invited=len(self.roster) - 1)  # fmt: skip
        answered = self.owners[: len(scores)]
        scores = scores[: len(answered)]
        Respondent.objects.bulk_create([Respondent(survey=survey, person=p) for p in answered])
        Response.objects.bulk_create([
            Response(survey=survey, purpose_clear=min(5, overall + (k % 2)), time_well_used=max(1, overall - (1 if recent else 0)),
                     outcomes_useful=overall, discussion_open=max(1, overall - (1 if reporting else 0)), overall=overall,
                     comment="汇报时间太长，讨论不够。" if reporting and k == 0 else "")
            for k, overall in enumerate(scores)
        ])  # fmt: skip

    def following_reviewed(self) -> None:
        """The last history meeting's actions come up in the following one (last week's)."""
        following = Meeting.objects.filter(series=self.series, status=Meeting.Status.HELD, start__gt=self.held[-1].start).order_by("start").first()
        if following is not None:
            self.review(following)


def history_messages_drop(*, held: list, now: dt.datetime) -> None:
    """Past events queue notices (minutes, new actions): they happened before Lihui."""
    Message.objects.filter(created__gte=now - dt.timedelta(minutes=10), object_type="meetings.meeting",
                           object_id__in=[m.pk for m in held]).delete()  # fmt: skip
    Message.objects.filter(object_type="actions.actionitem", object_id__in=ActionItem.objects.filter(
        meeting__in=held).values("pk")).delete()  # fmt: skip
