"""Synthetic "large org" data for the benchmark: departments, people, meeting series
with rosters and cadence windows, company days off.

Everything is seeded (`random.Random(seed)`), so two runs build the same organisation
relative to today. People, departments, series, memberships and windows are written
with bulk_create; occurrences are NOT created here — `run.py` materializes them through
`lihui.meetings.services.planning.meetings_plan`, which is what it times.

`meeting_cases` then builds, through the app's services, the two meetings of the meeting
benchmark: a big one (30 agenda items, 40 participants, 20 KPI rows, materials, guests,
attendance, reports this time and last time) and a small one, both started.

Only import this after `django.setup()`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.db import transaction

from lihui.people.models import Department, Person, sort_key_for
from lihui.regime.models import CadenceWindow, CompanyDayOff, Membership, Series
from lihui.regime.services import RosterEntry, roster_validate

YEARS = 3  # every series is materialized over [start_date, start_date + 3 years]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬辉鑫博文斌宇浩凯健俊帆雪琳晨欣怡婷颖佳子涵梓轩宁思远航鹏飞"
REGIONS = ["总部", "华东", "华南", "华北", "西南", "华中", "西北", "东北", "欧洲"]
FUNCTIONS = ["运营部", "客服部", "物流部", "市场部", "财务部", "技术部", "采购部", "人力资源部", "法务部", "产品部"]
TOPICS = ["周例会", "质量复盘会", "项目同步会", "经营分析会", "安全生产例会", "库存盘点会", "招聘进展会", "预算评审会", "投诉复盘会", "技术评审会", "站会", "客户回访会"]
TIMES = [dt.time(h, m) for h, m in ((9, 0), (9, 30), (10, 0), (11, 0), (14, 0), (15, 30), (16, 0), (17, 0))]
DURATIONS = [30, 45, 60, 60, 60, 90, 120]
BERLIN = "Europe/Berlin"
SHANGHAI = "Asia/Shanghai"

# (label, weight) of the cadence mix
CADENCE_MIX = [
    ("weekly", 30),
    ("weekly-multi", 8),  # e.g. Mon/Thu, or Mon/Wed/Fri stand-ups
    ("biweekly", 20),
    ("monthly-day", 12),
    ("monthly-weekday", 12),
    ("quarterly", 8),
    ("every-n-days", 10),
]


@dataclass(frozen=True)
class Scale:
    label: str
    series: int
    people: int
    departments: int
    heavy_memberships: int  # series the "heavy" person (dashboard user) is on


@dataclass
class Dataset:
    scale: Scale
    heavy: Person  # a non-staff person on many rosters: the dashboard / page user
    admin: Person
    showcase: Series  # same spec at every scale: the series page under test
    series: list[Series]
    counts: dict[str, int] = field(default_factory=dict)
    cadence_counts: dict[str, int] = field(default_factory=dict)


def years_after(day: dt.date, years: int = YEARS) -> dt.date:
    return day + relativedelta(years=years)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _departments(scale: Scale) -> list[Department]:
    names = [r + f for r in REGIONS for f in FUNCTIONS]
    # Always keep a few European departments (the Berlin series belong to them).
    wanted = names[: max(1, scale.departments - 2)] + ["欧洲运营部", "欧洲物流部"]
    wanted = list(dict.fromkeys(wanted))[: scale.departments]
    depts = Department.objects.bulk_create([Department(name=n, sort_key=sort_key_for(n)) for n in wanted])
    by_name = {d.name: d for d in depts}
    for d in depts:  # regional departments report to the head-office department of the same function
        parent = by_name.get("总部" + d.name[2:]) if not d.name.startswith("总部") else None
        if parent is not None and parent is not d:
            d.parent = parent
    Department.objects.bulk_update(depts, ["parent"])
    return depts


def _people(scale: Scale, rng: random.Random, depts: list[Department]) -> tuple[list[Person], Person, Person]:
    unusable = make_password(None)  # no hashing cost; force_login does not need a password
    rows = []
    head_office_ops = next(d for d in depts if d.name == "总部运营部")
    heavy = Person(username="bench_heavy", name="周云", department=head_office_ops, title="运营总监", time_zone=SHANGHAI)
    admin = Person(username="bench_admin", name="系统管理员", is_staff=True, is_superuser=True, time_zone=SHANGHAI)
    rows += [heavy, admin]
    weights = [3 if d.name.startswith("总部") else 1 for d in depts]
    for i in range(scale.people - 2):
        dept = rng.choices(depts, weights)[0]
        name = _name(rng)
        rows.append(
            Person(
                username=f"p{i:05d}",
                name=name,
                email=f"p{i:05d}@example.com",
                department=dept,
                title=rng.choice(["专员", "主管", "经理", "分析师", "工程师", ""]),
                time_zone=BERLIN if dept.name.startswith("欧洲") else SHANGHAI,
                is_active=rng.random() > 0.01,  # a few people have left
            )
        )
    for p in rows:
        p.password = unusable
        p.sort_key = sort_key_for(p.name)
    people = Person.objects.bulk_create(rows, batch_size=1000)
    # Each department gets a head.
    by_dept: dict[int, list[Person]] = {}
    for p in people:
        if p.department_id and p.is_active:
            by_dept.setdefault(p.department_id, []).append(p)
    for d in depts:
        if by_dept.get(d.pk):
            d.head = by_dept[d.pk][0]
    Department.objects.bulk_update(depts, ["head"])
    return people, people[0], people[1]


def _cadence(kind: str, rng: random.Random, start: dt.date) -> dict:
    if kind == "weekly":
        return {"frequency": "weekly", "interval": 1, "weekdays": str(start.weekday())}
    if kind == "weekly-multi":
        days = rng.choice([(0, 3), (0, 2, 4), (1, 3), (0, 1, 2, 3, 4)])
        return {"frequency": "weekly", "interval": 1, "weekdays": ",".join(map(str, days))}
    if kind == "biweekly":
        return {"frequency": "weekly", "interval": 2, "weekdays": str(start.weekday())}
    if kind == "monthly-day":
        day = rng.choice([1, 5, 10, 15, 20, 25, 28, -1, 31])  # 31 skips the short months
        return {"frequency": "monthly", "interval": 1, "monthly_mode": "day", "month_day": day}
    if kind == "monthly-weekday":
        return {
            "frequency": "monthly",
            "interval": 1,
            "monthly_mode": "weekday",
            "week_of_month": rng.choice([1, 2, 3, 4, -1]),
            "month_weekday": rng.randrange(5),
        }
    if kind == "quarterly":
        if rng.random() < 0.5:
            return {"frequency": "quarterly", "interval": 1, "monthly_mode": "day", "month_day": rng.choice([1, 10, 15, -1])}
        return {
            "frequency": "quarterly",
            "interval": 1,
            "monthly_mode": "weekday",
            "week_of_month": rng.choice([1, 2, -1]),
            "month_weekday": rng.randrange(5),
        }
    if kind == "every-n-days":
        return {"frequency": "daily", "interval": rng.choice([1, 2, 3, 5, 7, 10, 14])}
    raise ValueError(kind)


def _windows_for(series: Series, rng: random.Random, templates: list[str]) -> list[CadenceWindow]:
    """Seasonal windows in every year of the series' three years; the templates lie in
    different months, so windows never overlap."""
    last = years_after(series.start_date)
    out = []
    for year in range(series.start_date.year, last.year + 1):
        for t in templates:
            if t == "double11":  # 双十一 peak: every other evening
                w = CadenceWindow(kind="peak", name="双十一", start_date=dt.date(year, 11, 1), end_date=dt.date(year, 11, 15),
                                  frequency="daily", interval=2, start_time=dt.time(18, 0), duration_minutes=30)  # fmt: skip
            elif t == "618":  # 618 peak: Mon/Wed/Fri
                w = CadenceWindow(kind="peak", name="618", start_date=dt.date(year, 6, 1), end_date=dt.date(year, 6, 18),
                                  frequency="weekly", interval=1, weekdays="0,2,4", start_time=series.start_time,
                                  duration_minutes=series.duration_minutes)  # fmt: skip
            elif t == "spring":  # Spring Festival calm: every other week
                w = CadenceWindow(kind="calm", name="春节", start_date=dt.date(year, 1, 20), end_date=dt.date(year, 2, 28),
                                  frequency="weekly", interval=2, weekdays="1", start_time=series.start_time,
                                  duration_minutes=series.duration_minutes)  # fmt: skip
            else:  # summer calm: monthly
                w = CadenceWindow(kind="calm", name="暑期", start_date=dt.date(year, 7, 15), end_date=dt.date(year, 8, 31),
                                  frequency="monthly", interval=1, monthly_mode="day", month_day=20,
                                  start_time=series.start_time, duration_minutes=series.duration_minutes)  # fmt: skip
            if w.start_date < series.start_date or w.end_date > last:
                continue
            w.clean()  # the app's own validation (cadence, produces a meeting); no overlap query without series_id
            out.append(w)
    return out


def _roster(rng: random.Random, size: int, pool_dept: list[Person] | None, pool_all: list[Person]) -> list[Person]:
    """`size` distinct people, mostly from the series' own department."""
    chosen: dict[int, Person] = {}
    while len(chosen) < size:
        src = pool_dept if pool_dept and rng.random() < 0.7 else pool_all
        p = rng.choice(src)
        chosen.setdefault(p.pk, p)
    return list(chosen.values())


