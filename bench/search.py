"""Section 7 of the benchmark: the archive search over a million indexed rows.

`run(args)` takes a database of its own (var/bench/search.sqlite3 next to the bench
database, created afresh; with DATABASE_URL the scratch database, flushed once more, as
bench/board.py does) and builds its own organisation — departments,
people, 300 series (a third visible to all staff) with small rosters and a weekly meeting
for two years — then fills the archive index (`SearchEntry`) with synthetic Chinese
meeting text: agenda items, notes, decisions, action items, department reports and a few
minutes, mixing operations words (退货 物流 客服 预算 库存 转化率 直播 双十一 …), digits,
English (Q3, GMV, SKU) and punctuation. The tokens are computed with the app's own
`analyze()` and the rows inserted in bulk (PostgreSQL COPY, else `executemany` in one
transaction) with the full-text index built once afterwards: on SQLite the FTS5 sync
triggers are dropped, the rows inserted, the FTS5 table rebuilt and the triggers created
again with the migration's own statements; on PostgreSQL the two GIN indexes are dropped
and created again, also with the migration's statements.

Two terms have a controlled frequency: 退货 (2 characters, one bigram) in about 5 % of
the rows, and 退货数据 (4 characters, a phrase of three bigrams) in about 0.5 %. As a
non-staff person who sees most of the series, the benchmark times, for each term, the
selector `search()` (first page, 20 hits, newest first), the page /search/?q= and
GET /api/v1/search?q= (median and p95 of in-process server time), next to the same query
as a LIKE scan (`body__contains`), for the first page and for counting all matches,
and prints the ratio LIKE / index. It also counts the SQL queries of one request of each
(they must not depend on the term), checks that the index and LIKE find the same rows and
the same first page, and records the database's plan for the selector's hits query.

Run alone (database var/bench/search/lihui.sqlite3, or the scratch DATABASE_URL with
--scratch-database-url): `.venv/bin/python bench/search.py [--quick] [--search-rows N]`.
Only import this module after `django.setup()` (run.py does), except to run it alone.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import random
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from common import p95, section_database

FULL_ROWS = 1_000_000
QUICK_ROWS = 20_000
ROWS_PER_MEETING = 32  # items, notes, decisions, actions, reports (and now and then minutes)
SERIES, QUICK_SERIES = 300, 30
MIN_REPETITIONS = 30
BATCH = 5_000
SHANGHAI = ZoneInfo("Asia/Shanghai")

TERM_2, TERM_4 = "退货", "退货数据"
SHARE_2, SHARE_4 = 0.05, 0.005  # of all rows; the 4-character rows are part of the 2-character ones

# --- synthetic meeting text ------------------------------------------------------------
# No word below contains 退货, ends in 退 or starts with 货, so 退货 appears only where a
# term phrase puts it (checked after the insert: the generated, index and LIKE counts agree).

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华玉萍红玲芬燕彬辉鑫博文斌宇浩凯健俊帆雪琳晨欣怡婷颖佳"
FUNCTIONS = ["运营部", "客服部", "物流部", "市场部", "财务部", "技术部", "采购部", "人力资源部", "法务部", "产品部"]
REGIONS = ["总部", "华东", "华南", "华北", "西南"]
TOPICS = ["周例会", "经营分析会", "库存盘点会", "投诉复盘会", "预算评审会", "直播复盘会", "供应链例会", "大促作战会"]
CHANNELS = ["天猫旗舰店", "京东自营", "抖音直播间", "拼多多店铺", "小程序商城", "线下门店", "华东仓", "华南仓", "北京仓",
            "成都仓", "客服中心", "会员中心", "海外站点", "视频号"]  # fmt: skip
EVENTS = ["双十一", "618", "双十二", "年货节", "女王节", "开学季", "Q3 大促", "Q4 大促", "直播专场", "店庆", "春节前", "黑五"]
METRICS = ["转化率", "客单价", "复购率", "库存周转天数", "发货时效", "好评率", "投诉率", "GMV", "ROI", "毛利率", "动销率",
           "缺货率", "售罄率", "点击率", "加购率", "DSR 评分", "UV 价值", "履约成本"]  # fmt: skip
NOUNS = ["预算", "库存", "供应商", "尺码", "投诉", "促销", "直播", "物流", "客服", "仓库", "备货", "补货", "包装", "快递",
         "退款", "评价", "会员", "优惠券", "赠品", "主播", "选品", "排期", "报价", "合同", "账期", "对账", "发票", "质检",
         "色差", "断码", "SKU", "工单", "话术", "排班", "招聘", "培训", "系统", "看板", "报表", "运费", "价格带", "新品",
         "爆款", "详情页", "短视频", "达人", "投放", "流量", "ERP", "CRM", "OKR"]  # fmt: skip
VERBS = ["整理", "补齐", "跟进", "确认", "复盘", "排查", "更新", "提交", "优化", "评估", "对齐", "拆解", "核对", "梳理", "推动"]
UPDOWN = ["上升", "下降", "提升", "回落", "持平", "波动"]
PERIODS = ["本周", "上周", "本月", "上月", "Q3", "Q4", "环比", "同比", "近 7 天", "近 30 天", "大促期间"]
ISSUES = ["延迟", "积压", "不足", "偏高", "偏低", "超预算", "不稳定", "口径不一致", "缺少负责人", "需要重新评估"]
ADVICE = ["下周例会前给出方案", "先小范围试点", "按周跟踪", "拉通采购和物流一起看", "补一份 Excel 明细", "在看板上单独列出来",
          "和供应商重新谈价格", "增加两名客服", "调整直播排期", "暂缓执行", "做一次 A/B 测试", "写进下季度 OKR"]  # fmt: skip
PLANS = ["完成主要目标。", "部分区域延迟发货。", "下周补齐库存。", "客户反馈良好。", "新品上架按计划推进。",
         "和仓库确认了盘点时间。", "直播排期已经锁定。", "预算执行率 {pct}%。", "投诉工单 {n} 件，已处理 {m} 件。"]  # fmt: skip
# Phrases that put the terms into the text (the 2-character ones never contain 退货数据).
TERM_2_PHRASES = ["退货率", "退货单", "退货流程", "退货原因", "七天无理由退货", "退货运费险", "退货地址", "退货包裹",
                  "退货审核", "退货时效", "大促退货", "退货"]  # fmt: skip
TERM_4_PHRASES = ["退货数据", "Q3退货数据", "退货数据看板", "退货数据明细", "尺码退货数据"]

KINDS = [("item", 24), ("note", 20), ("decision", 12), ("action", 26), ("report", 16), ("minutes", 2)]


class Text:
    """Seeded sentences of a meeting's text; `phrase`, when given, is worked into it once."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.kinds, self.weights = zip(*KINDS)
        self.cum = [sum(self.weights[: i + 1]) for i in range(len(self.weights))]

    def kind(self) -> str:
        return self.rng.choices(self.kinds, cum_weights=self.cum)[0]

    def name(self) -> str:
        c = self.rng.choice
        return c(SURNAMES) + c(GIVEN) + (c(GIVEN) if self.rng.random() < 0.6 else "")

    def pct(self) -> str:
        return f"{self.rng.uniform(0.5, 99):.1f}"

    def sentence(self) -> str:
        c, r = self.rng.choice, self.rng
        k = r.randrange(9)
        if k == 0:
            return f"{c(CHANNELS)}{c(METRICS)}{c(PERIODS)}{c(UPDOWN)}到 {self.pct()}%，主要是{c(NOUNS)}{c(ISSUES)}。"
        if k == 1:
            return f"{c(EVENTS)}期间{c(CHANNELS)} GMV {r.randint(12, 9800)} 万元，完成目标的 {r.randint(60, 130)}%。"
        if k == 2:
            return f"{self.name()}：{c(CHANNELS)}的{c(NOUNS)}{c(ISSUES)}，建议{c(ADVICE)}。"
        if k == 3:
            return f"{c(NOUNS)}和{c(NOUNS)}的问题{c(PERIODS)}已经{c(VERBS)}，{c(ADVICE)}；"
        if k == 4:
            return f"SKU {r.randint(100, 99999)} {c(NOUNS)}{c(ISSUES)}（{c(CHANNELS)}），{r.randint(1, 12)} 月 {r.randint(1, 28)} 日前{c(VERBS)}。"
        if k == 5:
            return f"{c(PERIODS)}{c(METRICS)} {self.pct()}%，目标 {self.pct()}%，差距主要在{c(NOUNS)}。"
        if k == 6:
            return f"「{c(EVENTS)}」{c(NOUNS)}方案：{c(VERBS)}{c(NOUNS)}、{c(VERBS)}{c(NOUNS)}，{c(ADVICE)}！"
        if k == 7:
            return f"{c(CHANNELS)}{c(NOUNS)}投诉 {r.randint(1, 300)} 件，{c(NOUNS)}相关占 {r.randint(5, 70)}%。"
        return f"{c(VERBS)}{c(CHANNELS)}{c(NOUNS)}，{self.name()}负责，KPI 按{c(PERIODS)}看。"

    def term_sentence(self, phrase: str) -> str:
        c = self.rng.choice
        k = self.rng.randrange(4)
        if k == 0:
            return f"{c(CHANNELS)}的{phrase}{c(PERIODS)}有变化，需要{c(VERBS)}。"
        if k == 1:
            return f"关于{phrase}：{self.name()}{c(VERBS)}后在下次例会汇报。"
        if k == 2:
            return f"{c(VERBS)}{c(CHANNELS)}{phrase}，{self.rng.randint(1, 12)} 月底前完成。"
        return f"{c(EVENTS)}{phrase}{c(ISSUES)}，{c(ADVICE)}。"

    def _with(self, sentences: list[str], phrase: str | None) -> list[str]:
        if phrase:
            sentences.insert(self.rng.randrange(len(sentences) + 1), self.term_sentence(phrase))
        return sentences

    def row(self, kind: str, phrase: str | None) -> tuple[str, str]:
        """(title, body) of one index row of this kind."""
        c, r = self.rng.choice, self.rng
        if kind == "item":
            title = f"{c(EVENTS)}{c(NOUNS)}{c(['方案', '复盘', '进展', '评估', '问题'])}"
            if phrase and r.random() < 0.5:
                title = f"{phrase}{c(['分析', '复盘', '问题', '方案'])}"
                return title, f"{title}\n{self.sentence()}"
            return title, "\n".join([title] + self._with([self.sentence() for _ in range(r.randint(0, 2))], phrase))
        if kind == "note":
            return f"{c(EVENTS)}{c(NOUNS)}{c(['复盘', '讨论', '同步'])}", "".join(self._with([self.sentence() for _ in range(r.randint(2, 6))], phrase))
        if kind == "decision":
            text = f"决定：{c(EVENTS)}{c(NOUNS)}方案由{c(FUNCTIONS)}牵头，{r.randint(1, 12)} 月 {r.randint(1, 28)} 日前完成。"
            if phrase:
                text = f"决定：{phrase}由{c(FUNCTIONS)}{c(VERBS)}，{c(ADVICE)}。"
            return text[:300], text
        if kind == "action":
            what = phrase if phrase and r.random() < 0.7 else c(NOUNS)
            # (no 数据 after a phrase: 退货 + 数据 would make the 4-character term by accident)
            title = f"{c(VERBS)}{c(CHANNELS)}{what}{c(['明细', '方案', '清单', ''] if phrase else ['明细', '方案', '数据', '清单', ''])}"
            if phrase and phrase not in title:
                title = f"{c(VERBS)}{phrase}"
            updates = [self.sentence() for _ in range(r.randint(0, 2))]
            return title, "\n".join([title, self.name(), *updates])
        if kind == "report":
            dept = c(REGIONS) + c(FUNCTIONS)
            parts = [
                "进展：" + c(PLANS).format(pct=r.randint(40, 110), n=r.randint(5, 90), m=r.randint(1, 5)) + self.sentence(),
                "问题：" + self.sentence(),
                "计划：" + self.sentence(),
                "反馈：" + c(PLANS).format(pct=r.randint(40, 110), n=r.randint(5, 90), m=r.randint(1, 5)),
            ]
            if phrase:
                k = r.randrange(4)
                parts[k] += self.term_sentence(phrase)
            return f"{dept} · 部门汇报", "\n".join(parts)
        # minutes: a few paragraphs
        paragraphs = [f"{k + 1}. " + "".join(self.sentence() for _ in range(r.randint(2, 5))) for k in range(r.randint(3, 7))]
        if phrase:
            k = r.randrange(len(paragraphs))
            paragraphs[k] += self.term_sentence(phrase)
        return "会议纪要", "\n".join(paragraphs)


