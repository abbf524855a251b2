"""Section 8 of the benchmark: delivery from the outbox to a webhook.

`run(args)` takes a database of its own (var/bench/delivery.sqlite3 next to the bench
database, created afresh; with DATABASE_URL the scratch database, flushed once more, as
bench/board.py and bench/search.py do), starts a loopback HTTP sink in a background thread
(ThreadingHTTPServer; it records the `X-Lihui-Idempotency-Key` of every POST, checks the
`X-Lihui-Signature` HMAC and answers `{"errcode":0,"errmsg":"ok"}`), creates one series
and a `webhook` channel pointing at the sink (with a signing secret; webhooks are not paced,
LIHUI_NOTIFY_ROBOT_PER_MINUTE["webhook"] == 0), and enqueues messages through the app's own
`message_enqueue` (one version per message, in transactions of 500).

Then it runs the real worker, `manage.py notify_deliver --until-empty --limit 200`, as
subprocesses against the same database (SQLite: DATABASE_URL=sqlite:////abs/path with the
settings' own SQLite options as query parameters; PostgreSQL: the DATABASE_URL the bench
uses) with LIHUI_NOTIFY_ALLOW_PRIVATE=1:

  * once with an empty outbox: the start-up cost of a worker process (Python, Django, one query);
  * one worker over 2,000 messages;
  * two workers started together over --delivery-messages (10,000; --quick 2,000).

Per run: wall time from the start to the exit of the last worker, deliveries per second,
what each worker claimed (its "delivered N" line, and Message.claimed_by, which `_finish`
keeps), and from the sink's records against the Message table: duplicates (keys received
more than once) and losses (messages not received, or not in state "sent"). Both must be 0.

Only import this after `django.setup()`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from common import section_database

if TYPE_CHECKING:
    from lihui.notify.sink import RobotSink as Sink

REPO = Path(__file__).resolve().parent.parent
FULL_MESSAGES = 10_000
QUICK_MESSAGES = 2_000
SINGLE_MESSAGES = 2_000  # the one-worker run (at most --delivery-messages)
LIMIT = 200  # notify_deliver --limit
ENQUEUE_BATCH = 500
SECRET = "bench-webhook-secret-0123456789"
KIND = "bench"


class DeliveryError(Exception):
    pass


# --- the sink ------------------------------------------------------------------------------


# --- the workers -----------------------------------------------------------------------------


def worker_env() -> dict[str, str]:
    """The environment of a `notify_deliver` subprocess: the bench's own (LIHUI_VAR_DIR,
    SECRET_KEY, …) pointed at the section's database."""
    from django.db import connection

    env = {**os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="lihui.settings",
        LIHUI_NOTIFY_ALLOW_PRIVATE="1",
        DEBUG="0",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    env.setdefault("SECRET_KEY", "lihui-bench-not-a-secret")
    if connection.vendor == "sqlite":
        # lihui.settings reads DATABASE_URL; keep its SQLite options (IMMEDIATE, busy
        # timeout, WAL) as query parameters, which dj-database-url passes on as OPTIONS.
        path = Path(connection.settings_dict["NAME"]).resolve()
        options = {k: str(v) for k, v in (connection.settings_dict.get("OPTIONS") or {}).items()}
        env["DATABASE_URL"] = f"sqlite:///{quote(str(path))}" + (f"?{urlencode(options)}" if options else "")
    elif not os.environ.get("DATABASE_URL"):
        raise DeliveryError(f"no DATABASE_URL for the {connection.vendor} database")
    return env


@dataclass
class Run:
    label: str
    workers: int
    messages: int
    wall: float = 0.0
    exits: list[float] = field(default_factory=list)  # seconds from the start to each worker's exit
    pids: list[int] = field(default_factory=list)
    delivered: list[int] = field(default_factory=list)  # each worker's "delivered N"
    claimed_by: list[int] = field(default_factory=list)  # Message.claimed_by per worker, this run's messages
    posts: int = 0
    received: int = 0  # distinct keys of this run's messages the sink saw
    duplicates: int = 0  # receipts beyond the first, per key
    not_received: int = 0
    not_sent: int = 0
    lost: int = 0  # not received or not sent
    unexpected: int = 0  # keys the sink saw that are not this run's
    bad_signatures: int = 0
    attempts: int = 0  # sum of Message.attempts: = messages when each was claimed once
    states: dict[str, int] = field(default_factory=dict)


def run_workers(run: Run, env: dict[str, str], sink: Sink, *, timeout: float) -> None:
    """Start `run.workers` notify_deliver processes together and wait for all of them.
    A worker that exits non-zero or overruns `timeout` fails the run (its stderr shown)."""
    cmd = [sys.executable, "manage.py", "notify_deliver", "--until-empty", "--limit", str(LIMIT)]
    procs: list[subprocess.Popen] = []
    files = []
    try:
        start = time.perf_counter()
        for _ in range(run.workers):
            out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
            files += [out, err]
            procs.append(subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=err))
        exits: dict[int, float] = {}
        last_note = start
        while len(exits) < len(procs):
            for i, p in enumerate(procs):
                if i not in exits and p.poll() is not None:
                    exits[i] = time.perf_counter() - start
            now = time.perf_counter()
            if now - start > timeout:
                raise DeliveryError(f"{run.label}: workers still running after {timeout:.0f} s")
            if now - last_note > 10 and run.messages:
                print(f"[delivery]   {sink.snapshot()[1]:,} of {run.messages:,} received ({now - start:.0f} s)", flush=True)
                last_note = now
            time.sleep(0.005)
        run.wall = max(exits.values())
        run.exits = [exits[i] for i in range(len(procs))]
        run.pids = [p.pid for p in procs]
        failed = []
        for i, p in enumerate(procs):
            files[2 * i].seek(0)
            files[2 * i + 1].seek(0)
            stdout = files[2 * i].read().decode("utf-8", "replace")
            stderr = files[2 * i + 1].read().decode("utf-8", "replace")
            if p.returncode != 0:
                print(f"[delivery] worker {i + 1} (pid {p.pid}) exited with {p.returncode}; stderr:\n{stderr[-4000:]}",
                      file=sys.stderr, flush=True)  # fmt: skip
                last = (stderr.strip().splitlines() or ["(no stderr)"])[-1]
                failed.append(f"worker {i + 1} exited with {p.returncode}: {last[:300]}")
                continue
            if stderr.strip():  # warnings logged by the worker (e.g. a failed message): show them
                print(f"[delivery] worker {i + 1} stderr:\n{stderr[-2000:]}", file=sys.stderr, flush=True)
            m = re.search(r"delivered (\d+)", stdout)
            run.delivered.append(int(m.group(1)) if m else -1)
        if failed:
            raise DeliveryError(f"{run.label}: " + "; ".join(failed))
    finally:
        for p in procs:  # only ours, by their own handle
            if p.poll() is None:
                p.kill()
                p.wait()
        for f in files:
            f.close()


