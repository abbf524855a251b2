"""Section 6 of the benchmark: the action board (「我的行动项」 and the boards) over a
million action items.

`run(args)` flushes the bench database, builds its own organisation — 20 departments,
200 owners, 100 series (a quarter of them visible to all staff) with rosters and a
meeting every two weeks for a year — and inserts the actions in bulk (PostgreSQL COPY,
else `executemany` in batches of 20,000): owners drawn from each series' roster, due
dates from a year ago to two months ahead, statuses mixed the way a real board ages
(old actions mostly done or cancelled, some of them left open and so overdue). Then, as
a non-staff person on 20 of the series who owns actions of their own, it times the board
page and `GET /api/v1/actions` under a few filters (median and p95 of in-process server
time), counts the SQL queries of one request of each, and records which indexes the
database chose for the page's list query (EXPLAIN).

Only import this after `django.setup()`.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from common import p95, section_database, timed_requests

FULL_ACTIONS = 1_000_000
QUICK_ACTIONS = 100_000
DEPARTMENTS = 20
OWNERS = 200
SERIES = 100
MEETINGS_PER_SERIES = 26  # every two weeks for a year
VIEWER_SERIES = 20
BATCH = 20_000
SHANGHAI = ZoneInfo("Asia/Shanghai")

FUNCTIONS = ["运营部", "客服部", "物流部", "市场部", "财务部", "技术部", "采购部", "人力资源部", "法务部", "产品部"]
REGIONS = ["华东", "华南"]
VERBS = ["整理", "补齐", "跟进", "确认", "复盘", "排查", "更新", "提交", "优化", "评估"]
OBJECTS = ["双十一库存", "退货数据", "客服排班", "物流费率", "供应商报价", "直播排期", "会员权益", "预算执行", "仓容量", "投诉工单"]


@dataclass
class BoardData:
    viewer: object  # non-staff, on VIEWER_SERIES rosters, owns actions
    admin: object
    owner: object  # another person whose actions the viewer filters by
    department: object  # the owner's department
    series: object  # a series on the viewer's roster
    actions: int
    insert_seconds: float
    setup_seconds: float
    by_status: dict[str, int] = field(default_factory=dict)
    visible: int = 0


def _people_and_series(rng: random.Random, today: dt.date):
    """Departments, people, series with rosters and meetings, through the ORM (bulk_create)."""
    from django.contrib.auth.hashers import make_password

    from lihui.meetings.models import Meeting
    from lihui.people.models import Department, Person, sort_key_for
    from lihui.regime.models import Membership, Series

    names = [r + f for r in REGIONS for f in FUNCTIONS][:DEPARTMENTS]
    depts = Department.objects.bulk_create([Department(name=n, sort_key=sort_key_for(n)) for n in names])
    unusable = make_password(None)
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞"
    rows = [
        Person(username="board_viewer", name="周云", department=depts[0], time_zone="Asia/Shanghai"),
        Person(username="board_admin", name="系统管理员", is_staff=True, is_superuser=True, time_zone="Asia/Shanghai"),
    ]
    for i in range(OWNERS - 1):
        name = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
        rows.append(Person(username=f"b{i:04d}", name=name, department=depts[i % DEPARTMENTS], time_zone="Asia/Shanghai"))
    for p in rows:
        p.password = unusable
        p.sort_key = sort_key_for(p.name)
    people = Person.objects.bulk_create(rows)
    viewer, admin, owners = people[0], people[1], [people[0]] + people[2:]

    start = today - dt.timedelta(days=365)
    series = Series.objects.bulk_create(
        [
            Series(
                title=f"{depts[i % DEPARTMENTS].name}周例会 {i + 1}",
                department=depts[i % DEPARTMENTS],
                frequency="weekly",
                interval=2,
                weekdays=str(i % 5),
                start_time=dt.time(9, 30),
                duration_minutes=60,
                time_zone="Asia/Shanghai",
                start_date=start,
                visibility="organization" if i % 4 == 3 else "roster",
                created_by=admin,
            )
            for i in range(SERIES)
        ]
    )
    viewer_on = set(rng.sample(range(SERIES), VIEWER_SERIES))
    rosters: dict[int, list] = {}
    memberships = []
    for i, s in enumerate(series):
        members = rng.sample(owners[1:], 12)
        if i in viewer_on:
            members[-1] = viewer
        rosters[s.pk] = members
        memberships += [
            Membership(series=s, person=p, role="chair" if k == 0 else "minute_taker" if k == 1 else "member")
            for k, p in enumerate(members)
        ]
    Membership.objects.bulk_create(memberships, batch_size=2000)
    meetings = []
    for i, s in enumerate(series):
        first = dt.datetime.combine(start + dt.timedelta(days=i % 14), dt.time(9, 30), tzinfo=SHANGHAI)
        for k in range(MEETINGS_PER_SERIES):
            at = first + dt.timedelta(weeks=2 * k)
            status = Meeting.Status.HELD if at.date() < today else Meeting.Status.SCHEDULED
            meetings.append(Meeting(series=s, number=k + 1, status=status, rule_start=at, start=at, duration_minutes=60))
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    by_series: dict[int, list] = {}
    for m in meetings:
        by_series.setdefault(m.series_id, []).append(m)
    mine = sorted(viewer_on)[0]
    owner = next(p for p in rosters[series[mine].pk] if p.pk != viewer.pk)
    return viewer, admin, owner, series, series[mine], rosters, by_series


def _action_rows(rng: random.Random, n: int, today: dt.date, series, rosters, meetings):
    """One dict per action (ActionItem attribute names), generated lazily."""
    now = dt.datetime.now(dt.UTC)
    # Actions come from meetings that took place.
    held = {pk: [m for m in ms if m.start.date() <= today] or ms[:1] for pk, ms in meetings.items()}
    for i in range(n):
        s = series[rng.randrange(len(series))]
        past = held[s.pk]
        m = past[rng.randrange(len(past))]
        roster = rosters[s.pk]
        owner = roster[rng.randrange(len(roster))]
        due = m.start.astimezone(SHANGHAI).date() + dt.timedelta(days=rng.randint(3, 60))
        age = (today - due).days
        r = rng.random()
        if age > 30:  # long past due: mostly closed, some still open (overdue)
            status = "done" if r < 0.78 else "cancelled" if r < 0.85 else "open" if r < 0.93 else "in_progress" if r < 0.97 else "blocked"
        elif age > 0:
            status = "done" if r < 0.45 else "cancelled" if r < 0.5 else "open" if r < 0.75 else "in_progress" if r < 0.92 else "blocked"
        else:
            status = "done" if r < 0.15 else "cancelled" if r < 0.18 else "open" if r < 0.6 else "in_progress" if r < 0.9 else "blocked"
        p = rng.random()
        priority = "high" if p < 0.2 else "low" if p > 0.85 else "normal"
        created = m.start + dt.timedelta(minutes=rng.randint(5, 55))
        closed = min(now, created + dt.timedelta(days=rng.randint(1, 40))) if status in ("done", "cancelled") else None
        title = f"{VERBS[i % len(VERBS)]}{OBJECTS[(i // 10) % len(OBJECTS)]} #{i + 1}"
        yield {
            "series_id": s.pk, "meeting_id": m.pk, "title": title, "owner_id": owner.pk, "due": due,
            "priority": priority, "status": status, "created_by_id": owner.pk, "created": created, "closed_at": closed,
        }  # fmt: skip


def _columns():
    """Every concrete column of ActionItem but the id, with a default for those we leave out
    (so a field added later does not break the insert)."""
    from lihui.actions.models import ActionItem

    cols = []
    for f in ActionItem._meta.concrete_fields:
        if f.primary_key:
            continue
        default = None if f.null and not f.has_default() else f.get_default()
        cols.append((f.column, f.attname, f, default))
    return cols


def _insert(rows, count: int) -> float:
    """Rows straight into the table: COPY on PostgreSQL, executemany in batches elsewhere."""
    from django.db import connection, transaction

    from lihui.actions.models import ActionItem

    cols = _columns()
    table = connection.ops.quote_name(ActionItem._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c, _a, _f, _d in cols)
    t = time.perf_counter()
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # A bulk load builds its indexes afterwards, in one pass each (several times faster
        # than keeping six of them up to date row by row); the plans measured are the same.
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
                [ActionItem._meta.db_table, "%_pkey"],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [ActionItem._meta.db_table],
            )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row.get(a, d) for _c, a, _f, d in cols])
        else:
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(cols))})"
            # What get_db_prep_save does for these types, without its per-value cost.
            utc = dt.UTC

            def adapter(f):
                if f.get_internal_type() == "DateTimeField":
                    return lambda v: None if v is None else str(v.astimezone(utc).replace(tzinfo=None))
                if f.get_internal_type() == "DateField":
                    return lambda v: None if v is None else v.isoformat()
                return lambda v: v

            plan = [(a, d, adapter(f)) for _c, a, f, d in cols]
            batch = []
            for row in rows:
                batch.append([prep(row.get(a, d)) for a, d, prep in plan])
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    done += len(batch)
                    batch = []
                    if done % 250_000 == 0:
                        print(f"[board]   {done:,} of {count:,} ({time.perf_counter() - t:.0f} s)", flush=True)
            if batch:
                cursor.executemany(sql, batch)
        if connection.vendor == "postgresql":
            # Check the (deferred) foreign keys now: PostgreSQL builds no index on a table
            # with checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        print(f"[board]   rows in after {time.perf_counter() - t:.0f} s; {len(indexes)} indexes …", flush=True)
        for _name, create in indexes:
            cursor.execute(create)
    return time.perf_counter() - t


def generate(*, actions: int, seed: int, today: dt.date) -> BoardData:
    from django.db import connection
    from django.db.models import Count

    from lihui.actions.models import ActionItem

    rng = random.Random(f"{seed}-board")
    t = time.perf_counter()
    viewer, admin, owner, series, mine, rosters, meetings = _people_and_series(rng, today)
    setup = time.perf_counter() - t
    seconds = _insert(_action_rows(rng, actions, today, series, rosters, meetings), actions)
    with connection.cursor() as cursor:
        # What a production database has after its routine maintenance (autovacuum / `ANALYZE`).
        cursor.execute("ANALYZE")
    by_status = dict(ActionItem.objects.values_list("status").annotate(n=Count("id")).order_by())
    return BoardData(
        viewer=viewer, admin=admin, owner=owner, department=owner.department, series=mine,
        actions=sum(by_status.values()), insert_seconds=seconds, setup_seconds=setup, by_status=by_status,
    )  # fmt: skip


def requests_under_test(data: BoardData, today: dt.date) -> list[tuple[str, str, str]]:
    """(label, page URL, API URL): the viewer's own list, then the board under three filters."""
    frm, to = today - dt.timedelta(days=30), today + dt.timedelta(days=30)
    cases = [
        ("my actions (open)", {}, {"owner": data.viewer.pk}),
        ("board: owner + open", {"all": 1, "owner": data.owner.pk, "status": "unclosed"}, {"owner": data.owner.pk, "status": "unclosed"}),
        (
            "board: department + overdue, by due",
            {"all": 1, "department": data.department.pk, "overdue": 1, "sort": "due"},
            {"department": data.department.pk, "overdue": "true", "sort": "due"},
        ),
        (
            "board: series + due ±30 days, any status",
            {"all": 1, "series": data.series.pk, "status": "any", "due_from": frm, "due_to": to},
            {"series": data.series.pk, "status": "any", "due_from": frm, "due_to": to},
        ),
        ("board: everything visible (open)", {"all": 1}, {}),
    ]
    return [(label, "/actions/" + (f"?{urlencode(page)}" if page else ""), f"/api/v1/actions?{urlencode({**api, 'limit': 50})}")
            for label, page, api in cases]  # fmt: skip


