#!/usr/bin/env python
"""Lihui benchmark: `make bench` or `.venv/bin/python bench/run.py [--quick]`.

Builds a synthetic organisation at 1× and at 10× ("large org") scale in its own
database, materializes three years of occurrences per series through
`meetings_plan`, and prints:

  1. materialization time vs the raw dateutil expansion of the same rules;
  2. median / p95 server time of the main pages (django.test.Client, in process);
  3. SQL queries per page at 1× and 10×, which should be equal;
  4. in the 10× organisation, one big meeting (30 agenda items, 40 participants, 20 KPI
     rows) and a small one (3, 3, 2): median / p95 server time of the meeting page, the
     live page, the live state, the recap, the live "next item" POST and the API agenda;
  5. SQL queries per request of those, small vs big meeting, which should be equal;
  6. in a database of its own (var/bench/board.sqlite3; with DATABASE_URL the scratch
     database, flushed again), the action board over 1,000,000 action items (bench/board.py): median / p95 of /actions/ and GET /api/v1/actions under
     several filters, their SQL queries and the indexes the database uses;
  7. in a database of its own too (var/bench/search.sqlite3), the archive search over
     1,000,000 index rows of synthetic Chinese meeting text (bench/search.py): median / p95
     of search(), /search/?q= and GET /api/v1/search for a 2- and a 4-character term, next
     to the same query as a LIKE scan, and their SQL queries;
  8. in a database of its own too (var/bench/delivery.sqlite3), delivery from the outbox
     (bench/delivery.py): `manage.py notify_deliver --until-empty --limit 200` as
     subprocesses against a webhook on a loopback sink, one worker over 2,000 messages and
     two workers together over 10,000: wall time, deliveries/s, what each worker claimed,
     and duplicates and losses (sink receipts vs the Message table), which must be 0;
  9. in databases of their own too (var/bench/health-small.sqlite3, var/bench/health.sqlite3),
     例会健康度 at large-org scale (bench/health.py): a year of weekly meetings of 1,000
     series (~52,000 held meetings, ~500,000 attendance rows, ~100,000 actions …) and of
     100: median / p95 and SQL queries of /health/, /series/<id>/health/, GET
     /api/v1/health and health_report() alone, at both scales (the queries must be equal),
     and each health measure alone;
 10. (--floor-only) in the 10× organisation, the framework floor — an authenticated page doing
     one trivial query through the same middleware and base.html (bench/floor.py,
     bench/floor_urls.py) — and the key pages as a ratio to it, with their SQL queries.

The database is var/bench/lihui.sqlite3 (deleted and recreated on every run), never
var/lihui.sqlite3; uploaded materials go to var/bench/media (emptied on every run). With
DATABASE_URL set the benchmark uses that database instead and FLUSHES it: it must point at
a scratch database, and the run refuses to start unless --scratch-database-url is given.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import shutil
import statistics
import sys
import time
import traceback
from pathlib import Path
from zoneinfo import ZoneInfo

from common import p95

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUT = BENCH_DIR / "out" / "latest.txt"
VAR_DIR = REPO / "var" / "bench"
MEDIA_DIR = VAR_DIR / "media"


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller run: 1× = 10 series × 100 people, 10× = 100 × 1,000")
    ap.add_argument("--requests", type=int, default=None, help="timed requests per page (default 50, --quick 20)")
    ap.add_argument("--page-budget", type=float, default=30.0, help="max seconds of timed requests per page and scale")
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--scratch-database-url", action="store_true", help="allow flushing the database DATABASE_URL points at")
    ap.add_argument("--board-actions", type=int, default=None, help="action items for section 6 (default 1,000,000, --quick 100,000)")
    ap.add_argument("--board-only", action="store_true", help="run only section 6, the action board")
    ap.add_argument("--delivery-messages", type=int, default=None,
                    help="messages for section 8's two workers (default 10,000, --quick 2,000)")  # fmt: skip
    ap.add_argument("--delivery-only", action="store_true", help="run only section 8, delivery from the outbox")
    ap.add_argument("--health-scale", type=int, default=None,
                    help="series of section 9's large org (default 1,000, --quick 100); it also runs at a tenth of that")  # fmt: skip
    ap.add_argument("--health-only", action="store_true", help="run only section 9, the health pages at large-org scale")
    ap.add_argument("--directory-only", action="store_true", help="run only section 11, a directory sync of 10,000 people")
    ap.add_argument("--floor-only", action="store_true",
                    help="run only section 10, the key pages as a ratio to the framework floor (10× data)")  # fmt: skip
    return ap.parse_args()


def setup_django(args: argparse.Namespace) -> str:
    """Point settings at the bench database before Django reads them; return a label."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lihui.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["LIHUI_VAR_DIR"] = str(VAR_DIR)  # forced, not setdefault: never the real var/
    os.environ.setdefault("SECRET_KEY", "lihui-bench-not-a-secret")
    os.environ["DEBUG"] = "0"
    # Uploaded materials go under var/bench/media too, emptied on every run.
    os.environ.pop("LIHUI_MEDIA_ROOT_FILE", None)
    os.environ["LIHUI_MEDIA_ROOT"] = str(MEDIA_DIR)
    shutil.rmtree(MEDIA_DIR, ignore_errors=True)
    MEDIA_DIR.mkdir(parents=True, exist_ok=True)
    if os.environ.get("DATABASE_URL"):
        if not args.scratch_database_url:
            sys.exit(
                "DATABASE_URL is set: the benchmark would FLUSH that database.\n"
                "Point it at a scratch database and pass --scratch-database-url, or unset it to use var/bench/."
            )
        label = "DATABASE_URL (scratch, flushed)"
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            (VAR_DIR / f"lihui.sqlite3{suffix}").unlink(missing_ok=True)
        label = f"SQLite {VAR_DIR.relative_to(REPO) / 'lihui.sqlite3'}"
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = MEDIA_DIR  # before the storage is first used
    from django.core.files.storage import default_storage

    if Path(default_storage.location).resolve() != MEDIA_DIR.resolve():
        sys.exit(f"media storage is {default_storage.location}, expected {MEDIA_DIR}: refusing to write materials there")
    return label