def check(run: Run, keys: set[str], sink: Sink, after_pk: int) -> None:
    """The sink's records against the Message table, for this run's messages."""
    import socket

    from django.db.models import Count, Sum

    from lihui.notify.models import Message

    received, posts, bad = sink.snapshot()
    qs = Message.objects.filter(pk__gt=after_pk)  # this run's messages: enqueued after the previous run's
    rows = list(qs.values_list("idempotency_key", "state"))
    if not len(rows) == len(keys) == run.messages or {k for k, _s in rows} != keys:
        raise DeliveryError(f"{run.label}: {len(rows):,} rows in the outbox for {len(keys):,} keys enqueued")
    run.posts = posts
    run.bad_signatures = bad
    run.received = sum(1 for k in keys if received.get(k))
    run.duplicates = sum(c - 1 for k, c in received.items() if c > 1)
    run.unexpected = sum(c for k, c in received.items() if k not in keys)
    missing = {k for k in keys if not received.get(k)}
    unsent = {k for k, state in rows if state != Message.State.SENT}
    run.not_received, run.not_sent, run.lost = len(missing), len(unsent), len(missing | unsent)
    run.states = dict(Counter(state for _k, state in rows))
    run.attempts = qs.aggregate(n=Sum("attempts"))["n"] or 0
    by_worker = dict(qs.values_list("claimed_by").annotate(n=Count("id")))
    host = socket.gethostname()
    run.claimed_by = [by_worker.get(f"{host}:{pid}", 0) for pid in run.pids]