def generate(scale: Scale, *, seed: int, today: dt.date) -> Dataset:
    rng = random.Random(f"{seed}-{scale.label}")
    with transaction.atomic():
        depts = _departments(scale)
        people, heavy, admin = _people(scale, rng, depts)
        active = [p for p in people[2:] if p.is_active]
        by_dept: dict[int, list[Person]] = {}
        for p in active:
            by_dept.setdefault(p.department_id, []).append(p)
        europe = [d for d in depts if d.name.startswith("欧洲")]
        others = [d for d in depts if not d.name.startswith("欧洲")]

        heavy_idx = [0] + rng.sample(range(1, scale.series), min(scale.heavy_memberships, scale.series) - 1)
        # The heavy person chairs 6 of their series, is optional in 2, a member in the rest.
        heavy_role = {
            i: ("chair" if k < 6 else "optional" if k >= len(heavy_idx) - 2 else "member") for k, i in enumerate(heavy_idx)
        }

        kinds, weights = zip(*CADENCE_MIX)
        series_rows, rosters, window_rows = [], [], []
        cadence_counts: dict[str, int] = {}
        for i in range(scale.series):
            if i == 0:
                # The showcase series: identical at every scale (series page and API under test).
                monday = today - dt.timedelta(days=today.weekday())
                start = monday - dt.timedelta(weeks=52)
                kind, dept, zone = "weekly", depts[0], SHANGHAI
                data = {
                    "title": "运营周例会", "frequency": "weekly", "interval": 1, "weekdays": "0",
                    "start_time": dt.time(9, 30), "duration_minutes": 60, "holiday_policy": "next_workday",
                    "visibility": "roster", "minute_taker_rotates": True, "purpose": "回顾上周运营数据\n确定下周重点",
                    "location": "总部 3 楼 301 会议室", "video_link": "https://meeting.example.com/ops-weekly",
                }  # fmt: skip
                size, templates = 25, ["double11", "618"]
            else:
                kind = rng.choices(kinds, weights)[0]
                berlin = rng.random() < 0.06
                dept = rng.choice(europe if berlin else others)
                zone = BERLIN if berlin else SHANGHAI
                # Starts between 2.5 years and 1 month ago, so "now" lies inside every series' 3 years.
                start = today - dt.timedelta(days=rng.randint(30, 912))
                data = {
                    "title": f"{dept.name}{rng.choice(TOPICS)}",
                    **_cadence(kind, rng, start),
                    "start_time": rng.choice(TIMES),
                    "duration_minutes": rng.choice(DURATIONS),
                    "holiday_policy": rng.choices(["next_workday", "skip", "keep"], [60, 25, 15])[0],
                    "visibility": "organization" if rng.random() < 0.25 else "roster",
                    "minute_taker_rotates": rng.random() < 0.3,
                    "location": f"{dept.name[:2]} {rng.randint(1, 12)} 楼 {rng.randint(1, 20):02d} 会议室",
                    "video_link": "https://meeting.example.com/" + str(i) if rng.random() < 0.5 else "",
                }
                r = rng.random()
                if r < 0.04:
                    data["count"] = rng.choice([12, 24, 50])
                elif r < 0.08:
                    data["end_date"] = start + dt.timedelta(days=rng.randint(180, 700))
                size = max(5, min(25, round(rng.triangular(5, 25, 9))))
                # Peak windows fit any cadence; calm windows only thin out the frequent ones.
                frequent = kind in ("weekly", "weekly-multi", "every-n-days")
                choices = ["double11", "618"] + (["spring", "summer"] if frequent else [])
                templates = rng.sample(choices, rng.choice((1, 2))) if rng.random() < 0.2 else []
            cadence_counts[kind] = cadence_counts.get(kind, 0) + 1
            s = Series(department=dept, time_zone=zone, start_date=start, created_by=admin, **data)
            s.clean()  # the app's rule validation: well-formed cadence that produces meetings
            series_rows.append(s)

            forced = {heavy.pk: heavy_role[i]} if i in heavy_role else {}
            people_on = _roster(rng, size - len(forced), by_dept.get(dept.pk), active)
            people_on = [p for p in people_on if p.pk not in forced]
            entries: list[RosterEntry] = []
            if forced.get(heavy.pk) == "chair":
                entries.append(RosterEntry(heavy, "chair"))
            else:
                entries.append(RosterEntry(people_on.pop(0), "chair"))
                if heavy.pk in forced:
                    entries.append(RosterEntry(heavy, forced[heavy.pk]))
            n_optional = max(0, round(len(people_on) * rng.choice((0, 0.1, 0.2))))
            optional, required = people_on[:n_optional], people_on[n_optional:]
            if s.minute_taker_rotates and len(required) >= 2:
                k = min(len(required), rng.randint(2, 5) if i else 4)
                entries += [RosterEntry(p, "member", n + 1 if n < k else None) for n, p in enumerate(required)]
            else:
                s.minute_taker_rotates = False
                if required:
                    entries.append(RosterEntry(required[0], "minute_taker"))
                entries += [RosterEntry(p, "member") for p in required[1:]]
            entries += [RosterEntry(p, "optional") for p in optional]
            roster_validate(roster=entries, rotates=s.minute_taker_rotates)
            rosters.append(entries)
            window_rows.append(_windows_for(s, rng, templates))

        series = Series.objects.bulk_create(series_rows, batch_size=500)
        memberships, windows = [], []
        for s, entries, ws in zip(series, rosters, window_rows):
            for e in entries:
                position = e.rotation_position if s.minute_taker_rotates else None
                memberships.append(Membership(series=s, person=e.person, role=e.role, rotation_position=position))
            for w in ws:
                w.series = s
                windows.append(w)
        Membership.objects.bulk_create(memberships, batch_size=2000)
        CadenceWindow.objects.bulk_create(windows, batch_size=1000)

        # A few company days off (公司休息日) across the years the series cover.
        days_off = []
        for year in range(today.year - 3, today.year + 4):
            days_off.append(CompanyDayOff(date=dt.date(year, 3, 8), name="公司周年庆"))
            days_off.append(CompanyDayOff(date=dt.date(year, 12, 24), name="年终盘点"))
        CompanyDayOff.objects.bulk_create(days_off)

    return Dataset(
        scale=scale,
        heavy=heavy,
        admin=admin,
        showcase=series[0],
        series=series,
        counts={
            "departments": len(depts),
            "people": len(people),
            "series": len(series),
            "memberships": len(memberships),
            "windows": len(windows),
            "berlin": sum(1 for s in series if s.time_zone == BERLIN),
            "heavy_memberships": len(heavy_idx),
        },
        cadence_counts=cadence_counts,
    )


