"""Running a meeting: start, the item timer (Next / Previous, once for two clients), End,
who may run it, the shared live state, attendance, notes autosave, and the recap."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.meetings.revisions import RevisionConflict
from lihui.meetings.services import agenda as agenda_services
from lihui.meetings.services import live as services
from lihui.people.models import Person
from lihui.reports.models import Kpi
from lihui.reports.services import report_save
from lihui.testing.factories import DepartmentFactory, PersonFactory

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 9, 29, tzinfo=SH)  # a minute before the 09:30 Monday meeting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def client_for(person: Person, **defaults) -> Client:
    client = Client(**defaults)
    client.force_login(person)
    return client


def todays(series) -> Meeting:
    meeting = series.meetings.get(start=dt.datetime(2026, 11, 30, 9, 30, tzinfo=SH))
    agenda_services.agenda_ensure(meeting=meeting)
    return meeting


@pytest.fixture
def meeting(cast) -> Meeting:
    """The private series' meeting today, its default agenda made: opening 3, review 8,
    discussion 12, decision 8, recap 5 (no department heads on the roster). Everyone reads English."""
    Person.objects.update(language="en")
    return todays(cast.series)


def items_of(meeting: Meeting) -> list[AgendaItem]:
    return list(meeting.items.order_by("position", "id"))


def fresh(meeting: Meeting) -> Meeting:
    return Meeting.objects.get(pk=meeting.pk)


def later(frozen, **delta) -> dt.datetime:
    frozen.shift(dt.timedelta(**delta))
    return timezone.now()


# --- start, Next / Previous, End --------------------------------------------------------------


def test_default_agenda_without_department_heads(meeting):
    assert [(i.kind, i.minutes_allotted) for i in items_of(meeting)] == [
        ("opening", 3), ("review", 8), ("discussion", 12), ("decision", 8), ("recap", 5)
    ]  # fmt: skip


def test_start_records_the_actual_start_and_runs_the_first_item(cast, meeting):
    m = services.meeting_start(actor=cast.chair, meeting=meeting)
    first = items_of(meeting)[0]
    assert m.actual_start == NOW and m.actual_end is None and m.is_live
    assert m.current_item_id == first.pk and m.live_version == 1
    assert first.running_since == NOW and first.seconds_used == 0
    assert all(i.running_since is None for i in items_of(meeting)[1:])
    # a second click (another laptop) changes nothing
    again = services.meeting_start(actor=cast.chair, meeting=fresh(meeting))
    assert (again.actual_start, again.current_item_id, again.live_version) == (NOW, first.pk, 1)


def test_next_and_previous_move_the_timer(cast, meeting, frozen):
    a, b, c, *_ = items_of(meeting)
    chair = cast.chair
    services.meeting_start(actor=chair, meeting=meeting)
    t1 = later(frozen, minutes=5)
    m = services.meeting_go_to(actor=chair, meeting=meeting, expected_item_id=a.pk, step=1)
    assert m.current_item_id == b.pk
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.seconds_used, a.running_since) == (300, None)
    assert (b.seconds_used, b.running_since) == (0, t1)
    assert a.overrun_seconds == 300 - 3 * 60

    later(frozen, minutes=10)
    services.meeting_go_to(actor=chair, meeting=meeting, expected_item_id=b.pk, step=1)
    later(frozen, minutes=2)
    m = services.meeting_go_to(actor=chair, meeting=meeting, expected_item_id=c.pk, step=-1)  # back to b
    assert m.current_item_id == b.pk
    t4 = later(frozen, minutes=1, seconds=30)
    b.refresh_from_db(), c.refresh_from_db()
    assert (c.seconds_used, c.running_since) == (120, None) and c.overrun_seconds == 0
    # b's closed segment and its open one
    assert b.seconds_used == 600 and b.used_seconds(t4) == 690 and b.overrun_seconds == 690 - 8 * 60
    services.meeting_go_to(actor=chair, meeting=meeting, expected_item_id=b.pk, step=1)
    b.refresh_from_db()
    assert (b.seconds_used, b.running_since) == (690, None)
    assert fresh(meeting).live_version == 5  # start + four moves


def test_two_clients_pressing_next_advance_once(cast, meeting, frozen):
    a, b, c, *_ = items_of(meeting)
    services.meeting_start(actor=cast.chair, meeting=meeting)
    later(frozen, minutes=1)
    services.meeting_go_to(actor=cast.chair, meeting=meeting, expected_item_id=a.pk, step=1)
    m = services.meeting_go_to(actor=cast.admin, meeting=fresh(meeting), expected_item_id=a.pk, step=1)
    assert m.current_item_id == b.pk and m.live_version == 2

    # the same through the view, from two browsers that both saw b as current
    later(frozen, minutes=1)
    first, second = client_for(cast.chair), client_for(cast.admin)
    headers = {"HTTP_ACCEPT": "application/json"}
    r1 = first.post(f"/meetings/{meeting.pk}/live/go/", {"expected": str(b.pk), "step": "1"}, **headers)
    r2 = second.post(f"/meetings/{meeting.pk}/live/go/", {"expected": str(b.pk), "step": "1"}, **headers)
    assert r1.status_code == r2.status_code == 200
    assert r1.json()["current"] == r2.json()["current"] == c.pk
    assert r1.json()["version"] == r2.json()["version"] == 3
    b.refresh_from_db()
    assert b.seconds_used == 60 and b.running_since is None
    # without the JSON header the chair's page is shown again
    r = first.post(f"/meetings/{meeting.pk}/live/go/", {"expected": str(c.pk), "step": "-1"})
    assert r.status_code == 302 and r.url == f"/meetings/{meeting.pk}/live/"
    assert fresh(meeting).current_item_id == b.pk


def test_previous_at_the_first_and_next_at_the_last_do_nothing(cast, meeting, frozen):
    items = items_of(meeting)
    services.meeting_start(actor=cast.chair, meeting=meeting)
    later(frozen, minutes=1)
    m = services.meeting_go_to(actor=cast.chair, meeting=meeting, expected_item_id=items[0].pk, step=-1)
    assert (m.current_item_id, m.live_version) == (items[0].pk, 1)
    assert AgendaItem.objects.get(pk=items[0].pk).running_since == NOW
    for item in items[:-1]:
        services.meeting_go_to(actor=cast.chair, meeting=meeting, expected_item_id=item.pk, step=1)
    last = fresh(meeting)
    assert last.current_item_id == items[-1].pk
    m = services.meeting_go_to(actor=cast.chair, meeting=meeting, expected_item_id=items[-1].pk, step=1)
    assert (m.current_item_id, m.live_version) == (items[-1].pk, last.live_version)
    assert AgendaItem.objects.get(pk=items[-1].pk).running_since is not None


def test_a_bad_step_is_refused(cast, meeting):
    services.meeting_start(actor=cast.chair, meeting=meeting)
    with pytest.raises(ValidationError):
        services.meeting_go_to(actor=cast.chair, meeting=meeting, expected_item_id=items_of(meeting)[0].pk, step=2)
    client = client_for(cast.chair, HTTP_ACCEPT="application/json")
    assert client.post(f"/meetings/{meeting.pk}/live/go/", {"expected": "x", "step": "1"}).status_code == 422
    assert client.post(f"/meetings/{meeting.pk}/live/go/", {"expected": "", "step": "2"}).status_code == 422
    assert fresh(meeting).live_version == 1


def test_end_records_the_end_and_closes_the_running_segment(cast, meeting, frozen):
    a, b, *_ = items_of(meeting)
    with pytest.raises(ValidationError):
        services.meeting_go_to(actor=cast.chair, meeting=meeting, expected_item_id=None, step=1)  # not started
    with pytest.raises(ValidationError):
        services.meeting_end(actor=cast.chair, meeting=meeting)  # not started
    services.meeting_start(actor=cast.chair, meeting=meeting)
    later(frozen, minutes=4)
    services.meeting_go_to(actor=cast.chair, meeting=meeting, expected_item_id=a.pk, step=1)
    end = later(frozen, minutes=7, seconds=15)
    m = services.meeting_end(actor=cast.chair, meeting=meeting)
    assert m.actual_end == end and m.status == Meeting.Status.HELD and m.current_item_id is None and not m.is_live
    b.refresh_from_db()
    assert (b.seconds_used, b.running_since) == (435, None)
    assert not AgendaItem.objects.filter(meeting=meeting, running_since__isnull=False).exists()
    version = m.live_version
    later(frozen, minutes=1)
    assert services.meeting_end(actor=cast.chair, meeting=fresh(meeting)).actual_end == end  # a second End: nothing new
    with pytest.raises(ValidationError):
        services.meeting_go_to(actor=cast.chair, meeting=meeting, expected_item_id=None, step=1)
    with pytest.raises(ValidationError):
        services.meeting_start(actor=cast.chair, meeting=fresh(meeting))  # held, not planned
    assert fresh(meeting).live_version == version
    client = client_for(cast.chair, HTTP_ACCEPT="application/json")
    assert client.post(f"/meetings/{meeting.pk}/live/go/", {"expected": "", "step": "1"}).status_code == 422
    # the live page of an ended meeting goes to the recap
    r = client_for(cast.chair).get(f"/meetings/{meeting.pk}/live/")
    assert r.status_code == 302 and r.url == f"/meetings/{meeting.pk}/recap/"


def test_start_and_end_through_the_views(cast, meeting, frozen):
    client = client_for(cast.chair)
    r = client.post(f"/meetings/{meeting.pk}/live/start/")
    assert r.status_code == 302 and r.url == f"/meetings/{meeting.pk}/live/"
    assert fresh(meeting).actual_start == NOW
    later(frozen, minutes=30)
    r = client.post(f"/meetings/{meeting.pk}/live/end/")  # unconfirmed: End asks first
    assert r.status_code == 302 and r.url == f"/meetings/{meeting.pk}/live/end/" and fresh(meeting).actual_end is None
    r = client.post(f"/meetings/{meeting.pk}/live/end/", {"confirm": "1"})
    assert r.status_code == 302 and r.url == f"/meetings/{meeting.pk}/recap/"
    m = fresh(meeting)
    assert m.actual_end == NOW + dt.timedelta(minutes=30) and m.status == "held"
    assert client.get(f"/meetings/{meeting.pk}/live/start/").status_code == 405


# --- who may run it -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["presenter", "minute_taker"])
def test_only_chair_and_admin_run_the_meeting(cast, meeting, who):
    person = cast.all()[who]
    first = items_of(meeting)[0]
    with pytest.raises(PermissionDenied):
        services.meeting_start(actor=person, meeting=meeting)
    client = client_for(person, HTTP_ACCEPT="application/json")
    assert client.post(f"/meetings/{meeting.pk}/live/start/").status_code == 403
    assert fresh(meeting).actual_start is None
    services.meeting_start(actor=cast.admin, meeting=meeting)  # an admin may
    with pytest.raises(PermissionDenied):
        services.meeting_go_to(actor=person, meeting=meeting, expected_item_id=first.pk, step=1)
    assert client.post(f"/meetings/{meeting.pk}/live/go/", {"expected": str(first.pk), "step": "1"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.meeting_end(actor=person, meeting=meeting)
    assert client.post(f"/meetings/{meeting.pk}/live/end/").status_code == 403
    m = fresh(meeting)
    assert (m.current_item_id, m.actual_end, m.live_version) == (first.pk, None, 1)
    # the live page opens for them, without the controls
    html = client_for(person).get(f"/meetings/{meeting.pk}/live/").content.decode()
    assert 'data-can-run="0"' in html and 'data-testid="next"' not in html
    assert 'data-testid="next"' in client_for(cast.chair).get(f"/meetings/{meeting.pk}/live/").content.decode()


def test_an_outsider_cannot_reach_a_private_meeting(cast, meeting):
    client = client_for(cast.outsider, HTTP_ACCEPT="application/json")
    for url in (f"/meetings/{meeting.pk}/live/", f"/meetings/{meeting.pk}/live/state/", f"/meetings/{meeting.pk}/recap/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/meetings/{meeting.pk}/live/start/").status_code == 404
    assert fresh(meeting).actual_start is None


# --- the shared live state ----------------------------------------------------------------------


def state(client: Client, meeting: Meeting) -> dict:
    response = client.get(f"/meetings/{meeting.pk}/live/state/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


def test_every_viewer_gets_the_same_state_and_the_version_grows(cast, meeting, frozen):
    viewers = [client_for(cast.chair), client_for(cast.chair), client_for(cast.presenter), client_for(cast.minute_taker), client_for(cast.admin)]
    versions = []

    def same_for_all() -> dict:
        states = [state(c, meeting) for c in viewers]
        assert all(s == states[0] for s in states[1:])
        versions.append(states[0]["version"])
        return states[0]

    s = same_for_all()
    assert s["started"] is None and s["current"] is None and len(s["items"]) == 5
    assert s["scheduled_end"] == "2026-11-30T02:30:00+00:00"  # ISO 8601, in UTC
    a, b, *_ = items_of(meeting)
    services.meeting_start(actor=cast.chair, meeting=meeting)
    later(frozen, seconds=90)
    s = same_for_all()
    assert dt.datetime.fromisoformat(s["started"]) == NOW and dt.datetime.fromisoformat(s["now"]) == NOW + dt.timedelta(seconds=90)
    assert s["current"] == a.pk and s["items"][0] == {
        "id": a.pk, "title": a.title, "presenter": cast.chair.name, "allotted": 180, "used": 90, "running": True
    }  # fmt: skip
    services.meeting_go_to(actor=cast.chair, meeting=meeting, expected_item_id=a.pk, step=1)
    s = same_for_all()
    assert s["current"] == b.pk and s["items"][0]["used"] == 90 and not s["items"][0]["running"]
    services.attendance_set(actor=cast.minute_taker, meeting=meeting, person=cast.presenter, status="present")
    same_for_all()
    later(frozen, minutes=1)
    services.meeting_end(actor=cast.chair, meeting=meeting)
    s = same_for_all()
    assert s["ended"] is not None and s["current"] is None and s["items"][1]["used"] == 60
    assert versions == [0, 1, 2, 3, 4]


def test_the_json_answer_of_an_action_is_the_state(cast, meeting):
    client = client_for(cast.chair, HTTP_ACCEPT="application/json")
    r = client.post(f"/meetings/{meeting.pk}/live/start/")
    assert r.status_code == 200
    assert r.json() == state(client_for(cast.presenter), meeting)


# --- attendance ---------------------------------------------------------------------------------


def test_attendance_statuses(cast, meeting, frozen):
    taker = cast.minute_taker
    row = services.attendance_set(actor=taker, meeting=meeting, person=cast.chair, status="present")
    assert (row.status, row.arrived_at, row.reason, row.recorded_by_id) == ("present", None, "", taker.pk)
    arrived = later(frozen, minutes=12)
    row = services.attendance_set(actor=taker, meeting=meeting, person=cast.presenter, status="late")
    assert (row.status, row.arrived_at) == ("late", arrived)
    at = dt.datetime(2026, 11, 30, 9, 35, tzinfo=SH)
    row = services.attendance_set(actor=taker, meeting=meeting, person=cast.presenter, status="late", arrived_at=at)
    assert row.arrived_at == at and Attendance.objects.filter(meeting=meeting, person=cast.presenter).count() == 1
    row = services.attendance_set(actor=taker, meeting=meeting, person=cast.presenter, status="remote", arrived_at=at)
    assert (row.status, row.arrived_at) == ("remote", None)
    row = services.attendance_set(actor=taker, meeting=meeting, person=taker, status="excused", reason="  出差深圳  ")
    assert (row.status, row.reason) == ("excused", "出差深圳")
    row = services.attendance_set(actor=taker, meeting=meeting, person=taker, status="absent")
    assert (row.status, row.reason) == ("absent", "")
    assert Attendance.objects.filter(meeting=meeting).count() == 3


@pytest.mark.parametrize("reason", ["", "   "])
def test_excused_needs_a_reason(cast, meeting, reason):
    with pytest.raises(ValidationError) as exc:
        services.attendance_set(actor=cast.chair, meeting=meeting, person=cast.presenter, status="excused", reason=reason)
    assert "reason" in exc.value.message_dict
    assert not Attendance.objects.exists()
    version = fresh(meeting).live_version
    services.attendance_set(actor=cast.chair, meeting=meeting, person=cast.presenter, status="present")
    with pytest.raises(ValidationError):
        services.attendance_set(actor=cast.chair, meeting=meeting, person=cast.presenter, status="excused", reason=reason)
    assert Attendance.objects.get().status == "present"
    assert fresh(meeting).live_version == version + 1


def test_attendance_refuses_bad_input(cast, meeting):
    def refused(field, **kwargs):
        with pytest.raises(ValidationError) as exc:
            services.attendance_set(actor=cast.chair, meeting=meeting, **kwargs)
        assert field in exc.value.message_dict

    refused("person", person=cast.outsider, status="present")  # not a participant
    refused("person", person=cast.admin, status="present")  # an admin who is not on the roster
    refused("status", person=cast.presenter, status="asleep")
    refused("person", status="present")  # nobody
    refused("reason", person=cast.presenter, status="absent", reason="长" * 201)
    other = cast.open_series.meetings.filter(status="scheduled").first()
    agenda_services.agenda_ensure(meeting=other)
    stranger = agenda_services.guest_invite(actor=cast.chair, item=other.items.first(), name="外宾")
    refused("guest", guest=stranger, status="present")  # a guest of another meeting
    assert not Attendance.objects.exists()


def test_a_guest_is_checked_in(cast, meeting):
    item = items_of(meeting)[2]
    outside = agenda_services.guest_invite(actor=cast.chair, item=item, name="张律师", reason="合同")
    colleague = PersonFactory(name="刘洋")
    agenda_services.guest_invite(actor=cast.chair, item=item, person=colleague, reason="预算")
    services.attendance_set(actor=cast.minute_taker, meeting=meeting, guest=outside, status="present")
    services.attendance_set(actor=cast.minute_taker, meeting=meeting, person=colleague, status="remote")
    assert set(Attendance.objects.values_list("guest_id", "person_id", "status")) == {
        (outside.pk, None, "present"), (None, colleague.pk, "remote")
    }  # fmt: skip


def test_only_chair_admin_and_minute_taker_record_attendance(cast, meeting):
    for recorder in (cast.chair, cast.admin, cast.minute_taker):
        services.attendance_set(actor=recorder, meeting=meeting, person=cast.presenter, status="present")
    with pytest.raises(PermissionDenied):
        services.attendance_set(actor=cast.presenter, meeting=meeting, person=cast.presenter, status="present")
    # this meeting's own minute-taker, when it differs from the series'
    Meeting.objects.filter(pk=meeting.pk).update(minute_taker=cast.presenter)
    services.attendance_set(actor=cast.presenter, meeting=fresh(meeting), person=cast.chair, status="late")
    assert Attendance.objects.count() == 2


def attendance_post(client: Client, meeting: Meeting, **data):
    return client.post(f"/meetings/{meeting.pk}/live/attendance/", {k: str(v) for k, v in data.items()}, HTTP_HX_REQUEST="true")


def test_attendance_through_the_view(cast, meeting, frozen):
    client = client_for(cast.minute_taker)
    r = attendance_post(client, meeting, person=cast.presenter.pk, status="late", arrived_at="09:42")
    assert r.status_code == 200
    html = r.content.decode()
    assert html.startswith('<div id="attendance"') and "<html" not in html
    row = Attendance.objects.get(person=cast.presenter)
    assert (row.status, row.arrived_at) == ("late", dt.datetime(2026, 11, 30, 9, 42, tzinfo=SH))
    assert "att-late" in html and "09:42" in html

    arrived = later(frozen, minutes=6)  # 09:35, within the meeting
    r = attendance_post(client, meeting, person=cast.chair.pk, status="late")  # arrival defaults to now
    assert Attendance.objects.get(person=cast.chair).arrived_at == arrived

    r = attendance_post(client, meeting, person=cast.minute_taker.pk, status="excused", reason="")
    assert r.status_code == 200 and 'role="alert"' in r.content.decode()
    assert not Attendance.objects.filter(person=cast.minute_taker).exists()
    r = attendance_post(client, meeting, person=cast.minute_taker.pk, status="excused", reason="病假")
    assert 'role="alert"' not in r.content.decode() and "病假" in r.content.decode()

    r = attendance_post(client, meeting, person=cast.outsider.pk, status="present")
    assert 'role="alert"' in r.content.decode()
    assert not Attendance.objects.filter(person=cast.outsider).exists()

    r = attendance_post(client, meeting, person=cast.presenter.pk, status="late", arrived_at="25:99")
    assert "Enter a valid time (HH:MM)." in r.content.decode()
    assert Attendance.objects.get(person=cast.presenter).arrived_at == dt.datetime(2026, 11, 30, 9, 42, tzinfo=SH)

    assert attendance_post(client_for(cast.presenter), meeting, person=cast.presenter.pk, status="present").status_code == 403
    assert Attendance.objects.get(person=cast.presenter).status == "late"
    assert attendance_post(client_for(cast.admin), meeting, person=cast.presenter.pk, status="present").status_code == 200
    assert Attendance.objects.get(person=cast.presenter).status == "present"


# --- notes autosave -----------------------------------------------------------------------------


def notes_post(client: Client, item: AgendaItem, revision, text: str):
    return client.post(f"/items/{item.pk}/notes/", {"revision": str(revision), "text": text})


def test_notes_autosave_with_revisions(cast, meeting):
    item = items_of(meeting)[2]
    tab1, tab2 = client_for(cast.minute_taker), client_for(cast.minute_taker)
    r = notes_post(tab1, item, 0, "讨论：双十二备货")
    assert r.status_code == 200 and r.json() == {"revision": 1}

    # a stale tab, still at revision 0, with other text: nothing is overwritten
    r = notes_post(tab2, item, 0, "另一台电脑的记录")
    assert r.status_code == 409
    body = r.json()
    assert body["server_text"] == "讨论：双十二备货" and body["server_revision"] == 1 and body["error"]
    item.refresh_from_db()
    assert (item.notes, item.notes_revision) == ("讨论：双十二备货", 1)

    # a retry of the same save (the answer got lost): fine
    r = notes_post(tab1, item, 0, "讨论：双十二备货")
    assert r.status_code == 200 and r.json() == {"revision": 1}

    r = notes_post(tab1, item, 1, "讨论：双十二备货\n决定：加急补货")
    assert r.status_code == 200 and r.json() == {"revision": 2}
    r = notes_post(tab2, item, body["server_revision"], "合并后的记录")  # the other tab took the server text, then saved again
    assert r.status_code == 409 and r.json()["server_revision"] == 2
    item.refresh_from_db()
    assert (item.notes, item.notes_revision) == ("讨论：双十二备货\n决定：加急补货", 2)


def test_notes_permissions_and_bad_input(cast, meeting):
    item = items_of(meeting)[0]
    assert notes_post(client_for(cast.presenter), item, 0, "成员的记录").status_code == 403
    assert notes_post(client_for(cast.outsider), item, 0, "外人的记录").status_code == 404
    assert AgendaItem.objects.get(pk=item.pk).notes == ""
    chair = client_for(cast.chair)
    assert notes_post(chair, item, "x", "记录").status_code == 422
    assert notes_post(chair, item, 0, "长" * 100_001).status_code == 422
    assert AgendaItem.objects.get(pk=item.pk).notes_revision == 0
    assert notes_post(chair, item, 0, "主持人的记录").status_code == 200
    assert notes_post(client_for(cast.admin), item, 1, "管理员的记录").json() == {"revision": 2}


def test_notes_service_conflict(cast, meeting):
    item = items_of(meeting)[0]
    assert services.notes_save(actor=cast.minute_taker, item=item, text="甲", base_revision=0) == 1
    with pytest.raises(RevisionConflict) as exc:
        services.notes_save(actor=cast.minute_taker, item=item, text="乙", base_revision=0)
    assert (exc.value.theirs.text, exc.value.theirs.number, exc.value.yours) == ("甲", 1, "乙")
    with pytest.raises(PermissionDenied):
        services.notes_save(actor=cast.presenter, item=item, text="丙", base_revision=1)


# --- the recap ------------------------------------------------------------------------------------


def test_recap_after_a_run(cast, meeting, frozen):
    member, chair = cast.presenter, cast.chair
    sales = DepartmentFactory(name="销售部", head=member)
    kpi = Kpi.objects.create(department=sales, name="订单准时发货率", unit="%", default_target=98)
    # last meeting's report, for the change
    previous = cast.series.meetings.get(start=dt.datetime(2026, 11, 23, 9, 30, tzinfo=SH))
    agenda_services.agenda_ensure(meeting=previous)
    old = agenda_services.agenda_item_add(actor=chair, meeting=previous, data={"title": "销售部汇报", "kind": "report", "minutes_allotted": 6, "presenter": member})
    report_save(actor=member, item=old, data={}, kpis=[{"kpi": kpi.pk, "target": "98", "actual": "95"}], submit=True)
    report = agenda_services.agenda_item_add(actor=chair, meeting=meeting, data={"title": "销售部汇报", "kind": "report", "minutes_allotted": 6, "presenter": member})
    report_save(
        actor=member,
        item=report,
        data={"progress": "完成 Q4 目标", "problems": "仓库人手不足", "plan": "双十二前增派临时工"},
        kpis=[{"kpi": kpi.pk, "target": "98", "actual": "97"}],
        submit=True,
    )
    services.attendance_set(actor=chair, meeting=meeting, person=chair, status="present")
    services.attendance_set(actor=chair, meeting=meeting, person=cast.presenter, status="late", arrived_at=dt.datetime(2026, 11, 30, 9, 41, tzinfo=SH))
    services.attendance_set(actor=chair, meeting=meeting, person=cast.minute_taker, status="excused", reason="出差深圳")
    items = items_of(meeting)
    services.meeting_start(actor=chair, meeting=meeting)
    durations = [6 * 60, 8 * 60, 12 * 60 + 30, 7 * 60, 5 * 60, 4 * 60]  # opening runs 3 over, discussion 0:30 over
    for item, seconds in zip(items, durations):
        later(frozen, seconds=seconds)
        if item is items[-1]:
            services.meeting_end(actor=chair, meeting=meeting)
        else:
            services.meeting_go_to(actor=chair, meeting=meeting, expected_item_id=item.pk, step=1)

    r = client_for(chair).get(f"/meetings/{meeting.pk}/recap/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "The meeting took 42 minutes of its 60." in html and "It ended on time." in html
    assert "<td>6:00</td><td>3:00 <strong class=\"bad\">+3:00</strong></td>" in html
    assert "<td>12:30</td><td>12:00 <strong class=\"bad\">+0:30</strong></td>" in html
    assert "<td>8:00</td><td>8:00</td>" in html
    assert "2 of 3 attended" in html
    absentees = html.split('data-testid="absentees"')[1].split("</ul>")[0]
    assert "孙丽" in absentees and "Excused: 出差深圳" in absentees
    assert "王强" not in absentees and "Late 09:41" in html
    highlights = html.split("Report highlights")[1]
    assert "仓库人手不足" in highlights and "双十二前增派临时工" in highlights
    assert "订单准时发货率 (%)" in highlights and "98.9%" in highlights and "+2" in highlights
    # a member reads the same recap
    assert client_for(cast.presenter).get(f"/meetings/{meeting.pk}/recap/").status_code == 200


def test_recap_of_a_meeting_that_ran_long_lists_who_never_checked_in(cast, meeting, frozen):
    services.meeting_start(actor=cast.chair, meeting=meeting)
    later(frozen, minutes=75)
    services.meeting_end(actor=cast.chair, meeting=meeting)
    html = client_for(cast.chair).get(f"/meetings/{meeting.pk}/recap/").content.decode()
    assert "The meeting took 75 minutes of its 60." in html and "15 minutes over." in html
    assert "<td>75:00</td><td>3:00 <strong class=\"bad\">+72:00</strong></td>" in html
    absentees = html.split('data-testid="absentees"')[1].split("</ul>")[0]
    assert absentees.count("not checked in") == 3
