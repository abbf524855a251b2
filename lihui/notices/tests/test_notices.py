"""Domain events into messages: who hears of what, when, in which language; invitations
with .ics (read back by vobject), reminders that follow a moved meeting, the agenda at the
lead time, minutes, actions due / overdue / escalated, the weekly digest, preferences, and
the meeting's delivery log. Time is frozen: Tuesday 2026-12-01 10:00 in Shanghai; the
series meets on Mondays at 09:30."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lihui.actions.models import ActionItem
from lihui.actions.services import action_create, action_set_status
from lihui.meetings.models import AgendaItem, Meeting
from lihui.meetings.services import agenda as agenda_services
from lihui.meetings.services import live as live_services
from lihui.meetings.services.planning import meeting_cancel, meeting_move
from lihui.notices import services as notices
from lihui.notices.models import Preference
from lihui.notices.selectors import delivery_log
from lihui.notify import kinds as k
from lihui.notify.models import Channel, Message
from lihui.notify.services import deliver_due
from lihui.testing.factories import PersonFactory, make_series
from lihui.testing.parallel import in_parallel, needs_parallel_writers

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=SH)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def team(db, clock):
    chair = PersonFactory(username="chair", name="周云", language="zh-hans")
    taker = PersonFactory(username="taker", name="李记", language="zh-hans")
    wang = PersonFactory(username="wang", name="Wang Wu", language="en", time_zone="Europe/London")
    series = make_series(chair=chair, roster=[(taker, "minute_taker"), (wang, "member")], agenda_lead_hours=48)
    robot = Channel.objects.create(series=series, kind="wecom", name="运营群",
                                   url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K-123456789")  # fmt: skip
    meeting = Meeting.objects.filter(series=series, start__gt=timezone.now()).order_by("start").first()
    return dict(chair=chair, taker=taker, wang=wang, series=series, robot=robot, meeting=meeting)


def queued(kind, **filters):
    return list(Message.objects.filter(kind=kind, **filters).select_related("recipient", "channel").order_by("id"))


def send_all():
    while deliver_due(worker="test"):
        pass


def publish_agenda(team):
    meeting = team["meeting"]
    agenda_services.agenda_ensure(meeting=meeting)
    return agenda_services.agenda_publish(actor=team["chair"], meeting=meeting)


# --- agenda ---------------------------------------------------------------------------------


def test_publishing_the_agenda_queues_one_message_per_person_and_robot_in_their_language(team):
    assert team["meeting"].start == dt.datetime(2026, 12, 7, 9, 30, tzinfo=SH)
    publish_agenda(team)
    messages = queued(k.AGENDA)
    people = {m.recipient.username: m for m in messages if m.recipient_id}
    assert set(people) == {"chair", "taker", "wang"}
    assert [m.channel for m in messages if m.channel_id] == [team["robot"]]
    assert people["wang"].language == "en"
    assert people["wang"].subject.startswith("Agenda: 运营周例会")
    # Wang reads London time, with the zone named; the chair reads Shanghai time.
    assert "01:30" in people["wang"].body_text and "Europe/London" in people["wang"].body_text
    assert "09:30" in people["chair"].body_text and "Europe/London" not in people["chair"].body_text
    assert people["chair"].language == "zh-hans"
    assert all(m.state == Message.State.PENDING for m in messages)


def test_publishing_a_changed_agenda_again_sends_again_and_twice_in_one_instant_queues_once(team, clock):
    publish_agenda(team)
    notices.agenda_published(meeting=team["meeting"])  # the same version: nothing new
    assert len(queued(k.AGENDA)) == 4
    clock.shift(dt.timedelta(minutes=5))
    agenda_services.agenda_item_add(actor=team["chair"], meeting=team["meeting"], data={"title": "双十二预案", "minutes_allotted": 10})
    publish_agenda(team)
    assert len(queued(k.AGENDA)) == 8


def test_publishing_an_unchanged_agenda_again_sends_nothing(team, clock):
    """A double click or a retried request minutes later: one notice batch, and the agenda
    keeps the time it went out. A roster change is a change: the newcomer is told."""
    publish_agenda(team)
    clock.shift(dt.timedelta(minutes=5))
    publish_agenda(team)
    publish_agenda(team)
    assert len(queued(k.AGENDA)) == 4
    team["meeting"].refresh_from_db()
    assert team["meeting"].agenda_published_at == NOW
    newcomer = PersonFactory(username="newcomer", name="新人")
    team["series"].memberships.create(person=newcomer, role="member")
    publish_agenda(team)
    assert "newcomer" in {m.recipient.username for m in queued(k.AGENDA) if m.recipient_id}


@needs_parallel_writers
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_publishes_of_one_agenda_queue_one_batch(team, monkeypatch):
    """Twenty threads (each its own connection) press "send" at once: the meeting row is
    locked and compared, so one version goes out — one message per person and robot.
    Each press reads its own second, as when the requests straddle a clock tick."""
    import itertools
    import types

    ticks = itertools.count()
    monkeypatch.setattr(agenda_services, "timezone", types.SimpleNamespace(now=lambda: NOW + dt.timedelta(seconds=next(ticks))))
    agenda_services.agenda_ensure(meeting=team["meeting"])
    pk = team["meeting"].pk
    errors = in_parallel(20, lambda: agenda_services.agenda_publish(actor=team["chair"], meeting=Meeting.objects.get(pk=pk)))
    assert errors == []
    assert len(queued(k.AGENDA)) == 4


def test_a_person_who_turned_agenda_mail_off_gets_none(team):
    Preference.objects.create(person=team["wang"], kind=k.AGENDA, transport="email", enabled=False)
    publish_agenda(team)
    assert {m.recipient.username for m in queued(k.AGENDA) if m.recipient_id} == {"chair", "taker"}


def test_a_robot_posts_only_the_kinds_its_chair_chose(team):
    team["robot"].kinds = [k.MINUTES]
    team["robot"].save()
    publish_agenda(team)
    assert not [m for m in queued(k.AGENDA) if m.channel_id]


def test_the_agenda_goes_out_by_itself_at_the_lead_time_and_only_once(team, clock):
    meeting = team["meeting"]  # Monday 09:30; lead 48 h: Saturday 09:30
    assert notices.agenda_auto_publish() == 0
    clock.move_to(dt.datetime(2026, 12, 5, 9, 31, tzinfo=SH))
    assert notices.agenda_auto_publish() == 1
    assert notices.agenda_auto_publish() == 0
    meeting.refresh_from_db()
    assert meeting.agenda_published_at == timezone.now()
    assert AgendaItem.objects.filter(meeting=meeting).exists()  # made from the template
    assert len(queued(k.AGENDA)) == 4


def test_an_agenda_for_a_meeting_since_cancelled_is_not_sent(team):
    publish_agenda(team)
    meeting_cancel(actor=team["chair"], meeting=team["meeting"], reason="国庆调休")
    send_all()
    assert {m.state for m in queued(k.AGENDA)} == {Message.State.CANCELLED}


# --- invitations ----------------------------------------------------------------------------


def parse(message: Message):
    return vobject.readOne(message.payload["ics"])


def test_meetings_coming_within_the_invitation_window_are_invited_once(team, settings):
    settings.LIHUI_INVITE_DAYS = 14
    assert notices.invitations_due() == 2  # Dec 7 and Dec 14
    assert notices.invitations_due() == 0
    meeting = team["meeting"]
    invites = queued(k.INVITATION, object_id=meeting.pk)
    assert {m.recipient.username for m in invites} == {"chair", "taker", "wang"}
    cal = parse(invites[0])
    assert cal.method.value == "REQUEST"
    event = cal.vevent
    assert event.uid.value == f"lihui-meeting-{meeting.pk}@127.0.0.1"
    assert event.dtstart.value == meeting.start
    assert int(event.sequence.value) == meeting.ics_sequence
    assert {a.value.lower() for a in event.contents["attendee"]} == {
        f"mailto:{p.email}" for p in (team["chair"], team["taker"], team["wang"])
    }
    assert hasattr(cal, "vtimezone")
    assert invites[0].subject.startswith("邀请") or invites[0].subject.startswith("Invitation")


def test_moving_an_invited_meeting_sends_an_update_and_drops_the_old_invitation(team):
    notices.invitations_due()
    meeting = team["meeting"]
    meeting = meeting_move(actor=team["chair"], meeting=meeting, date=dt.date(2026, 12, 8), start_time=dt.time(14, 0))
    assert meeting.invitation_due is not None
    assert notices.invitations_due() == 1
    invites = queued(k.INVITATION, object_id=meeting.pk)
    assert len(invites) == 6
    new = [m for m in invites if m.payload["sequence"] == meeting.ics_sequence]
    assert len(new) == 3
    event = parse(new[0]).vevent
    assert event.dtstart.value == dt.datetime(2026, 12, 8, 14, 0, tzinfo=SH)
    assert int(event.sequence.value) == meeting.ics_sequence >= 1
    send_all()
    states = {m.payload["sequence"]: m.state for m in Message.objects.filter(kind=k.INVITATION, object_id=meeting.pk)}
    assert states == {0: Message.State.CANCELLED, meeting.ics_sequence: Message.State.SENT}


def test_cancelling_an_invited_meeting_sends_a_cancel_and_an_uninvited_one_sends_nothing(team):
    notices.invitations_due()
    meeting = meeting_cancel(actor=team["chair"], meeting=team["meeting"], reason="系统升级")
    far = Meeting.objects.filter(series=team["series"], start__gt=timezone.now() + dt.timedelta(days=30)).first()
    far = meeting_cancel(actor=team["chair"], meeting=far, reason="调整")
    notices.invitations_due()
    cancels = [m for m in queued(k.INVITATION, object_id=meeting.pk) if m.payload["method"] == "CANCEL"]
    assert len(cancels) == 3
    cal = parse(cancels[0])
    assert cal.method.value == "CANCEL" and cal.vevent.status.value == "CANCELLED"
    assert not queued(k.INVITATION, object_id=far.pk)


def test_the_invitation_email_carries_the_ics_with_its_method(team, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notices.invitations_due()
    send_all()
    # The key is kind:object type:object id:…; the meeting's id is matched exactly (1 is in 11).
    invited = [m for m in mail.outbox if "chair@example.com" in m.to and m.extra_headers["X-Lihui-Idempotency-Key"].split(":")[2] == str(team["meeting"].pk)]
    assert len(invited) == 1
    raw = message_from_bytes(invited[0].message().as_bytes())
    parts = [p for p in raw.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1 and parts[0].get_param("method") == "REQUEST"
    cal = vobject.readOne(parts[0].get_payload(decode=True).decode())
    assert cal.vevent.dtstart.value == team["meeting"].start


def test_replanning_that_removes_an_invited_meeting_cancels_it_in_calendars(team):
    notices.invitations_due()
    meeting = team["meeting"]
    series = team["series"]
    from lihui.regime.services import series_update

    data = {f: getattr(series, f) for f in ("title", "frequency", "weekdays", "start_time", "duration_minutes", "start_date", "time_zone")}
    data["weekdays"] = "2"  # Wednesdays now
    series_update(actor=team["chair"], series=series, data=data)
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    cancels = [m for m in queued(k.INVITATION, object_id=meeting.pk) if m.payload["method"] == "CANCEL"]
    assert len(cancels) == 3
    send_all()
    assert {m.state for m in queued(k.INVITATION, object_id=meeting.pk) if m.payload["method"] == "CANCEL"} == {Message.State.SENT}


# --- reminders ------------------------------------------------------------------------------


def test_the_reminder_is_queued_for_its_time_and_a_moved_meetings_old_one_is_not_sent(team, clock):
    meeting = team["meeting"]
    clock.move_to(dt.datetime(2026, 12, 7, 9, 10, tzinfo=SH))
    assert notices.reminders_due() == 1
    assert notices.reminders_due() == 0
    first = queued(k.REMINDER)
    assert len(first) == 3  # the robot posts agendas and minutes only (its default)
    assert {m.due_at for m in first} == {dt.datetime(2026, 12, 7, 9, 15, tzinfo=SH)}
    # Moved by half an hour before the reminder went: the old one no longer applies.
    meeting = meeting_move(actor=team["chair"], meeting=meeting, date=dt.date(2026, 12, 7), start_time=dt.time(10, 0))
    clock.move_to(dt.datetime(2026, 12, 7, 9, 16, tzinfo=SH))
    send_all()
    assert {m.state for m in queued(k.REMINDER)} == {Message.State.CANCELLED}
    clock.move_to(dt.datetime(2026, 12, 7, 9, 40, tzinfo=SH))
    assert notices.reminders_due() == 1
    clock.move_to(dt.datetime(2026, 12, 7, 9, 46, tzinfo=SH))
    send_all()
    sent = [m for m in queued(k.REMINDER) if m.state == Message.State.SENT]
    assert len(sent) == 3 and all(m.payload["start"] == meeting.start.isoformat() for m in sent)


def test_no_reminder_when_the_series_sets_zero(team, clock):
    team["series"].reminder_minutes = 0
    team["series"].save()
    clock.move_to(dt.datetime(2026, 12, 7, 9, 10, tzinfo=SH))
    assert notices.reminders_due() == 0


# --- minutes and actions --------------------------------------------------------------------


def hold(team):
    meeting = team["meeting"]
    live_services.meeting_start(actor=team["chair"], meeting=meeting, confirm_early=True)
    live_services.meeting_end(actor=team["chair"], meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def test_publishing_the_minutes_tells_everyone_in_the_meeting_and_the_robot(team):
    from lihui.minutes.services import minutes_publish

    meeting = hold(team)
    action_create(actor=team["taker"], meeting=meeting, title="核对退货数据", owner=team["wang"], due=dt.date(2026, 12, 10))
    minutes_publish(actor=team["taker"], meeting=meeting)
    messages = queued(k.MINUTES)
    assert {m.recipient.username for m in messages if m.recipient_id} == {"chair", "taker", "wang"}
    assert len([m for m in messages if m.channel_id]) == 1
    english = next(m for m in messages if m.recipient_id and m.recipient.username == "wang")
    assert english.subject.startswith("Minutes published")
    assert "核对退货数据 — Wang Wu" in english.body_text


def test_an_owner_hears_of_a_new_action_unless_they_gave_it_to_themselves(team):
    meeting = hold(team)
    action = action_create(actor=team["taker"], meeting=meeting, title="更新库存表", owner=team["wang"], due=dt.date(2026, 12, 10))
    action_create(actor=team["taker"], meeting=meeting, title="自己的事", owner=team["taker"], due=dt.date(2026, 12, 10))
    [message] = queued(k.ACTION_ASSIGNED)
    assert message.recipient == team["wang"] and message.object_id == action.pk
    assert message.subject == "New action for you: 更新库存表 (due December 10)"


def test_actions_due_soon_overdue_daily_and_escalated_once_to_the_chair(team, clock):
    meeting = hold(team)
    soon = action_create(actor=team["taker"], meeting=meeting, title="准备报价", owner=team["wang"], due=dt.date(2026, 12, 9))
    late = action_create(actor=team["taker"], meeting=meeting, title="盘点仓库", owner=team["wang"], due=dt.date(2026, 12, 10))
    today = dt.date(2026, 12, 8)
    counts = notices.actions_daily(today=today)
    assert counts["due_soon"] == 2 and counts["overdue"] == 0
    # Three days after the due date (the series escalates after 3): owner daily, chair once.
    for day in (11, 12, 13, 14):
        notices.actions_daily(today=dt.date(2026, 12, day))
    overdue = queued(k.ACTION_OVERDUE, object_id=late.pk)
    assert len(overdue) == 4 and {m.recipient for m in overdue} == {team["wang"]}
    assert overdue[-1].subject == "Overdue by 4 days: 盘点仓库"
    escalated = queued(k.ACTION_ESCALATED)
    assert {(m.object_id, m.recipient.username) for m in escalated} == {(late.pk, "chair"), (soon.pk, "chair")}
    assert len(escalated) == 2
    assert escalated[0].subject.startswith("升级") or "Wang Wu" in escalated[0].subject


def test_an_overdue_note_for_an_action_done_meanwhile_is_not_sent(team):
    meeting = hold(team)
    action = action_create(actor=team["taker"], meeting=meeting, title="盘点仓库", owner=team["wang"], due=dt.date(2026, 12, 8))
    notices.actions_daily(today=dt.date(2026, 12, 10))
    action_set_status(actor=team["wang"], action=action, status=ActionItem.Status.DONE)
    send_all()
    assert queued(k.ACTION_OVERDUE)[0].state == Message.State.CANCELLED


def test_the_robot_that_wants_overdue_lists_gets_one_per_series_a_day(team):
    team["robot"].kinds = [k.ACTION_OVERDUE]
    team["robot"].save()
    meeting = hold(team)
    for n in range(3):
        action_create(actor=team["taker"], meeting=meeting, title=f"事项{n}", owner=team["wang"], due=dt.date(2026, 12, 8))
    notices.actions_daily(today=dt.date(2026, 12, 10))
    notices.actions_daily(today=dt.date(2026, 12, 10))
    [summary] = [m for m in queued(k.ACTION_OVERDUE) if m.channel_id]
    assert "3" in summary.subject and "事项2" in summary.body_markdown


def test_daily_jobs_run_once_a_day_whatever_the_number_of_workers(team, clock):
    clock.move_to(dt.datetime(2026, 12, 2, 8, 5, tzinfo=SH))
    assert notices.job_claim(name="actions_daily", period="2026-12-02", now=timezone.now())
    assert not notices.job_claim(name="actions_daily", period="2026-12-02", now=timezone.now())
    assert notices.job_claim(name="actions_daily", period="2026-12-03", now=timezone.now())


def test_the_weekly_digest_goes_to_the_chair_on_monday(team, clock):
    meeting = hold(team)
    action_create(actor=team["taker"], meeting=meeting, title="盘点仓库", owner=team["wang"], due=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 14, 8, 1, tzinfo=SH))
    done = notices.notices_run()
    assert done.get("digests") == 1
    [digest] = queued(k.DIGEST)
    assert digest.recipient == team["chair"]
    assert "盘点仓库" in digest.body_text
    assert notices.notices_run().get("digests") is None  # once a week


# --- survey hook ----------------------------------------------------------------------------


def test_ending_the_meeting_asks_for_the_survey_by_the_provider_the_survey_app_registers(team, monkeypatch):
    hold(team)  # lihui.surveys registered its provider: the survey opened and the request is queued
    assert {m.recipient.username for m in queued(k.SURVEY)} == {"chair", "taker", "wang"}
    assert "/survey/" in queued(k.SURVEY)[0].body_text
    Message.objects.filter(kind=k.SURVEY).delete()
    team["series"].survey_enabled = False
    team["series"].save()
    notices.meeting_ended(meeting=team["meeting"])
    assert not queued(k.SURVEY)
    monkeypatch.setattr(notices, "_survey_provider", None)  # no survey app: nothing to ask
    team["series"].survey_enabled = True
    team["series"].save()
    notices.meeting_ended(meeting=team["meeting"])
    assert not queued(k.SURVEY)


# --- delivery log ---------------------------------------------------------------------------


def test_the_delivery_log_says_when_to_how_many_and_who_failed(team, stub_http):
    team["wang"].email = ""
    team["wang"].save()
    publish_agenda(team)
    send_all()
    from django.utils import translation

    with translation.override("en"), timezone.override(SH):
        lines = delivery_log(meeting=team["meeting"])
    [line] = lines
    assert line.text == (
        "The agenda was sent on December 1 10:00 to 2 people and 1 group; 1 failed: the recipient has no e-mail address"
    )
    assert line.failures == [("Wang Wu", "the recipient has no e-mail address")]


def test_the_delivery_log_costs_the_same_queries_for_one_or_many_actions(team):
    meeting = hold(team)
    action_create(actor=team["taker"], meeting=meeting, title="一", owner=team["wang"], due=dt.date(2026, 12, 10))
    with CaptureQueriesContext(connection) as one:
        delivery_log(meeting=meeting)
    for n in range(10):
        action_create(actor=team["taker"], meeting=meeting, title=f"事{n}", owner=team["chair"], due=dt.date(2026, 12, 10))
    with CaptureQueriesContext(connection) as many:
        lines = delivery_log(meeting=meeting)
    assert len(one) == len(many) == 3
    assert len(lines) == 12  # one line per new action's note, and the survey request
