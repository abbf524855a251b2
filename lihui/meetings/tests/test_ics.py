""".ics invitations, read back with a second, independent parser (vobject) and compared
with the stored occurrences: stable UID, rising SEQUENCE, times in the series' zone with
its VTIMEZONE, 09:30 local across a DST change, CANCEL, and hostile text kept inert."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject

from lihui.meetings.ics import Attendee, meeting_attendees, meeting_ics, meeting_uid
from lihui.meetings.models import Meeting
from lihui.meetings.services import planning as services
from lihui.regime import services as regime
from lihui.testing.factories import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
NOW = dt.datetime(2026, 10, 7, 12, 0, tzinfo=SH)  # a Wednesday; Berlin leaves summer time on 25 Oct

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people():
    return {
        "chair": PersonFactory(username="chair", name="周云"),
        "member": PersonFactory(username="member", name="王强"),
        "optional": PersonFactory(username="optional", name="李四"),
    }


def parse(data: bytes):
    assert isinstance(data, bytes)
    return vobject.readOne(data.decode("utf-8"))


def tzid(prop) -> str:
    """vobject resolves TZID against the VTIMEZONE and keeps the name it read aside."""
    return (prop.params.get("TZID") or prop.params["X-VOBJ-ORIGINAL-TZID"])[0]


def only_event(cal):
    events = list(cal.vevent_list)
    assert len(events) == 1
    return events[0]


def upcoming(series) -> list[Meeting]:
    """Planned meetings whose rule date is still ahead (the National Day holiday moves one
    from before NOW to after it; a re-plan leaves that one alone)."""
    return list(series.meetings.filter(rule_start__gt=NOW, status=Meeting.Status.SCHEDULED).order_by("start"))


def test_request_matches_the_occurrence(people, settings):
    settings.SITE_URL = "https://lihui.example.cn"
    series = make_series(
        chair=people["chair"],
        roster=[(people["member"], "member"), (people["optional"], "optional")],
        start_date=dt.date(2026, 10, 5),
        location="三楼会议室",
        video_link="https://meeting.tencent.com/dm/abc",
        purpose="复盘上周指标",
    )
    meeting = upcoming(series)[0]

    cal = parse(meeting_ics(meeting=meeting, method="REQUEST", attendees=meeting_attendees(meeting=meeting)))

    assert cal.method.value == "REQUEST"
    assert cal.version.value == "2.0"
    event = only_event(cal)
    assert event.uid.value == f"lihui-meeting-{meeting.pk}@lihui.example.cn"
    assert int(event.sequence.value) == 0
    assert event.dtstart.value.astimezone(UTC) == meeting.start.astimezone(UTC)
    assert event.dtend.value.astimezone(UTC) == meeting.end.astimezone(UTC)
    assert tzid(event.dtstart) == tzid(event.dtend) == "Asia/Shanghai"
    assert event.dtstart.value.strftime("%H:%M") == "09:30"
    assert [tz.tzid.value for tz in cal.vtimezone_list] == ["Asia/Shanghai"]
    assert event.summary.value == f"运营周例会 第 {meeting.number} 次例会"
    assert event.location.value == "三楼会议室"
    assert "复盘上周指标" in event.description.value and "https://meeting.tencent.com/dm/abc" in event.description.value
    assert event.url.value == f"https://lihui.example.cn/meetings/{meeting.pk}/"
    assert event.organizer.value == "mailto:chair@example.com"
    assert event.organizer.params["CN"] == ["周云"]
    roles = {a.value: a.params["ROLE"][0] for a in event.attendee_list}
    assert roles == {
        "mailto:chair@example.com": "REQ-PARTICIPANT",
        "mailto:member@example.com": "REQ-PARTICIPANT",
        "mailto:optional@example.com": "OPT-PARTICIPANT",
    }
    assert event.status.value == "CONFIRMED"
    assert event.dtstamp.value.astimezone(UTC) == NOW.astimezone(UTC)


def test_uid_stays_and_sequence_rises_when_moved_then_cancelled(people):
    series = make_series(chair=people["chair"], start_date=dt.date(2026, 10, 5))
    meeting = upcoming(series)[0]
    before = only_event(parse(meeting_ics(meeting=meeting, method="REQUEST", attendees=[])))

    moved = services.meeting_move(
        actor=people["chair"], meeting=meeting, date=dt.date(2026, 10, 14), start_time=dt.time(15), location="501"
    )
    after = only_event(parse(meeting_ics(meeting=moved, method="REQUEST", attendees=[])))

    assert after.uid.value == before.uid.value == meeting_uid(meeting)
    assert int(after.sequence.value) > int(before.sequence.value)
    assert after.dtstart.value.astimezone(UTC) == dt.datetime(2026, 10, 14, 15, 0, tzinfo=SH).astimezone(UTC)
    assert after.location.value == "501"

    cancelled = services.meeting_cancel(actor=people["chair"], meeting=moved, reason="国庆调休")
    cal = parse(meeting_ics(meeting=cancelled, method="CANCEL", attendees=[Attendee("王强", "member@example.com")]))
    gone = only_event(cal)
    assert cal.method.value == "CANCEL"
    assert gone.status.value == "CANCELLED"
    assert gone.uid.value == before.uid.value
    assert int(gone.sequence.value) > int(after.sequence.value)
    assert "国庆调休" in gone.description.value
    assert [a.value for a in gone.attendee_list] == ["mailto:member@example.com"]


def test_replanning_a_changed_time_raises_the_sequence(people):
    series = make_series(chair=people["chair"], start_date=dt.date(2026, 10, 5))
    meeting = upcoming(series)[0]
    rule_start, sequence = meeting.rule_start, meeting.ics_sequence
    untouched = upcoming(series)[1]

    regime.series_update(actor=people["chair"], series=series, data={"duration_minutes": 90})

    replanned = Meeting.objects.get(series=series, rule_start=rule_start)
    assert replanned.pk == meeting.pk and replanned.duration_minutes == 90
    assert replanned.ics_sequence == sequence + 1
    event = only_event(parse(meeting_ics(meeting=replanned, method="REQUEST", attendees=[])))
    assert event.dtend.value - event.dtstart.value == dt.timedelta(minutes=90)
    # A re-plan that changes nothing leaves the sequence alone.
    regime.series_update(actor=people["chair"], series=series, data={"duration_minutes": 90})
    assert Meeting.objects.get(pk=untouched.pk).ics_sequence == 1


def test_09_30_stays_local_across_a_dst_change(people):
    # Berlin: UTC+2 until Sunday 25 Oct 2026, UTC+1 after.
    series = make_series(
        chair=people["chair"], start_date=dt.date(2026, 10, 12), time_zone="Europe/Berlin", title="Standup"
    )
    before, after = [m for m in upcoming(series) if m.start.date() in (dt.date(2026, 10, 19), dt.date(2026, 10, 26))]

    for meeting, utc_hour in ((before, 7), (after, 8)):
        cal = parse(meeting_ics(meeting=meeting, method="PUBLISH", attendees=[]))
        event = only_event(cal)
        assert tzid(event.dtstart) == "Europe/Berlin"
        assert event.dtstart.value.strftime("%H:%M") == "09:30"
        assert event.dtstart.value.astimezone(UTC).hour == utc_hour
        assert event.dtstart.value.astimezone(UTC) == meeting.start.astimezone(UTC)
        assert [tz.tzid.value for tz in cal.vtimezone_list] == ["Europe/Berlin"]
        # The VTIMEZONE carries both rules, so a client without the zone database gets it right.
        zone = cal.vtimezone
        assert {c.name for c in zone.getChildren()} >= {"STANDARD", "DAYLIGHT"}
        assert not hasattr(event, "attendee")  # PUBLISH: no invitation list


HOSTILE = "周会\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil, ; \\ x\nSUMMARY:pwned"


def test_hostile_text_stays_inert(people):
    member = PersonFactory(username="m2", name="王,强;\nATTENDEE:mailto:evil@example.com")
    series = make_series(
        chair=people["chair"], roster=[(member, "member")], start_date=dt.date(2026, 10, 5),
        title=HOSTILE[:200], location="A,B;C\nBEGIN:VALARM", purpose="第一\nEND:VCALENDAR",
    )  # fmt: skip
    meeting = upcoming(series)[0]

    data = meeting_ics(meeting=meeting, method="REQUEST", attendees=meeting_attendees(meeting=meeting))

    lines = data.decode().replace("\r\n ", "").split("\r\n")  # unfolded
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VCALENDAR") == 1
    assert not any(line.startswith(("UID:evil", "SUMMARY:pwned", "ATTENDEE:mailto:evil")) for line in lines)
    event = only_event(parse(data))
    assert event.uid.value == meeting_uid(meeting)
    assert event.summary.value.startswith(HOSTILE.replace("\r\n", "\n")[:50])
    assert event.location.value == "A,B;C\nBEGIN:VALARM"
    assert "END:VCALENDAR" in event.description.value
    assert sorted(a.value for a in event.attendee_list) == ["mailto:chair@example.com", "mailto:m2@example.com"]
    # A parameter cannot hold a newline: it travels quoted, as ^n (RFC 6868), on the same line.
    assert any(line.startswith('ATTENDEE;CN="王,强;^nATTENDEE:mailto:evil@example.com"') for line in lines)


def test_unknown_method_is_refused(people):
    series = make_series(chair=people["chair"], start_date=dt.date(2026, 10, 5))
    with pytest.raises(ValueError):
        meeting_ics(meeting=upcoming(series)[0], method="REFRESH", attendees=[])


def test_a_new_series_place_raises_the_sequence_of_meetings_held_there(people):
    series = make_series(chair=people["chair"], start_date=dt.date(2026, 10, 5), location="三楼")
    own_place, at_series_place = upcoming(series)[:2]
    services.meeting_move(
        actor=people["chair"], meeting=own_place, date=dt.date(2026, 10, 13), start_time=dt.time(9, 30), location="五楼"
    )

    regime.series_update(actor=people["chair"], series=series, data={"location": "四楼"})

    event = only_event(parse(meeting_ics(meeting=Meeting.objects.get(pk=at_series_place.pk), method="REQUEST", attendees=[])))
    assert event.location.value == "四楼" and int(event.sequence.value) == 1
    assert Meeting.objects.get(pk=own_place.pk).ics_sequence == 1  # moved once; its own place did not change


def test_a_new_place_is_noticed_when_a_form_already_set_it_on_the_series(people):
    """The series form (a ModelForm) writes its values onto the instance before the service
    runs: the service compares with the stored place, not the instance's."""
    series = make_series(chair=people["chair"], start_date=dt.date(2026, 10, 5), location="三楼")
    meeting = upcoming(series)[0]
    series.location = "四楼"  # what form.is_valid() does
    regime.series_update(actor=people["chair"], series=series, data={"location": "四楼"})
    assert Meeting.objects.get(pk=meeting.pk).ics_sequence == 1
