"""Browser test: deliveries, in Chromium (issue 5's "Done when").

"Tried as a new user would: the chair connects a test robot URL (the local sink), plans a
meeting — the invitation arrives with an .ics that a calendar parses — publishes the agenda
and the minutes, lets an action go overdue, and sees every delivery on the meeting's log."

The chair (周云) of 运营周例会 connects a JSON webhook robot to the series (the local `sink`,
signed with a secret) from the series page and sends it a test message. She adds an extra
meeting for tomorrow; the worker invites the roster (周云, the minute-taker 陈静 and 王强, who
reads English). An admin opens the sent mail at /mail/, opens 周云's invitation and
downloads its invite.ics through the page; `vobject` (an iCalendar library independent of
the one that wrote it) reads METHOD:REQUEST and the meeting's UID and start. 周云 publishes
the agenda, runs the meeting (early: nothing forbids it), records an action for 王强 in the
follow-up panel, ends the meeting and publishes the minutes. Four days after the action's
due date the daily job sends the overdue note to 王强, escalates it to 周云 (the series
escalates after 3 days) and posts the overdue list to the robot. The meeting page's delivery
log then has one line per delivery: invitation, agenda, new action, minutes, overdue note,
escalation.

The worker's work (`notices.invitations_due`, `notices.actions_daily`, `notify.deliver_due`)
runs in the test process between browser steps, on the database the live server uses. No
clock is frozen: the live server runs in real time, and the overdue day is passed as `today=`.
E-mail goes through Django's file backend into tmp_path, which /mail/ reads.

Every robot request is checked as a receiver would: X-Lihui-Signature is recomputed here
(HMAC-SHA256 of the raw body with the secret), and each idempotency key arrives once.

Same Playwright setup as lihui/actions/tests/test_browser_followup.py: Debian's chromium,
screenshots in <repo>/screenshots/delivery-NN-*.png, page texts compared with what Django's
gettext says in zh-hans (true whether or not the catalog is compiled or complete).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.translation import ngettext

from lihui.actions.models import ActionItem
from lihui.meetings.ics import meeting_uid
from lihui.meetings.models import AgendaItem, Meeting
from lihui.notices import services as notices
from lihui.notify.models import Channel, Message
from lihui.notify.services import deliver_due
from lihui.testing.factories import PersonFactory, make_series

sync_api = pytest.importorskip("playwright.sync_api")
vobject = pytest.importorskip("vobject")

from lihui.testing.browser import BROWSER_MARKS, SCREENSHOTS, Shots, browser_pages, follow, goto, log_in, zh  # noqa: E402

expect = sync_api.expect

SHANGHAI = ZoneInfo("Asia/Shanghai")
PREFIX = "delivery"
SECRET = "lihui-sink-secret-5e2d9c7b41"
TOKEN = "robot-token-8f3a61c0d2e4"

pytestmark = BROWSER_MARKS


# --- helpers -------------------------------------------------------------------------


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def zh_n(singular: str, plural: str, n: int, **params) -> str:
    """ngettext's zh-hans, like `zh` for gettext."""
    with translation.override("zh-hans"):
        return ngettext(singular, plural, n) % {"n": n, **params}


def work() -> int:
    """The worker's delivery loop, until nothing is due."""
    total = 0
    while claimed := deliver_due(worker="browser-test"):
        total += claimed
    return total


def messages_text(page) -> str:
    return page.locator("ul.messages").inner_text()


def header(request: dict, name: str) -> str | None:
    return {k.lower(): v for k, v in request["headers"].items()}.get(name.lower())


def check_signed(request: dict) -> dict:
    """What a receiver does: recompute the signature over the raw body, then read it."""
    expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(header(request, "X-Lihui-Signature") or "", expected), "bad signature"
    data = json.loads(request["body"])
    assert str(data["timestamp"]) == header(request, "X-Lihui-Timestamp")
    assert data["id"] == header(request, "X-Lihui-Idempotency-Key")
    return data


def sink_kinds(sink) -> list[str]:
    return [json.loads(r["body"])["kind"] for r in sink.received]


