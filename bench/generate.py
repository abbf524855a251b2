"""Synthetic "large org" data for the benchmark: departments, people, meeting series
with rosters and cadence windows, company days off.

Everything is seeded (`random.Random(seed)`), so two runs build the same organisation
relative to today. People, departments, series, memberships and windows are written
with bulk_create; occurrences are NOT created here — `run.py` materializes them through
`lihui.meetings.services.meetings_plan`, which is what it times.

Only import this after `django.setup()`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.db import transaction

from lihui.people.models import Department, Person, sort_key_for
from lihui.regime.models import CadenceWindow, CompanyDayOff, Membership, Series
from lihui.regime.services import RosterEntry, roster_validate

YEARS = 3  # every series is materialized over [start_date, start_date + 3 years]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬辉鑫博文斌宇浩凯健俊帆雪琳晨欣怡婷颖佳子涵梓轩宁思远航鹏飞"
REGIONS = ["总部", "华东", "华南", "华北", "西南", "华中", "西北", "东北", "欧洲"]
FUNCTIONS = ["运营部", "客服部", "物流部", "市场部", "财务部", "技术部", "采购部", "人力资源部", "法务部", "产品部"]
TOPICS = ["周例会", "质量复盘会", "项目同步会", "经营分析会", "安全生产例会", "库存盘点会", "招聘进展会", "预算评审会", "投诉复盘会", "技术评审会", "站会", "客户回访会"]
TIMES = [dt.time(h, m) for h, m in ((9, 0), (9, 30), (10, 0), (11, 0), (14, 0), (15, 30), (16, 0), (17, 0))]
DURATIONS = [30, 45, 60, 60, 60, 90, 120]
BERLIN = "Europe/Berlin"
SHANGHAI = "Asia/Shanghai"

# (label, weight) of the cadence mix
CADENCE_MIX = [
    ("weekly", 30),
    ("weekly-multi", 8),  # e.g. Mon/Thu, or Mon/Wed/Fri stand-ups
    ("biweekly", 20),
    ("monthly-day", 12),
    ("monthly-weekday", 12),
    ("quarterly", 8),
    ("every-n-days", 10),
]


@dataclass(frozen=True)
class Scale:
    label: str
    series: int
    people: int
    departments: int
    heavy_memberships: int  # series the "heavy" person (dashboard user) is on


@dataclass
class Dataset:
    scale: Scale
    heavy: Person  # a non-staff person on many rosters: the dashboard / page user
    admin: Person
    showcase: Series  # same spec at every scale: the series page under test
    series: list[Series]
    counts: dict[str, int] = field(default_factory=dict)
    cadence_counts: dict[str, int] = field(default_factory=dict)


def years_after(day: dt.date, years: int = YEARS) -> dt.date:
    return day + relativedelta(years=years)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _departments(scale: Scale) -> list[Department]:
    names = [r + f for r in REGIONS for f in FUNCTIONS]
    # Always keep a few European departments (the Berlin series belong to them).
    wanted = names[: max(1, scale.departments - 2)] + ["欧洲运营部", "欧洲物流部"]
    wanted = list(dict.fromkeys(wanted))[: scale.departments]
    depts = Department.objects.bulk_create([Department(name=n, sort_key=sort_key_for(n)) for n in wanted])
    by_name = {d.name: d for d in depts}
    for d in depts:  # regional departments report to the head-office department of the same function
        parent = by_name.get("总部" + d.name[2:]) if not d.name.startswith("总部") else None
        if parent is not None and parent is not d:
            d.parent = parent
    Department.objects.bulk_update(depts, ["parent"])
    return depts


def _people(scale: Scale, rng: random.Random, depts: list[Department]) -> tuple[list[Person], Person, Person]:
    unusable = make_password(None)  # no hashing cost; force_login does not need a password
    rows = []
    head_office_ops = next(d for d in depts if d.name == "总部运营部")
    heavy = Person(username="bench_heavy", name="周云", department=head_office_ops, title="运营总监", time_zone=SHANGHAI)
    admin = Person(username="bench_admin", name="系统管理员", is_staff=True, is_superuser=True, time_zone=SHANGHAI)
    rows += [heavy, admin]
    weights = [3 if d.name.startswith("总部") else 1 for d in depts]
    for i in range(scale.people - 2):
        dept = rng.choices(depts, weights)[0]
        name = _name(rng)
        rows.append(
            Person(
                username=f"p{i:05d}",
                name=name,
                email=f"p{i:05d}@example.com",
                department=dept,
                title=rng.choice(["专员", "主管", "经理", "分析师", "工程师", ""]),
                time_zone=BERLIN if dept.name.startswith("欧洲") else SHANGHAI,
                is_active=rng.random() > 0.01,  # a few people have left
            )
        )
    for p in rows:
        p.password = unusable
        p.sort_key = sort_key_for(p.name)
    people = Person.objects.bulk_create(rows, batch_size=1000)
    # Each department gets a head.
    by_dept: dict[int, list[Person]] = {}
    for p in people:
        if p.department_id and p.is_active:
            by_dept.setdefault(p.department_id, []).append(p)
    for d in depts:
        if by_dept.get(d.pk):
            d.head = by_dept[d.pk][0]
    Department.objects.bulk_update(depts, ["head"])
    return people, people[0], people[1]


def _cadence(kind: str, rng: random.Random, start: dt.date) -> dict:
    if kind == "weekly":
        return {"frequency": "weekly", "interval": 1, "weekdays": str(start.weekday())}
    if kind == "weekly-multi":
        days = rng.choice([(0, 3), (0, 2, 4), (1, 3), (0, 1, 2, 3, 4)])
        return {"frequency": "weekly", "interval": 1, "weekdays": ",".join(map(str, days))}
    if kind == "biweekly":
        return {"frequency": "weekly", "interval": 2, "weekdays": str(start.weekday())}
    if kind == "monthly-day":
        day = rng.choice([1, 5, 10, 15, 20, 25, 28, -1, 31])  # 31 skips the short months
        return {"frequency": "monthly", "interval": 1, "monthly_mode": "day", "month_day": day}
    if kind == "monthly-weekday":
        return {
            "frequency": "monthly",
            "interval": 1,
            "monthly_mode": "weekday",
            "week_of_month": rng.choice([1, 2, 3, 4, -1]),
            "month_weekday": rng.randrange(5),
        }
    if kind == "quarterly":
        if rng.random() < 0.5:
            return {"frequency": "quarterly", "interval": 1, "monthly_mode": "day", "month_day": rng.choice([1, 10, 15, -1])}
        return {
            "frequency": "quarterly",
            "interval": 1,
            "monthly_mode": "weekday",
            "week_of_month": rng.choice([1, 2, -1]),
            "month_weekday": rng.randrange(5),
        }
    if kind == "every-n-days":
        return {"frequency": "daily", "interval": rng.choice([1, 2, 3, 5, 7, 10, 14])}
    raise ValueError(kind)


def _windows_for(series: Series, rng: random.Random, templates: list[str]) -> list[CadenceWindow]:
    """Seasonal windows in every year of the series' three years; the templates lie in
    different months, so windows never overlap."""
    last = years_after(series.start_date)
    out = []
    for year in range(series.start_date.year, last.year + 1):
        for t in templates:
            if t == "double11":  # 双十一 peak: every other evening
                w = CadenceWindow(kind="peak", name="双十一", start_date=dt.date(year, 11, 1), end_date=dt.date(year, 11, 15),
                                  frequency="daily", interval=2, start_time=dt.time(18, 0), duration_minutes=30)  # fmt: skip
            elif t == "618":  # 618 peak: Mon/Wed/Fri
                w = CadenceWindow(kind="peak", name="618", start_date=dt.date(year, 6, 1), end_date=dt.date(year, 6, 18),
                                  frequency="weekly", interval=1, weekdays="0,2,4", start_time=series.start_time,
                                  duration_minutes=series.duration_minutes)  # fmt: skip
            elif t == "spring":  # Spring Festival calm: every other week
                w = CadenceWindow(kind="calm", name="春节", start_date=dt.date(year, 1, 20), end_date=dt.date(year, 2, 28),
                                  frequency="weekly", interval=2, weekdays="1", start_time=series.start_time,
                                  duration_minutes=series.duration_minutes)  # fmt: skip
            else:  # summer calm: monthly
                w = CadenceWindow(kind="calm", name="暑期", start_date=dt.date(year, 7, 15), end_date=dt.date(year, 8, 31),
                                  frequency="monthly", interval=1, monthly_mode="day", month_day=20,
                                  start_time=series.start_time, duration_minutes=series.duration_minutes)  # fmt: skip
            if w.start_date < series.start_date or w.end_date > last:
                continue
            w.clean()  # the app's own validation (cadence, produces a meeting); no overlap query without series_id
            out.append(w)
    return out


def _roster(rng: random.Random, size: int, pool_dept: list[Person] | None, pool_all: list[Person]) -> list[Person]:
    """`size` distinct people, mostly from the series' own department."""
    chosen: dict[int, Person] = {}
    while len(chosen) < size:
        src = pool_dept if pool_dept and rng.random() < 0.7 else pool_all
        p = rng.choice(src)
        chosen.setdefault(p.pk, p)
    return list(chosen.values())


