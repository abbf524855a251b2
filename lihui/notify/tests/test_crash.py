"""1,000 messages to a local sink; the delivering process is killed with SIGKILL several
times mid-run and restarted. Nothing may be lost, and the sink must see every message
exactly once by its idempotency key. Raw receipts may exceed 1,000: a kill between the HTTP
send and the UPDATE that records it resends after the lease expires; that is the at-least-
once contract, and the key makes the copy harmless."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count

from lihui.notify.models import Message
from lihui.notify.services import message_enqueue

N = 1000
KILLS = 5
ROOT = Path(settings.BASE_DIR)


def start_worker(env):
    return subprocess.Popen(
        [sys.executable, "manage.py", "notify_deliver", "--until-empty", "--limit", "20"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_sigkill_loses_nothing_and_the_key_dedupes(series, make_channel, sink, tmp_path):
    robot = make_channel("webhook", url=f"{sink.url}/hook", secret="crash-secret")
    with transaction.atomic():
        keys = {m.idempotency_key for v in range(N) for m in message_enqueue(
            kind="crash_test", object=series, channels=[robot], subject=f"#{v}", text=f"message {v}", version=v,
        )}  # fmt: skip
    assert len(keys) == N

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lihui.notify.tests.crash_settings"}
    if connection.vendor == "sqlite":
        # The test database lives in this process's memory: hand the worker a file copy.
        path = tmp_path / "crash.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        env["LIHUI_CRASH_DB_NAME"] = str(path)
    else:
        env["LIHUI_CRASH_DB_NAME"] = connection.settings_dict["NAME"]

    started = time.monotonic()
    timings = []
    kills = 0
    for _ in range(KILLS):
        before = len(sink.received)
        worker = start_worker(env)
        # Kill mid-run: once this run has delivered something, at an uneven point.
        deadline = time.monotonic() + 15
        while len(sink.received) < before + 97 + 31 * kills and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            kills += 1
        worker.wait()
        timings.append((round(time.monotonic() - started, 1), len(sink.received)))
    worker = start_worker(env)
    _out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err.decode()[-2000:]
    elapsed = time.monotonic() - started

    if connection.vendor == "sqlite":
        with sqlite3.connect(env["LIHUI_CRASH_DB_NAME"]) as db:
            states = dict(db.execute("SELECT state, COUNT(*) FROM notify_message GROUP BY state").fetchall())
    else:
        states = {row["state"]: row["n"] for row in Message.objects.values("state").annotate(n=Count("id"))}

    raw = len(sink.received)
    print(f"\ncrash test ({connection.vendor}): {kills} kills, {raw} raw receipts for {N} messages "
          f"({raw - N} resent after a kill), {elapsed:.1f} s; kills at (s, receipts) {timings}")  # fmt: skip
    assert kills >= 3
    assert states == {"sent": N}
    assert set(sink.keys) == keys  # every message arrived: none lost
    assert raw - N <= kills  # at most the one in flight per kill was sent twice
    assert all(r["path"] == "/hook" for r in sink.received)