def sent_line(what: str, people: int, groups: int = 0) -> tuple[str, str]:
    """The delivery log's line for a delivery sent to everyone, around its time:
    (what comes before the time, what comes after)."""
    audience = zh_n("%(n)d person", "%(n)d people", people)
    if groups:
        audience = zh("%(people)s and %(groups)s", people=audience, groups=zh_n("%(n)d group", "%(n)d groups", groups))
    before, after = zh("%(what)s was sent on %(when)s to %(audience)s", what=what, when="\x00", audience=audience).split("\x00")
    return before, after


def build_team():
    def person(username, name, language="zh-hans"):
        return PersonFactory(username=username, name=name, language=language, time_zone="Asia/Shanghai")

    chair = person("zhouyun", "周云")
    taker = person("chenjing", "陈静")
    wangqiang = person("wangqiang", "王强", language="en")
    admin = PersonFactory(username="admin", name="管理员", is_staff=True, is_superuser=True, time_zone="Asia/Shanghai")
    today = timezone.now().astimezone(SHANGHAI).date()
    # The regular meetings start in a month: only the extra meeting comes within the
    # invitation horizon (LIHUI_INVITE_DAYS).
    series = make_series(
        chair=chair,
        roster=[(taker, "minute_taker"), (wangqiang, "member")],
        weekdays=str(today.weekday()),
        start_date=today + dt.timedelta(days=35),
        start_time=dt.time(9, 30),
        escalate_after_days=3,
    )
    return chair, taker, wangqiang, admin, series, today


# --- the scenario --------------------------------------------------------------------