# --- the section --------------------------------------------------------------------------


def enqueue(series, channel, versions: range) -> tuple[set[str], float]:
    """message_enqueue one version at a time, ENQUEUE_BATCH to a transaction; returns the keys."""
    from django.db import transaction

    from lihui.notify.services import message_enqueue

    keys: set[str] = set()
    t = time.perf_counter()
    for lo in range(versions.start, versions.stop, ENQUEUE_BATCH):
        with transaction.atomic():
            for v in range(lo, min(lo + ENQUEUE_BATCH, versions.stop)):
                messages = message_enqueue(kind=KIND, object=series, channels=[channel], subject=f"例会通知 #{v}",
                                           text=f"第 {v} 条：本周运营周例会议程已发布，请查看。", version=v)  # fmt: skip
                keys.update(m.idempotency_key for m in messages)
    seconds = time.perf_counter() - t
    if len(keys) != len(versions):
        raise DeliveryError(f"enqueued {len(versions):,} versions, got {len(keys):,} distinct messages")
    return keys, seconds


def run(args) -> dict:
    from django.conf import settings
    from django.db import connection

    from lihui.notify.models import Channel, Message
    from lihui.testing.factories import PersonFactory, make_series

    n = QUICK_MESSAGES if args.quick else FULL_MESSAGES
    if getattr(args, "delivery_messages", None):
        n = args.delivery_messages
    single = min(SINGLE_MESSAGES, n)
    where = section_database("delivery.sqlite3")
    if connection.vendor != "sqlite":
        where = f"{connection.settings_dict['NAME']} on {connection.settings_dict.get('HOST') or 'localhost'} (scratch, flushed)"
    print(f"[delivery] database: {where}", flush=True)
    chair = PersonFactory(username="delivery_chair", name="孙婷")
    series = make_series(chair=chair, title="运营周例会（投递）")
    Message.objects.all().delete()  # only the bench's messages in the outbox
    from lihui.notify.sink import RobotSink

    sink = RobotSink(SECRET, keep_bodies=False)
    try:
        channel = Channel.objects.create(series=series, kind=Channel.Kind.WEBHOOK, name="bench webhook", url=f"{sink.url}/hook",
                                         secret=SECRET, created_by=chair)  # fmt: skip
        env = worker_env()
        runs: list[Run] = []
        connection.close()  # the workers get the database to themselves while they run

        print("[delivery] start-up: one worker, empty outbox …", flush=True)
        empty = Run("start-up (empty outbox)", 1, 0)
        run_workers(empty, env, sink, timeout=120)
        runs.append(empty)

        enqueue_seconds = 0.0
        for label, workers, count, first in (("one worker", 1, single, 0), ("two workers together", 2, n, single)):
            before = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            print(f"[delivery] enqueueing {count:,} messages …", flush=True)
            keys, seconds = enqueue(series, channel, range(first, first + count))
            enqueue_seconds += seconds
            sink.reset()
            connection.close()
            print(f"[delivery] {label}: {count:,} messages …", flush=True)
            r = Run(label, workers, count)
            run_workers(r, env, sink, timeout=120 + count * 0.2)
            check(r, keys, sink, before)
            runs.append(r)
            print(f"[delivery] {label}: {r.wall:.1f} s, {count / r.wall:,.0f} deliveries/s, duplicates {r.duplicates},"
                  f" lost {r.lost}", flush=True)  # fmt: skip
        total = single + n
        return {
            "database": where,
            "runs": runs,
            "enqueued": total,
            "enqueue_seconds": enqueue_seconds,
            "lease": settings.LIHUI_NOTIFY_LEASE_SECONDS,
            "pacing": settings.LIHUI_NOTIFY_ROBOT_PER_MINUTE.get("webhook", 0),
        }
    finally:
        sink.close()