def _indexes(qs) -> str:
    """The indexes the database picks for a queryset (EXPLAIN), or 'full scan'."""
    import re

    from django.db import connection

    plan = qs.explain()
    if connection.vendor == "postgresql":
        found = re.findall(r"Index(?: Only)? Scan(?: Backward)? using (\w+)|Bitmap Index Scan on (\w+)", plan)
        names = [a or b for a, b in found]
    else:
        names = re.findall(r"USING (?:COVERING )?INDEX (\w+)", plan)
    scans = re.findall(r"Seq Scan on (\w+)|SCAN (\w+)(?! USING)", plan)
    tables = {a or b for a, b in scans}
    out = ", ".join(dict.fromkeys(n for n in names if n.startswith(("action", "lihui_actions", "actions_"))))
    if any(t.startswith("actions_actionitem") or t == "actions_actionitem" for t in tables) and not out:
        return "full scan"
    return out or "-"


def _time(send, check, requests: int, budget: float) -> dict:
    run = timed_requests(send, check, requests, budget)
    times = run["times"]
    return {
        "n": len(times),
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": p95(times) * 1000,
        "queries": run["queries"],
        "bytes": len(run["response"].content),
    }


def measure(data: BoardData, *, requests: int, budget: float, today: dt.date) -> dict:
    from django.test import Client

    from lihui.actions.forms import BoardFilterForm
    from lihui.actions.selectors import action_counts, action_list
    from lihui.people.services import api_token_create

    page_client = Client()
    page_client.force_login(data.viewer)
    api_client = Client()
    _token, secret = api_token_create(person=data.viewer, name="bench")
    headers = {"Authorization": f"Bearer {secret}"}
    rows = []
    for label, page_url, api_url in requests_under_test(data, today):
        print(f"[board] {label} …", flush=True)

        def check_page(r):
            assert r.status_code == 200, (page_url, r.status_code, r.content[:300])
            assert b'data-testid="filter-errors"' not in r.content, page_url

        def check_api(r):
            assert r.status_code == 200, (api_url, r.status_code, r.content[:300])

        page = _time(lambda: page_client.get(page_url), check_page, requests, budget)
        api = _time(lambda: api_client.get(api_url, headers=headers), check_api, requests, budget)
        query = page_url.partition("?")[2]
        from django.http import QueryDict

        form = BoardFilterForm(QueryDict(query))
        form.is_valid()
        filters = form.selector_filters(mine=None if "all=1" in query else data.viewer)
        qs = action_list(person=data.viewer, **filters)
        found = action_counts(actions=qs, today=today, open_only=filters["status"] == "open" or filters["overdue"])["total"]
        rows.append({"label": label, "found": found, "page": page, "api": api, "indexes": _indexes(qs[:50])})

    # The export of the department's overdue actions (all of them, up to the cap), a few times.
    export_url = "/actions/export.xlsx?" + urlencode({"all": 1, "department": data.department.pk, "overdue": 1})

    def check_export(r):
        assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats"), r.status_code

    export = _time(lambda: page_client.get(export_url), check_export, 5, budget)
    visible = action_list(person=data.viewer, status=None).count()
    return {"rows": rows, "export": export, "visible": visible}