# --- the organisation --------------------------------------------------------------------


@dataclass
class SearchData:
    searcher: object  # non-staff: on some rosters, sees the org-visible series too
    admin: object
    rows: int
    series: int
    meetings: int
    visible_series: int
    generated: dict[str, int]  # rows the generator put each term into
    by_kind: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    size_mib: float | None = None
    chars: int = 0


def _organisation(rng: random.Random, n_series: int, per_series: int, today: dt.date):
    """Departments, people, series (a third visible to all staff; the searcher on the roster
    of three quarters of the others) and a weekly held meeting per series, with bulk_create."""
    from django.contrib.auth.hashers import make_password

    from lihui.meetings.models import Meeting
    from lihui.people.models import Department, Person, sort_key_for
    from lihui.regime.models import Membership, Series

    names = [r + f for r in REGIONS for f in FUNCTIONS]
    depts = Department.objects.bulk_create([Department(name=n, sort_key=sort_key_for(n)) for n in names])
    unusable = make_password(None)
    rows = [
        Person(username="search_user", name="周云", department=depts[0], time_zone="Asia/Shanghai"),
        Person(username="search_admin", name="系统管理员", is_staff=True, is_superuser=True, time_zone="Asia/Shanghai"),
    ]
    for i in range(120):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        rows.append(Person(username=f"s{i:04d}", name=name, department=depts[i % len(depts)], time_zone="Asia/Shanghai"))
    for p in rows:
        p.password = unusable
        p.sort_key = sort_key_for(p.name)
    people = Person.objects.bulk_create(rows)
    searcher, admin, others = people[0], people[1], people[2:]

    start = today - dt.timedelta(weeks=per_series)
    series = Series.objects.bulk_create(
        [
            Series(
                title=f"{depts[i % len(depts)].name}{TOPICS[i % len(TOPICS)]} {i + 1}",
                department=depts[i % len(depts)], frequency="weekly", interval=1, weekdays=str(i % 5),
                start_time=dt.time(9, 30), duration_minutes=60, time_zone="Asia/Shanghai", start_date=start,
                visibility="organization" if i % 3 == 0 else "roster", created_by=admin,
            )  # fmt: skip
            for i in range(n_series)
        ],
        batch_size=500,
    )
    private = [i for i in range(n_series) if i % 3]
    on_roster = set(rng.sample(private, round(len(private) * 0.75)))
    memberships = []
    for i, s in enumerate(series):
        members = rng.sample(others, 6)
        if i in on_roster:
            members[-1] = searcher
        memberships += [
            Membership(series=s, person=p, role="chair" if k == 0 else "minute_taker" if k == 1 else "member")
            for k, p in enumerate(members)
        ]
    Membership.objects.bulk_create(memberships, batch_size=2000)
    meetings = []
    for i, s in enumerate(series):
        first = dt.datetime.combine(start + dt.timedelta(days=i % 7), dt.time(9, 30), tzinfo=SHANGHAI)
        for k in range(per_series):
            at = first + dt.timedelta(weeks=k)
            meetings.append(Meeting(series=s, number=k + 1, status=Meeting.Status.HELD, rule_start=at, start=at, duration_minutes=60))
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    meetings.sort(key=lambda m: (m.start, m.pk))  # rows are inserted oldest meeting first, like an archive grows
    return searcher, admin, series, meetings, len(on_roster) + (n_series - len(private))