def test_robot_invitation_agenda_minutes_overdue_and_the_delivery_log(new_page, sink, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    chair, taker, wangqiang, admin, series, today = build_team()
    roster = [chair, taker, wangqiang]
    assert not Meeting.objects.filter(series=series, start__lt=timezone.now() + dt.timedelta(days=30)).exists()
    shots = Shots(PREFIX)

    # ---- 1. The chair connects a JSON webhook robot from the series page.
    page = new_page()
    log_in(page, chair)
    goto(page, f"/series/{series.pk}/")
    follow(page, "[data-testid=series-robots]", re.compile(rf"/series/{series.pk}/robots/$"))
    page.select_option("#id_kind", "webhook")
    page.fill("#id_name", "运营群 Webhook")
    robot_url = f"{sink.url}/hook?token={TOKEN}"
    page.fill("#id_url", robot_url)
    page.fill("#id_secret", SECRET)
    for kind in ("agenda_published", "minutes_published", "action_overdue"):
        page.check(f"input[name=kinds][value={kind}]")
    assert page.is_checked("#id_enabled")
    follow(page, "main form.series-form button.primary", re.compile(rf"/series/{series.pk}/robots/$"))
    channel = Channel.objects.get(series=series)
    assert (channel.kind, channel.url, channel.secret, channel.enabled) == ("webhook", robot_url, SECRET, True)
    assert sorted(channel.kinds) == ["action_overdue", "agenda_published", "minutes_published"]
    row = page.locator(f"[data-testid=channel-{channel.pk}]")
    expect(row).to_be_visible()
    assert "运营群 Webhook" in row.inner_text()
    html = page.content()
    assert SECRET not in html and TOKEN not in html, "neither the secret nor the URL's token is shown again"
    assert SECRET[-4:] in row.inner_text() and TOKEN[-4:] in row.inner_text(), "their masks are"

    # A test message: queued by the click, sent by the worker, signed.
    follow(page, row.locator("form[action$='/test/'] button"), re.compile(rf"/series/{series.pk}/robots/$"))
    assert "运营群 Webhook" in messages_text(page)
    assert work() == 1
    assert len(sink.received) == 1
    test_post = sink.received[0]
    assert test_post["path"] == f"/hook?token={TOKEN}"
    data = check_signed(test_post)
    assert data["kind"] == "robot_test" and series.title in data["text"]
    goto(page, f"/series/{series.pk}/robots/")
    assert zh("sent") in page.locator(f"[data-testid=channel-{channel.pk}] .badge").inner_text()
    shots(page, "robot-added")

    # ---- 2. An extra meeting tomorrow; the worker invites the roster.
    goto(page, f"/series/{series.pk}/")
    follow(page, f'main a[href="/series/{series.pk}/meetings/new/"]', re.compile(rf"/series/{series.pk}/meetings/new/$"))
    day = today + dt.timedelta(days=1)
    page.fill("#id_date", day.isoformat())
    page.fill("#id_start_time", "10:00")
    page.fill("#id_duration_minutes", "60")
    page.fill("#id_location", "3 楼大会议室")
    follow(page, "main form button.primary", re.compile(r"/meetings/\d+/$"))
    meeting = Meeting.objects.get(series=series, origin=Meeting.Origin.EXTRA)
    assert page.url.endswith(f"/meetings/{meeting.pk}/")
    assert meeting.start == dt.datetime.combine(day, dt.time(10, 0), SHANGHAI)
    log_card = page.locator("[data-testid=delivery-log]")
    assert log_card.locator("li").count() == 0, "nothing sent yet"

    assert notices.invitations_due() == 1
    assert work() == 3
    assert notices.invitations_due() == 0, "invited once"
    invitations = Message.objects.filter(kind="invitation")
    assert sorted(m.recipient_id for m in invitations) == sorted(p.pk for p in roster)
    assert {m.recipient_id: m.language for m in invitations}[wangqiang.pk] == "en"

    # An admin reads the chair's invitation at /mail/ and downloads the .ics.
    admin_page = new_page()
    log_in(admin_page, admin)
    goto(admin_page, "/mail/")
    rows = admin_page.locator("[data-testid=mail] tbody tr")
    expect(rows).to_have_count(3)
    mine = rows.filter(has_text=chair.email)
    expect(mine).to_have_count(1)
    follow(admin_page, mine.locator("a"), re.compile(r"/mail/[^/]+/\d+/$"))
    assert series.title in admin_page.locator("main h1").inner_text()
    link = admin_page.locator("[data-testid=mail-attachments] a", has_text="invite.ics")
    expect(link).to_have_count(1)
    shots(admin_page, "invitation-mail")
    with admin_page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "invite.ics"
    ics_path = tmp_path / "invite.ics"
    download.save_as(str(ics_path))
    calendar = vobject.readOne(ics_path.read_text(encoding="utf-8"))
    assert calendar.method.value == "REQUEST"
    event = calendar.vevent
    assert event.uid.value == meeting_uid(meeting)
    assert event.dtstart.value == meeting.start
    assert event.dtend.value == meeting.start + dt.timedelta(minutes=60)
    assert int(event.sequence.value) == 0
    attendees = {a.value.lower().removeprefix("mailto:") for a in event.contents.get("attendee", [])}
    assert {p.email for p in (taker, wangqiang)} <= attendees

    # ---- 3. The chair publishes the agenda: three people and the robot hear of it.
    goto(page, f"/meetings/{meeting.pk}/")
    assert AgendaItem.objects.filter(meeting=meeting).exists(), "the agenda comes from the series' template"
    follow(page, "[data-testid=publish]", re.compile(rf"/meetings/{meeting.pk}/$"))
    assert zh("The agenda was published.") in messages_text(page)
    assert work() == 4
    assert sink_kinds(sink) == ["robot_test", "agenda_published"]
    agenda_post = check_signed(sink.received[1])
    assert agenda_post["object"] == {"type": "meetings.meeting", "id": meeting.pk}
    goto(page, f"/meetings/{meeting.pk}/")
    lines = log_card.locator("li").all_inner_texts()
    before, after = sent_line(zh("The agenda"), 3, 1)
    assert any(line.startswith(before) and line.endswith(after) for line in lines), lines
    before, after = sent_line(zh("The calendar invitation"), 3)
    assert any(line.startswith(before) and line.endswith(after) for line in lines), lines
    log_card.scroll_into_view_if_needed()
    shots(page, "agenda-published")

    # ---- 4. The meeting is held (early): an action for 王强, then the minutes.
    follow(page, "[data-testid=run]", re.compile(rf"/meetings/{meeting.pk}/live/$"))
    page.click("[data-testid=start]")
    # Tomorrow's meeting, started today: Lihui asks first.
    expect(page.locator("[data-testid=confirm]")).to_be_visible()
    page.click("[data-testid=confirm-yes]")
    expect(page.locator("[data-testid=next]")).to_be_visible()
    action_title = "整理双十一退货数据并提交复盘"
    due = day + dt.timedelta(days=2)
    form = page.locator("#followup form.followup", has=page.locator("[data-testid=action-title]"))
    form.locator("[data-testid=action-title]").fill(action_title)
    form.locator("[data-testid=action-owner]").select_option(str(wangqiang.pk))
    form.locator("[data-testid=action-due]").fill(due.isoformat())
    form.locator("[data-testid=add-action]").click()
    expect(page.locator("#followup [data-testid=actions] tbody tr")).to_have_count(1)
    assert page.locator("#followup [role=alert]").count() == 0
    action = ActionItem.objects.get(meeting=meeting)
    assert (action.title, action.owner_id, action.due) == (action_title, wangqiang.pk, due)
    page.click("[data-testid=end]")  # End asks first
    with page.expect_navigation(url=re.compile(rf"/meetings/{meeting.pk}/recap/$")) as navigation:
        page.click("[data-testid=confirm-yes]")
    assert navigation.value.status == 200
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD

    follow(page, f'main a[href="/meetings/{meeting.pk}/minutes/"]', re.compile(rf"/meetings/{meeting.pk}/minutes/$"))
    follow(page, "[data-testid=minutes-publish]", re.compile(rf"/meetings/{meeting.pk}/minutes/$"))
    assert zh("The minutes were published.") in messages_text(page)
    assert work() == 8, "the new action's note to 王强, the survey request to three people, the minutes to three and the robot"
    assert sink_kinds(sink) == ["robot_test", "agenda_published", "minutes_published"]
    minutes_post = check_signed(sink.received[2])
    assert action_title in minutes_post["text"]
    shots(page, "minutes-published")

    # ---- 5. Four days past due: the overdue note, the escalation, the robot's list.
    counts = notices.actions_daily(today=due + dt.timedelta(days=4))
    assert counts == {"due_soon": 0, "overdue": 1, "escalated": 1, "robots": 1}
    assert work() == 3
    assert sink_kinds(sink) == ["robot_test", "agenda_published", "minutes_published", "action_overdue"]
    overdue_post = check_signed(sink.received[3])
    assert action_title in overdue_post["text"] and overdue_post["object"] == {"type": "regime.series", "id": series.pk}
    assert notices.actions_daily(today=due + dt.timedelta(days=4)) and work() == 0, "the same day again sends nothing new"

    goto(page, f"/meetings/{meeting.pk}/")
    lines = log_card.locator("li").all_inner_texts()
    expected = [
        sent_line(zh("The calendar invitation"), 3),
        sent_line(zh("The agenda"), 3, 1),
        sent_line(zh("The new action “%(title)s”", title=action_title), 1),
        sent_line(zh("The minutes"), 3, 1),
        sent_line(zh("The overdue reminder for “%(title)s”", title=action_title), 1),
        sent_line(zh("The survey request"), 3),
        sent_line(zh("The escalation of “%(title)s”", title=action_title), 1),
    ]
    assert len(lines) == len(expected), lines
    for before, after in expected:
        assert sum(line.startswith(before) and line.endswith(after) for line in lines) == 1, (before, after, lines)
    assert log_card.locator("li.failed, li.pending").count() == 0
    log_card.scroll_into_view_if_needed()
    shots(page, "delivery-log")
    log_card.screenshot(path=str(SCREENSHOTS / f"{PREFIX}-log-card.png"))

    # ---- The outbox and the sink agree: everything sent, each robot post once.
    states = Counter(Message.objects.values_list("state", flat=True))
    assert states == {"sent": 19}, states
    by_kind = Counter(Message.objects.values_list("kind", flat=True))
    assert by_kind == {"robot_test": 1, "invitation": 3, "agenda_published": 4, "action_assigned": 1,
                       "minutes_published": 4, "action_overdue": 2, "action_escalated": 1, "survey_request": 3}, by_kind  # fmt: skip
    robot_keys = set(Message.objects.filter(channel=channel).values_list("idempotency_key", flat=True))
    assert set(sink.keys) == robot_keys and all(n == 1 for n in sink.keys.values()), sink.keys
    assert len(sink.received) == 4
    escalated = Message.objects.get(kind="action_escalated")
    assert escalated.recipient_id == chair.pk
