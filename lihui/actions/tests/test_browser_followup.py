"""Browser test: follow-up from one meeting to the next, in Chromium (issue 4's check).

The chair (周云) runs this morning's 运营周例会 in live mode and, on the discussion item,
records a decision and two actions for two members through the follow-up panel. After End
she edits the minutes (adds a line), saves, publishes them well before the regime's deadline
and downloads them as Word; the .docx is rendered once to PNG (LibreOffice, then pdftoppm)
and kept in screenshots/ to be looked at. One owner (王强) marks his action done with a
comment on its page; the other (李娜) does nothing. The next meeting's page then lists the
missed action in its review of previous actions — not the done one — and searching 「退货」
finds the missed action with the word highlighted.

Same Playwright setup as lihui/meetings/tests/test_browser*.py: Debian's chromium, the live
server, screenshots of every main step in <repo>/screenshots/. Everyone works in Simplified
Chinese; texts are compared with what Django's gettext says in zh-hans, so they hold whether
or not the catalog is compiled.

The live server runs in real time, so the series' first meeting is "now": weekly on today's
weekday (Asia/Shanghai) starting a few minutes ago, holidays kept; its next occurrence, a
week later, is planned with the series.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import docx
import pytest
from django.utils import timezone

from lihui.actions.models import ActionItem, ActionUpdate, Decision
from lihui.meetings.models import AgendaItem, Meeting
from lihui.minutes.models import Minutes
from lihui.minutes.selectors import minutes_deadline
from lihui.people.models import Person
from lihui.regime.models import AgendaKind
from lihui.testing.factories import PersonFactory, make_series

sync_api = pytest.importorskip("playwright.sync_api")

from lihui.testing.browser import BROWSER_MARKS, SCREENSHOTS, Shots, browser_pages, follow, goto, log_in, zh  # noqa: E402

expect = sync_api.expect

SHANGHAI = ZoneInfo("Asia/Shanghai")
PREFIX = "followup"

pytestmark = BROWSER_MARKS


# --- helpers -------------------------------------------------------------------------


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def messages_text(page) -> str:
    return page.locator("ul.messages").inner_text()


def build_team():
    """A weekly series whose first meeting began a few minutes ago, today in Shanghai."""

    def person(username, name):
        return PersonFactory(username=username, name=name, language="zh-hans", time_zone="Asia/Shanghai")

    chair = person("zhouyun", "周云")
    lina = person("lina", "李娜")
    wangqiang = person("wangqiang", "王强")
    sunli = person("sunli", "孙丽")
    now = timezone.now().astimezone(SHANGHAI)
    began = now - dt.timedelta(minutes=3)
    # Just after midnight the meeting starts at 00:00: still today, still not in the future.
    start_time = began.time().replace(second=0, microsecond=0) if began.date() == now.date() else dt.time(0, 0)
    series = make_series(
        chair=chair,
        roster=[(lina, "member"), (wangqiang, "member"), (sunli, "member")],
        title="运营周例会",
        purpose="回顾上周运营数据\n确定下周重点",
        weekdays=str(now.weekday()),
        start_date=now.date(),
        start_time=start_time,
        duration_minutes=60,
        holiday_policy="keep",  # today and a week from today, whatever the calendar says
    )
    meetings = list(Meeting.objects.filter(series=series, status=Meeting.Status.SCHEDULED).order_by("start")[:2])
    assert len(meetings) == 2, "the series plans its next occurrence too"
    meeting, following = meetings
    assert meeting.start.astimezone(SHANGHAI).date() == now.date() and meeting.start <= timezone.now() and meeting.number == 1
    assert following.start == meeting.start + dt.timedelta(days=7)
    return SimpleNamespace(chair=chair, lina=lina, wangqiang=wangqiang, sunli=sunli, series=series,
                           meeting=meeting, following=following, day=now.date())  # fmt: skip


def render_docx(docx_path: Path, workdir: Path) -> list[Path]:
    """Render the .docx once, as LibreOffice draws it: PDF, then PNG pages at 70 dpi into
    screenshots/. Returns the PNGs, or [] (with a warning) when the tools are missing."""
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        missing = " and ".join(name for name, path in (("soffice", soffice), ("pdftoppm", pdftoppm)) if not path)
        warnings.warn(f"{missing} not installed: the Word minutes were not rendered to an image", stacklevel=2)
        return []
    # A profile of its own, so a LibreOffice running elsewhere (another worker) cannot interfere.
    profile = (workdir / "lo-profile").as_uri()
    done = subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(workdir), str(docx_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    pdf = workdir / f"{docx_path.stem}.pdf"
    assert done.returncode == 0 and pdf.exists(), f"soffice failed: {done.stdout} {done.stderr}"
    stem = SCREENSHOTS / f"{docx_path.stem}-page"
    for old in SCREENSHOTS.glob(f"{stem.name}-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", "70", str(pdf), str(stem)], check=True, capture_output=True, timeout=60)
    return sorted(SCREENSHOTS.glob(f"{stem.name}-*.png"))


# --- the scenario --------------------------------------------------------------------


def test_record_publish_follow_up_and_find_an_action(new_page, tmp_path):
    team = build_team()
    meeting, following, series = team.meeting, team.following, team.series
    shots = Shots(PREFIX)

    # ---- The chair opens this morning's meeting and runs it.
    chair_page = new_page()
    log_in(chair_page, team.chair)
    goto(chair_page, f"/meetings/{meeting.pk}/")
    assert chair_page.locator("html").get_attribute("lang") == "zh-CN"
    follow(chair_page, "[data-testid=run]", re.compile(rf"/meetings/{meeting.pk}/live/$"))
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "id"))
    titles = [i.title for i in items]
    discussion_at = next(n for n, i in enumerate(items) if i.kind == AgendaKind.DISCUSSION)
    discussion = items[discussion_at]
    title = chair_page.locator('[data-live="current-title"]')

    chair_page.click("[data-testid=start]")
    expect(title).to_have_text(titles[0])
    expect(chair_page.locator("[data-testid=next]")).to_be_visible()

    # Attendance: three present, 孙丽 excused.
    for person in (team.chair, team.lina, team.wangqiang, team.sunli):
        row = chair_page.locator("#attendance table.attendance tbody tr", has_text=person.name)
        status = "excused" if person == team.sunli else "present"
        if status == "excused":
            row.locator("input[name=reason]").fill("出差")
        row.locator(f"[data-testid=att-{status}]").click()
        fresh = chair_page.locator("#attendance table.attendance tbody tr", has_text=person.name)  # after the swap
        expect(fresh.locator(f".badge.att-{status}")).to_be_visible()

    # On to the discussion item: what is recorded now belongs to it.
    for index in range(1, discussion_at + 1):
        chair_page.click("[data-testid=next]")
        expect(title).to_have_text(titles[index])
    assert Meeting.objects.get(pk=meeting.pk).current_item_id == discussion.pk
    followup = chair_page.locator("#followup")
    expect(followup.locator("form.followup input[name=item]").first).to_have_value(str(discussion.pk))

    # A decision.
    decision_text = "双十一后退货高峰期间，客服临时增派 6 人，退款审核时限缩短至 24 小时。"
    followup.locator("[data-testid=decision-text]").fill(decision_text)
    followup.locator("[data-testid=add-decision]").click()
    expect(chair_page.locator("#followup [data-testid=decisions] li")).to_have_count(1)
    assert decision_text in chair_page.locator("#followup [data-testid=decisions] li").inner_text()

    # Two actions, for two members, due after the meeting. The returns one is urgent.
    missed_title, done_title = "上线退货进度自助查询功能", "整理华东仓爆仓复盘报告"
    missed_due, done_due = team.day + dt.timedelta(days=5), team.day + dt.timedelta(days=3)

    def add_action(title_text: str, owner: Person, due: dt.date, priority: str, count: int) -> None:
        form = chair_page.locator("#followup form.followup", has=chair_page.locator("[data-testid=action-title]"))
        expect(form.locator("input[name=item]")).to_have_value(str(discussion.pk))
        form.locator("[data-testid=action-title]").fill(title_text)
        form.locator("[data-testid=action-owner]").select_option(str(owner.pk))
        form.locator("[data-testid=action-due]").fill(due.isoformat())
        form.locator("select[name=priority]").select_option(priority)
        form.locator("[data-testid=add-action]").click()
        expect(chair_page.locator("#followup [data-testid=actions] tbody tr")).to_have_count(count)
        assert chair_page.locator("#followup [role=alert]").count() == 0

    add_action(missed_title, team.lina, missed_due, "high", 1)
    add_action(done_title, team.wangqiang, done_due, "normal", 2)
    rows = chair_page.locator("#followup [data-testid=actions] tbody tr")
    assert team.lina.name in rows.filter(has_text=missed_title).inner_text()
    assert zh("High") in rows.filter(has_text=missed_title).inner_text()
    assert team.wangqiang.name in rows.filter(has_text=done_title).inner_text()
    decision = Decision.objects.get(meeting=meeting)
    assert (decision.text, decision.item_id, decision.created_by_id) == (decision_text, discussion.pk, team.chair.pk)
    missed = ActionItem.objects.get(meeting=meeting, title=missed_title)
    done = ActionItem.objects.get(meeting=meeting, title=done_title)
    fields = ("owner_id", "due", "priority", "item_id", "status")
    assert [getattr(missed, f) for f in fields] == [team.lina.pk, missed_due, "high", discussion.pk, "open"]
    assert [getattr(done, f) for f in fields] == [team.wangqiang.pk, done_due, "normal", discussion.pk, "open"]
    shots(chair_page, "live-followup")

    # End: the recap lists what was decided and who does what.
    chair_page.click("[data-testid=end]")  # End asks first
    with chair_page.expect_navigation(url=re.compile(rf"/meetings/{meeting.pk}/recap/$")) as navigation:
        chair_page.click("[data-testid=confirm-yes]")
    assert navigation.value.status == 200
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD and meeting.actual_end is not None
    assert decision_text in chair_page.locator("[data-testid=recap-decisions]").inner_text()
    assert chair_page.locator("[data-testid=recap-actions] tbody tr").count() == 2

    # ---- Minutes: edit (add a line), save, publish.
    follow(chair_page, f'main a[href="/meetings/{meeting.pk}/minutes/"]', re.compile(rf"/meetings/{meeting.pk}/minutes/$"))
    state = chair_page.locator("[data-testid=minutes-state]")
    assert state.inner_text().strip() == zh("Draft")
    assert zh("assembled from the meeting, not saved yet") in chair_page.locator("[data-testid=minutes-deadline]").inner_text()
    follow(chair_page, "[data-testid=minutes-edit]", re.compile(rf"/meetings/{meeting.pk}/minutes/edit/$"))
    textarea = chair_page.locator("[data-testid=minutes-textarea]")
    draft = textarea.input_value()
    for text in (decision_text, missed_title, done_title, team.lina.name, team.wangqiang.name):
        assert text in draft, f"the draft is assembled from the meeting: {text!r} missing"
    added = "会后补充：华东仓周三前提交扩容方案，由王强牵头。"
    textarea.fill(draft.rstrip() + f"\n\n{added}\n")
    chair_page.fill("#minutes-comment", "补充会后事项")
    shots(chair_page, "minutes-edit")
    follow(chair_page, "[data-testid=minutes-save]", re.compile(rf"/meetings/{meeting.pk}/minutes/$"))
    assert zh("The minutes were saved.") in messages_text(chair_page)
    assert added in chair_page.locator("[data-testid=minutes-text]").inner_text()
    assert state.inner_text().strip() == zh("Draft")

    follow(chair_page, "[data-testid=minutes-publish]", re.compile(rf"/meetings/{meeting.pk}/minutes/$"))
    assert zh("The minutes were published.") in messages_text(chair_page)
    assert state.inner_text().strip() == zh("Published")
    deadline_line = chair_page.locator("[data-testid=minutes-deadline]")
    assert deadline_line.locator(".badge.held").inner_text().strip() == zh("on time")
    assert deadline_line.locator(".badge.cancelled").count() == 0, "not late"
    assert chair_page.locator("[data-testid=minutes-publish]").count() == 0
    record = Minutes.objects.get(meeting=meeting)
    assert record.state == Minutes.State.PUBLISHED and record.head == 1 and record.published_by_id == team.chair.pk
    assert record.published_at <= minutes_deadline(meeting=meeting)
    assert added in record.revisions.get(number=1).text
    shots(chair_page, "minutes-published")

    # Word: downloaded through the link, checked, rendered once to an image.
    with chair_page.expect_download() as download_info:
        chair_page.click("[data-testid=minutes-docx]")
    download = download_info.value
    assert download.suggested_filename == f"minutes-{series.pk}-1.docx"
    docx_path = SCREENSHOTS / f"{PREFIX}-minutes.docx"
    download.save_as(str(docx_path))
    document = docx.Document(str(docx_path))
    body = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert series.title in body and added in body and decision_text in body
    assert len(document.tables) >= 2, "attendance and the action items as tables"
    assert missed_title in cells and done_title in cells and team.lina.name in cells
    for png in render_docx(docx_path, tmp_path):
        assert png.stat().st_size > 5_000, f"{png} looks empty"

    # ---- 王强 completes his action from 「我的行动项」; 李娜 does nothing.
    owner_page = new_page()
    log_in(owner_page, team.wangqiang)
    follow(owner_page, 'header nav a[href="/actions/"]', re.compile(r"/actions/$"))
    mine = owner_page.locator("[data-testid=action-list] tbody tr")
    expect(mine).to_have_count(1)
    assert missed_title not in owner_page.locator("[data-testid=action-list]").inner_text(), "only his own"
    follow(owner_page, mine.locator(f'a[href="/actions/{done.pk}/"]'), re.compile(rf"/actions/{done.pk}/$"))
    heading = owner_page.locator("main h1")
    assert done_title in heading.inner_text() and heading.locator(".badge").first.inner_text().strip() == zh("Open")
    status_form = owner_page.locator("form", has=owner_page.locator('input[name=do][value="status"]'))
    status_form.locator("select[name=status]").select_option("done")
    comment = "复盘报告已提交，见共享盘「华东仓」目录。"
    status_form.locator("input[name=comment]").fill(comment)
    follow(owner_page, status_form.locator("button"), re.compile(rf"/actions/{done.pk}/$"))
    assert zh("The action was updated.") in messages_text(owner_page)
    assert heading.locator(".badge").first.inner_text().strip() == zh("Done")
    history = owner_page.locator("main section.card", has=owner_page.locator("h2", has_text=zh("History"))).inner_text()
    assert zh("Status %(old)s → %(new)s", old=zh("Open"), new=zh("Done")) in history and comment in history
    shots(owner_page, "owner-done")
    done.refresh_from_db()
    missed.refresh_from_db()
    assert done.status == ActionItem.Status.DONE and done.closed_at is not None
    assert ActionUpdate.objects.filter(action=done, kind="status", author=team.wangqiang, text=comment).exists()
    assert missed.status == ActionItem.Status.OPEN and not missed.updates.exists()

    # ---- The next meeting: its review shows the missed action, not the done one.
    goto(chair_page, f"/meetings/{meeting.pk}/")
    follow(chair_page, f'p.pager a[href="/meetings/{following.pk}/"]', re.compile(rf"/meetings/{following.pk}/$"))
    review_item = AgendaItem.objects.get(meeting=following, kind=AgendaKind.REVIEW)
    review_row = chair_page.locator(f'#agenda tr[data-item="{review_item.pk}"]')
    assert review_item.title in review_row.inner_text(), "the agenda has its review item"
    review = chair_page.locator("#review")
    expect(review).to_be_visible()
    assert review.locator("h2 small").inner_text().strip() == "1"
    review_rows = review.locator("[data-testid=review] tbody tr")
    expect(review_rows).to_have_count(1)
    row = review_rows.first
    assert row.locator(f'a[href="/actions/{missed.pk}/"]').inner_text().strip() == missed_title
    assert team.lina.name in row.inner_text()
    assert row.locator(".badge").inner_text().strip() == zh("Open")
    assert done_title not in review.inner_text(), "a done action is not reviewed again"
    review.scroll_into_view_if_needed()
    shots(chair_page, "next-meeting-review")

    # ---- Search 「退货」: the missed action is found, the word highlighted.
    follow(chair_page, 'header nav a[href="/search/"]', re.compile(r"/search/$"))
    chair_page.fill("[data-testid=search-q]", "退货")
    with chair_page.expect_navigation(url=re.compile(r"/search/\?q=")) as navigation:
        chair_page.press("[data-testid=search-q]", "Enter")
    assert navigation.value.status == 200
    assert chair_page.locator("[data-testid=search-errors]").count() == 0
    hit = chair_page.locator("[data-testid=hit]", has=chair_page.locator(f'a[href="/actions/{missed.pk}/"]'))
    expect(hit).to_have_count(1)
    assert hit.locator("h2 .badge").inner_text().strip() == zh("Action item")
    assert hit.locator(f'a[href="/actions/{missed.pk}/"]').inner_text().strip() == missed_title
    marks = hit.locator(".snippet mark").all_inner_texts()
    assert marks and all(m == "退货" for m in marks), marks
    assert chair_page.locator(f'[data-testid=hit] a[href="/actions/{done.pk}/"]').count() == 0, "no 退货 in the done one"
    shots(chair_page, "search")