def _rows(rng: random.Random, n: int, meetings, counts: dict[str, int], by_kind: dict[str, int], chars: list[int], date_value):
    """Batches of row tuples (kind, object_id, part, series_id, meeting_id, date, title, body, bi, uni)."""
    from lihui.search.tokens import analyze

    text = Text(rng)
    object_ids: dict[str, int] = {}
    batch = []
    m_count = len(meetings)
    for i in range(n):
        m = meetings[i * m_count // n]
        kind = text.kind()
        phrase = None
        r = rng.random()
        if r < SHARE_4:
            phrase = rng.choice(TERM_4_PHRASES)
            counts[TERM_4] += 1
            counts[TERM_2] += 1
        elif r < SHARE_2:
            phrase = rng.choice(TERM_2_PHRASES)
            counts[TERM_2] += 1
        title, body = text.row(kind, phrase)
        bi, uni = analyze(body)
        object_ids[kind] = object_ids.get(kind, 0) + 1
        by_kind[kind] = by_kind.get(kind, 0) + 1
        chars[0] += len(body)
        batch.append((kind, object_ids[kind], 0, m.series_id, m.pk, date_value(m), title[:300], body, bi, uni))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _migration():
    """SQLite's statements from 0001; PostgreSQL's index statements from 0002 (stored vectors)."""
    import importlib
    from types import SimpleNamespace

    first = importlib.import_module("lihui.search.migrations.0001_archive")
    pg = importlib.import_module("lihui.search.migrations.0002_stored_vectors")
    return SimpleNamespace(SQLITE=first.SQLITE, SQLITE_UNDO=first.SQLITE_UNDO, POSTGRESQL=pg.POSTGRESQL, POSTGRESQL_UNDO=pg.POSTGRESQL_UNDO)


COLUMNS = ("kind", "object_id", "part", "series_id", "meeting_id", "date", "title", "body", "bi", "uni")


def _insert(batches, n: int) -> dict[str, float]:
    """Rows in bulk with the full-text index built once at the end, with the migration's
    statements: SQLite drops the FTS5 sync triggers, inserts, rebuilds the FTS5 table and
    creates the triggers again; PostgreSQL drops the GIN indexes, COPYs, creates them again."""
    from django.db import connection, transaction

    from lihui.search.models import SearchEntry

    mig = _migration()
    pg = connection.vendor == "postgresql"
    table = connection.ops.quote_name(SearchEntry._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    seconds = {"generate": 0.0, "insert": 0.0, "index": 0.0}
    t_all = time.perf_counter()

    def timed_batches():
        """The batches, the time spent making them (text + analyze) kept apart."""
        done, it = 0, iter(batches)
        while True:
            t = time.perf_counter()
            batch = next(it, None)
            seconds["generate"] += time.perf_counter() - t
            if batch is None:
                return
            yield batch
            before, done = done, done + len(batch)
            if done // 100_000 != before // 100_000:
                print(f"[search]   {done:,} of {n:,} rows ({time.perf_counter() - t_all:.0f} s)", flush=True)

    with transaction.atomic(), connection.cursor() as cursor:
        t = time.perf_counter()
        if pg:
            for sql in mig.POSTGRESQL_UNDO:
                cursor.execute(sql)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for batch in timed_batches():
                    for row in batch:
                        copy.write_row(row)
        else:
            for sql in mig.SQLITE_UNDO[:3]:  # the three triggers; the FTS5 table stays
                cursor.execute(sql)
            insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
            for batch in timed_batches():
                cursor.executemany(insert, batch)
        seconds["insert"] = time.perf_counter() - t - seconds["generate"]
        t = time.perf_counter()
        if pg:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the deferred foreign keys now: CREATE INDEX wants none pending
            seconds["insert"] += time.perf_counter() - t
            t = time.perf_counter()
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")  # this transaction only
            for sql in mig.POSTGRESQL:
                cursor.execute(sql)
        else:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
            for sql in mig.SQLITE[1:]:  # the triggers, exactly as the migration creates them
                cursor.execute(sql)
        seconds["index"] = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cursor:
        # What a production database has after routine maintenance (autovacuum / ANALYZE).
        cursor.execute("ANALYZE")
    seconds["analyze"] = time.perf_counter() - t
    return seconds


def _size_mib() -> float | None:
    """The search table with its indexes (and the FTS5 tables on SQLite), if the database says."""
    from django.db import connection

    with connection.cursor() as cursor:
        try:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_total_relation_size('search_searchentry')")
            else:  # needs SQLite's dbstat table (most builds have it)
                cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search%'")
            size = cursor.fetchone()[0]
        except Exception:
            return None
    return size / 2**20 if size else None


def generate(*, rows: int, seed: int, today: dt.date, quick: bool) -> SearchData:
    from django.db import connection

    rng = random.Random(f"{seed}-search")
    n_series = QUICK_SERIES if quick else SERIES
    per_series = max(4, math.ceil(rows / n_series / ROWS_PER_MEETING))
    t = time.perf_counter()
    searcher, admin, series, meetings, visible = _organisation(rng, n_series, per_series, today)
    setup = time.perf_counter() - t

    from lihui.search.models import SearchEntry

    date_field = SearchEntry._meta.get_field("date")
    prepared: dict[int, object] = {}

    def date_value(m):
        v = prepared.get(m.pk)
        if v is None:
            v = prepared[m.pk] = m.start if connection.vendor == "postgresql" else date_field.get_db_prep_save(m.start, connection)
        return v

    counts = {TERM_2: 0, TERM_4: 0}
    by_kind: dict[str, int] = {}
    chars = [0]
    seconds = _insert(_rows(rng, rows, meetings, counts, by_kind, chars, date_value), rows)
    seconds["organisation"] = setup
    return SearchData(
        searcher=searcher, admin=admin, rows=SearchEntry.objects.count(), series=len(series), meetings=len(meetings),
        visible_series=visible, generated=counts, by_kind=by_kind, seconds=seconds, size_mib=_size_mib(), chars=chars[0],
    )  # fmt: skip


# --- the measurements ----------------------------------------------------------------------


def _time(send, check, repetitions: int) -> dict:
    """Two warm-up calls, one with its SQL captured, then `repetitions` timed ones."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        check(send())
    with CaptureQueriesContext(connection) as ctx:
        r = send()
    check(r)
    sql = [q["sql"] for q in ctx.captured_queries]
    gc.collect()
    times = []
    for _ in range(repetitions):
        t = time.perf_counter()
        r = send()
        times.append(time.perf_counter() - t)
    check(r)
    return {"n": len(times), "median_ms": statistics.median(times) * 1000, "p95_ms": p95(times) * 1000, "queries": len(sql),
            "sql": sql}  # fmt: skip


def _plan(sql: str) -> str:
    """The database's plan for one captured statement (parameters inlined), on one line."""
    import re

    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN " + sql)
            lines = [row[0] for row in cursor.fetchall()]
            nodes = [re.sub(r"\s+\(cost=.*", "", ln).strip().lstrip("-> ").strip() for ln in lines if "cost=" in ln]
            return " > ".join(nodes)
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "; ".join(row[-1] for row in cursor.fetchall())


def measure(data: SearchData, *, repetitions: int) -> dict:
    from django.test import Client

    from lihui.people.services import api_token_create
    from lihui.regime.selectors import series_visible_to
    from lihui.search.models import SearchEntry
    from lihui.search.selectors import entries_matching, search
    from lihui.search.tokens import parse_query

    who = data.searcher
    page_client = Client()
    page_client.force_login(who)
    api_client = Client()
    _token, secret = api_token_create(person=who, name="bench")
    headers = {"Authorization": f"Bearer {secret}"}
    visible_rows = SearchEntry.objects.filter(series__in=series_visible_to(person=who)).count()

    def like(term):
        return SearchEntry.objects.filter(body__contains=term, series__in=series_visible_to(person=who))

    def index(term):
        return entries_matching(parse_query(term), SearchEntry.objects.filter(series__in=series_visible_to(person=who)))

    def first_page(qs):
        return list(qs.select_related("series", "meeting").order_by("-date", "-id")[:21])

    out = {"visible_rows": visible_rows, "terms": {}}
    for term in (TERM_2, TERM_4):
        print(f"[search] {term}: search(), page, API, then index vs LIKE …", flush=True)
        r: dict = {}
        hits = search(person=who, query=term)[0]
        like_page = first_page(like(term))
        r["same_first_page"] = [h.entry.pk for h in hits] == [e.pk for e in like_page[:20]]
        r["hits"] = len(hits)

        def ok_selector(result):
            assert len(result[0]) == r["hits"], (term, len(result[0]))

        def ok_page(resp):
            assert resp.status_code == 200, (term, resp.status_code, resp.content[:300])
            assert resp.content.count(b'data-testid="hit"') == r["hits"], term

        def ok_api(resp):
            assert resp.status_code == 200, (term, resp.status_code, resp.content[:300])
            assert len(resp.json()["hits"]) == r["hits"], term

        def ok_rows(rows):
            assert len(rows) == len(like_page), (term, len(rows))

        def ok_count(c):
            assert c >= 0

        page_url = "/search/?" + urlencode({"q": term})
        api_url = "/api/v1/search?" + urlencode({"q": term})
        r["selector"] = _time(lambda: search(person=who, query=term), ok_selector, repetitions)
        r["page"] = _time(lambda: page_client.get(page_url), ok_page, repetitions)
        r["api"] = _time(lambda: api_client.get(api_url, headers=headers), ok_api, repetitions)
        r["plain_first"] = _time(lambda: first_page(index(term)), ok_rows, MIN_REPETITIONS)
        r["index_count"] = _time(lambda: index(term).count(), ok_count, MIN_REPETITIONS)
        r["like_first"] = _time(lambda: first_page(like(term)), ok_rows, MIN_REPETITIONS)
        r["like_count"] = _time(lambda: like(term).count(), ok_count, MIN_REPETITIONS)
        r["matches_index"] = index(term).count()
        r["matches_like"] = like(term).count()
        r["matches_all"] = entries_matching(parse_query(term)).count()
        r["plan"] = _plan(r["selector"]["sql"][-1])  # the hits query of search()
        r["plain_plan"] = _plan(r["plain_first"]["sql"][-1])
        out["terms"][term] = r
    return out


def run(args, *, own_database: bool = True) -> dict:
    """Its own database, the organisation and the archive index, then the timed searches."""
    from django.db import connection
    from django.utils import timezone

    n = QUICK_ROWS if args.quick else FULL_ROWS
    if getattr(args, "search_rows", None):
        n = args.search_rows
    where = section_database("search.sqlite3") if own_database else str(connection.settings_dict["NAME"])
    print(f"[search] database: {where}", flush=True)
    today = timezone.now().astimezone(SHANGHAI).date()
    print(f"[search] generating {n:,} archive rows …", flush=True)
    data = generate(rows=n, seed=args.seed, today=today, quick=args.quick)
    s = data.seconds
    print(f"[search] text + analyze() {s['generate']:.1f} s, insert {s['insert']:.1f} s, full-text index {s['index']:.1f} s,"
          f" ANALYZE {s['analyze']:.1f} s; timing the searches …", flush=True)  # fmt: skip
    repetitions = max(MIN_REPETITIONS, args.requests or 0)
    return {"data": data, "database": where, "repetitions": repetitions, **measure(data, repetitions=repetitions)}


def run_section(args) -> dict:
    """Section 7 for run.py: a failure is reported in the section, not raised."""
    import traceback

    try:
        return run(args)
    except Exception as exc:
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}


def report(result: dict, args, table) -> list[str]:
    """Section 7 of the report, in the style of the others."""
    from django.db import connection

    out: list[str] = []
    add = out.append
    add("7. Archive search (search(), /search/?q=, GET /api/v1/search?q=) through the full-text index, vs a LIKE scan")
    if "error" in result:
        add(f"  FAILED: {result['error']}")
        return out
    data: SearchData = result["data"]
    s = data.seconds
    kinds = ", ".join(f"{k} {data.by_kind.get(k, 0):,}" for k, _w in KINDS)
    if connection.vendor == "postgresql":
        how = "GIN indexes dropped, COPY, CREATE INDEX ×2"
    else:
        how = "FTS5 triggers dropped, executemany, FTS5 'rebuild', triggers again"
    size = f"; search table and indexes {data.size_mib:,.0f} MiB" if data.size_mib else ""
    add(f"  {data.rows:,} index rows ({kinds}; {data.chars / max(data.rows, 1):.0f} characters on average) in"
        f" {data.series} series × {data.meetings // max(data.series, 1)} weekly meetings ({data.meetings:,}){size};"
        f" database: {result['database']}")  # fmt: skip
    add(f"  generated in {s['generate']:.1f} s (text + analyze()), inserted in {s['insert']:.1f} s"
        f" ({data.rows / max(s['insert'], 1e-9):,.0f} rows/s), full-text index built in {s['index']:.1f} s ({how}),"
        f" ANALYZE {s['analyze']:.1f} s; organisation {s['organisation']:.1f} s")  # fmt: skip
    add(f"  searcher: non-staff, sees {data.visible_series} of the {data.series} series (a third are visible to all staff;"
        f" on the roster of three quarters of the others) = {result['visible_rows']:,} rows")  # fmt: skip
    add("")
    rows = []
    for term, r in result["terms"].items():
        share = f"{100 * r['matches_all'] / max(data.rows, 1):.2f} %"
        rows.append([term, f"{data.generated[term]:,}", f"{r['matches_all']:,}", share, f"{r['matches_index']:,}",
                     f"{r['matches_like']:,}", "yes" if r["matches_index"] == r["matches_like"] else "NO",
                     "yes" if r["same_first_page"] else "NO"])  # fmt: skip
    add(table(["term", "rows generated with it", "index: all rows", "share", "index: visible", "LIKE: visible",
               "index = LIKE", "search() first page = LIKE's"], rows, "lrrrrrll"))  # fmt: skip
    add("")
    rows = []
    for term, r in result["terms"].items():
        for label, key in (("search() selector, first page (20 hits)", "selector"), ("page /search/?q=", "page"),
                           ("API GET /api/v1/search?q=", "api")):  # fmt: skip
            m = r[key]
            rows.append([label, term, m["n"], f"{m['median_ms']:.1f}", f"{m['p95_ms']:.1f}", m["queries"]])
    add(table(["request", "term", "n", "median ms", "p95 ms", "queries"], rows, "llrrrr"))
    add(f"  ({result['repetitions']} timed calls each after 2 warm-ups; the page and the API run search_refresh(limit=20)"
        " first, which finds nothing to index)")  # fmt: skip
    add("")
    add(f"  Index vs LIKE (body__contains) over the same rows (series the searcher sees), newest first; {MIN_REPETITIONS} timed calls each:")
    rows = []
    for term, r in result["terms"].items():
        cases = (("first page: search() / LIKE [:21]", "selector", "like_first"),
                 ("first page: plain FTS query [:21] / LIKE", "plain_first", "like_first"),
                 ("count all matches", "index_count", "like_count"))  # fmt: skip
        for label, a, b in cases:
            i, k = r[a], r[b]
            rows.append([label, term, f"{i['median_ms']:.1f}", f"{i['p95_ms']:.1f}", f"{k['median_ms']:.1f}", f"{k['p95_ms']:.1f}",
                         f"{k['median_ms'] / i['median_ms']:.1f}×", f"{k['p95_ms'] / i['p95_ms']:.1f}×"])  # fmt: skip
    add(table(["query", "term", "index median ms", "p95 ms", "LIKE median ms", "p95 ms", "LIKE/index median", "p95"], rows,
              "llrrrrrr"))  # fmt: skip
    add("  (plain FTS query = entries_matching(terms, visible rows).select_related(…).order_by('-date', '-id')[:21]: "
        + ("what search() runs on PostgreSQL" if connection.vendor == "postgresql" else
           "what search() ran before it chose the plan on SQLite") + "; search() also builds the 20 snippets)")  # fmt: skip
    add("")
    add("  SQL queries per request (CaptureQueriesContext), 2- vs 4-character term")
    rows = []
    t2, t4 = result["terms"][TERM_2], result["terms"][TERM_4]
    for label, key in (("search() selector", "selector"), ("page /search/?q=", "page"), ("API GET /api/v1/search?q=", "api")):
        a, b = t2[key]["queries"], t4[key]["queries"]
        rows.append([label, a, b, "equal" if a == b else "DIFFERENT"])
    add(table(["request", TERM_2, TERM_4, ""], rows, "lrrl"))
    for term, r in result["terms"].items():
        add(f"  plan of search()'s hits query for {term}: {r['plan']}")
    for term, r in result["terms"].items():
        add(f"  plan of the plain FTS query for {term}: {r['plain_plan']}")
    return out


def problems(result: dict) -> list[str]:
    """What run.py reports on stderr: counts that disagree, query counts that differ (a
    failure is reported by the exit status instead)."""
    if "error" in result:
        return []
    out = []
    for term, r in result["terms"].items():
        if r["matches_index"] != r["matches_like"]:
            out.append(f"{term}: the index finds {r['matches_index']:,} rows, LIKE {r['matches_like']:,}")
        if not r["same_first_page"]:
            out.append(f"{term}: the first page differs between search() and LIKE")
    t2, t4 = result["terms"][TERM_2], result["terms"][TERM_4]
    for key in ("selector", "page", "api"):
        if t2[key]["queries"] != t4[key]["queries"]:
            out.append(f"{key}: {t2[key]['queries']} queries for {TERM_2}, {t4[key]['queries']} for {TERM_4}")
    return out


# --- run alone ----------------------------------------------------------------------------


def main() -> None:
    """This section only, in its own database (var/bench/search/, or DATABASE_URL with
    --scratch-database-url), so it can run while the full benchmark uses var/bench/."""
    import argparse
    import sys
    from pathlib import Path

    bench = Path(__file__).resolve().parent
    sys.path.insert(0, str(bench))
    import run as bench_run

    ap = argparse.ArgumentParser(description="Lihui benchmark, section 7 only (archive search)")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows instead of {FULL_ROWS:,}")
    ap.add_argument("--search-rows", type=int, default=None, help="index rows (overrides --quick's size)")
    ap.add_argument("--requests", type=int, default=None, help=f"timed repetitions (at least {MIN_REPETITIONS})")
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--scratch-database-url", action="store_true", help="allow flushing the database DATABASE_URL points at")
    args = ap.parse_args()
    bench_run.VAR_DIR = bench_run.VAR_DIR / "search"
    bench_run.MEDIA_DIR = bench_run.VAR_DIR / "media"
    t0 = time.perf_counter()
    label = bench_run.setup_django(args)
    from django.core.management import call_command

    print(f"Database: {label}; migrating …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    import os
    import platform

    import django
    from django.db import connection

    result = run(args, own_database=connection.vendor != "sqlite")  # the SQLite file is new; a scratch database is flushed
    version = connection.Database.sqlite_version if connection.vendor == "sqlite" else connection.pg_version
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    print()
    print(f"Lihui benchmark, section 7 only — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC{' (--quick)' if args.quick else ''}")
    print(f"{label} ({connection.vendor} {version}) · Python {platform.python_version()} · Django {django.get_version()}"
          f" · {os.cpu_count()} CPUs · seed {args.seed} · total run {time.perf_counter() - t0:.0f} s"
          f" · load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")  # fmt: skip
    print()
    print("\n".join(report(result, args, bench_run.table)))
    bad = problems(result)
    if bad:
        sys.exit("\n".join(["", "Search benchmark problems:"] + [f"  {b}" for b in bad]))


if __name__ == "__main__":
    main()
