"""The action board: 「我的行动项」, the board of everything one may see, one series' board,
their filters, sorts, counts and pages, the .xlsx export, and what happens with bad input.

Time is frozen on Monday 30 Nov 2026, 10:00 Shanghai. The cast's series meet on Mondays at
09:30 since 2 Nov; `make_board` records actions in their meetings with fixed owners,
departments, due dates, priorities, statuses and creation times."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from lihui.actions import services
from lihui.actions.exports import actions_xlsx
from lihui.actions.models import ActionItem
from lihui.actions.selectors import SORTS, action_counts, action_list, person_today
from lihui.meetings.models import Meeting
from lihui.people.models import Department, Person
from lihui.testing.factories import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
DAY = NOW.date()
S = ActionItem.Status
PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}
STATUS_RANK = {s: i for i, s in enumerate(S.values)}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INJECTIONS = ["=1+1", "+SUM(A1)", "-2", "@cmd", '=HYPERLINK("http://evil.example/","点我")', "=cmd|' /C calc'!A0"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- the board's data ----------------------------------------------------------------------------------


@dataclass
class Board:
    cast: object
    actions: dict[str, ActionItem]
    east: Department  # the member's and the outsider's department
    service: Department  # the chair's and the minute-taker's

    def titles(self, *keys: str) -> list[str]:
        return [self.actions[k].title for k in keys]

    def all(self) -> list[ActionItem]:
        return list(ActionItem.objects.select_related("owner", "series").order_by("pk"))


def meeting_on(series, day: dt.date) -> Meeting:
    return series.meetings.select_related("series").get(start=dt.datetime.combine(day, dt.time(9, 30), tzinfo=SH))


# key: title, series ("private" / "open"), meeting day, owner, due (days from today), priority, status,
# creation (days before now; two share a time, so the id decides).
SPECS = [
    ("late", "逾期的事", "private", 9, "presenter", -3, "high", "open", 21),
    ("mine", "我的事", "private", 30, "presenter", 2, "normal", "open", 0.02),
    ("working", "在做的事", "private", 30, "presenter", 4, "low", "in_progress", 0.02),
    ("finished", "做完的事", "private", 23, "presenter", -2, "normal", "done", 7),
    ("chairs", "主持人的事", "private", 30, "chair", 2, "high", "blocked", 0.01),
    ("org", "全员例会的事", "open", 23, "chair", -1, "normal", "open", 7.5),
    ("org_done", "全员做完", "open", 23, "chair", 2, "low", "done", 6),
    ("outsiders", "路人甲的事", "private", 30, "outsider", 7, "normal", "open", 0.03),
    ("secret", "机密的事", "private", 23, "minute_taker", 4, "high", "open", 6.5),
    ("dropped", "取消的事", "private", 23, "minute_taker", -5, "low", "cancelled", 6.8),
    ("today", "今天到期", "private", 30, "presenter", 0, "normal", "open", 0.04),
]


def make_board(cast) -> Board:
    east = Department.objects.create(name="华东销售部")
    service = Department.objects.create(name="客服部")
    Person.objects.filter(pk__in=[cast.presenter.pk, cast.outsider.pk]).update(department=east)
    Person.objects.filter(pk__in=[cast.chair.pk, cast.minute_taker.pk]).update(department=service)
    people = {k: Person.objects.get(pk=p.pk) for k, p in cast.all().items()}
    made = {}
    for key, title, target, day, owner, due, priority, status, age in SPECS:
        series = cast.series if target == "private" else cast.open_series
        meeting = meeting_on(series, dt.date(2026, 11, day))
        action = services.action_create(
            actor=cast.chair, meeting=meeting, title=title, owner=people[owner], due=DAY + dt.timedelta(days=due), priority=priority
        )
        closed = NOW - dt.timedelta(hours=1) if status in (S.DONE, S.CANCELLED) else None
        ActionItem.objects.filter(pk=action.pk).update(status=status, closed_at=closed, created=NOW - dt.timedelta(days=age))
        made[key] = ActionItem.objects.select_related("owner", "series").get(pk=action.pk)
    return Board(cast, made, east, service)


@pytest.fixture
def board(cast) -> Board:
    return make_board(cast)


@pytest.fixture(autouse=True)
def _english(cast):
    """Everyone reads English, so the pages' words can be checked."""
    Person.objects.update(language="en")


