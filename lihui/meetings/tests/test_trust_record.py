"""A schedule and a record people can trust (issue 16, parts 2–4): a start date in the past
plans no phantom meetings (or enters them as history), End asks and can be undone within a
grace period, a deputy chair runs the meeting when the chair is away, a start well before
the slot asks and is not "on time", and a held meeting's agenda is a record that changes
only by an amendment with a reason."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lihui.audit.models import AuditEntry
from lihui.insights.selectors import meeting_compliance
from lihui.meetings.models import Amendment, Attendance, Meeting
from lihui.meetings.services import agenda as agenda_services
from lihui.meetings.services import live as live_services
from lihui.meetings.services.planning import meetings_phantoms, meetings_plan
from lihui.people.models import Person
from lihui.regime.models import Membership, Series
from lihui.regime.services import RosterEntry, series_create, series_update
from lihui.testing.factories import PersonFactory

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 7, 21, 0, tzinfo=SH)  # a Monday evening, after the 09:30 slot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def rotating(**data):
    """A weekly Monday 09:30 series with a rotating minute-taker 孙丽 → 王强, created now."""
    chair = PersonFactory(name="周云", language="en")
    first, second = PersonFactory(name="孙丽"), PersonFactory(name="王强")
    roster = [RosterEntry(chair, "chair"), RosterEntry(first, "member", 1), RosterEntry(second, "member", 2)]
    fields = {"title": "运营周例会", "frequency": "weekly", "weekdays": "0", "start_time": dt.time(9, 30), "duration_minutes": 60,
              "time_zone": "Asia/Shanghai", "minute_taker_rotates": True, "start_date": NOW.date()}  # fmt: skip
    history = data.pop("history", False)
    fields.update(data)
    return series_create(actor=chair, data=fields, roster=roster, history=history), chair, first, second


# --- 2. start dates in the past ------------------------------------------------------------


def test_a_series_created_tonight_with_todays_date_starts_with_the_next_real_meeting():
    series, chair, first, second = rotating()
    meetings = list(series.meetings.order_by("start"))
    assert all(m.start > timezone.now() for m in meetings), "no meeting that has already passed"
    one, two = meetings[0], meetings[1]
    assert timezone.localtime(one.start, SH) == dt.datetime(2026, 12, 14, 9, 30, tzinfo=SH)
    assert (one.number, one.minute_taker_id) == (1, first.pk), "第 1 次, the first minute-taker of the rotation"
    assert (two.number, two.minute_taker_id) == (2, second.pk)


def test_a_start_date_years_back_plans_no_phantom_past():
    series, *_ = rotating(start_date=dt.date(2020, 1, 1))
    assert not series.meetings.filter(start__lt=timezone.now()).exists()
    assert series.meetings.order_by("start").first().number == 1


def test_the_past_entered_as_history_is_held_marked_and_the_rotation_starts_at_the_first_real_meeting():
    series, chair, first, second = rotating(start_date=dt.date(2026, 11, 16), history=True)
    past = list(series.meetings.filter(start__lt=timezone.now()).order_by("start"))
    # 16, 23, 30 Nov and this morning's 7 Dec: held, history, numbered, nobody assigned after the fact.
    assert [(m.number, m.status, m.is_history, m.minute_taker_id) for m in past] == [
        (1, "held", True, None), (2, "held", True, None), (3, "held", True, None), (4, "held", True, None)]  # fmt: skip
    coming = series.meetings.filter(start__gt=timezone.now()).order_by("start").first()
    assert (coming.number, coming.status, coming.is_history, coming.minute_taker_id) == (5, "scheduled", False, first.pk)
    # History was not run under the regime: it is not measured.
    assert meeting_compliance(meeting=past[0]) is None
    page = client_for(chair).get(reverse("meetings:meeting_detail", args=[past[0].pk]))
    assert page.status_code == 200 and b'data-testid="history-note"' in page.content


def test_the_web_form_offers_history_only_when_creating(cast):
    chair = cast.chair
    page = client_for(chair).get(reverse("regime:series_new"))
    assert b'name="record_history"' in page.content
    page = client_for(chair).get(reverse("regime:series_edit", args=[cast.series.pk]))
    assert b'name="record_history"' not in page.content


def test_the_api_records_history_when_asked(cast):
    from lihui.people.services import api_token_create

    chair = cast.chair
    _token, secret = api_token_create(person=chair, name="test")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {"title": "补录例会", "frequency": "weekly", "weekdays": [0], "start_time": "09:30", "duration_minutes": 60,
            "time_zone": "Asia/Shanghai", "start_date": "2026-11-16", "record_history": True,
            "roster": [{"person": chair.pk, "role": "chair"}, {"person": cast.minute_taker.pk, "role": "minute_taker"}]}  # fmt: skip
    response = client.post("/api/v1/series", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    series = Series.objects.get(pk=response.json()["id"])
    assert series.meetings.filter(is_history=True, status="held").count() == 4
    assert not series.meetings.filter(start__lt=timezone.now(), status="scheduled").exists()


def test_the_repair_command_removes_phantoms_and_renumbers(frozen):
    series, chair, first, second = rotating()
    # What the old planner did: every occurrence since a start date years back, "scheduled".
    Series.objects.filter(pk=series.pk).update(start_date=dt.date(2026, 10, 5))
    series.refresh_from_db()
    meetings_plan(series=series, since=dt.datetime(2026, 10, 5, tzinfo=SH))
    phantom_count = series.meetings.filter(start__lt=timezone.now(), status="scheduled").count()
    assert phantom_count == 10 and meetings_phantoms(series=series).count() == 10
    # One phantom someone wrote into is kept: attendance was taken there.
    kept = series.meetings.filter(start__lt=timezone.now()).order_by("start").last()
    Attendance.objects.create(meeting=kept, person=first, status="present", recorded_by=chair)
    call_command("meetings_repair", "--dry-run")
    assert series.meetings.filter(start__lt=timezone.now()).count() == 10, "a dry run changes nothing"
    call_command("meetings_repair")
    assert list(series.meetings.filter(start__lt=timezone.now())) == [kept]
    coming = series.meetings.filter(start__gt=timezone.now()).order_by("start").first()
    assert coming.number == 2 and Meeting.objects.get(pk=kept.pk).number == 1


# --- 3. a live meeting that forgives -------------------------------------------------------


@pytest.fixture
def running(cast, frozen):
    """The private series' meeting of 14 Dec 09:30, started on time, its first item discussed for 3 minutes."""
    frozen.move_to(dt.datetime(2026, 12, 14, 9, 30, tzinfo=SH))
    meeting = cast.series.meetings.get(start=dt.datetime(2026, 12, 14, 9, 30, tzinfo=SH))
    agenda_services.agenda_ensure(meeting=meeting)
    live_services.meeting_start(actor=cast.chair, meeting=meeting)
    frozen.shift(dt.timedelta(minutes=3))
    first = meeting.items.order_by("position").first()
    live_services.meeting_go_to(actor=cast.chair, meeting=meeting, expected_item_id=first.pk, step=1)
    frozen.shift(dt.timedelta(minutes=2))
    return Meeting.objects.get(pk=meeting.pk)