def generate(scale: Scale, *, seed: int, today: dt.date) -> Dataset:
    rng = random.Random(f"{seed}-{scale.label}")
    with transaction.atomic():
        depts = _departments(scale)
        people, heavy, admin = _people(scale, rng, depts)
        active = [p for p in people[2:] if p.is_active]
        by_dept: dict[int, list[Person]] = {}
        for p in active:
            by_dept.setdefault(p.department_id, []).append(p)
        europe = [d for d in depts if d.name.startswith("欧洲")]
        others = [d for d in depts if not d.name.startswith("欧洲")]

        heavy_idx = [0] + rng.sample(range(1, scale.series), min(scale.heavy_memberships, scale.series) - 1)
        # The heavy person chairs 6 of their series, is optional in 2, a member in the rest.
        heavy_role = {
            i: ("chair" if k < 6 else "optional" if k >= len(heavy_idx) - 2 else "member") for k, i in enumerate(heavy_idx)
        }

        kinds, weights = zip(*CADENCE_MIX)
        series_rows, rosters, window_rows = [], [], []
        cadence_counts: dict[str, int] = {}
        for i in range(scale.series):
            if i == 0:
                # The showcase series: identical at every scale (series page and API under test).
                monday = today - dt.timedelta(days=today.weekday())
                start = monday - dt.timedelta(weeks=52)
                kind, dept, zone = "weekly", depts[0], SHANGHAI
                data = {
                    "title": "运营周例会", "frequency": "weekly", "interval": 1, "weekdays": "0",
                    "start_time": dt.time(9, 30), "duration_minutes": 60, "holiday_policy": "next_workday",
                    "visibility": "roster", "minute_taker_rotates": True, "purpose": "回顾上周运营数据\n确定下周重点",
                    "location": "总部 3 楼 301 会议室", "video_link": "https://meeting.example.com/ops-weekly",
                }  # fmt: skip
                size, templates = 25, ["double11", "618"]
            else:
                kind = rng.choices(kinds, weights)[0]
                berlin = rng.random() < 0.06
                dept = rng.choice(europe if berlin else others)
                zone = BERLIN if berlin else SHANGHAI
                # Starts between 2.5 years and 1 month ago, so "now" lies inside every series' 3 years.
                start = today - dt.timedelta(days=rng.randint(30, 912))
                data = {
                    "title": f"{dept.name}{rng.choice(TOPICS)}",
                    **_cadence(kind, rng, start),
                    "start_time": rng.choice(TIMES),
                    "duration_minutes": rng.choice(DURATIONS),
                    "holiday_policy": rng.choices(["next_workday", "skip", "keep"], [60, 25, 15])[0],
                    "visibility": "organization" if rng.random() < 0.25 else "roster",
                    "minute_taker_rotates": rng.random() < 0.3,
                    "location": f"{dept.name[:2]} {rng.randint(1, 12)} 楼 {rng.randint(1, 20):02d} 会议室",
                    "video_link": "https://meeting.example.com/" + str(i) if rng.random() < 0.5 else "",
                }
                r = rng.random()
                if r < 0.04:
                    data["count"] = rng.choice([12, 24, 50])
                elif r < 0.08:
                    data["end_date"] = start + dt.timedelta(days=rng.randint(180, 700))
                size = max(5, min(25, round(rng.triangular(5, 25, 9))))
                # Peak windows fit any cadence; calm windows only thin out the frequent ones.
                frequent = kind in ("weekly", "weekly-multi", "every-n-days")
                choices = ["double11", "618"] + (["spring", "summer"] if frequent else [])
                templates = rng.sample(choices, rng.choice((1, 2))) if rng.random() < 0.2 else []
            cadence_counts[kind] = cadence_counts.get(kind, 0) + 1
            s = Series(department=dept, time_zone=zone, start_date=start, created_by=admin, **data)
            s.clean()  # the app's rule validation: well-formed cadence that produces meetings
            series_rows.append(s)

            forced = {heavy.pk: heavy_role[i]} if i in heavy_role else {}
            people_on = _roster(rng, size - len(forced), by_dept.get(dept.pk), active)
            people_on = [p for p in people_on if p.pk not in forced]
            entries: list[RosterEntry] = []
            if forced.get(heavy.pk) == "chair":
                entries.append(RosterEntry(heavy, "chair"))
            else:
                entries.append(RosterEntry(people_on.pop(0), "chair"))
                if heavy.pk in forced:
                    entries.append(RosterEntry(heavy, forced[heavy.pk]))
            n_optional = max(0, round(len(people_on) * rng.choice((0, 0.1, 0.2))))
            optional, required = people_on[:n_optional], people_on[n_optional:]
            if s.minute_taker_rotates and len(required) >= 2:
                k = min(len(required), rng.randint(2, 5) if i else 4)
                entries += [RosterEntry(p, "member", n + 1 if n < k else None) for n, p in enumerate(required)]
            else:
                s.minute_taker_rotates = False
                if required:
                    entries.append(RosterEntry(required[0], "minute_taker"))
                entries += [RosterEntry(p, "member") for p in required[1:]]
            entries += [RosterEntry(p, "optional") for p in optional]
            roster_validate(roster=entries, rotates=s.minute_taker_rotates)
            rosters.append(entries)
            window_rows.append(_windows_for(s, rng, templates))

        series = Series.objects.bulk_create(series_rows, batch_size=500)
        memberships, windows = [], []
        for s, entries, ws in zip(series, rosters, window_rows):
            for e in entries:
                position = e.rotation_position if s.minute_taker_rotates else None
                memberships.append(Membership(series=s, person=e.person, role=e.role, rotation_position=position))
            for w in ws:
                w.series = s
                windows.append(w)
        Membership.objects.bulk_create(memberships, batch_size=2000)
        CadenceWindow.objects.bulk_create(windows, batch_size=1000)

        # A few company days off (公司休息日) across the years the series cover.
        days_off = []
        for year in range(today.year - 3, today.year + 4):
            days_off.append(CompanyDayOff(date=dt.date(year, 3, 8), name="公司周年庆"))
            days_off.append(CompanyDayOff(date=dt.date(year, 12, 24), name="年终盘点"))
        CompanyDayOff.objects.bulk_create(days_off)

    return Dataset(
        scale=scale,
        heavy=heavy,
        admin=admin,
        showcase=series[0],
        series=series,
        counts={
            "departments": len(depts),
            "people": len(people),
            "series": len(series),
            "memberships": len(memberships),
            "windows": len(windows),
            "berlin": sum(1 for s in series if s.time_zone == BERLIN),
            "heavy_memberships": len(heavy_idx),
        },
        cadence_counts=cadence_counts,
    )