# --- one meeting, prepared and running: the meeting page and the live "next item" --------------

KPI_NAMES = [  # (name, unit, higher is better, default target)
    ("订单准时发货率", "%", True, "98"),
    ("客户投诉数", "件", False, "12"),
    ("库存周转天数", "天", False, "30"),
    ("销售额", "万元", True, "520"),
    ("毛利率", "%", True, "24.5"),
    ("人均产能", "单", True, "130"),
]
TOPIC_TITLES = [
    "双十一备货方案", "618 复盘", "华东仓容量评估", "退货率上升原因分析", "新供应商准入", "客服排班调整", "直播间合作方案",
    "年度预算执行情况", "物流费率谈判", "系统上线计划", "安全生产检查整改", "人员招聘进度", "会员体系改版", "价格带调整",
    "海外站点合规", "包装减量试点", "大客户续约", "数据看板需求", "季度目标拆解", "跨部门协作问题", "春节值班安排",
    "供应链风险预案", "门店巡检结果", "质量抽检报告",
]
MATERIAL_FILES = [  # (name, bytes): small files whose content the app's sniffing accepts
    ("经营周报.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"),
    ("KPI明细.csv", "指标,目标,实际\n订单准时发货率,98,97.2\n客户投诉数,12,9\n".encode()),
    ("会前说明.txt", "请各位提前阅读，会上只讨论问题和决定。\n".encode()),
    ("趋势图.png", bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40),
]