def test_end_asks_first_and_lists_what_is_undiscussed(cast, running):
    client = client_for(cast.chair)
    url = reverse("meetings:end", args=[running.pk])
    answer = client.post(url, HTTP_ACCEPT="application/json")
    assert answer.status_code == 409
    body = answer.json()
    assert body["confirm"] and len(body["items"]) == running.items.count() - 2  # the first two were opened
    assert Meeting.objects.get(pk=running.pk).actual_end is None, "nothing ended without confirmation"
    page = client.get(url)
    assert page.status_code == 200 and b'data-testid="undiscussed"' in page.content
    assert client.post(url).status_code == 302 and Meeting.objects.get(pk=running.pk).actual_end is None
    done = client.post(url, {"confirm": "1"})
    assert done.status_code == 302 and done["Location"] == reverse("meetings:recap", args=[running.pk])
    assert Meeting.objects.get(pk=running.pk).status == "held"


def test_resume_within_the_grace_period_restores_the_timer(cast, running, frozen):
    live_services.meeting_end(actor=cast.chair, meeting=running)
    used = {i.pk: i.seconds_used for i in running.items.all()}
    second = running.items.order_by("position")[1]
    assert used[second.pk] == 120
    frozen.shift(dt.timedelta(minutes=10))
    recap = client_for(cast.chair).get(reverse("meetings:recap", args=[running.pk]))
    assert b'data-testid="resume"' in recap.content
    response = client_for(cast.chair).post(reverse("meetings:resume", args=[running.pk]))
    assert response.status_code == 302
    m = Meeting.objects.get(pk=running.pk)
    assert m.actual_end is None and m.status == "scheduled" and m.current_item_id == second.pk
    frozen.shift(dt.timedelta(minutes=1))
    live_services.meeting_end(actor=cast.chair, meeting=m)
    after = {i.pk: i.seconds_used for i in running.items.all()}
    assert after[second.pk] == 180, "two minutes before End, one after the resume; the ten between are not counted"
    assert AuditEntry.objects.filter(meeting=m, entity="meeting", verb="resumed").count() == 1


