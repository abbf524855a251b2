"""Section 9 of the benchmark: 例会健康度 (the health pages) at large-org scale.

`run_section(args)` builds, in a database of its own (var/bench/health-small.sqlite3 and
var/bench/health.sqlite3; with DATABASE_URL the scratch database, flushed before each),
a year of history at two scales — 10 % and 100 % of `--health-scale` series (default
1,000; --quick 100) — straight with bulk_create, not through the services: weekly series
with ~10 people on each roster out of 5 people per series, ~52 held meetings each over the
past year (actual start and end, agenda published), 5 agenda items each (report,
discussion, decision … with seconds used; a department report with 2 KPI values on the
report item), attendance of every roster member (some runs of absences), 1 decision and
2 actions per meeting (closed on time, late, or still open; reviews of earlier actions),
published minutes, and surveys with ~5 responses on a third of the meetings. Then, with
django.test.Client in process, as an admin and as a non-staff person who chairs 3 series,
it times /health/ (12 weeks and 12 months), /series/<id>/health/, GET /api/v1/health and
`health_report(series=Series.objects.all(), period="12m")` alone: median, p95, SQL queries
per request at both scales (which should be equal), each measure of MEASURES alone, and
one series page with 52 held meetings vs one with 5.

Only import this after `django.setup()`.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import statistics
import time
import traceback
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from common import p95, section_database

FULL_SERIES = 1_000
QUICK_SERIES = 100
PEOPLE_PER_SERIES = 5
ROSTER = 10
WEEKS = 52
CHAIR_SERIES = 3
SURVEY_SHARE = 0.33
SHANGHAI = ZoneInfo("Asia/Shanghai")
SLOW = 5.0  # seconds: a request this slow is timed twice (cold and warm), a measure once
CHUNK = 50  # series generated (and their rows inserted) at a time

FUNCTIONS = ["运营部", "客服部", "物流部", "市场部", "财务部", "技术部", "采购部", "人力资源部", "法务部", "产品部"]
REGIONS = ["总部", "华东", "华南", "华北", "西南", "华中", "西北", "东北", "欧洲", "华东二区"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红玲芬燕彬辉鑫博文斌宇浩凯健俊帆雪琳晨欣怡婷颖佳"
# The five items of every meeting: (kind, title, minutes allotted)
AGENDA = [("review", "上周行动项回顾", 10), ("report", "部门周报", 20), ("discussion", "问题讨论", 15),
          ("decision", "决策事项", 10), ("recap", "总结与反馈", 5)]  # fmt: skip


@dataclass
class HealthData:
    label: str
    series_n: int
    admin: object
    chair: object
    chair_series: object  # one of the series the chair chairs
    big_series: object  # 52 held meetings (the chair's series)
    new_series: object  # 5 held meetings
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)


def _people(rng: random.Random, n_series: int):
    from django.contrib.auth.hashers import make_password

    from lihui.people.models import Department, Person, sort_key_for

    n_depts = max(10, n_series // 20)
    names = [f"{REGIONS[(i // len(FUNCTIONS)) % len(REGIONS)]}{FUNCTIONS[i % len(FUNCTIONS)]}" + (f"{i // 100 + 1}" if i >= 100 else "")
             for i in range(n_depts)]  # fmt: skip
    depts = Department.objects.bulk_create([Department(name=n, sort_key=sort_key_for(n)) for n in names])
    unusable = make_password(None)
    rows = [
        Person(username="health_admin", name="系统管理员", is_staff=True, is_superuser=True, time_zone="Asia/Shanghai"),
        Person(username="health_chair", name="周云", department=depts[0], time_zone="Asia/Shanghai"),
    ]
    for i in range(n_series * PEOPLE_PER_SERIES):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        rows.append(Person(username=f"h{i:05d}", name=name, department=depts[i % n_depts], time_zone="Asia/Shanghai"))
    for p in rows:
        p.password = unusable
        p.sort_key = sort_key_for(p.name)
    people = Person.objects.bulk_create(rows, batch_size=2000)
    return depts, people[0], people[1], people[2:]


def _kpis(depts):
    from lihui.reports.models import Kpi

    rows = []
    for d in depts:
        rows += [Kpi(department=d, name="准时交付率", unit="%", position=0, default_target=Decimal("95")),
                 Kpi(department=d, name="客诉数", unit="件", higher_is_better=False, position=1, default_target=Decimal("20"))]  # fmt: skip
    created = Kpi.objects.bulk_create(rows)
    return {d.pk: created[2 * i: 2 * i + 2] for i, d in enumerate(depts)}


def _series_rows(rng, n_series, depts, admin, today):
    from lihui.regime.models import Series

    start = today - dt.timedelta(days=7 * WEEKS + 7)
    times = [dt.time(9, 0), dt.time(9, 30), dt.time(10, 0), dt.time(14, 0), dt.time(16, 0)]
    rows = []
    for i in range(n_series):
        d = depts[i % len(depts)]
        rows.append(Series(
            title=f"{d.name}周例会 {i + 1:04d}", department=d, frequency="weekly", interval=1, weekdays=str(i % 5),
            start_time=times[i % len(times)], duration_minutes=60, time_zone="Asia/Shanghai", start_date=start,
            visibility="organization" if i % 10 == 9 else "roster", created_by=admin,
        ))  # fmt: skip
    # One young series: 5 held meetings (the series page, 5 vs 52 meetings).
    d = depts[0]
    rows.append(Series(title=f"{d.name}新项目周会", department=d, frequency="weekly", interval=1, weekdays="2",
                       start_time=dt.time(10, 0), duration_minutes=60, time_zone="Asia/Shanghai",
                       start_date=today - dt.timedelta(days=36), visibility="roster", created_by=admin))  # fmt: skip
    return Series.objects.bulk_create(rows, batch_size=1000)


def _history(rng, series_chunk, rosters, kpis, now, counts):
    """A year of meetings of `series_chunk` and everything recorded in them, bulk-created."""
    from lihui.actions.models import ActionItem, ActionUpdate, Decision
    from lihui.meetings.models import AgendaItem, Attendance, Meeting
    from lihui.minutes.models import Minutes
    from lihui.reports.models import KpiValue, Report
    from lihui.surveys.models import Respondent, Response, Survey

    today = now.astimezone(SHANGHAI).date()
    meetings, held_of = [], {}
    for s in series_chunk:
        first_day = s.start_date + dt.timedelta(days=(int(s.weekdays) - s.start_date.weekday()) % 7)
        held = []
        number = 0
        for k in range(WEEKS + 10):
            day = first_day + dt.timedelta(weeks=k)
            at = dt.datetime.combine(day, s.start_time, tzinfo=SHANGHAI)
            if day > today + dt.timedelta(weeks=3):
                break
            if at < now - dt.timedelta(hours=3):
                if rng.random() < 0.03:
                    meetings.append(Meeting(series=s, status="cancelled", rule_start=at, start=at, duration_minutes=60,
                                            cancel_reason="节假日"))  # fmt: skip
                    continue
                number += 1
                began = at + dt.timedelta(minutes=rng.choice((-2, 0, 0, 1, 2, 3, 5, 8, 12)))
                ended = began + dt.timedelta(minutes=rng.choice((45, 55, 60, 60, 64, 70, 80, 95)))
                m = Meeting(series=s, number=number, status="held", rule_start=at, start=at, duration_minutes=60,
                            agenda_created=True, agenda_published_at=at - dt.timedelta(hours=rng.choice((2, 12, 26, 30, 48, 72))),
                            actual_start=began, actual_end=ended)  # fmt: skip
                held.append(m)
            else:
                m = Meeting(series=s, status="scheduled", rule_start=at, start=at, duration_minutes=60)
            meetings.append(m)
        held_of[s.pk] = held
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    counts["meetings"] += len(meetings)
    all_held = [m for s in series_chunk for m in held_of[s.pk]]
    counts["held"] += len(all_held)

    items = []
    for m in all_held:
        roster = rosters[m.series_id]
        for pos, (kind, title, minutes) in enumerate(AGENDA):
            items.append(AgendaItem(meeting=m, position=pos, kind=kind, title=title, minutes_allotted=minutes,
                                    presenter=roster[rng.randrange(2, ROSTER)] if kind == "report" else roster[0],
                                    seconds_used=max(0, int(minutes * 60 * rng.uniform(0.5, 1.6)))))  # fmt: skip
    AgendaItem.objects.bulk_create(items, batch_size=2000)
    counts["items"] += len(items)
    item_of = {(it.meeting.pk, it.kind): it for it in items}

    attendance = []
    for s in series_chunk:
        roster = rosters[s.pk]
        held = held_of[s.pk]
        # A few chronic absentees: a run of 3–6 absences of one member somewhere in the year.
        runs = {}
        if held and rng.random() < 0.3:
            who = roster[rng.randrange(2, ROSTER)].pk
            begin = rng.randrange(max(1, len(held) - 3))
            runs[who] = range(begin, begin + rng.randint(3, 6))
        for idx, m in enumerate(held):
            for p in roster:
                if p.pk in runs and idx in runs[p.pk]:
                    status = "absent"
                else:
                    r = rng.random()
                    status = "present" if r < 0.80 else "late" if r < 0.87 else "remote" if r < 0.92 else "excused" if r < 0.96 else "absent"
                arrived = m.actual_start + dt.timedelta(minutes=rng.randint(3, 15)) if status == "late" else None
                attendance.append(Attendance(meeting=m, person=p, status=status, arrived_at=arrived))
    Attendance.objects.bulk_create(attendance, batch_size=5000)
    counts["attendance"] += len(attendance)
    del attendance

    minutes = []
    for m in all_held:
        if rng.random() < 0.95:
            published = m.actual_end + dt.timedelta(hours=rng.choice((1, 3, 6, 20, 30, 50)))
            if published < now:
                minutes.append(Minutes(meeting=m, state="published", submitted_at=published, published_at=published, head=1))
                continue
        minutes.append(Minutes(meeting=m, state="draft"))
    Minutes.objects.bulk_create(minutes, batch_size=5000)
    counts["minutes"] += len(minutes)

    decisions = [Decision(meeting=m, item=item_of[(m.pk, "decision")], text="同意按计划推进", created_by=rosters[m.series_id][0])
                 for m in all_held]  # fmt: skip
    Decision.objects.bulk_create(decisions, batch_size=5000)
    counts["decisions"] += len(decisions)

    actions = []
    for m, d in zip(all_held, decisions):
        roster = rosters[m.series_id]
        for j in range(2):
            created = m.actual_end
            due = created.astimezone(SHANGHAI).date() + dt.timedelta(days=rng.randint(3, 21))
            age = (today - due).days
            r = rng.random()
            if age > 14:
                status = "done" if r < 0.80 else "cancelled" if r < 0.86 else "open" if r < 0.95 else "blocked"
            elif age > 0:
                status = "done" if r < 0.5 else "cancelled" if r < 0.55 else "open" if r < 0.8 else "in_progress"
            else:
                status = "done" if r < 0.2 else "open" if r < 0.7 else "in_progress"
            closed = None
            if status in ("done", "cancelled"):
                # on time mostly, some late
                days = (due - created.astimezone(SHANGHAI).date()).days + rng.choice((-5, -2, -1, 0, 0, 1, 4, 10))
                closed = min(now - dt.timedelta(minutes=5), created + dt.timedelta(days=max(1, days), hours=rng.randint(0, 8)))
            actions.append(ActionItem(
                series_id=m.series_id, meeting=m, item=item_of[(m.pk, "decision")] if j == 0 else item_of[(m.pk, "discussion")],
                decision=d if j == 0 and rng.random() < 0.85 else None, title=f"跟进事项 {m.number}-{j + 1}",
                owner=roster[rng.randrange(ROSTER)], due=due, status=status, created_by=roster[0], created=created, closed_at=closed,
            ))  # fmt: skip
    ActionItem.objects.bulk_create(actions, batch_size=5000)
    counts["actions"] += len(actions)

    # Reviews of the previous meeting's actions in the next meeting (most of them).
    updates = []
    by_meeting: dict[int, list] = {}
    for a in actions:
        by_meeting.setdefault(a.meeting.pk, []).append(a)
    for s in series_chunk:
        held = held_of[s.pk]
        for prev, nxt in zip(held, held[1:]):
            for a in by_meeting.get(prev.pk, ()):
                if rng.random() < 0.75:
                    updates.append(ActionUpdate(action=a, kind="review", meeting=nxt, author=rosters[s.pk][0], text="已跟进"))
    ActionUpdate.objects.bulk_create(updates, batch_size=5000)
    counts["updates"] += len(updates)

    reports, values = [], []
    for m in all_held:
        dept = m.series.department_id
        submitted = m.start - dt.timedelta(hours=rng.choice((-1, 2, 5, 20, 30))) if rng.random() < 0.9 else None
        reports.append(Report(item=item_of[(m.pk, "report")], department_id=dept, progress="本周进展正常", submitted_at=submitted))
    Report.objects.bulk_create(reports, batch_size=5000)
    for rep, m in zip(reports, all_held):
        on_time, complaints = kpis[m.series.department_id]
        values.append(KpiValue(report=rep, kpi=on_time, target=Decimal("95"), actual=Decimal(rng.randint(85, 100))))
        values.append(KpiValue(report=rep, kpi=complaints, target=Decimal("20"), actual=Decimal(rng.randint(5, 40))))
    KpiValue.objects.bulk_create(values, batch_size=5000)
    counts["reports"] += len(reports)
    counts["kpi_values"] += len(values)

    surveyed = [m for m in all_held if rng.random() < SURVEY_SHARE]
    surveys = [Survey(meeting=m, anonymous=True, opened_at=m.actual_end, closes_at=m.actual_end + dt.timedelta(days=3), invited=ROSTER)
               for m in surveyed]  # fmt: skip
    Survey.objects.bulk_create(surveys, batch_size=5000)
    responses, respondents = [], []
    for sv, m in zip(surveys, surveyed):
        base = rng.randint(2, 5)
        for p in rng.sample(rosters[m.series_id], rng.randint(3, 8)):
            respondents.append(Respondent(survey=sv, person=p))
            a = [min(5, max(1, base + rng.choice((-1, 0, 0, 1)))) for _ in range(5)]
            responses.append(Response(id=uuid.UUID(int=rng.getrandbits(128)), survey=sv, purpose_clear=a[0], time_well_used=a[1],
                                      outcomes_useful=a[2], discussion_open=a[3], overall=a[4]))  # fmt: skip
    Respondent.objects.bulk_create(respondents, batch_size=5000)
    Response.objects.bulk_create(responses, batch_size=5000)
    counts["surveys"] += len(surveys)
    counts["responses"] += len(responses)
    return actions


def generate(*, n_series: int, seed: int, label: str) -> HealthData:
    from django.db import connection, transaction
    from django.utils import timezone

    from lihui.actions.models import ActionItem
    from lihui.regime.models import Membership

    rng = random.Random(f"{seed}-health-{n_series}")
    now = timezone.now()
    today = now.astimezone(SHANGHAI).date()
    t = time.perf_counter()
    counts: dict[str, int] = {k: 0 for k in ("meetings", "held", "items", "attendance", "minutes", "decisions", "actions",
                                              "updates", "reports", "kpi_values", "surveys", "responses")}  # fmt: skip
    with transaction.atomic():
        depts, admin, chair, people = _people(rng, n_series)
        kpis = _kpis(depts)
        series = _series_rows(rng, n_series, depts, admin, today)
        rosters, memberships = {}, []
        chaired = set(range(0, n_series, max(1, n_series // CHAIR_SERIES))[:CHAIR_SERIES])
        member_of = {n_series // 2 + 1, n_series // 2 + 3}
        for i, s in enumerate(series):
            roster = rng.sample(people, ROSTER)
            if i in chaired:
                roster[0] = chair
            elif i in member_of:
                roster[4] = chair
            rosters[s.pk] = roster
            roles = ["chair", "minute_taker"] + ["member"] * (ROSTER - 3) + ["optional"]
            memberships += [Membership(series=s, person=p, role=roles[k]) for k, p in enumerate(roster)]
        Membership.objects.bulk_create(memberships, batch_size=5000)
        counts["memberships"] = len(memberships)
        created_at = {}
        for i in range(0, len(series), CHUNK):
            actions = _history(rng, series[i:i + CHUNK], rosters, kpis, now, counts)
            created_at.update({a.pk: a.meeting.actual_end for a in actions})
            if (i // CHUNK) % 4 == 3:
                print(f"[health {label}]   {i + CHUNK:,} of {len(series):,} series ({time.perf_counter() - t:.0f} s)", flush=True)
        # ActionItem.created is auto_now_add (bulk_create stamps "now"): back to the meeting's end, in one statement per batch.
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(ActionItem._meta.db_table)
            field = ActionItem._meta.get_field("created")
            batch = [(field.get_db_prep_save(v, connection), pk) for pk, v in created_at.items()]
            cursor.executemany(f"UPDATE {table} SET {connection.ops.quote_name(field.column)} = %s WHERE id = %s", batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what a production database has after routine maintenance
    seconds = time.perf_counter() - t
    counts.update(series=len(series), people=len(people) + 2, departments=len(depts))
    first = series[min(chaired)]
    return HealthData(label=label, series_n=n_series, admin=admin, chair=chair, chair_series=first, big_series=first,
                      new_series=series[-1], seconds=seconds, counts=counts)  # fmt: skip


# --- measuring ----------------------------------------------------------------------------


def _time(send, requests: int, budget: float) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        r = send()  # also the warm-up
        first = time.perf_counter() - t
    queries = len(ctx.captured_queries)
    gc.collect()
    times = []
    # A request of many seconds: that one (cold) and one more, not five.
    least = 2 if first > SLOW else 5
    if first > SLOW:
        times.append(first)
    t_start = time.perf_counter()
    while len(times) < requests and (len(times) < least or time.perf_counter() - t_start < budget):
        t = time.perf_counter()
        r = send()
        times.append(time.perf_counter() - t)
    return {"n": len(times), "median_ms": statistics.median(times) * 1000, "p95_ms": p95(times) * 1000, "queries": queries,
            "bytes": len(getattr(r, "content", b""))}  # fmt: skip


REQUESTS = [
    "health_report(all series, 12m) alone",
    "/health/?period=12w (admin)",
    "/health/?period=12m (admin)",
    "/health/?period=12w (chair of 3)",
    "/health/?period=12m (chair of 3)",
    "/series/<id>/health/ 12w (chair)",
    "/series/<id>/health/?period=12m (admin)",
    "GET /api/v1/health?period=12m (admin)",
    "GET /api/v1/health?period=12m (chair)",
    "GET /api/v1/health?period=12w (admin)",
]
SERIES_52 = "/series/<id>/health/ 12m, 52 meetings (admin)"
SERIES_5 = "/series/<id>/health/ 12m, 5 meetings (admin)"


def measure(data: HealthData, *, requests: int, budget: float) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lihui.insights.health import MEASURES, health_report, health_scope
    from lihui.insights.selectors import series_recommendations
    from lihui.people.services import api_token_create
    from lihui.regime.models import Series

    clients = {}
    for who in (data.admin, data.chair):
        c = Client()
        c.force_login(who)
        clients[who.pk] = c
    tokens = {who.pk: {"Authorization": f"Bearer {api_token_create(person=who, name='bench')[1]}"} for who in (data.admin, data.chair)}

    def page(url, who):
        def send():
            r = clients[who.pk].get(url)
            assert r.status_code == 200, (url, r.status_code, r.content[:300])
            return r
        return send

    def api(url, who):
        def send():
            r = clients[who.pk].get(url, headers=tokens[who.pk])
            assert r.status_code == 200, (url, r.status_code, r.content[:300])
            return r
        return send

    a, c = data.admin, data.chair
    sid, new = data.chair_series.pk, data.new_series.pk
    sends = {
        REQUESTS[0]: lambda: health_report(series=Series.objects.all(), period="12m", zone=SHANGHAI),
        REQUESTS[1]: page("/health/?period=12w", a),
        REQUESTS[2]: page("/health/?period=12m", a),
        REQUESTS[3]: page("/health/?period=12w", c),
        REQUESTS[4]: page("/health/?period=12m", c),
        REQUESTS[5]: page(f"/series/{sid}/health/", c),
        REQUESTS[6]: page(f"/series/{sid}/health/?period=12m", a),
        REQUESTS[7]: api("/api/v1/health?period=12m", a),
        REQUESTS[8]: api("/api/v1/health?period=12m", c),
        REQUESTS[9]: api("/api/v1/health?period=12w", a),
        SERIES_52: page(f"/series/{sid}/health/?period=12m", a),
        SERIES_5: page(f"/series/{new}/health/?period=12m", a),
    }
    out = {}
    for label, send in sends.items():
        if label == REQUESTS[6]:
            continue  # the same request as SERIES_52
        print(f"[health {data.label}] {label} …", flush=True)
        out[label] = _time(send, requests, budget)
    out[REQUESTS[6]] = out[SERIES_52]

    # Each measure alone, over every series, 12 months.
    scope = health_scope(series=Series.objects.all(), period="12m", zone=SHANGHAI)
    per_measure = {}
    runs = 3
    steps = [("held().count()", lambda: scope.held().count())] + [(k, (lambda f=f: f(scope))) for k, f in MEASURES.items()]
    recommended = list(Series.objects.order_by("title", "pk")[:10])
    steps.append(("series_recommendations ×10 (admin's page)", lambda: [series_recommendations(series=s) for s in recommended]))
    for key, fn in steps:
        print(f"[health {data.label}] measure {key} …", flush=True)
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            fn()  # also the warm-up
            first = time.perf_counter() - t
        times = [first] if first > SLOW / 2 else []
        for _ in range(runs if not times else 0):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        per_measure[key] = {"median_ms": statistics.median(times) * 1000, "queries": len(ctx.captured_queries),
                            "sql": [q["sql"] for q in ctx.captured_queries]}  # fmt: skip
    held = {"big": _held(data.big_series), "new": _held(data.new_series)}
    return {"requests": out, "measures": per_measure, "held": held}


def _held(series) -> int:
    from django.utils import timezone

    from lihui.meetings.models import Meeting

    return Meeting.objects.filter(series=series, status="held", start__gte=timezone.now() - dt.timedelta(days=366)).count()


def explain(sql: str) -> str:
    """EXPLAIN QUERY PLAN (SQLite) / EXPLAIN (PostgreSQL) of captured SQL (parameters inlined by Django)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return "\n".join(f"{'  ' * 0}{r[0]}|{r[1]}| {r[3]}" for r in cursor.fetchall())
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(r[0] for r in cursor.fetchall())


