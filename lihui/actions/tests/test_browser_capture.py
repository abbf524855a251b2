"""Browser test: quick capture in a meeting, in Chromium (issue 7's "Done when").

"A minute-taker types ten lines during a demo meeting, confirms the eight proposals that are
right, edits one, dismisses one, and the actions appear on the owners' lists with the right
dates."

The chair (周云) starts this morning's 运营周例会 in live mode; the minute-taker (陈静) opens
the same live page and types ten lines into the quick capture box — Chinese and English,
owners named by 负责, @name, @pinyin and "owner:", dates such as 下周五前, 明天, 月底前,
X月X日前, "by Friday", "in 3 days", 两周内; one owner (吴敏, finance) is not on the
roster. She asks for proposals and finds all ten with their owners and due dates filled in. She confirms the eight that are right (six actions, two
decisions), edits the one whose title is shorthand (a new title and due date; a first try
with a date before the meeting is refused with a message and nothing is saved), and
dismisses the duplicate. The follow-up list refreshes as she goes; the database then holds
exactly those seven actions and two decisions. Each owner logs in and finds their actions,
with the right due dates, on 「我的行动项」.

Every date is worked out by hand from the meeting's local date (today in Shanghai), which is
the reference date for capture in a meeting; the rules are in lihui/actions/capture.py.

Same Playwright setup as test_browser_followup.py: Debian's chromium, the live server,
screenshots of every main step in <repo>/screenshots/capture-NN-*.png. Everyone works in
Simplified Chinese; texts are compared with what Django's gettext says in zh-hans.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from lihui.actions.models import ActionItem, Decision
from lihui.meetings.models import AgendaItem, Meeting
from lihui.testing.factories import PersonFactory, make_series

sync_api = pytest.importorskip("playwright.sync_api")

from lihui.testing.browser import BROWSER_MARKS, Shots, browser_pages, follow, goto, log_in, zh  # noqa: E402

expect = sync_api.expect

SHANGHAI = ZoneInfo("Asia/Shanghai")
PREFIX = "capture"
ZH_WEEKDAYS = "一二三四五六日"

pytestmark = BROWSER_MARKS


# --- helpers -------------------------------------------------------------------------


def short_day(day: dt.date) -> str:
    """How lists show a due date in Chinese: 11月30日 周一."""
    return f"{day.month}月{day.day}日 周{ZH_WEEKDAYS[day.weekday()]}"


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def build_team():
    """A weekly series whose first meeting began a few minutes ago, today in Shanghai:
    周云 chairs, 陈静 takes the minutes, four members; 吴敏 (finance) is not on the roster."""

    def person(username, name):
        return PersonFactory(username=username, name=name, language="zh-hans", time_zone="Asia/Shanghai")

    chair = person("zhouyun", "周云")
    taker = person("chenjing", "陈静")
    wangqiang = person("wangqiang", "王强")
    lina = person("lina", "李娜")
    zhaolei = person("zhaolei", "赵磊")
    liuyang = person("liuyang", "刘洋")
    wumin = person("wumin", "吴敏")  # finance, not on the roster: staff outside it can own actions
    now = timezone.now().astimezone(SHANGHAI)
    began = now - dt.timedelta(minutes=3)
    # Just after midnight the meeting starts at 00:00: still today, still not in the future.
    start_time = began.time().replace(second=0, microsecond=0) if began.date() == now.date() else dt.time(0, 0)
    series = make_series(
        chair=chair,
        roster=[(taker, "minute_taker"), (wangqiang, "member"), (lina, "member"), (zhaolei, "member"), (liuyang, "member")],
        title="运营周例会",
        purpose="双十二备战",
        weekdays=str(now.weekday()),
        start_date=now.date(),
        start_time=start_time,
        duration_minutes=60,
        holiday_policy="keep",  # today, whatever the calendar says
    )
    meeting = Meeting.objects.filter(series=series, status=Meeting.Status.SCHEDULED).order_by("start").first()
    assert meeting.start.astimezone(SHANGHAI).date() == now.date() and meeting.start <= timezone.now()
    assert meeting.minute_taker_id in (None, taker.pk)
    return SimpleNamespace(chair=chair, taker=taker, wangqiang=wangqiang, lina=lina, zhaolei=zhaolei, liuyang=liuyang,
                           wumin=wumin, series=series, meeting=meeting, day=now.date())  # fmt: skip


# --- dates, by hand from the meeting's day (lihui/actions/capture.py) ---------------------


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def next_friday(day: dt.date) -> dt.date:
    """「周五」 / "Friday": the next Friday strictly after the day (a week on if it is Friday)."""
    return day + dt.timedelta(days=(4 - day.weekday() - 1) % 7 + 1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# --- the scenario --------------------------------------------------------------------


def test_minute_taker_captures_ten_lines_and_owners_see_their_actions(new_page):
    team = build_team()
    meeting, day = team.meeting, team.day
    shots = Shots(PREFIX)

    # What she types, and what each line should become. A line is (text, kind, title, owner, due).
    later = day + dt.timedelta(days=10)  # a month-and-day date: this year's, or next year's once passed
    A, D = "action", "decision"
    lines = [
        ("行动：王强负责整理Q3退货数据，下周五前完成", A, "整理Q3退货数据", team.wangqiang, monday(day) + dt.timedelta(days=11)),
        ("决议：双十二期间客服临时增派 6 人，退款审核时限缩短至 24 小时", D,
         "双十二期间客服临时增派 6 人，退款审核时限缩短至 24 小时", None, None),
        ("待办：@李娜 更新客服排班表 明天", A, "更新客服排班表", team.lina, day + dt.timedelta(days=1)),
        ("Action: owner: 赵磊 confirm peak-season capacity with SF Express in 3 days", A,
         "confirm peak-season capacity with SF Express", team.zhaolei, day + dt.timedelta(days=3)),
        ("Action: @liuyang review the refund SOP draft by Friday", A,
         "review the refund SOP draft", team.liuyang, next_friday(day)),
        ("跟进：吴敏负责核批直播临时预算，月底前", A, "核批直播临时预算", team.wumin, month_end(day)),
        ("Decision: pause the Taobao full-reduction campaign until stock is back", D,
         "pause the Taobao full-reduction campaign until stock is back", None, None),
        (f"行动：李娜负责核对华东仓与系统库存差异，{later.month}月{later.day}日前", A,
         "核对华东仓与系统库存差异", team.lina, later),
        # Shorthand typed in a hurry: the title is edited before it is confirmed.
        ("TODO @wangqiang 直播那个事 两周内", A, "直播那个事", team.wangqiang, day + dt.timedelta(days=14)),
        # The first line again, typed by a second speaker: dismissed.
        ("- 行动：@王强 整理 Q3 退货数据，下周五前", A, "整理 Q3 退货数据", team.wangqiang, monday(day) + dt.timedelta(days=11)),
    ]  # fmt: skip
    assert len(lines) == 10
    EDITED, DISMISSED = 8, 9  # indexes in `lines`
    edited_title, edited_due = "更新双十二直播间话术并提交法务审核", day + dt.timedelta(days=7)

    # ---- The chair opens the meeting and starts it.
    chair_page = new_page()
    log_in(chair_page, team.chair)
    goto(chair_page, f"/meetings/{meeting.pk}/")
    follow(chair_page, "[data-testid=run]", re.compile(rf"/meetings/{meeting.pk}/live/$"))
    first_item = AgendaItem.objects.filter(meeting=meeting).order_by("position", "id").first()
    chair_page.click("[data-testid=start]")
    expect(chair_page.locator('[data-live="current-title"]')).to_have_text(first_item.title)
    meeting.refresh_from_db()
    assert meeting.actual_start is not None and meeting.current_item_id == first_item.pk

    # ---- The minute-taker opens live mode: she may take notes, not run the meeting.
    page = new_page()
    log_in(page, team.taker)
    goto(page, f"/meetings/{meeting.pk}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    follow(page, "[data-testid=run]", re.compile(rf"/meetings/{meeting.pk}/live/$"))
    expect(page.locator('[data-live="current-title"]')).to_have_text(first_item.title)
    assert page.locator("[data-testid=start]").count() == 0, "the minute-taker does not run the meeting"
    capture = page.locator("#capture")
    expect(capture.locator("h2")).to_have_text(zh("Quick capture"))
    expect(capture.locator("input[name=item]")).to_have_value(str(first_item.pk))
    shots(page, "live")

    # ---- Ten lines, typed.
    box = capture.locator("[data-testid=capture-text]")
    box.click()
    for n, (text, *_) in enumerate(lines):
        if n:
            box.press("Enter")
        box.press_sequentially(text)
    assert box.input_value().split("\n") == [line[0] for line in lines]
    box.scroll_into_view_if_needed()
    shots(page, "typed")

    # ---- Find: ten proposals, owners and dates filled in.
    find = capture.locator("[data-testid=capture-find]")
    assert find.inner_text().strip() == zh("Find actions and decisions")
    find.click()
    proposals = capture.locator("[data-testid=capture-proposals] [data-testid=proposal]")
    expect(proposals).to_have_count(10)
    assert capture.locator("[data-testid=capture-error]").count() == 0
    assert ActionItem.objects.count() == 0 and Decision.objects.count() == 0, "nothing is created before a confirmation"
    for n, (text, kind, title, owner, due) in enumerate(lines):
        form = proposals.nth(n)
        where = f"line {n + 1} ({text!r})"
        assert zh("line %(n)s", n=n + 1) in form.locator("small.muted").first.inner_text(), where
        assert form.locator("select[name=kind]").input_value() == kind, where
        assert form.locator("[data-testid=proposal-title]").input_value() == title, where
        if kind == A:
            assert form.locator("[data-testid=proposal-owner]").input_value() == str(owner.pk), where
            assert form.locator("[data-testid=proposal-owner] option:checked").inner_text() == owner.name, where
            assert form.locator("[data-testid=proposal-due]").input_value() == due.isoformat(), where
        assert form.locator("p.warning").count() == 0, f"{where}: {form.locator('p.warning').all_inner_texts()}"
        assert form.locator("input[name=item]").input_value() == str(first_item.pk), where
    capture.scroll_into_view_if_needed()
    shots(page, "proposals")

    # ---- Confirm the eight that are right. Each confirmed proposal makes way for a ✓ line,
    # and the follow-up list above refreshes.
    followup = page.locator("#followup")
    confirmed_actions = confirmed_decisions = 0
    for n, (_text, kind, title, owner, due) in enumerate(lines):
        if n in (EDITED, DISMISSED):
            continue
        form = proposals.filter(has=page.locator(f'input[name=line][value="{n + 1}"]'))
        form.locator("[data-testid=proposal-confirm]").click()
        expect(form).to_have_count(0)
        if kind == A:
            confirmed_actions += 1
            expect(followup.locator("[data-testid=actions] tbody tr")).to_have_count(confirmed_actions)
            row = followup.locator("[data-testid=actions] tbody tr", has_text=title)
            expect(row).to_have_count(1)
            assert owner.name in row.inner_text() and short_day(due) in row.inner_text(), row.inner_text()
        else:
            confirmed_decisions += 1
            expect(followup.locator("[data-testid=decisions] li")).to_have_count(confirmed_decisions)
    done = capture.locator("[data-testid=proposal-done]")
    expect(done).to_have_count(8)
    assert zh("Action created") + "：" + lines[0][2] in done.all_inner_texts()[0]
    assert zh("Decision recorded") + "：" + lines[1][2] in done.all_inner_texts()[1]
    expect(proposals).to_have_count(2)
    shots(page, "eight-confirmed")

    # ---- Edit the shorthand one: a proper title and a due date a week from the meeting.
    # A first try with yesterday's date is refused: the message shows, nothing is saved.
    form = proposals.filter(has=page.locator(f'input[name=line][value="{EDITED + 1}"]'))
    form.locator("[data-testid=proposal-title]").fill(edited_title)
    form.locator("[data-testid=proposal-due]").fill((day - dt.timedelta(days=1)).isoformat())
    form.locator("[data-testid=proposal-confirm]").click()
    alert = form.locator("[role=alert]")
    expect(alert).to_contain_text(zh("The due date is before the meeting."))
    assert ActionItem.objects.count() == 6, "a refused proposal creates nothing"
    # What she typed is still there to correct.
    expect(form.locator("[data-testid=proposal-title]")).to_have_value(edited_title)
    expect(form.locator("[data-testid=proposal-owner]")).to_have_value(str(team.wangqiang.pk))
    expect(form.locator("[data-testid=proposal-due]")).to_have_value((day - dt.timedelta(days=1)).isoformat())
    shots(page, "edit-refused")
    form.locator("[data-testid=proposal-due]").fill(edited_due.isoformat())
    form.locator("[data-testid=proposal-confirm]").click()
    expect(form).to_have_count(0)
    expect(followup.locator("[data-testid=actions] tbody tr")).to_have_count(7)
    row = followup.locator("[data-testid=actions] tbody tr", has_text=edited_title)
    assert team.wangqiang.name in row.inner_text() and short_day(edited_due) in row.inner_text()

    # ---- Dismiss the duplicate.
    form = proposals.filter(has=page.locator(f'input[name=line][value="{DISMISSED + 1}"]'))
    assert form.locator("[data-testid=proposal-dismiss]").inner_text().strip() == zh("Dismiss")
    form.locator("[data-testid=proposal-dismiss]").click()
    expect(proposals).to_have_count(0)
    expect(done).to_have_count(9)
    assert capture.locator("[role=alert]").count() == 0 and followup.locator("[role=alert]").count() == 0
    followup.scroll_into_view_if_needed()
    shots(page, "all-handled")

    # ---- The follow-up list: two decisions, seven actions with owners and dates.
    decisions_shown = followup.locator("[data-testid=decisions] li").all_inner_texts()
    assert [t.split(" · ")[0].strip() for t in decisions_shown] == [lines[1][2], lines[6][2]]
    expected = [(title, owner, due) for n, (_, kind, title, owner, due) in enumerate(lines)
                if kind == A and n not in (EDITED, DISMISSED)]  # fmt: skip
    expected.append((edited_title, team.wangqiang, edited_due))
    rows = followup.locator("[data-testid=actions] tbody tr")
    for title, owner, due in expected:
        text = rows.filter(has_text=title).inner_text()
        assert owner.name in text and short_day(due) in text, text
    assert lines[DISMISSED][2] not in followup.inner_text() and lines[EDITED][2] not in followup.inner_text()

    # ---- The database: exactly nine items, made by the minute-taker on the current item.
    actions = ActionItem.objects.filter(meeting=meeting)
    assert sorted(actions.values_list("title", "owner_id", "due")) == sorted((t, o.pk, d) for t, o, d in expected)
    assert ActionItem.objects.count() == 7
    made = set(actions.values_list("created_by_id", "item_id", "status", "priority"))
    assert made == {(team.taker.pk, first_item.pk, "open", "normal")}
    decisions = Decision.objects.filter(meeting=meeting).order_by("id")
    assert [d.text for d in decisions] == [lines[1][2], lines[6][2]] and Decision.objects.count() == 2
    assert {(d.created_by_id, d.item_id) for d in decisions} == {(team.taker.pk, first_item.pk)}

    # ---- Each owner finds their actions, with the right dates, on 「我的行动项」.
    chair_page.close()
    for owner in (team.wangqiang, team.lina, team.zhaolei, team.liuyang, team.wumin):
        mine = sorted(((t, d) for t, o, d in expected if o == owner), key=lambda pair: pair[1])
        owner_page = new_page()
        log_in(owner_page, owner)
        follow(owner_page, 'header nav a[href="/actions/"]', re.compile(r"/actions/$"))
        assert owner_page.locator("main h1").inner_text().startswith(zh("My actions"))
        rows = owner_page.locator("[data-testid=action-list] tbody tr")
        expect(rows).to_have_count(len(mine))
        for title, due in mine:
            row = rows.filter(has=owner_page.locator("td:first-child a", has_text=title))
            expect(row).to_have_count(1)
            cells = row.locator("td").all_inner_texts()
            assert owner.name in cells[1] and cells[2].strip() == short_day(due), cells
            assert team.series.title in cells[5] and zh("Open") in cells[4], cells
        shots(owner_page, f"my-actions-{owner.username}")


def test_quick_capture_text_survives_a_reload(new_page):
    """Issue 16, list 6: the notes survived a reload, the quick-capture text did not. It is
    kept in the browser (localStorage, per meeting) until the box is emptied."""
    team = build_team()
    page = new_page()
    log_in(page, team.taker)
    goto(page, f"/meetings/{team.meeting.pk}/live/")
    box = page.locator("#capture [data-testid=capture-text]")
    box.click()
    box.press_sequentially("张伟下周三前给出方案")
    box.press("Enter")
    box.press_sequentially("@孙悦 明天发出通知")
    typed = box.input_value()
    page.reload()
    expect(page.locator("#capture [data-testid=capture-text]")).to_have_value(typed)
    # an emptied box stays empty after a reload
    box = page.locator("#capture [data-testid=capture-text]")
    box.fill("")
    box.dispatch_event("input")
    page.reload()
    expect(page.locator("#capture [data-testid=capture-text]")).to_have_value("")
