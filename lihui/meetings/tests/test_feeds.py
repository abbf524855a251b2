"""Secret calendar feeds: what each one holds (and never: a private series in an outsider's
feed), regeneration killing the old URL, bad tokens, the queries a fetch costs, and the
pages that show the addresses."""

import datetime as dt
import hashlib
import json
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lihui.meetings.ics import meeting_uid
from lihui.meetings.models import Meeting
from lihui.meetings.services import planning as services
from lihui.meetings.services.agenda import agenda_ensure, guest_invite
from lihui.regime import services as regime
from lihui.regime.models import CalendarFeed
from lihui.regime.services import RosterEntry, calendar_feed_regenerate
from lihui.testing.factories import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
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
    _, chair_feed_token = calendar_feed_regenerate(person=cast.chair)
    _, outsider_feed_token = calendar_feed_regenerate(person=cast.outsider)

    mine = events(fetch(chair_feed_token))
    assert set(mine) == uids(in_window(cast.series)) | uids(in_window(cast.open_series))
    assert not set(mine) & uids(other.meetings.all())
    for m in in_window(cast.series):
        assert mine[meeting_uid(m)].dtstart.value.astimezone(UTC) == m.start.astimezone(UTC)
    # Seeing the staff-wide series is not being on its roster: the outsider's feed is empty.
    assert events(fetch(outsider_feed_token)) == {}


def test_a_guest_gets_the_one_meeting_they_are_invited_to(cast):
    meeting = cast.series.meetings.filter(start__gt=NOW).first()
    agenda_ensure(meeting=meeting)
    item = meeting.items.first()
    guest_invite(actor=cast.chair, item=item, person=cast.outsider, reason="预算")
    _, feed_token = calendar_feed_regenerate(person=cast.outsider)

    assert set(events(fetch(feed_token))) == {meeting_uid(meeting)}


def test_window_cancelled_and_skipped(cast, settings):
    settings.LIHUI_PLAN_HORIZON_DAYS = 90
    old = Meeting.objects.create(series=cast.series, start=NOW - dt.timedelta(days=61), duration_minutes=60)
    skipped = Meeting.objects.create(
        series=cast.series, start=NOW + dt.timedelta(days=3), duration_minutes=60, status=Meeting.Status.SKIPPED
    )
    far = Meeting.objects.create(series=cast.series, start=NOW + dt.timedelta(days=92), duration_minutes=60)
    future = list(cast.series.meetings.filter(start__gt=NOW, status=Meeting.Status.SCHEDULED))
    cancelled = services.meeting_cancel(actor=cast.chair, meeting=future[0], reason="停会")
    _, feed_token = calendar_feed_regenerate(person=cast.presenter, series=cast.series)

    got = events(fetch(feed_token))

    assert not {meeting_uid(old), meeting_uid(skipped), meeting_uid(far)} & set(got)
    assert got[meeting_uid(cancelled)].status.value == "CANCELLED"
    assert int(got[meeting_uid(cancelled)].sequence.value) == 1
    assert got[meeting_uid(future[1])].status.value == "CONFIRMED"
    assert set(got) == uids(in_window(cast.series)) - {meeting_uid(old), meeting_uid(far)}


def test_a_moved_meeting_keeps_its_uid_in_the_feed(cast):
    _, feed_token = calendar_feed_regenerate(person=cast.presenter)
    meeting = cast.series.meetings.filter(start__gt=NOW).first()
    before = events(fetch(feed_token))[meeting_uid(meeting)]

    services.meeting_move(actor=cast.chair, meeting=meeting, date=dt.date(2026, 12, 10), start_time=dt.time(16))
    after = events(fetch(feed_token))[meeting_uid(meeting)]

    assert int(after.sequence.value) == int(before.sequence.value) + 1
    assert after.dtstart.value.astimezone(UTC) == dt.datetime(2026, 12, 10, 16, tzinfo=SH).astimezone(UTC)


