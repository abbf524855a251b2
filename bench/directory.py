"""Section 11 of the benchmark: a directory sync of 10,000 people and 500 departments.

`run_section(args)` takes a database of its own (var/bench/directory.sqlite3; with
DATABASE_URL the scratch database, flushed), builds a synthetic company (500 departments
three levels deep, 10,000 people with Chinese names, 工号, e-mail, mobile, title, line
manager and department heads) as the engine's `Snapshot`, and times, each in one
transaction as production runs it:

  * the first sync (everyone created, with identities, departments, heads, the report);
  * a re-sync of the same directory (nothing changes: the read and the comparison);
  * a sync with 1 % movers, 1 % leavers and 1 % joiners (joiners / movers / leavers);
  * a bare insert of the same rows (people, departments, identities: bulk_create with the
    same batch size, nothing compared or reported) — the floor the first sync is a ratio to;
  * the same directory served by the local vendor server (lihui.testing.suites, shared with
    the tests and the demo) as WeCom, DingTalk and Feishu, each read through its real client
    and paced under the vendor's documented limits: the whole `manage.py people_sync <suite>`.

Each run's SQL statements are counted; at 1,000 and at 10,000 people they must differ only
by the extra bulk batches (SQLite: ~38 people a statement; PostgreSQL: 500), never by one
per person: the check allows one statement per ten extra people.

Only import this after `django.setup()`.
"""

from __future__ import annotations

import random
import time

from common import section_database

PEOPLE = 10_000
DEPARTMENTS = 500
QUICK_PEOPLE = 2_000
QUICK_DEPARTMENTS = 100
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建波宁琳晨欣怡浩宇轩然子涵思博文"
UNITS = ["运营中心", "客服中心", "仓储物流中心", "财务中心", "人力资源中心"]
GROUPS = ["一部", "二部", "三部", "四部", "综合组", "质检组", "培训组", "数据组", "商品组", "售后组"]
TITLES = ["专员", "主管", "经理", "高级专员", "助理", "组长"]


def company(people: int, departments: int, *, seed: int = 20261208):
    """A Snapshot of a company: departments in three levels, people spread over them."""
    from lihui.directory.services import DirectoryDepartment, DirectoryPerson, Snapshot

    rng = random.Random(seed)
    depts = [DirectoryDepartment("1", "示例集团")]
    n = 2
    for unit in UNITS:
        depts.append(DirectoryDepartment(str(n), unit, parent_key="1"))
        parent, n = str(n), n + 1
        per_unit = (departments - 1 - len(UNITS)) // len(UNITS)
        for i in range(per_unit):
            depts.append(DirectoryDepartment(str(n), f"{GROUPS[i % len(GROUPS)]}{i // len(GROUPS) + 1}", parent_key=parent))
            n += 1
    while len(depts) < departments:
        depts.append(DirectoryDepartment(str(n), f"项目组{n}", parent_key="1"))
        n += 1
    keys = [d.key for d in depts]
    heads: dict[str, str] = {}
    rows = []
    for i in range(people):
        key = f"u{i:05}"
        dept = keys[i % len(keys)]
        head = heads.setdefault(dept, key)
        rows.append(
            DirectoryPerson(
                key=key,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else ""),
                employee_number=f"E{i:06}",
                email=f"{key}@example.com",
                phone=f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09}",
                title=rng.choice(TITLES),
                department_key=dept,
                manager_key=None if head == key else head,
            )
        )
    depts = [DirectoryDepartment(d.key, d.name, d.parent_key, head_keys=(heads[d.key],) if d.key in heads else ()) for d in depts]
    return Snapshot("wecom", depts, rows, complete=True)


def changed(snapshot, *, seed: int = 7):
    """1 % movers, 1 % leavers (gone from the directory), 1 % joiners."""
    import dataclasses

    rng = random.Random(seed)
    people = list(snapshot.people)
    n = len(people) // 100
    keys = [d.key for d in snapshot.departments]
    heads = {k for d in snapshot.departments for k in d.head_keys}
    plain = [i for i, p in enumerate(people) if p.key not in heads and p.manager_key is not None]
    rng.shuffle(plain)
    movers, leavers = plain[:n], set(plain[n : 2 * n])
    for i in movers:
        people[i] = dataclasses.replace(people[i], department_key=rng.choice(keys))
    people = [p for i, p in enumerate(people) if i not in leavers]
    base = len(snapshot.people)
    for j in range(n):
        people.append(dataclasses.replace(people[0], key=f"n{j:05}", employee_number=f"N{base + j:06}", email=f"n{j}@example.com",
                                          name="新" + people[j].name, manager_key=people[0].key))  # fmt: skip
    return type(snapshot)(snapshot.source, snapshot.departments, people, complete=True), {"movers": n, "leavers": n, "joiners": n}