def run_scale(n_series: int, label: str, filename: str, args) -> dict:
    where = section_database(filename)
    print(f"[health {label}] database: {where}; generating {n_series:,} series × {WEEKS} weeks …", flush=True)
    data = generate(n_series=n_series, seed=args.seed, label=label)
    print(f"[health {label}] generated in {data.seconds:.1f} s: {data.counts}", flush=True)
    result = measure(data, requests=args.requests, budget=args.page_budget / 4)
    return {"data": data, "database": where, **result}


def run(args) -> dict:
    full = getattr(args, "health_scale", None) or (QUICK_SERIES if args.quick else FULL_SERIES)
    small = run_scale(max(10, full // 10), "10%", "health-small.sqlite3", args)
    large = run_scale(full, "100%", "health.sqlite3", args)
    return {"small": small, "large": large}


def run_section(args) -> dict:
    """Section 9 for run.py: a failure is reported in the section, not raised."""
    try:
        return run(args)
    except Exception as exc:
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}


def problems(result: dict) -> list[str]:
    """Query counts that grow with the data (10 % → 100 %, or 5 → 52 meetings)."""
    if "error" in result:
        return []
    out = []
    small, large = result["small"]["requests"], result["large"]["requests"]
    for label in REQUESTS:
        if small[label]["queries"] != large[label]["queries"]:
            out.append(f"{label}: {small[label]['queries']} queries at 10 %, {large[label]['queries']} at 100 %")
    for key in result["large"]["measures"]:
        a, b = result["small"]["measures"][key]["queries"], result["large"]["measures"][key]["queries"]
        if a != b:
            out.append(f"measure {key}: {a} queries at 10 %, {b} at 100 %")
    r = result["large"]["requests"]
    if r[SERIES_52]["queries"] != r[SERIES_5]["queries"]:
        out.append(f"series page: {r[SERIES_5]['queries']} queries with 5 meetings, {r[SERIES_52]['queries']} with 52")
    return out


def report(result: dict, args, table) -> list[str]:
    """Section 9 of the report, in the style of the others."""
    out: list[str] = []
    add = out.append
    add("9. 例会健康度: /health/, /series/<id>/health/, GET /api/v1/health and health_report() at large-org scale")
    if "error" in result:
        add(f"  FAILED: {result['error']}")
        return out
    small, large = result["small"], result["large"]
    rows = []
    for r in (small, large):
        d, c = r["data"], r["data"].counts
        rows.append([d.label, f"{c['series']:,}", f"{c['people']:,}", f"{c['memberships']:,}", f"{c['held']:,}", f"{c['items']:,}",
                     f"{c['attendance']:,}", f"{c['actions']:,}", f"{c['updates']:,}", f"{c['minutes']:,}",
                     f"{c['reports']:,}/{c['kpi_values']:,}", f"{c['surveys']:,}/{c['responses']:,}", f"{d.seconds:.1f}"])  # fmt: skip
    add(table(["scale", "series", "people", "roster rows", "held mtgs", "agenda items", "attendance", "actions", "reviews",
               "minutes", "reports/KPI vals", "surveys/responses", "generate s"], rows))  # fmt: skip
    add(f"  one year of weekly meetings (~3 % cancelled, plus 3 weeks scheduled ahead), bulk_create + ANALYZE; databases:"
        f" {small['database']}, {large['database']}")  # fmt: skip
    add(f"  chair: non-staff, chairs {CHAIR_SERIES} series, member of 2 more, sees the 10 % of series visible to all staff too;"
        " admin: every series (its /health/ page also computes recommendations for 10 series)")  # fmt: skip
    rows = []
    for label in REQUESTS:
        a, b = small["requests"][label], large["requests"][label]
        rows.append([label, a["n"], f"{a['median_ms']:.0f}", f"{a['p95_ms']:.0f}", a["queries"], b["n"], f"{b['median_ms']:.0f}",
                     f"{b['p95_ms']:.0f}", b["queries"], f"{b['median_ms'] / max(a['median_ms'], 1e-9):.1f}×",
                     "equal" if a["queries"] == b["queries"] else "DIFFERENT"])  # fmt: skip
    add(table(["request", "10% n", "median ms", "p95 ms", "queries", "100% n", "median ms", "p95 ms", "queries", "100/10",
               "queries"], rows, "lrrrrrrrrrl"))  # fmt: skip
    add(f"  ({args.requests} requests each, fewer if they take over {args.page_budget / 4:.0f} s, at least 5 — 2, the first one cold, when one takes over {SLOW:.0f} s; in process,"
        " django.test.Client, force_login; API with a bearer token)")  # fmt: skip
    r = large["requests"]
    h = large["held"]
    add(f"  series page, 12 months, admin: {h['big']} held meetings median {r[SERIES_52]['median_ms']:.0f} ms /"
        f" {r[SERIES_52]['queries']} queries vs {h['new']} held meetings median {r[SERIES_5]['median_ms']:.0f} ms /"
        f" {r[SERIES_5]['queries']} queries — {'equal' if r[SERIES_52]['queries'] == r[SERIES_5]['queries'] else 'DIFFERENT'}")  # fmt: skip
    add("")
    add(f"  Each measure alone (MEASURES[key](scope), every series, 12 months; median of 3, or one run if it takes over {SLOW / 2:.1f} s):")
    rows = []
    total_s = total_l = 0.0
    for key in large["measures"]:
        a, b = small["measures"][key], large["measures"][key]
        if not key.startswith("series_recommendations"):
            total_s, total_l = total_s + a["median_ms"], total_l + b["median_ms"]
        rows.append([key, f"{a['median_ms']:.0f}", a["queries"], f"{b['median_ms']:.0f}", b["queries"],
                     f"{b['median_ms'] / max(a['median_ms'], 1e-9):.1f}×"])  # fmt: skip
    rows.append(["sum (health_report)", f"{total_s:.0f}", "", f"{total_l:.0f}", "", f"{total_l / max(total_s, 1e-9):.1f}×"])
    add(table(["measure", "10% ms", "queries", "100% ms", "queries", "100/10"], rows))
    slow = max((k for k in large["measures"] if not k.startswith("series_")), key=lambda k: large["measures"][k]["median_ms"])
    add(f"  slowest measure at 100 %: {slow} ({large['measures'][slow]['median_ms']:.0f} ms,"
        f" {100 * large['measures'][slow]['median_ms'] / max(total_l, 1e-9):.0f} % of the report)")  # fmt: skip
    return out


def slowest_plan(result: dict) -> tuple[str, str, str] | None:
    """(measure, SQL, plan) of the slowest measure at 100 %, for --health-only's stdout."""
    if "error" in result:
        return None
    m = result["large"]["measures"]
    slow = max((k for k in m if not k.startswith("series_")), key=lambda k: m[k]["median_ms"])
    sql = max(m[slow]["sql"], key=len)
    try:
        return slow, sql, explain(sql)
    except Exception as exc:  # noqa: BLE001 - the plan is a diagnostic
        return slow, sql, f"(EXPLAIN failed: {exc})"