# --- helpers ------------------------------------------------------------------------


class QueryCounter:
    """Counts SQL statements cheaply (no SQL text kept) via connection.execute_wrapper."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """Plain aligned text; `align` is one char per column, 'l' or 'r' (default: first l, rest r)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    align = align or "l" + "r" * (len(headers) - 1)

    def fmt(r):
        return "  ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(r, widths, align)).rstrip()

    lines = [fmt(cells[0]), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells[1:]]
    return "\n".join("  " + line for line in lines)


def publish(text: str) -> None:
    """Print a report and keep it in bench/out/latest.txt."""
    text += "\n"
    print()
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"(written to {OUT.relative_to(REPO)})")


def n(x: float | int) -> str:
    return f"{x:,.0f}"


# --- the measurements ----------------------------------------------------------------


def materialize(dataset) -> dict:
    """meetings_plan(series, since=start, until=start + 3 years) for every series, timed."""
    from django.db import connection
    from generate import years_after

    from lihui.meetings.models import Meeting
    from lihui.meetings.services import planning as services

    real_renumber = services.meetings_renumber
    renumber_time = [0.0]

    def timed_renumber(**kwargs):
        t = time.perf_counter()
        try:
            return real_renumber(**kwargs)
        finally:
            renumber_time[0] += time.perf_counter() - t

    counter = QueryCounter()
    per_series_queries = []
    services.meetings_renumber = timed_renumber  # measure its share; the code that runs is unchanged
    try:
        with connection.execute_wrapper(counter):
            t0 = time.perf_counter()
            for s in dataset.series:
                before = counter.n
                since = dt.datetime.combine(s.start_date, dt.time.min, tzinfo=ZoneInfo(s.time_zone))
                services.meetings_plan(series=s, since=since, until=years_after(s.start_date))
                per_series_queries.append(counter.n - before)
            seconds = time.perf_counter() - t0
    finally:
        services.meetings_renumber = real_renumber
    rows = Meeting.objects.count()
    return {
        "seconds": seconds,
        "occurrences": rows,
        "renumber_seconds": renumber_time[0],
        "queries": counter.n,
        "queries_max": max(per_series_queries),
        "queries_median": statistics.median(per_series_queries),
        "skipped": Meeting.objects.filter(status=Meeting.Status.SKIPPED).count(),
        "moved": Meeting.objects.exclude(moved_from=None).count(),
        "in_windows": Meeting.objects.exclude(window=None).count(),
    }


def raw_expansion(dataset) -> dict:
    """The same rules, no database: Rule.expand of the base rule (and of each window over
    its dates), then the pure planner cadence.plan (windows + holiday policy)."""
    from generate import years_after

    from lihui.regime import cadence as c
    from lihui.regime.holidays import HolidayCalendar
    from lihui.regime.models import Series, company_days_off

    series = list(Series.objects.filter(pk__in=[s.pk for s in dataset.series]).prefetch_related("windows"))
    jobs = []
    for s in series:
        first, last = s.start_date, years_after(s.start_date)
        jobs.append((s, s.base_rule, [w.window for w in s.windows.all()], first, last))

    t0 = time.perf_counter()
    raw = 0
    for _s, base, windows, first, last in jobs:
        raw += len(base.expand(first, last))
        for w in windows:
            lo, hi = max(first, w.first), min(last, w.last)
            if lo <= hi:
                raw += len(w.rule.expand(lo, hi))
    raw_seconds = time.perf_counter() - t0

    calendar = HolidayCalendar(company_days_off())
    t0 = time.perf_counter()
    planned = 0
    for s, base, windows, first, last in jobs:
        planned += len(
            c.plan(base=base, windows=windows, first=first, last=last, calendar=calendar, holiday_policy=s.holiday_policy)
        )
    plan_seconds = time.perf_counter() - t0
    return {"raw_seconds": raw_seconds, "raw": raw, "plan_seconds": plan_seconds, "planned": planned}