def test_regenerating_kills_the_old_url(cast):
    first = calendar_feed_regenerate(person=cast.presenter)[1]
    assert fetch(first).status_code == 200
    client = Client()
    client.force_login(cast.presenter)

    assert client.post(reverse("meetings:feed_regenerate")).status_code == 302

    feed = CalendarFeed.objects.get(person=cast.presenter, series=None)
    second = client.get(reverse("people:profile")).content.decode().split("/calendar/")[1].split(".ics")[0]
    assert second != first and feed.digest == CalendarFeed.digest_of(second)
    assert fetch(first).status_code == 404
    assert fetch(second).status_code == 200
    assert CalendarFeed.objects.filter(person=cast.presenter).count() == 1


def test_series_feed_ends_when_leaving_the_roster(cast):
    _, series_feed_token = calendar_feed_regenerate(person=cast.presenter, series=cast.series)
    _, own_feed_token = calendar_feed_regenerate(person=cast.presenter)
    assert set(events(fetch(series_feed_token))) == uids(in_window(cast.series))

    roster = [RosterEntry(cast.chair, "chair"), RosterEntry(cast.minute_taker, "minute_taker")]
    regime.series_update(actor=cast.chair, series=cast.series, data={}, roster=roster)

    assert fetch(series_feed_token).status_code == 404
    assert not set(events(fetch(own_feed_token))) & uids(cast.series.meetings.all())


@pytest.mark.parametrize("token", ["nope", "x" * 43, ""])
def test_bad_tokens_are_not_found(cast, token):
    calendar_feed_regenerate(person=cast.presenter)
    url = reverse("meetings:feed", kwargs={"token": token}) if token else "/calendar/.ics"
    assert Client().get(url).status_code == 404


def test_an_inactive_owner_feed_is_gone(cast):
    _, feed_token = calendar_feed_regenerate(person=cast.presenter)
    cast.presenter.is_active = False
    cast.presenter.save()
    assert fetch(feed_token).status_code == 404


def test_the_feed_is_read_only(cast):
    _, feed_token = calendar_feed_regenerate(person=cast.presenter)
    url = reverse("meetings:feed", kwargs={"token": feed_token})
    assert Client().post(url).status_code == 405
    assert Client().head(url).status_code == 200  # some calendar apps look before they fetch


def test_a_fetch_costs_the_same_queries_however_many_meetings(cast):
    _, feed_token = calendar_feed_regenerate(person=cast.chair)
    fetch(feed_token)  # last_used is written once an hour: not on the measured fetches

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            n = len(events(fetch(feed_token)))
        return len(queries), n

    small, few = count()
    for i in range(4):
        make_series(chair=cast.chair, roster=[(cast.presenter, "member")], title=f"日会{i}", frequency="daily", interval=1)
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


def shown_url(html: str, testid: str) -> str | None:
    marker = f'data-testid="{testid}">'
    return html.split(marker)[1].split("<")[0] if marker in html else None


def test_profile_shows_a_new_address_once(cast):
    client = Client()
    client.force_login(cast.presenter)
    assert shown_url(client.get(reverse("people:profile")).content.decode(), "feed-url") is None

    client.post(reverse("meetings:feed_regenerate"))
    feed = CalendarFeed.objects.get(person=cast.presenter)
    url = shown_url(client.get(reverse("people:profile")).content.decode(), "feed-url")

    assert url.startswith("http") and url.endswith(".ics")
    token = url.rsplit("/calendar/", 1)[1].removesuffix(".ics")
    assert feed.digest == CalendarFeed.digest_of(token) and fetch(token).status_code == 200
    again = client.get(reverse("people:profile")).content.decode()
    assert shown_url(again, "feed-url") is None and token not in again  # shown once
    assert 'data-testid="feed-exists"' in again  # but the page says there is one