def test_no_resume_after_the_grace_period(cast, running, frozen):
    live_services.meeting_end(actor=cast.chair, meeting=running)
    frozen.shift(dt.timedelta(minutes=31))
    assert not live_services.meeting_can_resume(person=cast.chair, meeting=Meeting.objects.get(pk=running.pk))
    with pytest.raises(ValidationError):
        live_services.meeting_resume(actor=cast.chair, meeting=running)
    recap = client_for(cast.chair).get(reverse("meetings:recap", args=[running.pk]))
    assert b'data-testid="resume"' not in recap.content


def test_members_cannot_resume(cast, running):
    live_services.meeting_end(actor=cast.chair, meeting=running)
    with pytest.raises(PermissionDenied):
        live_services.meeting_resume(actor=cast.presenter, meeting=running)


def test_the_deputy_chair_starts_and_runs_the_meeting(cast, frozen):
    series = cast.series
    roster = [RosterEntry(m.person, m.role, m.rotation_position) for m in series.memberships.select_related("person")]
    roster = [RosterEntry(e.person, "deputy_chair") if e.person == cast.presenter else e for e in roster]
    series_update(actor=cast.chair, series=series, data={}, roster=roster)
    frozen.move_to(dt.datetime(2026, 12, 14, 9, 31, tzinfo=SH))
    meeting = series.meetings.get(start=dt.datetime(2026, 12, 14, 9, 30, tzinfo=SH))
    agenda_services.agenda_ensure(meeting=meeting)
    client = client_for(cast.presenter)
    assert client.post(reverse("meetings:start", args=[meeting.pk])).status_code == 302
    m = Meeting.objects.get(pk=meeting.pk)
    assert m.actual_start is not None and m.started_by_id == cast.presenter.pk
    assert client.post(reverse("meetings:end", args=[meeting.pk]), {"confirm": "1"}).status_code == 302
    page = client_for(cast.chair).get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    assert cast.presenter.name in page.content.decode()
    # The deputy runs meetings; the rules stay the chair's.
    with pytest.raises(PermissionDenied):
        series_update(actor=cast.presenter, series=series, data={"title": "改名"})


def test_a_member_who_is_not_the_deputy_cannot_run(cast):
    meeting = cast.series.meetings.get(start=dt.datetime(2026, 12, 14, 9, 30, tzinfo=SH))
    with pytest.raises(PermissionDenied):
        live_services.meeting_start(actor=cast.presenter, meeting=meeting)


def test_one_deputy_chair_at_most(cast):
    roster = [RosterEntry(cast.chair, "chair"), RosterEntry(cast.presenter, "deputy_chair"), RosterEntry(cast.minute_taker, "deputy_chair")]
    with pytest.raises(ValidationError) as error:
        series_update(actor=cast.chair, series=cast.series, data={}, roster=roster)
    assert "roster" in error.value.message_dict
    assert not Membership.objects.filter(series=cast.series, role="deputy_chair").exists()


def test_starting_well_before_the_slot_asks_and_is_not_on_time(cast):
    meeting = cast.series.meetings.get(start=dt.datetime(2026, 12, 14, 9, 30, tzinfo=SH))  # a week ahead
    agenda_services.agenda_ensure(meeting=meeting)
    with pytest.raises(ValidationError) as error:
        live_services.meeting_start(actor=cast.chair, meeting=meeting)
    assert error.value.code == "early"
    client = client_for(cast.chair)
    answer = client.post(reverse("meetings:start", args=[meeting.pk]), HTTP_ACCEPT="application/json")
    assert answer.status_code == 409 and "2026-12-14 09:30" in answer.json()["confirm"]
    assert Meeting.objects.get(pk=meeting.pk).actual_start is None
    assert client.post(reverse("meetings:start", args=[meeting.pk]), {"confirm": "1"}).status_code == 302
    live_services.meeting_end(actor=cast.chair, meeting=meeting)
    checks = {c.key: c for c in meeting_compliance(meeting=Meeting.objects.get(pk=meeting.pk)).checks}
    assert checks["started_on_time"].passed is False
    assert "2026-12-14 09:30" in checks["started_on_time"].evidence  # 比计划时间提前 … 开始（原定 …）


# --- 4. a held meeting is a record ---------------------------------------------------------


@pytest.fixture
def held(cast, running):
    live_services.meeting_end(actor=cast.chair, meeting=running)
    return Meeting.objects.get(pk=running.pk)