def wall_clock_check() -> dict:
    """Sanity of the data just planned (untimed): every base-rule occurrence starts at the
    series' local start time, in both zones, across DST changes (Europe/Berlin)."""
    from lihui.meetings.models import Meeting

    zones: dict[str, ZoneInfo] = {}
    checked: dict[str, int] = {}
    wrong: dict[str, int] = {}
    rows = Meeting.objects.filter(origin=Meeting.Origin.RULE, window=None, is_exception=False).values_list(
        "start", "rule_start", "series__time_zone", "series__start_time"
    )
    for start, rule_start, tz, at in rows.iterator(chunk_size=5000):
        zone = zones.setdefault(tz, ZoneInfo(tz))
        checked[tz] = checked.get(tz, 0) + 1
        if start.astimezone(zone).time() != at or rule_start.astimezone(zone).time() != at:
            wrong[tz] = wrong.get(tz, 0) + 1
    return {"checked": checked, "wrong": wrong}


def add_history(dataset) -> None:
    """Untimed realism: past meetings were held; a few upcoming ones cancelled or moved by hand."""
    import random

    from django.utils import timezone

    from lihui.meetings.models import Meeting
    from lihui.meetings.services.planning import meeting_cancel, meeting_move

    now = timezone.now()
    Meeting.objects.filter(start__lt=now, status=Meeting.Status.SCHEDULED).update(status=Meeting.Status.HELD)
    rng = random.Random(len(dataset.series))
    for s in rng.sample(dataset.series, max(2, len(dataset.series) // 50)) + [dataset.showcase]:
        later = Meeting.objects.filter(series=s, start__gt=now + dt.timedelta(days=1), status=Meeting.Status.SCHEDULED)
        upcoming = list(later[:3])
        if len(upcoming) >= 3:
            meeting_cancel(actor=dataset.admin, meeting=upcoming[2], reason="年终盘点，本周暂停一次")
            local = upcoming[1].start.astimezone(ZoneInfo(s.time_zone))
            next_day = local.date() + dt.timedelta(days=1)
            meeting_move(actor=dataset.admin, meeting=upcoming[1], date=next_day, start_time=dt.time(10, 0))


def pages(dataset) -> list[tuple[str, str, object]]:
    """(label, url, user) of the pages under test."""
    from django.utils import timezone

    today = timezone.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    sid = dataset.showcase.pk
    api = f"/api/v1/series/{sid}/occurrences?start={today - dt.timedelta(days=90)}&end={today + dt.timedelta(days=365)}"
    h, a = dataset.heavy, dataset.admin
    return [
        ("dashboard /", "/", h),
        ("series page /series/<id>/", f"/series/{sid}/", h),
        ("series list /series/", "/series/", h),
        ("load /load/", "/load/", h),
        ("API GET /api/v1/series/<id>/occurrences", api, h),
        ("series list /series/ (admin)", "/series/", a),
        ("load /load/ (admin)", "/load/", a),
    ]


TIMED_PAGES = ("dashboard /", "series page /series/<id>/")


def measure_pages(dataset, requests: int, budget: float) -> dict:
    """Per page: SQL queries of one request (CaptureQueriesContext) and server times."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    out = {}
    for label, url, user in pages(dataset):
        if user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
        client = clients[user.pk]
        for _ in range(2):  # warm up: templates, translations, URL resolver, session
            r = client.get(url)
            assert r.status_code == 200, (label, r.status_code, r.content[:300])
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        assert r.status_code == 200, (label, r.status_code)
        # Read now: the next request's request_started signal resets connection.queries.
        sql = [q["sql"] for q in ctx.captured_queries]
        gc.collect()  # don't bill this page for garbage left by the previous steps
        times = []
        # The two required pages get `requests` requests; the others as many as fit in a quarter of the budget.
        limit, spend = (requests, budget) if label in TIMED_PAGES else (requests, budget / 4)
        t_start = time.perf_counter()
        while len(times) < limit and (len(times) < 5 or time.perf_counter() - t_start < spend):
            t = time.perf_counter()
            r = client.get(url)
            times.append(time.perf_counter() - t)
        out[label] = {
            "queries": len(sql),
            "sql": sql,
            "n": len(times),
            "median_ms": statistics.median(times) * 1000,
            "p95_ms": p95(times) * 1000,
            "bytes": len(r.content),
        }
    return out


def replan_check(dataset) -> dict:
    """Re-running the plan over the same three years must change nothing; time it and
    count its queries for the showcase series."""
    from django.db import connection
    from generate import years_after

    from lihui.meetings.models import Meeting
    from lihui.meetings.services.planning import meetings_plan

    s = dataset.showcase
    before = Meeting.objects.filter(series=s).count()
    counter = QueryCounter()
    since = dt.datetime.combine(s.start_date, dt.time.min, tzinfo=ZoneInfo(s.time_zone))
    with connection.execute_wrapper(counter):
        t = time.perf_counter()
        meetings_plan(series=s, since=since, until=years_after(s.start_date))
        seconds = time.perf_counter() - t
    after = Meeting.objects.filter(series=s).count()
    return {"seconds": seconds, "queries": counter.n, "rows_before": before, "rows_after": after}


# --- one meeting: the meeting page and the live "next item" ---------------------------------

MEETING_REQUESTS = (
    "meeting page /meetings/<id>/",
    "live page /meetings/<id>/live/",
    "live state /meetings/<id>/live/state/",
    "recap /meetings/<id>/recap/",
    "next item POST /meetings/<id>/live/go/",
    "API GET /api/v1/meetings/<id>/agenda",
)
NEXT_ITEM = MEETING_REQUESTS[4]


class NextItem:
    """The chair pressing Next / Previous on the live page: POST …/live/go/ with the item the
    previous response showed as `current`, alternating +1 and -1 so it never runs off the end."""

    def __init__(self, client, meeting):
        self.client = client
        self.url = f"/meetings/{meeting.pk}/live/go/"
        self.current = meeting.current_item_id
        self.step = 1
        self.sent = 0
        self.moved = 0

    def send(self):
        return self.client.post(self.url, {"expected": self.current, "step": self.step}, headers={"Accept": "application/json"})

    def after(self, r) -> None:
        assert r.status_code == 200, (NEXT_ITEM, r.status_code, r.content[:300])
        new = r.json()["current"]
        self.sent += 1
        self.moved += new != self.current
        self.current, self.step = new, -self.step


def measure_meeting(case, chair, token: str, requests: int, budget: float) -> dict:
    """Per request of one meeting: SQL queries of one request and server times. The chair
    (force_login) for the pages, a Bearer token for the API."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    mid, n_items = case.meeting.pk, case.counts["items"]
    client = Client()
    client.force_login(chair)
    api = Client()  # no session: the token authenticates
    go = NextItem(client, case.meeting)

    def check(label, json_items=False):
        def after(r):
            assert r.status_code == 200, (case.spec.label, label, r.status_code, r.content[:300])
            if json_items:
                assert len(r.json()["items"]) == n_items, (case.spec.label, label, len(r.json()["items"]), n_items)

        return after

    plan = {
        MEETING_REQUESTS[0]: (lambda: client.get(f"/meetings/{mid}/"), check(MEETING_REQUESTS[0])),
        MEETING_REQUESTS[1]: (lambda: client.get(f"/meetings/{mid}/live/"), check(MEETING_REQUESTS[1])),
        MEETING_REQUESTS[2]: (lambda: client.get(f"/meetings/{mid}/live/state/"), check(MEETING_REQUESTS[2], True)),
        MEETING_REQUESTS[3]: (lambda: client.get(f"/meetings/{mid}/recap/"), check(MEETING_REQUESTS[3])),
        NEXT_ITEM: (go.send, go.after),
        MEETING_REQUESTS[5]: (
            lambda: api.get(f"/api/v1/meetings/{mid}/agenda", headers={"Authorization": f"Bearer {token}"}),
            check(MEETING_REQUESTS[5], True),
        ),
    }
    out = {}
    for label, (send, after) in plan.items():
        for _ in range(2):  # warm up
            after(send())
        with CaptureQueriesContext(connection) as ctx:
            r = send()
        after(r)
        sql = [q["sql"] for q in ctx.captured_queries]
        gc.collect()
        times = []
        t_start = time.perf_counter()
        while len(times) < requests and (len(times) < 5 or time.perf_counter() - t_start < budget / 4):
            t = time.perf_counter()
            r = send()
            times.append(time.perf_counter() - t)
            after(r)  # checks and the next "expected" item: not timed
        out[label] = {
            "queries": len(sql),
            "sql": sql,
            "n": len(times),
            "median_ms": statistics.median(times) * 1000,
            "p95_ms": p95(times) * 1000,
            "bytes": len(r.content),
        }
    out[NEXT_ITEM]["moved"] = (go.moved, go.sent)
    return out


def meeting_section(dataset, args, today: dt.date) -> dict:
    """Build the big and the small meeting (untimed), then request their pages."""
    import generate

    from lihui.people.services import api_token_create

    t = time.perf_counter()
    chair, cases = generate.meeting_cases(dataset, seed=args.seed, today=today)
    build_seconds = time.perf_counter() - t
    _token, secret = api_token_create(person=chair, name="bench")
    pages = {}
    for case in cases:
        print(f"[{dataset.scale.label}] timing the {case.spec.label} meeting ({case.counts['items']} items) …", flush=True)
        pages[case.spec.label] = measure_meeting(case, chair, secret, args.requests, args.page_budget)
    return {"cases": cases, "build_seconds": build_seconds, "pages": pages}


# --- the run ------------------------------------------------------------------------


def run_scale(scale, args, *, meetings: bool = False) -> dict:
    import generate
    from django.core.management import call_command
    from django.utils import timezone

    call_command("flush", interactive=False, verbosity=0)
    today = timezone.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    print(f"[{scale.label}] generating {scale.series} series × {scale.people} people …", flush=True)
    t = time.perf_counter()
    dataset = generate.generate(scale, seed=args.seed, today=today)
    gen_seconds = time.perf_counter() - t
    print(f"[{scale.label}] materializing 3 years of occurrences …", flush=True)
    mat = materialize(dataset)
    print(f"[{scale.label}] {mat['occurrences']:,} occurrences in {mat['seconds']:.1f} s; raw expansion …", flush=True)
    raw = raw_expansion(dataset)
    replan = replan_check(dataset)
    wall = wall_clock_check()
    add_history(dataset)
    print(f"[{scale.label}] timing pages …", flush=True)
    page = measure_pages(dataset, args.requests, args.page_budget)
    meeting = None
    if meetings:  # after the pages above, so the two extra series do not change them
        print(f"[{scale.label}] building the big and the small meeting …", flush=True)
        try:
            meeting = meeting_section(dataset, args, today)
        except Exception as exc:  # keep sections 1–3; the error is shown in section 4
            traceback.print_exc()
            meeting = {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "scale": scale, "dataset": dataset, "gen_seconds": gen_seconds,
        "mat": mat, "raw": raw, "replan": replan, "wall": wall, "pages": page, "meeting": meeting,
    }  # fmt: skip


def report(results: list[dict], db_label: str, args, total_seconds: float) -> str:
    import django
    from django.db import connection

    small, large = results
    out: list[str] = []
    add = out.append
    quick = " (--quick)" if args.quick else ""
    add(f"Lihui benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC{quick}")
    db_version = connection.Database.sqlite_version if connection.vendor == "sqlite" else ""
    add(
        f"{db_label} ({connection.vendor} {db_version}) · Python {platform.python_version()} · Django {django.get_version()}"
        f" · {os.cpu_count()} CPUs · seed {args.seed} · total run {total_seconds:.0f} s"
    )
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()
        add(f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (timings are noisy above the CPU count)")
    add("")

    add("Datasets")
    headers = ["scale", "series", "people", "depts", "memberships", "roster avg", "windows", "Berlin", "occurrences",
               "heavy user's series", "generate s"]  # fmt: skip
    rows = []
    for r in results:
        c = r["dataset"].counts
        rows.append([r["scale"].label, n(c["series"]), n(c["people"]), n(c["departments"]), n(c["memberships"]),
                     f"{c['memberships'] / c['series']:.1f}", n(c["windows"]), n(c["berlin"]), n(r["mat"]["occurrences"]),
                     n(c["heavy_memberships"]), f"{r['gen_seconds']:.1f}"])  # fmt: skip
    add(table(headers, rows))
    mix = sorted(large["dataset"].cadence_counts.items(), key=lambda kv: -kv[1])
    add(f"  cadence mix at {large['scale'].label}: " + ", ".join(f"{k} {v}" for k, v in mix))
    add("")

    add("1. Materializing 3 years of occurrences per series: meetings_plan(series, since=start, until=start + 3 years)")
    rows = []
    for r in results:
        m, x, lab = r["mat"], r["raw"], r["scale"].label
        occ = m["occurrences"]
        rows += [
            [lab, "meetings_plan (database)", f"{m['seconds']:.2f}", n(occ), n(occ / m["seconds"]), "1.0×"],
            [lab, "  of which meetings_renumber", f"{m['renumber_seconds']:.2f}", "", "", ""],
            [lab, "cadence.plan (no DB, windows + holidays)", f"{x['plan_seconds']:.2f}", n(x["planned"]),
             n(x["planned"] / x["plan_seconds"]), f"{m['seconds'] / x['plan_seconds']:.0f}× faster"],
            [lab, "raw dateutil Rule.expand (base + windows)", f"{x['raw_seconds']:.2f}", n(x["raw"]),
             n(x["raw"] / x["raw_seconds"]), f"{m['seconds'] / x['raw_seconds']:.0f}× faster"],
        ]  # fmt: skip
    add(table(["scale", "what", "seconds", "occurrences", "occ/s", "vs meetings_plan"], rows, "llrrrr"))
    add("")
    add("  SQL statements issued by meetings_plan (per series: median, max), and what the rules produced:")
    rows = []
    for r in results:
        m, rp = r["mat"], r["replan"]
        same = "no change" if rp["rows_before"] == rp["rows_after"] else "ROWS CHANGED"
        rows.append([r["scale"].label, n(m["queries"]), f"{m['queries'] / r['dataset'].counts['series']:.1f}",
                     f"{m['queries_median']:.0f}", n(m["queries_max"]), n(m["skipped"]), n(m["moved"]), n(m["in_windows"]),
                     f"{rp['seconds'] * 1000:.0f} ms / {rp['queries']} q / {same}"])  # fmt: skip
    headers = ["scale", "SQL total", "per series", "median", "max", "skipped", "moved (holiday)", "in windows",
               "re-plan showcase (no-op)"]  # fmt: skip
    add(table(headers, rows))
    for r in results:
        w = r["wall"]
        parts = [f"{tz} {n(k)} checked, {w['wrong'].get(tz, 0)} wrong" for tz, k in sorted(w["checked"].items())]
        add(f"  {r['scale'].label} base-rule occurrences at the series' local start time: " + "; ".join(parts))
    add("")

    heavy_n = large["dataset"].counts["heavy_memberships"]
    add(f"2. Server time per page (django.test.Client in process, force_login; non-staff user on {heavy_n} series"
        " unless marked admin)")  # fmt: skip
    rows = []
    for label in small["pages"]:
        a, b = small["pages"][label], large["pages"][label]
        ratio = f"{b['median_ms'] / a['median_ms']:.1f}×"
        rows.append([label, a["n"], f"{a['median_ms']:.1f}", f"{a['p95_ms']:.1f}", b["n"], f"{b['median_ms']:.1f}",
                     f"{b['p95_ms']:.1f}", ratio, f"{b['bytes'] / 1024:.0f} KiB"])  # fmt: skip
    add(table(["page", "1× n", "median ms", "p95 ms", "10× n", "median ms", "p95 ms", "10×/1×", "10× size"], rows))
    add(f"  ({'; '.join(TIMED_PAGES)}: {args.requests} requests each;"
        f" other pages as many as fit in {args.page_budget / 4:.0f} s, at least 5)")  # fmt: skip
    add("")

    add("3. SQL queries per request (CaptureQueriesContext), 1× vs 10× data")
    rows = []
    for label in small["pages"]:
        a, b = small["pages"][label]["queries"], large["pages"][label]["queries"]
        rows.append([label, a, b, "equal" if a == b else "DIFFERENT"])
    add(table(["page", "1×", "10×", ""], rows, "lrrl"))
    add("")
    out += meeting_report(large, args)
    return "\n".join(out) + "\n"


def meeting_differences(result: dict) -> list[tuple[str, int, int]]:
    """(request, small, big) query counts that differ between the two meetings."""
    m = result.get("meeting")
    if not m or "error" in m:
        return []
    small, big = m["pages"]["small"], m["pages"]["big"]
    return [(label, small[label]["queries"], big[label]["queries"]) for label in MEETING_REQUESTS
            if small[label]["queries"] != big[label]["queries"]]  # fmt: skip


def meeting_report(large: dict, args) -> list[str]:
    out: list[str] = []
    add = out.append
    m = large.get("meeting")
    lab = large["scale"].label
    add(f"4. One meeting, big vs small ({lab} data; the chair, non-staff, with the meeting running)")
    if m is None:
        add("  not run")
        return out
    if "error" in m:
        add(f"  FAILED: {m['error']}")
        return out
    for case in m["cases"]:
        c = case.counts
        add(f"  {case.spec.label + ':':6} items {c['items']} (department reports {c['reports']}),"
            f" participants {c['participants']} (roster {c['roster']} + guests {c['participants'] - c['roster']};"
            f" guest invitations {c['guests']}), KPI rows {c['kpi_rows']}"
            f" (with a change since the last meeting {c['kpi_changes']}), materials {c['materials']},"
            f" checked in {c['attendance']}")  # fmt: skip
    big, small = m["pages"]["big"], m["pages"]["small"]
    rows = []
    for label in MEETING_REQUESTS:
        a, b = big[label], small[label]
        ratio = f"{a['median_ms'] / b['median_ms']:.1f}×"
        rows.append([label, a["n"], f"{a['median_ms']:.1f}", f"{a['p95_ms']:.1f}", b["n"], f"{b['median_ms']:.1f}",
                     f"{b['p95_ms']:.1f}", ratio, f"{a['bytes'] / 1024:.0f} KiB"])  # fmt: skip
    add(table(["request", "big n", "median ms", "p95 ms", "small n", "median ms", "p95 ms", "big/small", "big size"], rows))
    moved = []
    for label in ("big", "small"):
        did, sent = m["pages"][label][NEXT_ITEM]["moved"]
        moved.append(f"{label} {did}/{sent}" + ("" if did == sent else " (SOME DID NOT MOVE)"))
    add(f"  (each: {args.requests} requests, fewer if they take over {args.page_budget / 4:.0f} s, at least 5."
        " Next item alternates step 1 / -1 and sends expected = the previous response's current;"
        f" go requests that moved the current item, warm-up included: {', '.join(moved)}."
        f" Building both meetings took {m['build_seconds']:.1f} s, untimed.)")  # fmt: skip
    add("")
    add("5. SQL queries per request (CaptureQueriesContext), small vs big meeting")
    rows = []
    for label in MEETING_REQUESTS:
        a, b = small[label]["queries"], big[label]["queries"]
        rows.append([label, a, b, "equal" if a == b else "DIFFERENT"])
    add(table(["request", "small", "big", ""], rows, "lrrl"))
    return out


# --- 6. the action board ---------------------------------------------------------------


def run_board(args) -> dict:
    """Section 6 (bench/board.py); a failure is reported in the section, not raised."""
    import board

    try:
        return board.run(args)
    except Exception as exc:
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}


def board_report(result: dict, db_label: str, args, t_total: float, *, header: bool = False) -> str:
    import board

    out = section_header("action board only", db_label, args, t_total) if header else []  # --board-only
    out += board.report(result, args, table)
    return "\n".join(out) + "\n"


def section_header(what: str, db_label: str, args, t_total: float) -> list[str]:
    """The first lines of a run of one section only (--board-only, --delivery-only)."""
    import django
    from django.db import connection

    out = []
    quick = " (--quick)" if args.quick else ""
    out.append(f"Lihui benchmark, {what} — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC{quick}")
    db_version = connection.Database.sqlite_version if connection.vendor == "sqlite" else ""
    out.append(f"{db_label} ({connection.vendor} {db_version}) · Python {platform.python_version()} · Django {django.get_version()}"
               f" · {os.cpu_count()} CPUs · seed {args.seed} · total run {time.perf_counter() - t_total:.0f} s")  # fmt: skip
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()
        out.append(f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    out.append("")
    return out


def delivery_problems(result: dict) -> None:
    """Section 8's duplicates and losses (and the like) on stderr."""
    import delivery

    if delivery.problems(result):
        print("\nDelivery (section 8):", file=sys.stderr)
        for problem in delivery.problems(result):
            print(f"  {problem}", file=sys.stderr)


def health_problems(result: dict) -> None:
    """Section 9's query counts that grow with the data, on stderr."""
    import health

    if health.problems(result):
        print("\nHealth pages (section 9), query counts that grow with the data:", file=sys.stderr)
        for problem in health.problems(result):
            print(f"  {problem}", file=sys.stderr)


def main() -> None:
    args = parse_args()
    if args.requests is None:
        args.requests = 20 if args.quick else 50
    t_total = time.perf_counter()
    db_label = setup_django(args)

    import generate
    from django.core.management import call_command

    print(f"Database: {db_label}; migrating …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    if args.board_only:
        text = board_report(run_board(args), db_label, args, t_total, header=True)
        print()
        print(text)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text, encoding="utf-8")
        print(f"(written to {OUT.relative_to(REPO)})")
        return
    if args.delivery_only:
        import delivery

        delivery_result = delivery.run_section(args)
        publish("\n".join(section_header("delivery only", db_label, args, t_total) + delivery.report(delivery_result, args, table)))
        delivery_problems(delivery_result)
        if "error" in delivery_result:
            sys.exit(f"\nThe delivery benchmark failed: {delivery_result['error']}")
        if delivery.problems(delivery_result):
            sys.exit("\nThe delivery benchmark found duplicates or losses (see above).")
        return
    if args.directory_only:
        import directory

        directory_result = directory.run_section(args)
        publish("\n".join(section_header("directory sync only", db_label, args, t_total) + directory.report(directory_result, args, table)))
        if directory.problems(directory_result):
            sys.exit("\nThe directory benchmark found problems (see above).")
        return
    if args.floor_only:
        import floor

        floor_result = floor.run_section(args, sys.modules[__name__])
        publish("\n".join(section_header("framework floor only", db_label, args, t_total) + floor.report(floor_result, args, table)))
        if floor.problems(floor_result):
            print("\nAbove 2× the floor (section 10):", file=sys.stderr)
            for problem in floor.problems(floor_result):
                print(f"  {problem}", file=sys.stderr)
        if "error" in floor_result:
            sys.exit(f"\nThe floor benchmark failed: {floor_result['error']}")
        return
    if args.health_only:
        import health

        health_result = health.run_section(args)
        publish("\n".join(section_header("health pages only", db_label, args, t_total) + health.report(health_result, args, table)))
        slow = health.slowest_plan(health_result)
        if slow:
            plan_file = OUT.with_name("health-plan.txt")
            plan_file.write_text(f"Slowest measure: {slow[0]}\n\nSQL:\n{slow[1]}\n\nPlan:\n{slow[2]}\n", encoding="utf-8")
            correlated = slow[2].count("CORRELATED SCALAR SUBQUERY")
            print(f"\nSlowest measure: {slow[0]}; its query: {len(slow[1]):,} characters of SQL, plan {len(slow[2].splitlines())} lines,"
                  f" {correlated} correlated scalar subqueries (SQLite); SQL and plan in {plan_file.relative_to(REPO)}")
        health_problems(health_result)
        if "error" in health_result:
            sys.exit(f"\nThe health benchmark failed: {health_result['error']}")
        return
    if args.quick:
        scales = [generate.Scale("1×", 10, 100, 5, 6), generate.Scale("10×", 100, 1_000, 20, 6)]
    else:
        scales = [generate.Scale("1×", 50, 500, 10, 30), generate.Scale("10×", 500, 5_000, 60, 30)]
    # The meeting page and the live "next item" (section 4) are measured once, in the large org.
    results = [run_scale(scale, args, meetings=scale is scales[-1]) for scale in scales]
    # Last: on PostgreSQL it flushes the scratch database once more.
    board_result = run_board(args)
    import search  # section 7 (bench/search.py), after the board: its own database, or the scratch one flushed again

    search_result = search.run_section(args)
    import delivery  # section 8 (bench/delivery.py), last: its own database, or the scratch one flushed again

    delivery_result = delivery.run_section(args)
    import health  # section 9 (bench/health.py): its own databases, or the scratch one flushed again

    health_result = health.run_section(args)
    import directory  # section 11 (bench/directory.py): its own database, or the scratch one flushed again

    directory_result = directory.run_section(args)
    text = report(results, db_label, args, time.perf_counter() - t_total)
    text += "\n" + board_report(board_result, db_label, args, t_total)
    text += "\n" + "\n".join(search.report(search_result, args, table)) + "\n"
    text += "\n" + "\n".join(delivery.report(delivery_result, args, table)) + "\n"
    text += "\n" + "\n".join(health.report(health_result, args, table)) + "\n"
    text += "\n" + "\n".join(directory.report(directory_result, args, table)) + "\n"
    print()
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"(written to {OUT.relative_to(REPO)})")
    small, large = results[0]["pages"], results[1]["pages"]
    differing = [label for label in small if small[label]["queries"] != large[label]["queries"]]
    if differing:
        print("\nQuery counts that grow with the data:", file=sys.stderr)
        for label in differing:
            print(f"  {label}", file=sys.stderr)
    meeting_diff = meeting_differences(results[-1])
    if meeting_diff:
        print("\nQuery counts that grow with the meeting (small → big):", file=sys.stderr)
        for label, a, b in meeting_diff:
            print(f"  {label}: {a} → {b}", file=sys.stderr)
    if search.problems(search_result):
        print("\nArchive search (section 7):", file=sys.stderr)
        for problem in search.problems(search_result):
            print(f"  {problem}", file=sys.stderr)
    delivery_problems(delivery_result)
    health_problems(health_result)
    meeting = results[-1].get("meeting") or {}
    if "error" in meeting:
        sys.exit(f"\nThe meeting benchmark failed: {meeting['error']}")
    if "error" in board_result:
        sys.exit(f"\nThe board benchmark failed: {board_result['error']}")
    if "error" in search_result:
        sys.exit(f"\nThe search benchmark failed: {search_result['error']}")
    if "error" in delivery_result:
        sys.exit(f"\nThe delivery benchmark failed: {delivery_result['error']}")
    if delivery.problems(delivery_result):
        sys.exit("\nThe delivery benchmark found duplicates or losses (see above).")
    if "error" in health_result:
        sys.exit(f"\nThe health benchmark failed: {health_result['error']}")


if __name__ == "__main__":
    main()
