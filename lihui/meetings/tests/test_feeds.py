"""Secret calendar feeds: what each one holds (and never: a private series in an outsider's
feed), regeneration killing the old URL, bad tokens, the queries a fetch costs, and the
pages that show the addresses."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lihui.meetings import services
from lihui.meetings.ics import meeting_uid
from lihui.meetings.models import Meeting
from lihui.meetings.services.agenda import agenda_ensure, guest_invite
from lihui.regime import services as regime
from lihui.regime.models import CalendarFeed
from lihui.regime.services import RosterEntry, calendar_feed_regenerate
from lihui.testing import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SH)  # the permission tests' Wednesday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cast(frozen, cast):
    """The shared cast (conftest), created with the clock already frozen."""
    return cast


def fetch(token: str, client: Client | None = None):
    return (client or Client()).get(reverse("meetings:feed", kwargs={"token": token}))


def events(response) -> dict[str, object]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = vobject.readOne(response.content.decode())
    assert cal.method.value == "PUBLISH"
    return {e.uid.value: e for e in getattr(cal, "vevent_list", [])}


def uids(meetings) -> set[str]:
    return {meeting_uid(m) for m in meetings}


def in_window(series) -> list[Meeting]:
    return list(
        series.meetings.filter(start__gte=NOW - dt.timedelta(days=60)).exclude(status=Meeting.Status.SKIPPED)
    )


def test_my_feed_holds_my_series_and_nothing_private_of_others(cast):
    other = make_series(chair=PersonFactory(), title="别人的私密例会")
    chair_feed = calendar_feed_regenerate(person=cast.chair)
    outsider_feed = calendar_feed_regenerate(person=cast.outsider)

    mine = events(fetch(chair_feed.token))
    assert set(mine) == uids(in_window(cast.series)) | uids(in_window(cast.open_series))
    assert not set(mine) & uids(other.meetings.all())
    for m in in_window(cast.series):
        assert mine[meeting_uid(m)].dtstart.value.astimezone(UTC) == m.start.astimezone(UTC)
    # Seeing the staff-wide series is not being on its roster: the outsider's feed is empty.
    assert events(fetch(outsider_feed.token)) == {}


def test_a_guest_gets_the_one_meeting_they_are_invited_to(cast):
    meeting = cast.series.meetings.filter(start__gt=NOW).first()
    agenda_ensure(meeting=meeting)
    item = meeting.items.first()
    guest_invite(actor=cast.chair, item=item, person=cast.outsider, reason="预算")
    feed = calendar_feed_regenerate(person=cast.outsider)

    assert set(events(fetch(feed.token))) == {meeting_uid(meeting)}


def test_window_cancelled_and_skipped(cast, settings):
    settings.LIHUI_PLAN_HORIZON_DAYS = 90
    old = Meeting.objects.create(series=cast.series, start=NOW - dt.timedelta(days=61), duration_minutes=60)
    skipped = Meeting.objects.create(
        series=cast.series, start=NOW + dt.timedelta(days=3), duration_minutes=60, status=Meeting.Status.SKIPPED
    )
    far = Meeting.objects.create(series=cast.series, start=NOW + dt.timedelta(days=92), duration_minutes=60)
    future = list(cast.series.meetings.filter(start__gt=NOW, status=Meeting.Status.SCHEDULED))
    cancelled = services.meeting_cancel(actor=cast.chair, meeting=future[0], reason="停会")
    feed = calendar_feed_regenerate(person=cast.member, series=cast.series)

    got = events(fetch(feed.token))

    assert not {meeting_uid(old), meeting_uid(skipped), meeting_uid(far)} & set(got)
    assert got[meeting_uid(cancelled)].status.value == "CANCELLED"
    assert int(got[meeting_uid(cancelled)].sequence.value) == 1
    assert got[meeting_uid(future[1])].status.value == "CONFIRMED"
    assert set(got) == uids(in_window(cast.series)) - {meeting_uid(old), meeting_uid(far)}


def test_a_moved_meeting_keeps_its_uid_in_the_feed(cast):
    feed = calendar_feed_regenerate(person=cast.member)
    meeting = cast.series.meetings.filter(start__gt=NOW).first()
    before = events(fetch(feed.token))[meeting_uid(meeting)]

    services.meeting_move(actor=cast.chair, meeting=meeting, date=dt.date(2026, 12, 10), start_time=dt.time(16))
    after = events(fetch(feed.token))[meeting_uid(meeting)]

    assert int(after.sequence.value) == int(before.sequence.value) + 1
    assert after.dtstart.value.astimezone(UTC) == dt.datetime(2026, 12, 10, 16, tzinfo=SH).astimezone(UTC)


def test_regenerating_kills_the_old_url(cast):
    first = calendar_feed_regenerate(person=cast.member).token
    assert fetch(first).status_code == 200
    client = Client()
    client.force_login(cast.member)

    assert client.post(reverse("meetings:feed_regenerate")).status_code == 302

    second = CalendarFeed.objects.get(person=cast.member, series=None).token
    assert second != first
    assert fetch(first).status_code == 404
    assert fetch(second).status_code == 200
    assert CalendarFeed.objects.filter(person=cast.member).count() == 1


def test_series_feed_ends_when_leaving_the_roster(cast):
    series_feed = calendar_feed_regenerate(person=cast.member, series=cast.series)
    own_feed = calendar_feed_regenerate(person=cast.member)
    assert set(events(fetch(series_feed.token))) == uids(in_window(cast.series))

    roster = [RosterEntry(cast.chair, "chair"), RosterEntry(cast.minute_taker, "minute_taker")]
    regime.series_update(actor=cast.chair, series=cast.series, data={}, roster=roster)

    assert fetch(series_feed.token).status_code == 404
    assert not set(events(fetch(own_feed.token))) & uids(cast.series.meetings.all())


@pytest.mark.parametrize("token", ["nope", "x" * 43, ""])
def test_bad_tokens_are_not_found(cast, token):
    calendar_feed_regenerate(person=cast.member)
    url = reverse("meetings:feed", kwargs={"token": token}) if token else "/calendar/.ics"
    assert Client().get(url).status_code == 404


def test_an_inactive_owner_feed_is_gone(cast):
    feed = calendar_feed_regenerate(person=cast.member)
    cast.member.is_active = False
    cast.member.save()
    assert fetch(feed.token).status_code == 404


def test_the_feed_is_read_only(cast):
    feed = calendar_feed_regenerate(person=cast.member)
    url = reverse("meetings:feed", kwargs={"token": feed.token})
    assert Client().post(url).status_code == 405
    assert Client().head(url).status_code == 200  # some calendar apps look before they fetch


def test_a_fetch_costs_the_same_queries_however_many_meetings(cast):
    feed = calendar_feed_regenerate(person=cast.chair)
    fetch(feed.token)  # last_used is written once an hour: not on the measured fetches

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            n = len(events(fetch(feed.token)))
        return len(queries), n

    small, few = count()
    for i in range(4):
        make_series(chair=cast.chair, roster=[(cast.member, "member")], title=f"日会{i}", frequency="daily", interval=1)
    meeting = make_series(chair=PersonFactory(), title="别的").meetings.filter(start__gt=NOW).first()
    agenda_ensure(meeting=meeting)
    guest_invite(actor=meeting.series.memberships.get().person, item=meeting.items.first(), person=cast.chair)
    large, many = count()

    assert many > few + 100
    assert large == small


def test_series_feed_for_non_members_is_refused(cast):
    with pytest.raises(PermissionDenied):
        calendar_feed_regenerate(person=cast.outsider, series=cast.open_series)
    assert not CalendarFeed.objects.exists()


def test_profile_shows_my_address_and_a_new_one_after_regenerating(cast):
    client = Client()
    client.force_login(cast.member)
    assert 'data-testid="feed-url"' not in client.get(reverse("people:profile")).content.decode()

    client.post(reverse("meetings:feed_regenerate"))
    feed = CalendarFeed.objects.get(person=cast.member)
    html = client.get(reverse("people:profile")).content.decode()

    assert feed.url in html and feed.url.endswith(f"/calendar/{feed.token}.ics")


def test_series_page_shows_the_address_to_members_only(cast):
    member, outsider = Client(), Client()
    member.force_login(cast.member)
    outsider.force_login(cast.outsider)
    url = reverse("regime:detail", kwargs={"pk": cast.open_series.pk})

    response = member.post(reverse("meetings:series_feed_regenerate", kwargs={"series_pk": cast.open_series.pk}))
    assert response.status_code == 302 and response.url == url
    feed = CalendarFeed.objects.get(person=cast.member, series=cast.open_series)
    assert feed.url in member.get(url).content.decode()
    html = outsider.get(url).content.decode()
    assert feed.token not in html
    assert reverse("meetings:series_feed_regenerate", kwargs={"series_pk": cast.open_series.pk}) not in html