def _timed(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t
    return seconds, len(ctx.captured_queries), result


def _wipe():
    from lihui.directory.models import SyncReport
    from lihui.people.models import Department, Identity, Person

    SyncReport.objects.all().delete()
    Identity.objects.all().delete()
    Person.objects.all().delete()
    Department.objects.all().delete()


def bare_insert(snapshot) -> None:
    """The floor: the same rows written with bulk_create, nothing read, compared or reported."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from lihui.people.models import Department, DepartmentIdentity, Identity, Person, sort_key_for

    with transaction.atomic():
        by_key: dict[str, Department] = {}
        depts = []
        for d in snapshot.departments:  # parents come first in the snapshot: one bulk insert per level
            dept = Department(name=d.name, sort_key=sort_key_for(d.name))
            dept.parent_key = d.parent_key
            by_key[d.key] = dept
            depts.append(dept)
        level = [d for d in depts if d.parent_key is None]
        while level:
            for dept in level:
                dept.parent = by_key[dept.parent_key] if dept.parent_key else None
            Department.objects.bulk_create(level, batch_size=500)
            done = {id(d) for d in level}
            level = [d for d in depts if d.parent_key and id(by_key[d.parent_key]) in done]
        DepartmentIdentity.objects.bulk_create(
            [DepartmentIdentity(department=dept, source="wecom", external_id=d.key) for d, dept in zip(snapshot.departments, depts)],
            batch_size=500,
        )
        unusable = make_password(None)
        people = [
            Person(username=p.employee_number, name=p.name, email=p.email, phone=p.phone, title=p.title, employee_number=p.employee_number,
                   password=unusable, sort_key=sort_key_for(p.name))
            for p in snapshot.people
        ]  # fmt: skip
        Person.objects.bulk_create(people, batch_size=500)
        Identity.objects.bulk_create(
            [Identity(person=person, source="wecom", external_id=p.key) for p, person in zip(snapshot.people, people)], batch_size=500
        )


def run_section(args) -> dict:
    from django.db import connection

    from lihui.directory.services import sync_apply

    where = section_database("directory.sqlite3")
    people = QUICK_PEOPLE if args.quick else PEOPLE
    departments = QUICK_DEPARTMENTS if args.quick else DEPARTMENTS
    result = {"database": where, "vendor": connection.vendor, "people": people, "departments": departments, "runs": []}
    try:
        small = company(people // 10, max(departments // 10, 10))
        snapshot = company(people, departments)
        for label, snap in (("small", small), ("large", snapshot)):
            _wipe()
            first = _timed(lambda snap=snap: sync_apply(snap, trigger="schedule"))
            again = _timed(lambda snap=snap: sync_apply(snap, trigger="schedule"))
            result[label] = {"first": first[:2], "again": again[:2], "counts": first[2].counts, "status": first[2].status}
        moved, what = changed(snapshot)
        churn = _timed(lambda: sync_apply(moved, trigger="schedule"))
        result["churn"] = {"seconds": churn[0], "queries": churn[1], "counts": churn[2].counts, "what": what}
        _wipe()
        bare = _timed(lambda: bare_insert(snapshot))
        result["bare"] = {"seconds": bare[0], "queries": bare[1]}
        result["suite"] = _suite_sync(snapshot)
    except Exception as exc:  # reported, not raised: the other sections' results stay
        import traceback

        result["error"] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
    return result


def _suite_sync(snapshot) -> dict:
    """The same directory served by the local vendor server (lihui.testing.suites, the one the
    tests and the demo use) and read through the real clients, paced under each vendor's
    documented rate limits as in production: the whole `manage.py people_sync <suite>`."""
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from lihui.directory.suites.services import suite_sync
    from lihui.testing.suites.directory import Directory
    from lihui.testing.suites.fixtures import configure_suites
    from lihui.testing.suites.server import SuiteServer

    company = Directory()
    ids = {d.key: int(d.key) + 1 for d in snapshot.departments}  # 1 is the vendors' root: "示例集团" becomes 2
    for d in snapshot.departments:
        company.add_department(ids[d.key], d.name, parent_id=ids[d.parent_key] if d.parent_key else None, leaders=list(d.head_keys))
    for p in snapshot.people:
        company.add_user(p.key, p.name, [ids[p.department_key]], title=p.title, manager=p.manager_key, employee_no=p.employee_number,
                         mobile=p.phone, email=p.email)  # fmt: skip
    server = SuiteServer(company).start()
    out = {}
    try:
        with override_settings(**server.settings()):
            configure_suites(server)
            for source in ("wecom", "dingtalk", "feishu"):
                _wipe()
                calls = len(server.calls)
                with CaptureQueriesContext(connection) as ctx:
                    t = time.perf_counter()
                    report = suite_sync(source=source, trigger="schedule")
                    seconds = time.perf_counter() - t
                out[source] = {"seconds": seconds, "queries": len(ctx.captured_queries), "calls": len(server.calls) - calls,
                               "status": report.status, "error": report.error, "counts": report.counts}  # fmt: skip
    finally:
        server.stop()
    return out


def problems(result: dict) -> list[str]:
    out = []
    if "error" in result:
        return [result["error"].splitlines()[0]]
    for label in ("small", "large"):
        if result[label]["status"] != "done":
            out.append(f"the {label} sync failed")
    # Bulk batches grow with the rows (SQLite: 999 parameters a statement, ~38 people; PostgreSQL:
    # 500 rows); a statement per person or department would add ten times this allowance.
    grown = result["large"]["first"][1] - result["small"]["first"][1]
    allowed = (result["people"] - result["people"] // 10) // 10
    if grown > allowed:
        out.append(f"the first sync's SQL grew by {grown} statements for 10× the people (bulk batches allow {allowed})")
    if result["large"]["first"][0] > 60:
        out.append(f"the first sync took {result['large']['first'][0]:.1f} s (target: under a minute)")
    for source, s in (result.get("suite") or {}).items():
        if s["status"] != "done":
            out.append(f"the {source} sync failed: {s['error'][:200]}")
        elif s["seconds"] > 60:
            out.append(f"the {source} sync took {s['seconds']:.1f} s (target: under a minute)")
    return out


def report(result: dict, args, table) -> list[str]:
    lines = ["", "11. Directory sync (bench/directory.py)", ""]
    if "error" in result:
        return lines + ["  failed: " + result["error"]]
    lines.append(f"  {result['people']:,} people, {result['departments']:,} departments; database {result['database']} ({result['vendor']})")
    bare = result["bare"]["seconds"]
    rows = [
        ["bare insert of the same rows", f"{bare:.2f}", str(result["bare"]["queries"]), "1.00×"],
        [f"first sync ({result['people'] // 10:,} people)", f"{result['small']['first'][0]:.2f}", str(result["small"]["first"][1]), ""],
        ["first sync (all created)", f"{result['large']['first'][0]:.2f}", str(result["large"]["first"][1]),
         f"{result['large']['first'][0] / bare:.2f}×"],
        ["re-sync, nothing changed", f"{result['large']['again'][0]:.2f}", str(result["large"]["again"][1]),
         f"{result['large']['again'][0] / bare:.2f}×"],
        ["1 % movers + 1 % leavers + 1 % joiners", f"{result['churn']['seconds']:.2f}", str(result["churn"]["queries"]),
         f"{result['churn']['seconds'] / bare:.2f}×"],
    ]  # fmt: skip
    lines.append(table(["run", "seconds", "SQL", "÷ bare insert"], rows))
    if result.get("suite"):
        names = {"wecom": "WeCom", "dingtalk": "DingTalk", "feishu": "Feishu"}
        suite_rows = [
            [names[k], f"{s['seconds']:.2f}", str(s["calls"]), str(s["queries"]), s["status"], str(s["counts"].get("created", 0))]
            for k, s in result["suite"].items()
        ]
        lines += ["", "  The whole sync from the local vendor server (read through the real client, paced under the vendor's limits):"]
        lines.append(table(["suite", "seconds", "API calls", "SQL", "status", "created"], suite_rows))
    c = result["churn"]["counts"]
    lines.append(f"  churn: {c.get('created', 0)} created, {c.get('changed', 0)} changed, {c.get('deactivated', 0)} deactivated")
    for problem in problems(result):
        lines.append(f"  PROBLEM: {problem}")
    return lines