def test_series_page_shows_a_new_address_once_to_members_only(cast):
    member, outsider = Client(), Client()
    member.force_login(cast.presenter)
    outsider.force_login(cast.outsider)
    url = reverse("regime:series_detail", kwargs={"pk": cast.open_series.pk})

    response = member.post(reverse("meetings:series_feed_regenerate", kwargs={"series_pk": cast.open_series.pk}))
    assert response.status_code == 302 and response.url == url
    feed = CalendarFeed.objects.get(person=cast.presenter, series=cast.open_series)
    # The profile does not take the series' address for the member's own (nor show it).
    assert shown_url(member.get(reverse("people:profile")).content.decode(), "feed-url") is None
    shown = shown_url(member.get(url).content.decode(), "series-feed-url")
    token = shown.rsplit("/calendar/", 1)[1].removesuffix(".ics")
    assert feed.digest == CalendarFeed.digest_of(token)
    assert token not in member.get(url).content.decode()  # shown once
    html = outsider.get(url).content.decode()
    assert token not in html
    assert reverse("meetings:series_feed_regenerate", kwargs={"series_pk": cast.open_series.pk}) not in html


def test_tokens_are_stored_only_as_hashes(cast):
    feed, token = calendar_feed_regenerate(person=cast.presenter)
    _, series_token = calendar_feed_regenerate(person=cast.presenter, series=cast.series)
    stored = [str(v) for row in CalendarFeed.objects.values_list() for v in row]
    assert not any(token in v or series_token in v for v in stored)
    assert feed.digest == hashlib.sha256(token.encode()).hexdigest()
    assert fetch(token).status_code == 200 and fetch(series_token).status_code == 200
    assert fetch(feed.digest).status_code == 404  # the stored value is no credential


@pytest.mark.django_db(transaction=True)
def test_migration_hashes_existing_tokens_and_subscriptions_keep_working(frozen):
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("regime", "0007_regimeversion")], [("regime", "0008_calendarfeed_digest")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    person = old.get_model("people", "Person").objects.create(username="old", name="老用户", sort_key="lao", password="!")
    clear = "an-old-clear-token-from-before-the-migration-4x"
    old.get_model("regime", "CalendarFeed").objects.create(person_id=person.pk, token=clear)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the latest state

    feed = CalendarFeed.objects.get(person_id=person.pk)
    assert feed.digest == CalendarFeed.digest_of(clear)
    assert fetch(clear).status_code == 200


def test_the_json_log_never_holds_a_feed_token(cast):
    from lihui.ops.logging import JsonFormatter

    _, token = calendar_feed_regenerate(person=cast.presenter)
    path = reverse("meetings:feed", kwargs={"token": token})
    request = RequestFactory().get(path + "?token=" + token)
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (path,), None)
    record.request, record.status_code = request, 404
    entry = json.loads(JsonFormatter().format(record))
    assert token not in json.dumps(entry)
    assert entry["path"].startswith("/calendar/") and entry["path"].endswith(".ics")


def test_the_access_log_never_holds_a_feed_token(cast):
    from types import SimpleNamespace

    from gunicorn.config import Config

    from lihui.ops.accesslog import RedactingLogger

    _, token = calendar_feed_regenerate(person=cast.presenter)
    path = reverse("meetings:feed", kwargs={"token": token})
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": f"{path}?token={token}", "PATH_INFO": path, "QUERY_STRING": f"token={token}",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1", "HTTP_REFERER": f"https://lihui.example.com{path}",
    }  # fmt: skip
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", f"https://lihui.example.com{path}")])
    atoms = RedactingLogger(Config()).atoms(response, request, environ, dt.timedelta(seconds=1))
    assert token not in repr(atoms)
    assert atoms["r"].startswith("GET /calendar/") and atoms["s"] == "200"


def test_the_text_log_never_holds_a_feed_token(settings):
    from lihui.ops.logging import RedactSecrets

    assert "redact" in settings.LOGGING["handlers"]["console"]["filters"]
    token = "Zx9_secret-token-of-43-characters-xxxxxxxxxx"
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/calendar/{token}.ics",), None)
    assert RedactSecrets().filter(record) is True
    assert record.getMessage() == "Not Found: /calendar/***.ics"
