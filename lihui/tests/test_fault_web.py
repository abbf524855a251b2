"""A web process killed mid-request leaves no half-written meeting.

A real gunicorn serves the test's database; one service is made to stall *inside* its
transaction after doing its writes (lihui/tests/fault_wsgi.py), and the whole process group
is killed with SIGKILL at that moment. Then: nothing of the request is in the database
(no series without its meetings, no extra meeting without its renumbering), the database
is intact (SQLite: `PRAGMA integrity_check`, the WAL recovered), and a restarted server
accepts the same request and writes all of it.

Two requests: creating a series (series, roster, agenda template, every planned meeting,
regime version — one transaction) and adding an extra meeting (the meeting and the
renumbering of the meetings after it)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from lihui.people.services import api_token_create
from lihui.testing.factories import PersonFactory, make_series

ROOT = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on a free port in its own process group, so one signal reaches all of it."""

    def __init__(self, env: dict, *, stall: str | None, marker: Path):
        self.port = free_port()
        self.marker = marker
        env = {**env, "LIHUI_FAULT_MARKER": str(marker)}
        env.pop("LIHUI_FAULT_STALL", None)
        if stall:
            env["LIHUI_FAULT_STALL"] = stall
        self.proc = subprocess.Popen(
            [str(GUNICORN), "lihui.tests.fault_wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--threads", "2", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.proc.stderr.read().decode()[-2000:]
            try:
                with urllib.request.urlopen(f"{self.url}/login/", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def post(url: str, token: str, body: dict, timeout: float = 60) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Database:
    """The test database as the server sees it: a file copy on SQLite (the test's own database
    lives in memory), the test database itself on PostgreSQL."""

    def __init__(self, tmp_path: Path):
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            self.path = tmp_path / "fault.sqlite3"
            with sqlite3.connect(self.path) as copy:
                connection.connection.backup(copy)
            with sqlite3.connect(self.path) as db:
                db.execute("PRAGMA journal_mode=WAL")  # as in production: the kill leaves a WAL behind
            self.name = str(self.path)
        else:
            self.path = None
            self.name = connection.settings_dict["NAME"]

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.path is not None:
            db = sqlite3.connect(self.path)
            try:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
            finally:
                db.close()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def counts(self) -> dict[str, int]:
        tables = ["regime_series", "regime_membership", "meetings_meeting", "regime_regimeversion",
                  "regime_agendatemplateitem", "notify_message", "meetings_agendaitem"]  # fmt: skip
        existing = {t for t in tables if self.has_table(t)}
        return {t: self.rows(f"SELECT COUNT(*) FROM {t}")[0][0] for t in sorted(existing)}

    def has_table(self, table: str) -> bool:
        return table in connection.introspection.table_names()

    def check_integrity(self) -> None:
        if self.path is not None:
            assert self.rows("PRAGMA integrity_check") == [("ok",)]


def kill_mid_request(*, env: dict, stall: str, url_path: str, token: str, body: dict, marker: Path) -> None:
    """Send the request to a server made to stall inside it; SIGKILL the server there."""
    server = Server(env, stall=stall, marker=marker)
    answer: list = []

    def send():
        try:
            answer.append(post(server.url + url_path, token, body))
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
            answer.append(e)  # the connection dies with the server: expected

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and server.proc.poll() is None:
        time.sleep(0.02)
    stalled = marker.exists()
    server.kill()
    thread.join(timeout=10)
    assert stalled, "the request never reached the stalled point"
    assert answer and not isinstance(answer[0], tuple), f"the request finished before the kill: {answer}"


@pytest.fixture
def fault_env(tmp_path):
    def make(database: Database) -> dict:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lihui.tests.fault_settings", "LIHUI_FAULT_DB_NAME": database.name}
        env["LIHUI_VAR_DIR"] = str(tmp_path / "var")
        return env

    return make


@pytest.mark.django_db(transaction=True)
def test_killed_while_creating_a_series_leaves_nothing_half_written(tmp_path, fault_env):
    chair, member = PersonFactory(name="周云"), PersonFactory(name="王强")
    _token, secret = api_token_create(person=chair, name="fault")
    start = timezone.localdate() + dt.timedelta(days=7)
    body = {
        "title": "故障测试例会", "frequency": "weekly", "weekdays": [0], "start_time": "09:30",
        "duration_minutes": 60, "start_date": start.isoformat(), "time_zone": "Asia/Shanghai",
        "roster": [{"person": chair.pk, "role": "chair"}, {"person": member.pk, "role": "minute_taker"}],
    }  # fmt: skip
    database = Database(tmp_path)
    env = fault_env(database)
    before = database.counts()

    kill_mid_request(env=env, stall="meetings_plan", url_path="/api/v1/series", token=secret, body=body,
                     marker=tmp_path / "stalled")  # fmt: skip

    database.check_integrity()
    assert database.counts() == before
    assert database.rows("SELECT COUNT(*) FROM regime_series WHERE title = %s", ("故障测试例会",)) == [(0,)]

    # Restarted, the server takes the same request and writes all of it.
    server = Server(env, stall=None, marker=tmp_path / "unused")
    try:
        status, created = post(server.url + "/api/v1/series", secret, body)
    finally:
        server.stop()
    assert status == 201, created
    database.check_integrity()
    meetings = database.rows("SELECT COUNT(*), MIN(number), MAX(number) FROM meetings_meeting WHERE series_id = %s",
                             (created["id"],))[0]  # fmt: skip
    assert meetings[0] > 0 and (meetings[1], meetings[2]) == (1, meetings[0])
    assert database.rows("SELECT COUNT(*) FROM regime_membership WHERE series_id = %s", (created["id"],)) == [(2,)]


@pytest.mark.django_db(transaction=True)
def test_killed_while_adding_an_extra_meeting_leaves_the_numbers_as_they_were(tmp_path, fault_env):
    chair = PersonFactory(name="周云")
    series = make_series(chair=chair, start_date=timezone.localdate() - dt.timedelta(days=14))
    _token, secret = api_token_create(person=chair, name="fault")
    day = timezone.localdate() + dt.timedelta(days=3)
    body = {"date": day.isoformat(), "start_time": "16:00", "duration_minutes": 30, "location": "三楼"}
    database = Database(tmp_path)
    env = fault_env(database)
    numbers = "SELECT id, number, start FROM meetings_meeting WHERE series_id = %s ORDER BY id"
    before, numbered = database.counts(), database.rows(numbers, (series.pk,))
    assert len(numbered) > 3

    kill_mid_request(env=env, stall="meetings_renumber", url_path=f"/api/v1/series/{series.pk}/occurrences",
                     token=secret, body=body, marker=tmp_path / "stalled")  # fmt: skip

    database.check_integrity()
    assert database.counts() == before
    assert database.rows(numbers, (series.pk,)) == numbered

    server = Server(env, stall=None, marker=tmp_path / "unused")
    try:
        status, created = post(server.url + f"/api/v1/series/{series.pk}/occurrences", secret, body)
    finally:
        server.stop()
    assert status == 201, created
    database.check_integrity()
    after = database.rows("SELECT number FROM meetings_meeting WHERE series_id = %s AND number IS NOT NULL ORDER BY start",
                          (series.pk,))  # fmt: skip
    assert [n for (n,) in after] == list(range(1, len(after) + 1))  # renumbered in full, extra meeting included
    assert len(after) == len([n for _i, n, _s in numbered if n is not None]) + 1