def run_section(args) -> dict:
    """Section 8 for run.py: a failure is reported in the section, not raised."""
    import traceback

    try:
        return run(args)
    except Exception as exc:
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}


def report(result: dict, args, table) -> list[str]:
    """Section 8 of the report, in the style of the others."""
    from django.db import connection

    out: list[str] = []
    add = out.append
    add(f"8. Delivery: manage.py notify_deliver --until-empty --limit {LIMIT} (subprocesses) → webhook on a loopback sink")
    if "error" in result:
        add(f"  FAILED: {result['error']}")
        return out
    enqueued, seconds = result["enqueued"], result["enqueue_seconds"]
    add(f"  one series, one webhook channel (HMAC-SHA256 signed, pacing {result['pacing'] or 'none'}; lease"
        f" {result['lease']} s); {enqueued:,} messages enqueued with message_enqueue in transactions of"
        f" {ENQUEUE_BATCH} in {seconds:.1f} s ({enqueued / max(seconds, 1e-9):,.0f}/s, untimed below);"
        f" database: {result['database']} ({connection.vendor})")  # fmt: skip
    runs = result["runs"]
    startup = runs[0].wall
    rows = []
    for r in runs:
        if not r.messages:
            rows.append([r.label, r.workers, 0, f"{r.wall:.2f}", "-", "-", "-", "-", "-", "-", "-", "-"])
            continue
        rate = r.messages / r.wall
        net = r.messages / max(r.wall - startup, 1e-9)
        each = " / ".join(f"{c:,}" for c in r.delivered)
        rows.append([r.label, r.workers, f"{r.messages:,}", f"{r.wall:.2f}", f"{rate:,.0f}", f"{rate / r.workers:,.0f}",
                     f"{net:,.0f}", each, f"{r.posts:,}", f"{r.states.get('sent', 0):,}", r.duplicates, r.lost])  # fmt: skip
    add(table(["run", "workers", "messages", "wall s", "deliveries/s", "per worker/s", "/s less start-up",
               "claimed by each", "POSTs received", "state sent", "duplicates", "losses"], rows, "lrrrrrrrrrrr"))  # fmt: skip
    add("  (wall = from starting the worker(s) to the last exit, start-up included; '/s less start-up' subtracts the"
        " empty-outbox run once; claimed = each worker's 'delivered N')")  # fmt: skip
    for r in runs[1:]:
        exits = ", ".join(f"{e:.2f} s" for e in r.exits)
        verdict = "OK" if not problems_of(r) else "PROBLEM: " + "; ".join(problems_of(r))
        add(f"  {r.label}: exits at {exits}; Message.claimed_by {' / '.join(f'{c:,}' for c in r.claimed_by)};"
            f" attempts {r.attempts:,} for {r.messages:,} messages; received {r.received:,} distinct keys"
            f" (not received {r.not_received}, not sent {r.not_sent}, other keys {r.unexpected},"
            f" bad signatures {r.bad_signatures}); {verdict}")  # fmt: skip
    return out


def problems_of(r: Run) -> list[str]:
    out = []
    if r.duplicates:
        out.append(f"{r.duplicates} duplicate receipts")
    if r.lost:
        out.append(f"{r.lost} lost ({r.not_received} not received, {r.not_sent} not sent)")
    if r.unexpected:
        out.append(f"{r.unexpected} receipts of other keys")
    if r.bad_signatures:
        out.append(f"{r.bad_signatures} bad signatures")
    if r.attempts != r.messages:
        out.append(f"{r.attempts} claims for {r.messages} messages")
    if sum(r.delivered) != r.messages:
        out.append(f"the workers report {sum(r.delivered)} delivered of {r.messages}")
    return out


def problems(result: dict) -> list[str]:
    """What run.py reports on stderr (a failure is reported by the exit status instead)."""
    if "error" in result:
        return []
    return [f"{r.label}: {p}" for r in result["runs"][1:] for p in problems_of(r)]