@dataclass(frozen=True)
class MeetingSpec:
    label: str
    title: str
    report_departments: int  # department heads on the roster, one report item each
    kpis_per_department: int
    members: int  # other roster people besides the chair, minute-taker and heads
    optional: int
    colleague_guests: int  # guests not on the roster
    outside_guests: int
    roster_guests: int  # roster members also invited for one topic (not extra participants)
    items: int  # agenda items in all
    participants: int  # roster + guests not on it: checked after building
    materials: int
    duration_minutes: int


BIG_MEETING = MeetingSpec("big", "经营分析周例会", report_departments=5, kpis_per_department=4, members=27, optional=2,
                          colleague_guests=2, outside_guests=2, roster_guests=1, items=30, participants=40, materials=12,
                          duration_minutes=180)  # fmt: skip
SMALL_MEETING = MeetingSpec("small", "财务碰头会", report_departments=1, kpis_per_department=2, members=0, optional=0,
                            colleague_guests=0, outside_guests=1, roster_guests=0, items=3, participants=3, materials=2,
                            duration_minutes=30)  # fmt: skip


@dataclass
class MeetingCase:
    spec: MeetingSpec
    meeting: object  # the Meeting under test: planned, agenda made, reports filled, started
    previous: object  # the meeting before it, held, with KPI values (for "change since last meeting")
    counts: dict[str, int] = field(default_factory=dict)


