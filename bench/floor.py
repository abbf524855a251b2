"""Section 10 of the benchmark: every key page as a ratio to the framework floor.

The floor is an authenticated page (bench/floor_urls.py, a test-only URLconf: the project's
URLs plus /bench/floor/) that goes through the same middleware and login, runs one trivial
query (`Person.objects.filter(pk=request.user.pk).exists()`) and renders base.html. In the
10× ("large org") organisation of sections 1–3 (`--quick`: 100 series × 1,000 people, else
500 × 5,000), with occurrences materialized, past meetings held, two actions per held
meeting, the big meeting of section 4 running, and a small archive index (20,000 rows of bench/search.py's
synthetic text on the newest held meetings, added last), it times in process
(django.test.Client, force_login) the floor and the key pages, and prints median, p95,
SQL queries of one request, and median / floor median (goal ≤ 2×). The floor is timed
first and again last; the ratio uses all its samples.

Run: `.venv/bin/python bench/run.py --floor-only [--quick]` (with DATABASE_URL and
--scratch-database-url on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
import traceback
from zoneinfo import ZoneInfo

from common import p95, timed_requests

GOAL = 2.0
SEARCH_ROWS = 20_000
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _time(label: str, send, check, requests: int, budget: float) -> dict:
    run = timed_requests(send, check, requests, budget)
    print(f"[floor] {label}: median {statistics.median(run['times']) * 1000:.1f} ms, {run['queries']} queries", flush=True)
    return {"times": run["times"], "queries": run["queries"], "bytes": len(run["response"].content)}


def _ok(label):
    def check(r):
        assert r.status_code == 200, (label, r.status_code, r.content[:300])

    return check


def _actions(dataset, today: dt.date) -> int:
    """Two actions per held meeting of every series, owned by roster members, aged like a
    board (bulk_create, untimed): the board /actions/?all=1 has something to show."""
    from lihui.actions.models import ActionItem
    from lihui.meetings.models import Meeting
    from lihui.regime.models import Membership

    rng = random.Random(f"{len(dataset.series)}-floor-actions")
    roster: dict[int, list[int]] = {}
    for sid, pid in Membership.objects.values_list("series_id", "person_id"):
        roster.setdefault(sid, []).append(pid)
    rows = []
    held = Meeting.objects.filter(status=Meeting.Status.HELD).values_list("pk", "series_id", "start")
    for mid, sid, start in held.iterator(chunk_size=5000):
        people = roster.get(sid)
        if not people:
            continue
        for k in range(2):
            due = start.astimezone(SHANGHAI).date() + dt.timedelta(days=rng.randint(5, 30))
            done = due < today - dt.timedelta(days=14) and rng.random() < 0.85
            status = rng.choice([ActionItem.Status.DONE] * 9 + [ActionItem.Status.CANCELLED]) if done else \
                rng.choice([ActionItem.Status.OPEN] * 3 + [ActionItem.Status.IN_PROGRESS, ActionItem.Status.BLOCKED])
            rows.append(ActionItem(series_id=sid, meeting_id=mid, title=f"跟进事项 {mid}-{k + 1}：退货率复盘与改进",
                                   owner_id=rng.choice(people), due=due, status=status, created_by=dataset.admin))  # fmt: skip
    ActionItem.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _search_index(seed: int) -> int:
    """SEARCH_ROWS archive rows of search.py's synthetic text (退货 in 5 %) on the newest 2,000
    held meetings, inserted the way section 7 does; returns the rows in the index."""
    import search
    from django.db import connection

    from lihui.meetings.models import Meeting
    from lihui.search.models import SearchEntry

    meetings = list(Meeting.objects.filter(status=Meeting.Status.HELD).order_by("-start")[:2000])
    meetings.sort(key=lambda m: (m.start, m.pk))
    date_field = SearchEntry._meta.get_field("date")

    def date_value(m):
        return m.start if connection.vendor == "postgresql" else date_field.get_db_prep_save(m.start, connection)

    rng = random.Random(f"{seed}-floor-search")
    counts = {search.TERM_2: 0, search.TERM_4: 0}
    search._insert(search._rows(rng, SEARCH_ROWS, meetings, counts, {}, [0], date_value), SEARCH_ROWS)
    return SearchEntry.objects.count()


def run(args, helpers) -> dict:
    """`helpers` is bench/run.py (materialize, add_history, NextItem)."""
    import generate
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.utils import timezone

    scale = (generate.Scale("10×", 100, 1_000, 20, 6) if args.quick
             else generate.Scale("10×", 500, 5_000, 60, 30))  # fmt: skip  (the 10× of sections 1–3)
    call_command("flush", interactive=False, verbosity=0)
    today = timezone.now().astimezone(SHANGHAI).date()
    t0 = time.perf_counter()
    print(f"[floor] generating {scale.series} series × {scale.people} people …", flush=True)
    dataset = generate.generate(scale, seed=args.seed, today=today)
    mat = helpers.materialize(dataset)
    helpers.add_history(dataset)
    n_actions = _actions(dataset, today)
    print(f"[floor] {mat['occurrences']:,} occurrences, {n_actions:,} actions; building the big meeting …", flush=True)
    chair, cases = generate.meeting_cases(dataset, seed=args.seed, today=today)
    big = next(c for c in cases if c.spec.label == "big")
    build_seconds = time.perf_counter() - t0
    with connection.cursor() as cursor:  # fresh statistics for the planner, as the other sections do
        cursor.execute("ANALYZE")

    requests = max(args.requests, 30)
    budget = args.page_budget / 2
    heavy = Client()
    heavy.force_login(dataset.heavy)
    chairc = Client()
    chairc.force_login(chair)
    sid, mid = dataset.showcase.pk, big.meeting.pk
    go = helpers.NextItem(chairc, big.meeting)
    results: dict[str, dict] = {}
    with override_settings(ROOT_URLCONF="floor_urls"):
        floor_label = "floor /bench/floor/ (base.html, 1 query)"
        first = _time(floor_label, lambda: heavy.get("/bench/floor/"), _ok("floor"), requests, budget)
        plan = [
            ("dashboard /", lambda: heavy.get("/"), _ok("dashboard"), "heavy"),
            ("series page /series/<id>/", lambda: heavy.get(f"/series/{sid}/"), _ok("series"), "heavy"),
            ("meeting page /meetings/<id>/ (30 items)", lambda: chairc.get(f"/meetings/{mid}/"), _ok("meeting"), "chair"),
            ("live next item POST /meetings/<id>/live/go/", go.send, go.after, "chair"),
            ("action board /actions/?all=1", lambda: heavy.get("/actions/?all=1"), _ok("actions"), "heavy"),
            ("series health /series/<id>/health/", lambda: heavy.get(f"/series/{sid}/health/"), _ok("health"), "heavy"),
        ]
        for label, send, check, who in plan:
            results[label] = {**_time(label, send, check, requests, budget), "who": who}
        # The archive index last: search.py's row generator and bulk insert (FTS5 rebuild / GIN
        # indexes again), over the held meetings of this organisation, newest 2,000.
        print(f"[floor] adding a small archive index ({SEARCH_ROWS:,} rows) …", flush=True)
        index_rows = _search_index(args.seed)
        label = f"search /search/?q=退货 ({index_rows // 1000}k-row index)"
        results[label] = {**_time(label, lambda: heavy.get("/search/", {"q": "退货"}), _ok("search"), requests, budget),
                          "who": "heavy"}  # fmt: skip
        # The floor as the chair too: the same work, another session.
        floor_chair = _time("floor as the chair", lambda: chairc.get("/bench/floor/"), _ok("floor"), requests, budget)
        last = _time(floor_label + ", again", lambda: heavy.get("/bench/floor/"), _ok("floor"), requests, budget)
    from lihui.actions.models import ActionItem
    from lihui.regime.selectors import series_visible_to

    visible_actions = ActionItem.objects.filter(series__in=series_visible_to(person=dataset.heavy)).count()
    return {
        "scale": scale, "counts": dataset.counts, "occurrences": mat["occurrences"], "actions": n_actions,
        "visible_actions": visible_actions, "index_rows": index_rows, "build_seconds": build_seconds,
        "floor": {"first": first, "last": last, "chair": floor_chair, "label": floor_label},
        "pages": results, "moved": (go.moved, go.sent), "vendor": connection.vendor,
    }  # fmt: skip


def run_section(args, helpers) -> dict:
    try:
        return run(args, helpers)
    except Exception as exc:
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}


def _ms(times: list[float]) -> tuple[float, float]:
    return statistics.median(times) * 1000, p95(times) * 1000


def report(result: dict, args, table) -> list[str]:
    out: list[str] = []
    add = out.append
    add("10. The framework floor: key pages as a ratio to an authenticated page doing one trivial query"
        " through the same middleware and base.html")  # fmt: skip
    if "error" in result:
        add(f"  FAILED: {result['error']}")
        return out
    c = result["counts"]
    add(f"  10× organisation: {c['series']:,} series, {c['people']:,} people, {result['occurrences']:,} occurrences"
        f" (past ones held), {result['actions']:,} actions ({result['visible_actions']:,} on series the dashboard user sees),"
        f" big meeting of section 4 running (30 items, 40 participants); archive index: {result['index_rows']:,} rows of"
        f" search.py's synthetic text on the newest 2,000 held meetings (small: section 7 has 1,000,000); built in {result['build_seconds']:.0f} s, untimed")  # fmt: skip
    f = result["floor"]
    floor_times = f["first"]["times"] + f["last"]["times"]
    floor_med, floor_p95 = _ms(floor_times)
    rows = []
    for label, key in ((f["label"] + ", first", "first"), (f["label"] + ", last", "last"), ("floor as the chair", "chair")):
        med, q95 = _ms(f[key]["times"])
        rows.append([label, len(f[key]["times"]), f"{med:.1f}", f"{q95:.1f}", f[key]["queries"], f"{med / floor_med:.2f}×",
                     "", f"{f[key]['bytes'] / 1024:.0f} KiB"])  # fmt: skip
    rows.append(["floor (first + last, the reference)", len(floor_times), f"{floor_med:.1f}", f"{floor_p95:.1f}",
                 f["first"]["queries"], "1.00×", "", ""])  # fmt: skip
    for label, r in result["pages"].items():
        med, q95 = _ms(r["times"])
        ratio = med / floor_med
        rows.append([label, len(r["times"]), f"{med:.1f}", f"{q95:.1f}", r["queries"], f"{ratio:.2f}×",
                     "yes" if ratio <= GOAL else "NO", f"{r['bytes'] / 1024:.0f} KiB"])  # fmt: skip
    add(table(["request", "n", "median ms", "p95 ms", "queries", "/ floor", "≤ 2×", "size"], rows, "lrrrrrlr"))
    did, sent = result["moved"]
    add(f"  (in process, django.test.Client, force_login; up to {max(args.requests, 30)} timed requests each after 2 warm-ups,"
        f" fewer if they take over {args.page_budget / 2:.0f} s, at least 5; queries of one request with"
        " CaptureQueriesContext, session and user lookups included. Dashboard, series page, board and health as the"
        " non-staff person on "
        f"{c['heavy_memberships']} series; meeting page and next item as the big meeting's chair (next item alternates"
        f" step 1 / -1, moved {did}/{sent}); search as the dashboard user. Floor median = first and last floor runs together.)")  # fmt: skip
    return out


def problems(result: dict) -> list[str]:
    if "error" in result:
        return []
    f = result["floor"]
    floor_med = statistics.median(f["first"]["times"] + f["last"]["times"])
    return [f"{label}: {statistics.median(r['times']) / floor_med:.1f}× the floor"
            for label, r in result["pages"].items() if statistics.median(r["times"]) / floor_med > GOAL]  # fmt: skip
