"""Browser test: one weekly meeting from preparation to recap, in Chromium.

The supervisor (周云, chair) prepares next Monday's 运营周例会: retimes, adds and moves agenda
items and publishes the agenda. Two department heads file their reports with KPIs (each first
types something that is not a number). The chair then runs the meeting on a laptop from Start
to End — attendance, a note, Next through every item, Previous once, a reload in the middle —
while a member keeps the projector view open in a second browser. The recap must show the time
per item, who was late or excused, and the KPI values the heads entered.

Same Playwright setup as test_browser.py: Debian's chromium, the live server, screenshots of
every main step in <repo>/screenshots/. Everyone works in Simplified Chinese; texts are compared
with what Django's gettext says in zh-hans, so they hold whether or not the catalog is compiled.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.people.models import Person
from lihui.regime.models import AgendaKind
from lihui.reports.models import Kpi, KpiValue, Report, achievement
from lihui.templatetags_builtins import duration_minutes
from lihui.testing.factories import DepartmentFactory, PersonFactory, make_series

sync_api = pytest.importorskip("playwright.sync_api")

from lihui.testing.browser import BROWSER_MARKS, Shots, browser_pages, follow, goto, log_in, zh  # noqa: E402

expect = sync_api.expect

POLL_MS = 6_000  # live.js polls the state every 2 s: a screen follows within two polls
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = BROWSER_MARKS


# --- helpers -------------------------------------------------------------------------


def next_monday() -> dt.date:
    day = timezone.localdate(timezone=SHANGHAI) + dt.timedelta(days=1)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def agenda_rows(page):
    return page.locator("#agenda table.agenda tbody tr[data-item]")


def row_ids(page) -> list[int]:
    return [int(pk) for pk in agenda_rows(page).evaluate_all("rows => rows.map(r => r.dataset.item)")]


def db_order(meeting: Meeting) -> list[int]:
    return list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "id").values_list("pk", flat=True))


def mmss_seconds(text: str) -> int:
    minutes, seconds = text.strip().lstrip("−").split(":")
    return int(minutes) * 60 + int(seconds)


def cells(row) -> list[str]:
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def build_team():
    """Operations (the chair's) and three departments whose heads sit on the roster, with KPIs."""
    ops = DepartmentFactory(name="运营部")
    service = DepartmentFactory(name="客服部", parent=ops)
    logistics = DepartmentFactory(name="物流部", parent=ops)
    marketing = DepartmentFactory(name="市场部", parent=ops)

    def person(username, name, department):
        return PersonFactory(username=username, name=name, department=department, language="zh-hans", time_zone="Asia/Shanghai")

    chair = person("zhouyun", "周云", ops)
    lina = person("lina", "李娜", service)
    wangqiang = person("wangqiang", "王强", logistics)
    chenjing = person("chenjing", "陈静", marketing)
    sunli = person("sunli", "孙丽", ops)
    huangmin = person("huangmin", "黄敏", logistics)
    liuyang = person("liuyang", "刘洋", service)
    for department, head in [(ops, chair), (service, lina), (logistics, wangqiang), (marketing, chenjing)]:
        department.head = head
        department.save()

    kpi = SimpleNamespace(
        response=Kpi.objects.create(department=service, name="首次响应时长", unit="分钟", higher_is_better=False, default_target=Decimal("2"), position=0),
        satisfaction=Kpi.objects.create(department=service, name="客户满意度", unit="%", default_target=Decimal("95"), position=1),
        on_time=Kpi.objects.create(department=logistics, name="准时发货率", unit="%", default_target=Decimal("98"), position=0),
        hours=Kpi.objects.create(department=logistics, name="平均配送时长", unit="小时", higher_is_better=False, default_target=Decimal("36"), position=1),
        new_customers=Kpi.objects.create(department=marketing, name="新客获取数", unit="人", default_target=Decimal("5000"), position=0),
    )
    monday = next_monday()
    series = make_series(
        chair=chair,
        roster=[(p, "member") for p in (lina, wangqiang, chenjing, sunli, huangmin, liuyang)],
        title="运营周例会",
        purpose="回顾上周运营数据\n确定下周重点",
        department=ops,
        start_date=monday,
        start_time=dt.time(9, 30),
        duration_minutes=60,
        holiday_policy="keep",  # next Monday whatever the calendar says
    )
    meeting = Meeting.objects.filter(series=series, status=Meeting.Status.SCHEDULED).order_by("start").first()
    assert meeting.start.astimezone(SHANGHAI).date() == monday and meeting.number == 1
    return SimpleNamespace(
        chair=chair, lina=lina, wangqiang=wangqiang, chenjing=chenjing, sunli=sunli, huangmin=huangmin, liuyang=liuyang,
        ops=ops, service=service, logistics=logistics, marketing=marketing, kpi=kpi, series=series, meeting=meeting,
    )


# --- the heads' reports --------------------------------------------------------------


def file_report(page, shots, *, head: Person, meeting: Meeting, texts: dict, actuals: dict, wrong: tuple, screenshot: bool) -> None:
    """A department head opens their item from the meeting page, tries a value that is not a
    number, sees it kept with the error, corrects it and submits."""
    log_in(page, head)
    goto(page, f"/meetings/{meeting.pk}/")
    item = AgendaItem.objects.get(meeting=meeting, presenter=head, kind=AgendaKind.REPORT)
    links = page.locator('#agenda a[href$="/report/"]')
    assert links.count() == 1, "a head may fill only their own report"
    link = page.locator(f'#agenda tr[data-item="{item.pk}"] a[href="/items/{item.pk}/report/"]')
    assert link.inner_text().strip() == zh("Fill the report")
    assert page.locator("[data-testid=publish]").count() == 0, "only the chair publishes"
    follow(page, link, re.compile(rf"/items/{item.pk}/report/$"))

    kpis = list(Kpi.objects.filter(department=head.department))
    for kpi in kpis:  # the targets start from the department's defaults
        assert page.locator(f'input[name="kpi-{kpi.pk}-target"]').input_value() == f"{kpi.default_target.normalize():f}"
        assert page.locator(f'input[name="kpi-{kpi.pk}-actual"]').input_value() == ""
    for field, text in texts.items():
        page.fill(f"#id_{field}", text)
    wrong_kpi, wrong_value = wrong
    for kpi, value in actuals.items():
        page.fill(f'input[name="kpi-{kpi.pk}-actual"]', wrong_value if kpi == wrong_kpi else value)

    # Submit with a value that is not a number: the form comes back with everything kept.
    follow(page, 'main form button[name="submit"]', re.compile(rf"/items/{item.pk}/report/$"))
    assert page.locator("main .errors[role=alert]").inner_text().strip() == zh("Some KPI values are not numbers.")
    bad_rows = page.locator("table.kpis tbody td.has-error")
    assert bad_rows.count() == 1
    assert bad_rows.locator(f'input[name="kpi-{wrong_kpi.pk}-actual"]').count() == 1, "the error sits on the wrong value's row"
    assert bad_rows.locator(".errors").inner_text().strip() == zh("Enter a number, e.g. 98.5.")
    assert page.locator(f'input[name="kpi-{wrong_kpi.pk}-actual"]').input_value() == wrong_value, "what I typed is kept"
    for kpi, value in actuals.items():
        if kpi != wrong_kpi:
            assert page.locator(f'input[name="kpi-{kpi.pk}-actual"]').input_value() == value
    for field, text in texts.items():
        assert page.locator(f"#id_{field}").input_value() == text
    report = Report.objects.get(item=item)
    assert report.submitted_at is None and not report.progress and not KpiValue.objects.filter(report=report).exists(), "nothing saved"
    if screenshot:
        shots(page, "report-error")

    # Correct it and submit: back to the meeting page, the item's report is in.
    page.fill(f'input[name="kpi-{wrong_kpi.pk}-actual"]', actuals[wrong_kpi])
    follow(page, 'main form button[name="submit"]', re.compile(rf"/meetings/{meeting.pk}/$"))
    assert zh("The report was submitted.") in page.locator("ul.messages").inner_text()
    expect(page.locator(f'#agenda tr[data-item="{item.pk}"] .badge.held')).to_have_text(zh("Report in"))
    report.refresh_from_db()
    assert report.submitted_at is not None and report.updated_by == head and report.department == head.department
    for field, text in texts.items():
        assert getattr(report, field) == text
    values = {v.kpi_id: (v.target, v.actual) for v in report.values.all()}
    assert values == {
        kpi.pk: (kpi.default_target, Decimal(actuals[kpi].rstrip("%"))) for kpi in kpis
    }


# --- the scenario --------------------------------------------------------------------


def test_prepare_report_run_and_recap_a_weekly_meeting(new_page):
    team = build_team()
    meeting, kpi = team.meeting, team.kpi
    shots = Shots("meeting")
    heads = {team.lina, team.wangqiang, team.chenjing}

    # ---- A: the chair opens next Monday's meeting from the dashboard.
    chair_page = new_page()
    log_in(chair_page, team.chair)
    follow(chair_page, f'main table.meetings a[href="/meetings/{meeting.pk}/"]', re.compile(rf"/meetings/{meeting.pk}/$"))
    assert chair_page.locator("html").get_attribute("lang") == "zh-CN"

    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "id"))
    reports = [i for i in items if i.kind == AgendaKind.REPORT]
    assert {i.presenter for i in reports} == heads, "one report per department head on the roster, none for the chair's own"
    assert agenda_rows(chair_page).count() == len(items) == 8
    assert row_ids(chair_page) == [i.pk for i in items]
    assert chair_page.locator('#agenda a[href$="/report/"]').count() == 3
    for item in reports:
        row = chair_page.locator(f'#agenda tr[data-item="{item.pk}"]')
        assert row.locator(".badge.skipped").inner_text().strip() == zh("Report not in yet")
        assert item.presenter.name in row.inner_text()
    reports_in = chair_page.locator("[data-testid=reports-in]")
    planned = chair_page.locator("[data-testid=planned]")
    assert reports_in.inner_text().strip() == zh("%(d)s of %(t)s reports in", d=0, t=3)
    total = sum(i.minutes_allotted for i in items)
    assert total == 54
    assert planned.inner_text().strip() == zh("%(p)s of %(s)s minutes planned", p=total, s=60)

    # Retime the review through its minutes box: htmx swaps the agenda, the page stays.
    review = next(i for i in items if i.kind == AgendaKind.REVIEW)
    url_before = chair_page.url
    chair_page.evaluate("window.__samePage = true")
    box = chair_page.locator(f'#agenda tr[data-item="{review.pk}"] input.minutes')
    box.fill("5")
    box.press("Tab")  # the change event fires when I leave the box
    expect(planned).to_have_text(zh("%(p)s of %(s)s minutes planned", p=total - 3, s=60))
    assert chair_page.url == url_before
    assert chair_page.evaluate("window.__samePage === true"), "no reload"
    review.refresh_from_db()
    assert review.minutes_allotted == 5
    assert chair_page.locator(f'#agenda tr[data-item="{review.pk}"] input.minutes').input_value() == "5"

    # Add an item with the inline form: it lands at the end and fills the hour.
    add = chair_page.locator("#agenda form.add-item")
    add.locator("input[name=title]").fill("双十一复盘")
    add.locator("select[name=kind]").select_option("discussion")
    add.locator("input[name=minutes_allotted]").fill("9")
    add.locator("button").click()
    expect(agenda_rows(chair_page)).to_have_count(9)
    expect(planned).to_have_text(zh("%(p)s of %(s)s minutes planned", p=60, s=60))
    added = AgendaItem.objects.get(meeting=meeting, title="双十一复盘")
    assert added.kind == AgendaKind.DISCUSSION and added.minutes_allotted == 9
    assert row_ids(chair_page)[-1] == added.pk
    assert chair_page.locator("[data-testid=overrun]").count() == 0
    assert chair_page.evaluate("window.__samePage === true")

    # Move it up one place: before the closing recap.
    chair_page.locator(f'#agenda tr[data-item="{added.pk}"] button[hx-vals*="up"]').click()
    expect(agenda_rows(chair_page).nth(7)).to_have_attribute("data-item", str(added.pk))
    order = db_order(meeting)
    assert row_ids(chair_page) == order
    assert order[7] == added.pk and AgendaItem.objects.get(pk=order[8]).kind == AgendaKind.RECAP
    assert chair_page.url == url_before and chair_page.evaluate("window.__samePage === true")

    # Publish.
    follow(chair_page, "[data-testid=publish]", re.compile(rf"/meetings/{meeting.pk}/$"))
    meeting.refresh_from_db()
    assert meeting.agenda_published_at is not None
    assert zh("The agenda was published.") in chair_page.locator("ul.messages").inner_text()
    assert chair_page.locator("[data-testid=publish]").inner_text().strip() == zh("Publish again")
    assert row_ids(chair_page) == order, "the agenda as arranged, after a full reload"
    shots(chair_page, "agenda-published")

    # ---- B and C: two department heads file their reports.
    texts_service = {
        "progress": "双十一售后咨询量同比增长 35%，临时增派 6 名客服。",
        "problems": "退货咨询高峰导致响应变慢。",
        "plan": "上线退货进度自助查询。",
    }
    actuals_service = {kpi.response: "1.8", kpi.satisfaction: "93.5"}
    file_report(
        new_page(), shots, head=team.lina, meeting=meeting, texts=texts_service, actuals=actuals_service,
        wrong=(kpi.satisfaction, "九十三点五"), screenshot=True,
    )
    texts_logistics = {
        "progress": "大促包裹已全部出库。",
        "problems": "华东仓爆仓两天，部分订单延迟。",
        "plan": "与两家快递商确定年货节运力。",
    }
    actuals_logistics = {kpi.on_time: "97.2%", kpi.hours: "38"}
    head_page = new_page()
    file_report(
        head_page, shots, head=team.wangqiang, meeting=meeting, texts=texts_logistics, actuals=actuals_logistics,
        wrong=(kpi.hours, "38小时"), screenshot=False,
    )
    shots(head_page, "report-submitted")

    goto(chair_page, f"/meetings/{meeting.pk}/")
    assert reports_in.inner_text().strip() == zh("%(d)s of %(t)s reports in", d=2, t=3)
    assert chair_page.locator("#agenda .badge.held", has_text=zh("Report in")).count() == 2

    # ---- D: a member puts the projector view up from the meeting page.
    projector = new_page(1600, 900)
    log_in(projector, team.sunli)
    goto(projector, f"/meetings/{meeting.pk}/")
    assert projector.locator("[data-testid=run]").count() == 0, "a member does not run the meeting"
    with projector.expect_popup() as popup:
        projector.locator(f'a[href="/meetings/{meeting.pk}/projector/"]').click()
    projector = popup.value
    projector.wait_for_load_state()
    assert projector.url.endswith(f"/meetings/{meeting.pk}/projector/")
    proj_title = projector.locator('[data-live="current-title"]')
    assert proj_title.inner_text().strip() == zh("Not started")

    # ---- A: run the meeting.
    follow(chair_page, "[data-testid=run]", re.compile(rf"/meetings/{meeting.pk}/live/$"))
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "id"))
    titles = [i.title for i in items]
    title = chair_page.locator('[data-live="current-title"]')
    used = chair_page.locator('[data-live="current-used"]')
    assert title.inner_text().strip() == zh("Not started")
    for testid in ("prev", "next", "end"):
        expect(chair_page.locator(f"[data-testid={testid}]")).to_be_hidden()

    chair_page.click("[data-testid=start]")
    # Next Monday's meeting, run today: Lihui asks before starting it so far ahead of its slot.
    expect(chair_page.locator("[data-testid=confirm]")).to_be_visible()
    assert "?" in chair_page.locator("[data-confirm-text]").inner_text() or "？" in chair_page.locator("[data-confirm-text]").inner_text()
    chair_page.click("[data-testid=confirm-yes]")
    expect(title).to_have_text(titles[0])
    expect(chair_page.locator("[data-testid=start]")).to_be_hidden()
    expect(chair_page.locator("[data-testid=next]")).to_be_visible()
    meeting.refresh_from_db()
    assert meeting.actual_start is not None and meeting.current_item_id == items[0].pk
    expect(proj_title).to_have_text(titles[0], timeout=POLL_MS)

    # Attendance: present for most, 黄敏 late, 陈静 excused with a reason.
    def check_in(person: Person, status: str, reason: str = "") -> None:
        row = chair_page.locator("#attendance table.attendance tbody tr", has_text=person.name)
        if reason:
            row.locator("input[name=reason]").fill(reason)
        row.locator(f"[data-testid=att-{status}]").click()
        expect(row.locator(f".badge.att-{status}")).to_be_visible()

    participants = [team.chair, team.lina, team.wangqiang, team.chenjing, team.sunli, team.huangmin, team.liuyang]
    assert chair_page.locator("#attendance table.attendance tbody tr").count() == len(participants)
    for person in participants:
        if person == team.huangmin:
            check_in(person, "late")
        elif person == team.chenjing:
            check_in(person, "excused", "外出拜访客户")
        else:
            check_in(person, "present")
    assert chair_page.locator("#attendance .errors").count() == 0
    marks = {a.person_id: a for a in Attendance.objects.filter(meeting=meeting)}
    assert {pk: a.status for pk, a in marks.items()} == {
        p.pk: ("late" if p == team.huangmin else "excused" if p == team.chenjing else "present") for p in participants
    }
    assert marks[team.chenjing.pk].reason == "外出拜访客户"
    assert marks[team.huangmin.pk].arrived_at is not None

    # A note on the current item, autosaved.
    notes = chair_page.locator(f'textarea.notes[data-item="{items[0].pk}"]')
    expect(notes).to_be_visible()
    assert chair_page.locator("textarea.notes:visible").count() == 1
    note = "本周重点：双十一复盘，年货节备战。"
    notes.fill(note)
    expect(chair_page.locator('[data-live="notes-status"]')).to_have_text(zh("Saved"))
    items[0].refresh_from_db()
    assert items[0].notes == note and items[0].notes_revision == 1
    shots(chair_page, "live-running")

    def step(action: str, index: int) -> None:
        """Press Next or Previous and wait until the laptop shows item `index`. Pressed right
        after a state poll answered, so a poll in flight cannot answer with the state from
        before the press (see the report: live.js takes any answer, even an older one)."""
        with chair_page.expect_response(lambda r: r.url.endswith("/live/state/"), timeout=POLL_MS):
            pass
        chair_page.click(f"[data-testid={action}]")
        expect(title).to_have_text(titles[index])
        expect(chair_page.locator(f'table.live-items tr[data-item="{items[index].pk}"]')).to_have_class(re.compile(r"\bcurrent\b"))
        assert Meeting.objects.get(pk=meeting.pk).current_item_id == items[index].pk

    middle = len(items) // 2
    for index in range(1, len(items)):
        step("next", index)
        if index == 2:
            # The projector follows the chair within a couple of polls.
            expect(proj_title).to_have_text(titles[2], timeout=POLL_MS)
            expect(projector.locator('[data-live="current-presenter"]')).to_have_text(items[2].presenter.name, timeout=POLL_MS)
            shots(projector, "projector")
        if index == middle:
            # Reload the laptop in the middle of the run: same item, its timer goes on.
            chair_page.wait_for_timeout(3_000)
            seconds_before = mmss_seconds(used.inner_text())
            assert seconds_before >= 1
            goto(chair_page, f"/meetings/{meeting.pk}/live/")
            assert chair_page.url.endswith(f"/meetings/{meeting.pk}/live/")
            assert title.inner_text().strip() == titles[middle], "the current item survives a reload"
            seconds_after = mmss_seconds(used.inner_text())
            assert seconds_after >= max(2, seconds_before), "the timer is not reset"
            first_used = chair_page.locator(f'table.live-items tr[data-item="{items[0].pk}"] [data-used]')
            assert mmss_seconds(first_used.inner_text()) >= 1, "time spent on earlier items is kept"
            expect(chair_page.locator("[data-testid=start]")).to_be_hidden()
            expect(chair_page.locator("[data-testid=next]")).to_be_visible()
            assert chair_page.locator(f'textarea.notes[data-item="{items[0].pk}"]').input_value() == note
            assert chair_page.locator("#attendance .badge.att-present").count() == 5
    expect(proj_title).to_have_text(titles[-1], timeout=POLL_MS)

    # Previous once, then back to the last item.
    step("prev", len(items) - 2)
    expect(proj_title).to_have_text(titles[-2], timeout=POLL_MS)
    step("next", len(items) - 1)

    # End asks first; "not yet" leaves the meeting running.
    chair_page.click("[data-testid=end]")
    dialog = chair_page.locator("[data-testid=confirm]")
    expect(dialog).to_be_visible()
    shots(chair_page, "end-confirm")
    chair_page.click("[data-testid=confirm-no]")
    expect(dialog).to_be_hidden()
    meeting.refresh_from_db()
    assert meeting.actual_end is None
    # End, confirmed: the recap.
    chair_page.click("[data-testid=end]")
    with chair_page.expect_navigation(url=re.compile(rf"/meetings/{meeting.pk}/recap/$")) as navigation:
        chair_page.click("[data-testid=confirm-yes]")
    assert navigation.value.status == 200
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD and meeting.actual_end is not None and meeting.current_item_id is None
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "id"))
    assert all(i.running_since is None and i.seconds_used >= 1 for i in items), [(i.title, i.seconds_used) for i in items]
    took = (meeting.actual_end - meeting.actual_start).total_seconds()
    assert took - 2 * len(items) <= sum(i.seconds_used for i in items) <= took + 1
    shots(chair_page, "recap")

    recap = chair_page.locator("main")
    actual_minutes = round(took / 60)
    assert zh("The meeting took %(a)s minutes of its %(s)s.", a=actual_minutes, s=60) in recap.locator("[data-testid=recap-time]").inner_text()
    assert zh("It ended on time.") in recap.locator("[data-testid=recap-time]").inner_text()
    # Time per item, as the server counted it.
    time_rows = recap.locator("[data-testid=recap-time] + table tbody tr")
    assert time_rows.count() == len(items)
    for i, item in enumerate(items):
        assert cells(time_rows.nth(i)) == [item.title, duration_minutes(item.seconds_used), f"{item.minutes_allotted}:00"]

    # Attendance: six of seven, 黄敏 late at the time she was checked in, 陈静 excused.
    assert zh("%(p)s of %(t)s attended", p=6, t=7) in recap.inner_text()
    late = recap.locator(".badge.att-late")
    assert late.count() == 1
    arrived = Attendance.objects.get(meeting=meeting, person=team.huangmin).arrived_at.astimezone(SHANGHAI)
    assert late.inner_text().strip() == f"{zh('Late')} {arrived:%H:%M}"
    present_line = late.locator("xpath=..").inner_text()
    assert all(p.name in present_line for p in participants if p != team.chenjing)
    absentees = recap.locator("[data-testid=absentees] li").all_inner_texts()
    assert len(absentees) == 1
    assert re.fullmatch(rf"陈静 · {re.escape(zh('Excused'))}\s*[:：]\s*外出拜访客户", absentees[0].strip()), absentees

    # Report highlights: the two filed reports with their KPIs, the third not filed.
    highlights = recap.locator("section.card", has=chair_page.locator("h2", has_text=zh("Report highlights")))
    assert highlights.locator("h3").count() == 3
    assert highlights.locator("p.muted", has_text=zh("No report was filed.")).count() == 1
    text = highlights.inner_text()
    for t in (texts_service, texts_logistics):
        assert t["problems"] in text and t["plan"] in text
    tables = highlights.locator("table.kpis")
    assert tables.count() == 2  # agenda order: 客服部, (市场部, nothing filed), 物流部
    for table, actuals in ((tables.nth(0), actuals_service), (tables.nth(1), actuals_logistics)):
        rows = table.locator("tbody tr")
        assert rows.count() == len(actuals)
        for r, (k, typed) in enumerate(actuals.items()):
            value = Decimal(typed.rstrip("%"))
            rate = achievement(k.default_target, value, higher_is_better=k.higher_is_better)
            name, target, actual, rate_text, change = cells(rows.nth(r))
            assert (name, Decimal(target), Decimal(actual)) == (str(k), k.default_target, value), "the values the head entered"
            assert (rate_text, change) == (f"{rate}%", "—"), "达成率; no previous meeting to compare with"
            assert rows.nth(r).locator("td").nth(3).get_attribute("class") == ("bad" if rate < 100 else "ok")
    assert highlights.locator("td.ok").count() == 1, "only 首次响应时长 (1.8 min for a 2 min target, lower is better) beat its target"

    # The projector notices the end at its next poll: no current item, no clock.
    expect(projector.locator('[data-live="left"]')).to_have_text("—", timeout=POLL_MS)
    expect(projector.locator("ol.live-items li.current")).to_have_count(0)
    shots(projector, "projector-ended")