def client_for(person: Person, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(person)
    return client


def listed(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [a.title for a in response.context["actions"]]


def order(actions: list[ActionItem], sort: str) -> list[str]:
    """The titles in the order a sort promises, computed here independently of the SQL."""
    keys = {
        "due": lambda a: (a.due, a.pk),
        "-due": lambda a: (-a.due.toordinal(), -a.pk),
        "priority": lambda a: (PRIORITY_RANK[a.priority], a.due, a.pk),
        "owner": lambda a: (a.owner.sort_key, a.owner_id, a.due, a.pk),
        "series": lambda a: (a.series.title, a.series_id, a.due, a.pk),
        "status": lambda a: (STATUS_RANK[a.status], a.due, a.pk),
        "-created": lambda a: (-a.created.timestamp(), -a.pk),
    }
    return [a.title for a in sorted(actions, key=keys[sort])]


def titles(qs) -> list[str]:
    return [a.title for a in qs]


# --- the selector: filters -------------------------------------------------------------------------------


def test_status_filter(cast, board):
    admin = cast.admin
    assert set(titles(action_list(person=admin))) == set(board.titles("late", "mine", "working", "chairs", "org", "outsiders", "secret", "today"))
    assert set(titles(action_list(person=admin, status="unclosed"))) == set(titles(action_list(person=admin)))
    assert set(titles(action_list(person=admin, status="open"))) == set(board.titles("late", "mine", "org", "outsiders", "secret", "today"))
    assert titles(action_list(person=admin, status="in_progress")) == ["在做的事"]
    assert titles(action_list(person=admin, status="blocked")) == ["主持人的事"]
    assert set(titles(action_list(person=admin, status="done"))) == {"做完的事", "全员做完"}
    assert titles(action_list(person=admin, status="cancelled")) == ["取消的事"]
    assert len(action_list(person=admin, status="any")) == len(SPECS)
    assert len(action_list(person=admin, status=None)) == len(SPECS)
    with pytest.raises(ValueError):
        action_list(person=admin, status="bogus")


def test_owner_department_and_series_filters(cast, board):
    admin = cast.admin
    assert set(titles(action_list(person=admin, owner=cast.presenter, status="any"))) == set(
        board.titles("late", "mine", "working", "finished", "today")
    )
    assert set(titles(action_list(person=admin, owner=cast.chair.pk))) == set(board.titles("chairs", "org"))
    # the owner's department: the member's and the outsider's actions
    assert set(titles(action_list(person=admin, department=board.east.pk, status="any"))) == set(
        board.titles("late", "mine", "working", "finished", "today", "outsiders")
    )
    assert set(titles(action_list(person=admin, department=board.service))) == set(board.titles("chairs", "org", "secret"))
    assert set(titles(action_list(person=admin, series=cast.open_series.pk, status="any"))) == {"全员例会的事", "全员做完"}
    # combined
    assert titles(action_list(person=admin, department=board.service.pk, series=cast.series.pk, status="blocked")) == ["主持人的事"]
    assert titles(action_list(person=admin, owner=10**9)) == []


def test_due_range_is_inclusive(cast, board):
    admin = cast.admin
    got = titles(action_list(person=admin, status="any", due_from=DAY - dt.timedelta(days=2), due_to=DAY + dt.timedelta(days=2)))
    assert set(got) == set(board.titles("finished", "org", "today", "mine", "chairs", "org_done"))
    assert set(titles(action_list(person=admin, status="any", due_from=DAY + dt.timedelta(days=4)))) == set(
        board.titles("working", "secret", "outsiders")
    )
    assert set(titles(action_list(person=admin, status="any", due_to=DAY - dt.timedelta(days=3)))) == set(board.titles("late", "dropped"))


def test_overdue_is_open_and_due_before_today(cast, board):
    admin = cast.admin
    # 做完的事 and 取消的事 are past due but closed; 今天到期 is due today, not yet overdue.
    assert titles(action_list(person=admin, overdue=True)) == ["逾期的事", "全员例会的事"]
    assert titles(action_list(person=admin, overdue=True, status="any")) == ["逾期的事", "全员例会的事"]
    assert titles(action_list(person=admin, overdue=True, status="done")) == []
    assert titles(action_list(person=admin, overdue=True, department=board.east.pk)) == ["逾期的事"]
    # another day's view
    assert titles(action_list(person=admin, overdue=True, today=DAY + dt.timedelta(days=3))) == [
        "逾期的事", "全员例会的事", "今天到期", "我的事", "主持人的事"
    ]  # fmt: skip


def test_overdue_is_judged_in_the_viewers_time_zone(cast, board, frozen):
    """At 02:00 in Shanghai it is still yesterday evening in Berlin: 今天到期 (due 30 Nov)…"""
    frozen.move_to(dt.datetime(2026, 12, 1, 2, 0, tzinfo=SH))
    shanghai = cast.admin
    berlin = PersonFactory(username="berlin", name="Anna", time_zone="Europe/Berlin", is_staff=True, is_superuser=True)
    assert person_today(person=shanghai) == dt.date(2026, 12, 1)
    assert person_today(person=berlin) == dt.date(2026, 11, 30)
    assert "今天到期" in titles(action_list(person=shanghai, overdue=True))
    assert "今天到期" not in titles(action_list(person=berlin, overdue=True))
    # the page marks and counts the same way
    berlin_page = client_for(berlin).get("/actions/?all=1&overdue=1")
    assert "今天到期" not in listed(berlin_page)
    assert berlin_page.context["counts"] == {"total": 2, "overdue": 2}
    assert "今天到期" in listed(client_for(shanghai).get("/actions/?all=1&overdue=1"))


def test_counts(cast, board):
    admin = cast.admin
    assert action_counts(actions=action_list(person=admin), today=DAY, open_only=True) == {"total": 8, "overdue": 2}
    assert action_counts(actions=action_list(person=admin, status="any"), today=DAY, open_only=False) == {"total": 11, "overdue": 2}
    assert action_counts(actions=action_list(person=admin, status="done"), today=DAY, open_only=False) == {"total": 2, "overdue": 0}


# --- the selector: sorts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", list(SORTS))
def test_every_sort_with_a_stable_tiebreak(cast, board, sort):
    everything = board.all()
    assert titles(action_list(person=cast.admin, status="any", sort=sort)) == order(everything, sort)
    # the same order whatever else filters the list
    mine = [a for a in everything if a.owner_id == cast.presenter.pk and a.is_open]
    assert titles(action_list(person=cast.presenter, owner=cast.presenter, sort=sort)) == order(mine, sort)


def test_sorts_read_as_promised(cast, board):
    """Spelled out once, so the helper above cannot agree with a wrong SQL by accident."""
    admin = cast.admin
    by_priority = titles(action_list(person=admin, sort="priority"))
    assert by_priority[:3] == ["逾期的事", "主持人的事", "机密的事"]  # the high ones, soonest due first
    assert by_priority[-1] == "在做的事"  # the only low open one
    # 我的事 and 主持人的事 are both due in two days: the earlier recorded (smaller id) first
    by_due = titles(action_list(person=admin))
    assert by_due.index("我的事") < by_due.index("主持人的事")
    assert titles(action_list(person=admin, sort="-due"))[0] == "路人甲的事"
    assert titles(action_list(person=admin, sort="-created", status="any"))[0] == "主持人的事"
    by_status = titles(action_list(person=admin, status="any", sort="status"))
    assert by_status[-1] == "取消的事" and by_status[-3:-1] == ["做完的事", "全员做完"]
    # owners by pinyin: 管理员 (none) … 路人甲 (lu), 孙丽 (sun), 王强 (wang), 周云 (zhou)
    owners = [a.owner.name for a in action_list(person=admin, status="any", sort="owner")]
    assert owners == sorted(owners, key=lambda n: ["路人甲", "孙丽", "王强", "周云"].index(n))
    with pytest.raises(ValueError):
        action_list(person=admin, sort="title")


# --- visibility ------------------------------------------------------------------------------------------


def test_nobody_outside_a_series_sees_its_actions_but_owners_see_their_own(cast, board):
    outsider = cast.outsider
    seen = set(titles(action_list(person=outsider, status="any")))
    assert seen == {"全员例会的事", "全员做完", "路人甲的事"}
    assert titles(action_list(person=outsider, series=cast.series.pk, status="any")) == ["路人甲的事"]
    assert titles(action_list(person=outsider, owner=cast.presenter, status="any")) == []
    assert titles(action_list(person=outsider, department=board.east.pk, status="any")) == ["路人甲的事"]
    assert titles(action_list(person=outsider, owner=outsider)) == ["路人甲的事"]
    # through the pages
    client = client_for(outsider)
    assert listed(client.get("/actions/")) == ["路人甲的事"]
    assert set(listed(client.get("/actions/?all=1&status=any"))) == seen
    assert set(listed(client.get(f"/actions/?all=1&status=any&owner={cast.presenter.pk}"))) == set()
    assert client.get(f"/actions/series/{cast.series.pk}/").status_code == 404
    assert set(listed(client.get(f"/actions/series/{cast.open_series.pk}/?status=any"))) == {"全员例会的事", "全员做完"}
    html = client.get("/actions/?all=1&status=any").content.decode()
    for secret in ("机密的事", "逾期的事", "主持人的事"):
        assert secret not in html


def test_the_roster_and_admins_see_the_whole_private_series(cast, board):
    private = {a.title for a in board.all() if a.series_id == cast.series.pk}
    for role in ("chair", "minute_taker", "presenter", "admin"):
        person = cast.all()[role]
        assert set(titles(action_list(person=person, series=cast.series.pk, status="any"))) == private, role
        assert set(listed(client_for(person).get(f"/actions/series/{cast.series.pk}/?status=any"))) == private, role


# --- the page ---------------------------------------------------------------------------------------------


def test_my_actions_by_default(cast, board):
    response = client_for(cast.presenter).get("/actions/")
    assert listed(response) == ["逾期的事", "今天到期", "我的事", "在做的事"]
    assert response.context["counts"] == {"total": 4, "overdue": 1}
    html = response.content.decode()
    assert html.count('<tr class="overdue">') == 1
    assert re.search(r'<tr class="overdue">\s*<td><a href="/actions/%d/">逾期的事</a>' % board.actions["late"].pk, html)
    assert "4 actions" in html and "1 overdue" in html
    # each title links to its action
    for key in ("late", "today", "mine", "working"):
        assert f'href="/actions/{board.actions[key].pk}/"' in html
    # no owner or department filter on one's own list
    assert 'name="owner"' not in html and 'name="department"' not in html


def test_the_status_select_shows_what_is_listed(cast, board):
    """「未关闭（全部）」 and 「待处理」 are two choices: 待处理 lists open actions only, and the
    select marks the choice whose rows are listed (issue 16, list 6)."""
    chair = client_for(cast.chair)
    cases = {
        "": ("unclosed", board.titles("late", "org", "today", "mine", "chairs", "working", "secret", "outsiders")),
        "status=unclosed": ("unclosed", board.titles("late", "org", "today", "mine", "chairs", "working", "secret", "outsiders")),
        "status=open": ("open", board.titles("late", "org", "today", "mine", "secret", "outsiders")),
        "status=in_progress": ("in_progress", board.titles("working")),
    }
    for query, (chosen, expected) in cases.items():
        response = chair.get(f"/actions/?all=1&{query}")
        assert listed(response) == expected, query
        html = response.content.decode()
        selected = re.findall(r'<option value="([a-z_]+)" selected>', html.split('name="status"')[1].split("</select>")[0])
        assert selected == [chosen], query


def test_the_board_filters_through_the_query_string(cast, board):
    chair = client_for(cast.chair)
    east, service = board.east.pk, board.service.pk
    cases = {
        f"owner={cast.presenter.pk}&status=any": board.titles("late", "finished", "today", "mine", "working"),
        f"department={service}": board.titles("org", "chairs", "secret"),
        f"department={east}&overdue=1": board.titles("late"),
        f"series={cast.open_series.pk}&status=any": board.titles("org", "org_done"),
        "status=done": board.titles("finished", "org_done"),
        "status=blocked": board.titles("chairs"),
        "overdue=1": board.titles("late", "org"),
        "overdue=on": board.titles("late", "org"),
        f"due_from={DAY}&due_to={DAY + dt.timedelta(days=2)}": board.titles("today", "mine", "chairs"),
        f"due_to={DAY - dt.timedelta(days=1)}&status=any": board.titles("dropped", "late", "finished", "org"),
    }
    for query, expected in cases.items():
        response = chair.get(f"/actions/?all=1&{query}")
        assert listed(response) == expected, query
        assert response.context["filter_errors"] == [], query
        assert response.context["counts"]["total"] == len(expected), query


@pytest.mark.parametrize("sort", list(SORTS))
def test_the_board_sorts(cast, board, sort):
    response = client_for(cast.admin).get(f"/actions/?all=1&status=any&sort={sort}")
    assert listed(response) == order(board.all(), sort)


def test_column_headers_sort_and_keep_the_filters(cast, board):
    response = client_for(cast.chair).get(f"/actions/?all=1&status=any&series={cast.series.pk}&sort=-due")
    html = response.content.decode()
    links = {c["label"]: c for c in response.context["columns"]}
    due = links["Due date"]
    assert due["current"] == "descending"
    query = parse_qs(urlparse(due["url"]).query)
    assert query == {"all": ["1"], "status": ["any"], "series": [str(cast.series.pk)], "sort": ["due"]}  # the second click flips
    assert parse_qs(urlparse(links["Owner"]["url"]).query)["sort"] == ["owner"]
    assert links["Action"]["url"] is None
    assert 'aria-sort="descending"' in html
    # following every header link gives a page in that order
    for column in response.context["columns"]:
        if column["url"]:
            assert client_for(cast.chair).get("/actions/" + column["url"]).status_code == 200


def test_overdue_rows_are_marked(cast, board):
    html = client_for(cast.admin).get("/actions/?all=1&status=any").content.decode()
    rows = re.findall(r'<tr class="overdue">(.*?)</tr>', html, re.S)
    assert len(rows) == 2
    assert all("overdue" in row for row in rows)
    assert {re.search(r'">(.*?)</a>', row).group(1) for row in rows} == {"逾期的事", "全员例会的事"}


def test_pages_of_fifty_keep_the_filters(cast, board):
    meeting = meeting_on(cast.open_series, dt.date(2026, 11, 30))
    for i in range(120):
        services.action_create(actor=cast.chair, meeting=meeting, title=f"批量 {i:03d}", owner=cast.presenter, due=DAY + dt.timedelta(days=i % 9))
    client = client_for(cast.presenter)
    url = f"/actions/?all=1&series={cast.open_series.pk}&sort=-created"
    first = client.get(url)
    assert first.context["counts"]["total"] == 121  # and 全员例会的事
    assert len(first.context["actions"]) == 50 and first.context["page"].paginator.num_pages == 3
    html = first.content.decode()
    next_link = re.search(r'href="\?([^"]*)" rel="next"', html).group(1).replace("&amp;", "&")
    assert parse_qs(next_link) == {"all": ["1"], "series": [str(cast.open_series.pk)], "sort": ["-created"], "page": ["2"]}
    pages = [listed(client.get(f"{url}&page={n}")) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [50, 50, 21]
    together = [t for p in pages for t in p]
    # all recorded at the same (frozen) moment: newest id first; no row twice, none missing
    assert together == [f"批量 {i:03d}" for i in reversed(range(120))] + ["全员例会的事"]
    # a page past the end shows the last; a page that is no number, the first
    assert listed(client.get(f"{url}&page=99")) == pages[2]
    assert listed(client.get(f"{url}&page=abc")) == pages[0]


def test_the_series_board(cast, board):
    client = client_for(cast.presenter)
    response = client.get(f"/actions/series/{cast.series.pk}/")
    assert set(listed(response)) == {"逾期的事", "今天到期", "我的事", "在做的事", "主持人的事", "路人甲的事", "机密的事"}
    html = response.content.decode()
    assert 'name="series"' not in html  # the series is fixed
    assert f'href="/series/{cast.series.pk}/"' in html
    export = re.search(r'href="(/actions/export\.xlsx[^"]*)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(export).query) == {"all": ["1"], "series": [str(cast.series.pk)]}
    # filters apply within the series; a series filter in the URL cannot widen it
    assert listed(client.get(f"/actions/series/{cast.series.pk}/?overdue=1")) == ["逾期的事"]
    assert set(listed(client.get(f"/actions/series/{cast.series.pk}/?series={cast.open_series.pk}"))) == set(listed(response))
    assert client.get("/actions/series/999999/").status_code == 404


def test_the_series_page_links_to_its_board(cast, board):
    html = client_for(cast.presenter).get(f"/series/{cast.series.pk}/").content.decode()
    assert f'href="/actions/series/{cast.series.pk}/"' in html


BAD = [
    ("due_from=notadate", "due from"),
    ("due_to=2026-13-45", "due to"),
    ("status=bogus", "status"),
    ("owner=abc", "owner"),
    ("owner=-3", "owner"),
    ("owner=99999999999999999999999", "owner"),
    ("department=1.5x", "department"),
    ("series=%00", "meeting series"),
    ("sort=title", "sort"),
    ("due_from=2026-12-10&due_to=2026-12-01", "due-date range"),
]


@pytest.mark.parametrize("query, what", BAD, ids=[q for q, _w in BAD])
def test_bad_filters_are_reported_and_ignored(cast, board, query, what):
    client = client_for(cast.chair, raise_request_exception=False)
    plain = listed(client.get("/actions/?all=1&status=any"))
    response = client.get(f"/actions/?all=1&status=any&{query}")
    assert response.status_code == 200
    errors = response.context["filter_errors"]
    assert len(errors) == 1 and what in errors[0] and "ignored" in errors[0], errors
    assert errors[0] in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    if not query.startswith("status="):
        assert listed(response) == plain
    else:  # an unknown status falls back to the default, open
        assert listed(response) == listed(client.get("/actions/?all=1"))
    # the page's links carry only the filters that worked
    assert "bogus" not in response.context["page_query"] and "notadate" not in response.context["export_query"]


def test_bad_page_values_never_fail(cast, board):
    client = client_for(cast.presenter, raise_request_exception=False)
    for query in ("page=-1", "page=0", "page=1e9", "page=%00", "all=2", "overdue=maybe", "status=", "sort="):
        assert client.get(f"/actions/?{query}").status_code == 200, query


# --- SQL queries do not depend on the data or the filters -----------------------------------------------------------

BOARD_URLS = [
    "/actions/?all=1",
    "/actions/?all=1&status=any",
    "/actions/?all=1&owner={presenter}",
    "/actions/?all=1&department={east}&overdue=1&sort=due",
    "/actions/?all=1&series={series}&due_from=2026-11-01&due_to=2026-12-31&status=any",
    "/actions/?all=1&sort=owner&page=2",
    "/actions/?all=1&sort=priority",
    "/actions/?all=1&sort=series&status=done",
    "/actions/?all=1&due_from=bad&owner=x",
]
MINE_URLS = ["/actions/", "/actions/?status=any&sort=-created", "/actions/?overdue=1", "/actions/?series={series}"]


def query_counts(client, urls, **ids) -> list[int]:
    counts = []
    for url in urls:
        client.get(url.format(**ids))  # warm up (session, caches)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url.format(**ids))
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts


def grow(cast, board, n: int) -> None:
    """More of everything: owners in more departments, another series, many actions."""
    north = Department.objects.create(name="华北运营部")
    extra = [PersonFactory(name=f"同事{i}", department=north if i % 2 else board.east) for i in range(6)]
    more = make_series(chair=cast.chair, roster=[(p, "member") for p in extra] + [(cast.presenter, "member")], title="华北周例会")
    meetings = [meeting_on(cast.series, dt.date(2026, 11, 23)), meeting_on(more, dt.date(2026, 11, 23)), meeting_on(cast.open_series, dt.date(2026, 11, 30))]
    owners = extra + [cast.presenter, cast.outsider, cast.chair]
    for i in range(n):
        meeting = meetings[i % len(meetings)]
        a = services.action_create(
            actor=cast.chair, meeting=meeting, title=f"更多 {i}", owner=owners[i % len(owners)],
            due=meeting.start.astimezone(SH).date() + dt.timedelta(days=i % 20), priority=("high", "normal", "low")[i % 3],
        )  # fmt: skip
        if i % 4 == 0:
            ActionItem.objects.filter(pk=a.pk).update(status=("done", "blocked", "in_progress", "cancelled")[i // 4 % 4])


@pytest.mark.parametrize("role", ["presenter", "admin"])
def test_queries_do_not_grow_with_the_data_or_the_filters(cast, board, role):
    client = client_for(cast.all()[role])
    ids = {"presenter": cast.presenter.pk, "east": board.east.pk, "series": cast.series.pk}
    small_board, small_mine = query_counts(client, BOARD_URLS, **ids), query_counts(client, MINE_URLS, **ids)
    grow(cast, board, 150)
    large_board, large_mine = query_counts(client, BOARD_URLS, **ids), query_counts(client, MINE_URLS, **ids)
    assert small_board == large_board and small_mine == large_mine
    assert len(set(large_board)) == 1, dict(zip(BOARD_URLS, large_board))  # whatever the filter
    assert len(set(large_mine)) == 1, dict(zip(MINE_URLS, large_mine))
    series_board = [f"/actions/series/{cast.series.pk}/", f"/actions/series/{cast.series.pk}/?status=any&sort=status&page=2"]
    assert len(set(query_counts(client, series_board))) == 1
    export = ["/actions/export.xlsx?all=1", "/actions/export.xlsx?all=1&status=any&sort=owner", "/actions/export.xlsx"]
    assert len(set(query_counts(client, export))) == 1


# --- the .xlsx export -----------------------------------------------------------------------------------------------


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="actions-')
    return openpyxl.load_workbook(io.BytesIO(response.content))


HEADERS = ["Action", "Meeting series", "Meeting date", "Owner", "Department", "Due date", "Priority", "Status", "Overdue", "Created", "Closed"]


def test_the_export_is_the_list_of_the_page(cast, board):
    client = client_for(cast.chair)
    query = f"all=1&status=any&department={board.east.pk}&sort=-due"
    wb = workbook(client.get(f"/actions/export.xlsx?{query}"))
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert [r[0] for r in rows[1:]] == listed(client.get(f"/actions/?{query}"))
    late = next(r for r in rows if r[0] == "逾期的事")
    assert late[1:] == (
        "私密例会", dt.datetime(2026, 11, 9), "王强", "华东销售部", dt.datetime(2026, 11, 27), "High", "Open", "Yes",
        dt.datetime(2026, 11, 9, 10, 0), None,
    )  # fmt: skip
    done = next(r for r in rows if r[0] == "做完的事")
    assert done[7:] == ("Done", "No", dt.datetime(2026, 11, 23, 10, 0), dt.datetime(2026, 11, 30, 9, 0))
    # real dates, a frozen header with a filter, columns wide enough for the Chinese titles
    cells = {c.column_letter: c for c in ws[2]}
    assert cells["C"].is_date and cells["F"].is_date and cells["J"].is_date
    assert cells["F"].number_format == "yyyy-mm-dd" and cells["J"].number_format == "yyyy-mm-dd hh:mm"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:K{len(rows)}"
    assert all(ws.column_dimensions[c].width >= 8 for c in "ABCDEFGHIJK")
    assert ws.column_dimensions["A"].width >= 8 and ws.column_dimensions["A"].width <= 60
    assert all(cell.font.b for cell in ws[1])
    assert len(wb.worksheets) == 1  # nothing was cut short


def test_my_actions_export_and_the_viewers_language(cast, board):
    Person.objects.filter(pk=cast.presenter.pk).update(language="zh-hans")
    wb = workbook(client_for(cast.presenter).get("/actions/export.xlsx"))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["逾期的事", "今天到期", "我的事", "在做的事"]
    assert rows[0][0] != "Action"  # translated (the catalog says how)


def test_the_export_shows_only_what_the_viewer_may_see(cast, board):
    wb = workbook(client_for(cast.outsider).get("/actions/export.xlsx?all=1&status=any"))
    assert {r[0] for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)} == {"全员例会的事", "全员做完", "路人甲的事"}


def test_bad_filters_on_the_export_send_you_to_the_page_that_says_so(cast, board):
    response = client_for(cast.chair).get("/actions/export.xlsx?all=1&due_from=notadate")
    assert response.status_code == 302
    assert response.url == "/actions/?all=1&due_from=notadate"


@pytest.mark.parametrize("payload", INJECTIONS + ["\t=1+1", "\r=1+1", "\n@x", "a\x01b\x1f=c", "#N/A", "#REF!"])
def test_text_that_looks_like_a_formula_stays_text(cast, board, payload):
    action = board.actions["mine"]
    ActionItem.objects.filter(pk=action.pk).update(title=payload)
    Person.objects.filter(pk=cast.presenter.pk).update(name=payload)
    Department.objects.filter(pk=board.east.pk).update(name=payload)
    type(cast.series).objects.filter(pk=cast.series.pk).update(title=payload)
    response = client_for(cast.presenter).get("/actions/export.xlsx?all=1&status=any")
    wb = workbook(response)
    ws = wb.worksheets[0]
    expected = payload.replace("\x01", "").replace("\x1f", "")
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == expected)
    for cell in (row[0], row[1], row[3], row[4]):
        assert cell.data_type == "s" and cell.value == expected
    for r in ws.iter_rows():
        for cell in r:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    # and in the file itself: no formula element anywhere
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode() and "<f " not in z.read(name).decode()
    if expected[:1] in ("=", "+", "-", "@", "\t", "\r", "\n"):
        assert row[0].quotePrefix  # stays text even when someone edits the cell


@translation.override("en")
def test_actions_xlsx_directly(cast, board):
    actions = list(action_list(person=cast.admin, status="any"))
    data = actions_xlsx(actions=actions, today=DAY, zone=SH, note="只导出了前 50,000 项")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert len(wb.worksheets) == 2 and wb.worksheets[1]["A1"].value == "只导出了前 50,000 项"
    assert wb.worksheets[0].max_row == len(actions) + 1
    empty = openpyxl.load_workbook(io.BytesIO(actions_xlsx(actions=[], today=DAY, zone=SH)))
    assert [c.value for c in empty.worksheets[0][1]] == HEADERS and empty.worksheets[0].max_row == 1


def test_the_export_is_capped(cast, board, monkeypatch):
    from lihui.actions import exports

    monkeypatch.setattr(exports, "EXPORT_LIMIT", 5)
    wb = workbook(client_for(cast.admin).get("/actions/export.xlsx?all=1&status=any"))
    assert wb.worksheets[0].max_row == 6
    assert "5" in wb.worksheets[1]["A1"].value


def test_the_page_links_to_the_export_with_its_filters(cast, board):
    response = client_for(cast.chair).get(f"/actions/?all=1&status=done&owner={cast.chair.pk}&sort=owner&page=1")
    html = response.content.decode()
    link = re.search(r'href="(/actions/export\.xlsx[^"]*)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(link).query) == {"all": ["1"], "status": ["done"], "owner": [str(cast.chair.pk)], "sort": ["owner"]}
    wb = workbook(client_for(cast.chair).get(link))
    assert [r[0] for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)] == listed(response) == ["全员做完"]
