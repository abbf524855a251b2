"""The database away or read-only: a clear error page (503, Retry-After) instead of a crash,
nothing half-done, and the site recovers by itself when the database is back — against a
real gunicorn (see test_fault_web.py for the harness), not a mocked cursor.

SQLite: the database file disappears under the running server (a volume unmounted) and comes
back. PostgreSQL: the database turns read-only (`default_transaction_read_only`, as on a
standby after a failover) and writable again."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import connection
from django.utils import timezone

from lihui.people.services import api_token_create
from lihui.testing.factories import PersonFactory, make_series

from .test_fault_web import Database, Server, fault_env, post  # noqa: F401 (fault_env is a fixture)


def get(url: str, *, token: str | None = None, opener=None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with (opener.open if opener else urllib.request.urlopen)(request, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def signed_in(base: str, username: str):
    """A browser-like client (cookies, CSRF) signed in through the login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/", timeout=30).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": "pw", "csrfmiddlewaretoken": csrf}).encode()
    request = urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"})
    assert "/login/" not in opener.open(request, timeout=30).geturl()
    return opener


@pytest.fixture
def running(tmp_path, fault_env):
    chair = PersonFactory(name="周云")
    series = make_series(chair=chair, start_date=timezone.localdate() - dt.timedelta(days=14))
    _token, secret = api_token_create(person=chair, name="fault")
    database = Database(tmp_path)
    server = Server(fault_env(database), stall=None, marker=tmp_path / "unused")
    try:
        yield server, database, series, secret, signed_in(server.url, chair.username)
    finally:
        server.stop()  # also when signing in failed: no server outlives the test


def extra_meeting(day_offset: int) -> dict:
    day = timezone.localdate() + dt.timedelta(days=day_offset)
    return {"date": day.isoformat(), "start_time": "16:00", "duration_minutes": 30, "location": ""}


def assert_unavailable_page(status: int, headers: dict, page: str) -> None:
    assert status == 503 and headers.get("Retry-After") == "30", (status, page[:500])
    assert "暂时无法访问" in page and "Temporarily unavailable" in page and "Traceback" not in page


@pytest.mark.django_db(transaction=True)
def test_database_away_or_read_only_then_back(running):
    server, database, series, secret, browser = running
    url = f"{server.url}/api/v1/series/{series.pk}/occurrences"  # POST: an extra meeting
    read = f"{server.url}/api/v1/series/{series.pk}"
    count = "SELECT COUNT(*) FROM meetings_meeting WHERE series_id = %s"
    assert get(read, token=secret)[0] == 200 and get(f"{server.url}/series/", opener=browser)[0] == 200
    before = database.rows(count, (series.pk,))

    if connection.vendor == "sqlite":
        # The file is gone (a volume unmounted): reads and writes fail, clearly.
        away = database.path.with_suffix(".away")
        database.path.rename(away)
        try:
            api_status, api_headers, api_body = get(read, token=secret)
            write_status, write_body = post(url, secret, extra_meeting(3))
            assert_unavailable_page(*get(f"{server.url}/series/", opener=browser))
            health = get(f"{server.url}/healthz")
        finally:
            for leftover in database.path.parent.glob(database.path.name + "*"):
                leftover.unlink()  # the empty file a failed connection may have created
            away.rename(database.path)
        assert api_status == 503 and api_headers.get("Retry-After") == "30", api_body
        assert health[0] == 503 and '"database": "unavailable"' in health[2]
    else:
        # Read-only (a standby after a failover): reading goes on, writing is refused clearly.
        name = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        try:
            assert get(read, token=secret)[0] == 200
            assert get(f"{server.url}/series/", opener=browser)[0] == 200
            write_status, write_body = post(url, secret, extra_meeting(3))
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
    assert write_status == 503 and set(write_body) == {"error", "fields"}, write_body  # the one error shape
    assert "unavailable" in write_body["error"].lower() or "暂时" in write_body["error"]
    assert database.rows(count, (series.pk,)) == before  # nothing half-written

    # Back: the same server (no restart) answers again and the write goes through.
    assert get(read, token=secret)[0] == 200 and get(f"{server.url}/series/", opener=browser)[0] == 200
    status, created = post(url, secret, extra_meeting(4))
    assert status == 201, created
    assert database.rows(count, (series.pk,))[0][0] == before[0][0] + 1