def test_after_end_the_agenda_changes_only_by_an_amendment_with_a_reason(cast, held):
    item = held.items.order_by("position")[1]
    allotted = item.minutes_allotted
    with pytest.raises(ValidationError) as error:
        agenda_services.agenda_item_update(actor=cast.chair, item=item, data={"minutes_allotted": 30})
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        agenda_services.agenda_item_add(actor=cast.chair, meeting=held, data={"title": "事后补充"})
    with pytest.raises(ValidationError):
        agenda_services.agenda_reorder(actor=cast.chair, meeting=held, order=list(reversed([i.pk for i in held.items.order_by("position")])))
    assert not Amendment.objects.exists()

    agenda_services.agenda_item_update(actor=cast.chair, item=item, data={"minutes_allotted": 30, "seconds_used": 600}, reason="计时器漏记")
    amendment = Amendment.objects.get(meeting=held)
    changed = {c["field"]: (c["before"], c["after"]) for c in amendment.changes}
    assert changed == {"minutes_allotted": (str(allotted), "30"), "seconds_used": ("2:00", "10:00")}
    entry = AuditEntry.objects.get(meeting=held, entity="meeting", verb="amended")
    assert any(c["field"] == "reason" and c["after"] == "计时器漏记" for c in entry.changes)
    recap = client_for(cast.chair).get(reverse("meetings:recap", args=[held.pk])).content.decode()
    assert 'data-testid="amendments"' in recap and "计时器漏记" in recap and "2:00 → 10:00" in recap
    # Once amended, End cannot be undone any more: the record moved on.
    assert not live_services.meeting_can_resume(person=cast.chair, meeting=held)


def test_the_held_page_offers_no_agenda_controls_and_dates_the_actual_time(cast, held):
    page = client_for(cast.chair).get(reverse("meetings:meeting_detail", args=[held.pk])).content.decode()
    assert 'data-testid="agenda-record"' in page and "add-item" not in page
    assert "2026-12-14" in page.split('data-testid="actual-time"')[1][:120] or "12月14日" in page.split('data-testid="actual-time"')[1][:160]


def test_the_amend_form_needs_a_reason(cast, held):
    item = held.items.order_by("position")[0]
    client = client_for(cast.chair)
    url = reverse("meetings:item_edit", args=[item.pk])
    data = {"title": item.title, "kind": item.kind, "presenter": item.presenter_id or "", "minutes_allotted": item.minutes_allotted,
            "minutes_used": 3, "description": item.description}  # fmt: skip
    page = client.post(url, data)
    assert page.status_code == 200 and not Amendment.objects.exists()
    assert client.post(url, {**data, "minutes_used": 4, "reason": "补记开场超时"}).status_code == 302
    assert [(c["field"], c["before"], c["after"]) for c in Amendment.objects.get().changes] == [("seconds_used", "3:00", "4:00")]
    assert client_for(cast.minute_taker).get(url).status_code == 403


def test_arrivals_must_lie_within_the_meeting(cast, held):
    after_end = held.actual_end + dt.timedelta(minutes=20)
    with pytest.raises(ValidationError) as error:
        live_services.attendance_set(actor=cast.chair, meeting=held, person=cast.presenter, status="late", arrived_at=after_end)
    assert "arrived_at" in error.value.message_dict
    with pytest.raises(ValidationError):
        live_services.attendance_set(actor=cast.chair, meeting=held, person=cast.presenter, status="late",
                                     arrived_at=held.actual_start - dt.timedelta(minutes=5))  # fmt: skip
    ok = live_services.attendance_set(actor=cast.chair, meeting=held, person=cast.presenter, status="late",
                                      arrived_at=held.actual_start + dt.timedelta(minutes=2))  # fmt: skip
    assert ok.arrived_at == held.actual_start + dt.timedelta(minutes=2)
    # Recorded the next day through the page, a time means the meeting's day, not today's.
    client = client_for(cast.chair)
    response = client.post(reverse("meetings:attendance", args=[held.pk]), {"person": cast.minute_taker.pk, "status": "late", "arrived_at": "09:33"})
    assert response.status_code == 200
    mark = Attendance.objects.get(meeting=held, person=cast.minute_taker)
    assert timezone.localtime(mark.arrived_at, SH) == dt.datetime(2026, 12, 14, 9, 33, tzinfo=SH)


def test_presenters_describe_their_item_but_not_the_agendas_structure(cast, frozen):
    from lihui.testing.factories import DepartmentFactory

    dept = DepartmentFactory(name="客服部", head=cast.presenter)
    Person.objects.filter(pk=cast.presenter.pk).update(department=dept)
    meeting = cast.series.meetings.get(start=dt.datetime(2026, 12, 21, 9, 30, tzinfo=SH))
    agenda_services.agenda_ensure(meeting=meeting)
    item = meeting.items.get(presenter=cast.presenter)
    with pytest.raises(PermissionDenied):
        agenda_services.agenda_item_update(actor=cast.presenter, item=item, data={"minutes_allotted": 30})
    with pytest.raises(PermissionDenied):
        agenda_services.agenda_item_remove(actor=cast.presenter, item=item)
    agenda_services.agenda_item_update(actor=cast.presenter, item=item, data={"description": "本周重点：退货率"})
    assert meeting.items.get(pk=item.pk).description == "本周重点：退货率"