def _kpi_values(rng: random.Random, kpi) -> dict:
    target = Decimal(kpi.default_target)
    actual = (target * Decimal(rng.uniform(0.8, 1.15))).quantize(Decimal("0.01"))
    return {"kpi": kpi.pk, "target": str(target), "actual": str(actual)}


def meeting_cases(dataset: Dataset, *, seed: int, today: dt.date) -> tuple[Person, list[MeetingCase]]:
    """A big meeting (30 items, 40 participants, 20 KPI rows) and a small one (3, 3, 2), built
    through the app's services like a chair and the department heads would: series_create,
    agenda_template_save, agenda_ensure, agenda_item_add, guest_invite, material_add, kpi_define,
    report_save (this meeting and the previous one), attendance_set, then meeting_start.

    Both series are chaired by one non-staff person (`bench_chair`), who makes the requests.
    Their departments are taken from the dataset: the report departments' heads are on the
    roster; nobody else on either roster heads a department (so agenda_ensure makes exactly
    those report items)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from lihui.meetings.models import Guest, Meeting
    from lihui.meetings.selectors import meeting_agenda, meeting_participants
    from lihui.meetings.services import agenda as agenda_services
    from lihui.meetings.services import live as live_services
    from lihui.regime.models import AgendaKind, PresenterRole
    from lihui.regime.services import agenda_template_save, series_create
    from lihui.reports.selectors import previous_meeting, reports_attach
    from lihui.reports.services import kpi_define, report_save

    rng = random.Random(f"{seed}-meetings")
    admin = dataset.admin
    depts = list(Department.objects.filter(head__is_active=True, head__is_staff=False).select_related("head").order_by("pk"))
    heads = {d.head_id for d in Department.objects.exclude(head=None)}
    pool = list(
        Person.objects.filter(is_active=True, is_staff=False)
        .exclude(pk__in=heads)
        .exclude(pk=dataset.heavy.pk)
        .order_by("pk")
    )
    needed = 1 + sum(s.report_departments for s in (BIG_MEETING, SMALL_MEETING))
    if len(depts) < needed:
        raise ValueError(f"need {needed} departments with a head, the dataset has {len(depts)}")
    home, report_depts = depts[0], depts[1:]
    chair = Person(username="bench_chair", name="林海涛", title="总经理", department=home, time_zone=SHANGHAI)
    chair.set_unusable_password()
    chair.save()
    now = timezone.now()
    cases = []
    for spec in (BIG_MEETING, SMALL_MEETING):
        mine, report_depts = report_depts[: spec.report_departments], report_depts[spec.report_departments :]
        picked = rng.sample(pool, 1 + spec.members + spec.optional + spec.colleague_guests)
        pool = [p for p in pool if p not in picked]
        taker, members = picked[0], picked[1 : 1 + spec.members]
        optional = picked[1 + spec.members : 1 + spec.members + spec.optional]
        colleagues = picked[1 + spec.members + spec.optional :]
        roster = [RosterEntry(chair, "chair")]
        if spec.members:  # the big meeting: its own minute-taker, the heads report as members
            roster += [RosterEntry(taker, "minute_taker")] + [RosterEntry(d.head, "member") for d in mine]
        else:  # the small one: the one department head also takes the minutes
            taker = mine[0].head
            roster += [RosterEntry(taker, "minute_taker")]
        roster += [RosterEntry(p, "member") for p in members] + [RosterEntry(p, "optional") for p in optional]

        # Weekly, two days from now: the previous meeting was five days ago.
        series = series_create(
            actor=admin,
            data={
                "title": spec.title, "purpose": "对齐本周经营数据\n决定下周重点", "department": home,
                "frequency": "weekly", "interval": 1, "weekdays": str((today + dt.timedelta(days=2)).weekday()),
                "start_time": dt.time(9, 0), "duration_minutes": spec.duration_minutes, "time_zone": SHANGHAI,
                "start_date": today - dt.timedelta(weeks=10), "holiday_policy": "keep", "visibility": "roster",
                "location": "总部 5 楼 501 会议室", "video_link": "https://meeting.example.com/bench-" + spec.label,
            },
            roster=roster,
        )  # fmt: skip
        past = Meeting.objects.filter(series=series, start__lt=now, status=Meeting.Status.SCHEDULED)
        past.update(status=Meeting.Status.HELD)
        template = [(AgendaKind.OPENING, "开场与本次目的", PresenterRole.CHAIR, 3)]
        if spec.members:
            template.append((AgendaKind.REVIEW, "上次行动项回顾", PresenterRole.MINUTE_TAKER, 8))
        template.append((AgendaKind.REPORT, "部门汇报", PresenterRole.DEPARTMENT_HEADS, 8))  # one item per head
        agenda_template_save(
            actor=admin,
            series=series,
            items=[{"kind": k, "title": t, "presenter_role": r, "minutes": n_} for k, t, r, n_ in template],
        )

        for dept in mine:
            for position, (name, unit, higher, target) in enumerate(KPI_NAMES[: spec.kpis_per_department]):
                data = {"name": name, "unit": unit, "higher_is_better": higher, "default_target": Decimal(target)}
                kpi_define(actor=dept.head, department=dept, data={**data, "position": position})
            # An inactive KPI, which must not show.
            kpi_define(actor=admin, department=dept, data={"name": "已停用指标", "active": False})

        meeting = series.meetings.filter(status=Meeting.Status.SCHEDULED, start__gt=now).order_by("start").first()
        previous = previous_meeting(meeting=meeting)
        assert previous is not None and previous.status == Meeting.Status.HELD, previous
        for m in (previous, meeting):
            agenda_services.agenda_ensure(meeting=m)

        # The chair adds topics until the agenda has `items` items; the last one is the recap.
        count = meeting.items.count()
        speakers = [taker] + members + [d.head for d in mine]
        for k in range(spec.items - count):
            if k == spec.items - count - 1:
                data = {"title": "总结与反馈", "kind": AgendaKind.RECAP, "minutes_allotted": 5, "presenter": chair}
            else:
                data = {
                    "title": TOPIC_TITLES[k % len(TOPIC_TITLES)],
                    "kind": rng.choice([AgendaKind.DISCUSSION, AgendaKind.DECISION, AgendaKind.PLAN]),
                    "minutes_allotted": rng.choice([5, 10, 10, 15]),
                    "description": "背景、现状和需要会上决定的事项。",
                    "presenter": rng.choice(speakers),
                }
            agenda_services.agenda_item_add(actor=chair, meeting=meeting, data=data)
        items = meeting_agenda(meeting=meeting)
        report_items = [i for i in items if i.kind == AgendaKind.REPORT]
        topics = [i for i in items if i.kind != AgendaKind.REPORT] or items

        # Guests for one topic each: colleagues from elsewhere, outside people, a roster member.
        for n_, p in enumerate(colleagues):
            agenda_services.guest_invite(actor=chair, item=topics[(n_ + 2) % len(topics)], person=p, reason="列席说明情况")
        for n_ in range(spec.outside_guests):
            agenda_services.guest_invite(actor=chair, item=(report_items + topics)[n_ % len(items)], name=f"外部顾问{n_ + 1}",
                                         email=f"advisor{n_ + 1}@example.com", reason="行业数据")  # fmt: skip
        for n_ in range(spec.roster_guests):
            agenda_services.guest_invite(actor=chair, item=topics[-2], person=members[n_], reason="负责该议题")

        # Materials: small files on a spread of items, uploaded by the chair.
        for n_ in range(spec.materials):
            name, content = MATERIAL_FILES[n_ % len(MATERIAL_FILES)]
            item = items[(n_ * 7) % len(items)] if len(items) > spec.materials else report_items[0]
            agenda_services.material_add(actor=chair, item=item, upload=SimpleUploadedFile(name, content))

        # Reports with all KPI values, last meeting's and this one's; one of this meeting's is a draft.
        for m, m_items in ((previous, meeting_agenda(meeting=previous)), (meeting, items)):
            for n_, item in enumerate(i for i in m_items if i.kind == AgendaKind.REPORT):
                headed = next(d for d in mine if d.head_id == item.presenter_id)
                kpis = list(headed.kpis.filter(active=True))
                submit = not (m is meeting and n_ == len(report_items) - 1 and len(report_items) > 1)
                report_save(
                    actor=item.presenter,
                    item=item,
                    data={"progress": "本周完成主要目标。", "problems": "部分区域延迟发货。", "plan": "下周补齐库存。", "feedback": "客户反馈良好。"},
                    kpis=[_kpi_values(rng, k) for k in kpis],
                    submit=submit,
                )

        # Attendance (签到) for most participants, by the chair.
        participants = meeting_participants(meeting=meeting)
        statuses = ["present"] * 12 + ["late", "remote", "excused", "absent"]
        for n_, p in enumerate(participants):
            if n_ and n_ % 19 == 0:
                continue  # not checked in yet
            status = "present" if n_ == 0 else rng.choice(statuses)
            guest = None if p.person else Guest.objects.select_related("item").get(pk=p.guest_id)
            live_services.attendance_set(actor=chair, meeting=meeting, person=p.person if guest is None else None, guest=guest,
                                         status=status, reason="出差" if status == "excused" else "")  # fmt: skip

        meeting = live_services.meeting_start(actor=chair, meeting=meeting)

        items = meeting_agenda(meeting=meeting)
        reports_attach(items=items, meeting=meeting)
        kpi_rows = [r for i in items for r in i.kpi_rows]
        counts = {
            "items": len(items),
            "reports": sum(1 for i in items if i.kind == AgendaKind.REPORT),
            "participants": len(participants),
            "roster": series.memberships.count(),
            "guests": sum(len(i.guests.all()) for i in items),
            "kpi_rows": len(kpi_rows),
            "kpi_changes": sum(1 for r in kpi_rows if r.change is not None),
            "materials": sum(len(i.materials.all()) for i in items),
            "attendance": meeting.attendance.count(),
        }
        expected = {"items": spec.items, "participants": spec.participants, "materials": spec.materials,
                    "reports": spec.report_departments, "kpi_rows": spec.report_departments * spec.kpis_per_department,
                    "kpi_changes": spec.report_departments * spec.kpis_per_department}  # fmt: skip
        wrong = {k: (counts[k], v) for k, v in expected.items() if counts[k] != v}
        if wrong or meeting.current_item_id is None:
            problem = f"(got, wanted): {wrong}; current item {meeting.current_item_id}"
            raise ValueError(f"the {spec.label} meeting is not as specified {problem}")
        cases.append(MeetingCase(spec=spec, meeting=meeting, previous=previous, counts=counts))
    return chair, cases