def run(args) -> dict:
    """Its own database, the organisation and the actions, then the timed requests."""
    from django.utils import timezone

    n = QUICK_ACTIONS if args.quick else FULL_ACTIONS
    if getattr(args, "board_actions", None):
        n = args.board_actions
    where = section_database("board.sqlite3")
    print(f"[board] database: {where}", flush=True)
    today = timezone.now().astimezone(SHANGHAI).date()
    print(f"[board] generating {n:,} action items …", flush=True)
    data = generate(actions=n, seed=args.seed, today=today)
    print(f"[board] inserted in {data.insert_seconds:.1f} s; timing the board …", flush=True)
    result = measure(data, requests=args.requests, budget=args.page_budget / 4, today=today)
    return {"data": data, "database": where, **result}


def report(result: dict, args, table) -> list[str]:
    """Section 6 of the report, in the style of the others."""
    from django.db import connection

    out: list[str] = []
    add = out.append
    data = result.get("data")
    add("6. The action board (/actions/ and GET /api/v1/actions) over a large table of action items")
    if "error" in result:
        add(f"  FAILED: {result['error']}")
        return out
    s = data.by_status
    open_n = sum(s.get(k, 0) for k in ("open", "in_progress", "blocked"))
    add(f"  {data.actions:,} actions ({open_n:,} open: {s.get('open', 0):,} open, {s.get('in_progress', 0):,} in progress,"
        f" {s.get('blocked', 0):,} blocked; {s.get('done', 0):,} done, {s.get('cancelled', 0):,} cancelled),"
        f" {OWNERS} owners in {DEPARTMENTS} departments, {SERIES} series; inserted in {data.insert_seconds:.1f} s"
        f" ({data.actions / max(data.insert_seconds, 1e-9):,.0f} rows/s, {connection.vendor}),"
        f" organisation built in {data.setup_seconds:.1f} s; database: {result['database']}")  # fmt: skip
    add(f"  viewer: non-staff, on {VIEWER_SERIES} of the {SERIES} series' rosters (a quarter are visible to all staff),"
        f" sees {result['visible']:,} actions; page = 50 rows, API limit=50")  # fmt: skip
    rows = []
    for r in result["rows"]:
        p, a = r["page"], r["api"]
        rows.append([r["label"], f"{r['found']:,}", p["n"], f"{p['median_ms']:.1f}", f"{p['p95_ms']:.1f}", p["queries"],
                     a["n"], f"{a['median_ms']:.1f}", f"{a['p95_ms']:.1f}", a["queries"], r["indexes"]])  # fmt: skip
    add(table(["request", "matches", "page n", "median ms", "p95 ms", "queries", "API n", "median ms", "p95 ms", "queries",
               "index (page list query)"], rows, "lrrrrrrrrrl"))  # fmt: skip
    e = result["export"]
    add(f"  export .xlsx of the department's overdue actions: median {e['median_ms']:.0f} ms, p95 {e['p95_ms']:.0f} ms"
        f" over {e['n']} requests, {e['queries']} queries, {e['bytes'] / 1024:.0f} KiB")  # fmt: skip
    add("  (queries include the session and the user for the page, the token for the API; they do not depend on the data)")
    return out
