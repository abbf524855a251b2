"""The action board through the API: GET /api/v1/actions with the page's filters, sorts and
paging, GET /api/v1/actions/export.xlsx, and the one error shape for bad input. The data is
the board of lihui/actions/tests/test_board.py (frozen on Monday 30 Nov 2026, 10:00 Shanghai)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lihui.actions.models import ActionItem
from lihui.actions.selectors import SORTS
from lihui.actions.tests.test_board import DAY, INJECTIONS, NOW, SPECS, XLSX, grow, make_board, order
from lihui.people.models import Department, Person
from lihui.testing.factories import PersonFactory

from .test_api import Api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def board(cast):
    return make_board(cast)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:300]
    return [a["id"] for a in response.json()]


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [a["title"] for a in response.json()]


def test_the_list_keeps_its_shape(cast, board):
    response = Api(cast.presenter).get(f"/actions?owner={cast.presenter.pk}")
    body = response.json()
    assert [a["title"] for a in body] == ["逾期的事", "今天到期", "我的事", "在做的事"]
    late = body[0]
    assert set(late) == {"id", "series", "meeting", "item", "decision", "title", "owner", "owner_name", "due", "priority",
                         "status", "overdue", "closed_at"}  # fmt: skip
    assert late["overdue"] is True and late["owner_name"] == "王强" and late["due"] == "2026-11-27"
    assert response["X-Total-Count"] == "4"


def test_filters(cast, board):
    api = Api(cast.chair)
    b = board
    cases = {
        f"owner={cast.presenter.pk}&status=any": b.titles("late", "finished", "today", "mine", "working"),
        f"department={b.service.pk}": b.titles("org", "chairs", "secret"),
        f"department={b.east.pk}&overdue=true": b.titles("late"),
        f"series={cast.open_series.pk}&status=any": b.titles("org", "org_done"),
        "status=done": b.titles("finished", "org_done"),
        "status=in_progress": b.titles("working"),
        "status=unclosed": b.titles("late", "org", "today", "mine", "chairs", "working", "secret", "outsiders"),
        "status=open": b.titles("late", "org", "today", "mine", "secret", "outsiders"),  # 待处理 alone
        "status=cancelled": b.titles("dropped"),
        "overdue=true": b.titles("late", "org"),
        "overdue=1": b.titles("late", "org"),
        "overdue=false": b.titles("late", "org", "today", "mine", "chairs", "working", "secret", "outsiders"),
        f"due_from={DAY}&due_to={DAY + dt.timedelta(days=2)}": b.titles("today", "mine", "chairs"),
        f"due_to={DAY - dt.timedelta(days=1)}&status=any": b.titles("dropped", "late", "finished", "org"),
        f"owner={10**9}": [],
    }
    for query, expected in cases.items():
        response = api.get(f"/actions?{query}")
        assert titles(response) == expected, query
        assert response["X-Total-Count"] == str(len(expected)), query


@pytest.mark.parametrize("sort", list(SORTS))
def test_sorts(cast, board, sort):
    everything = list(ActionItem.objects.select_related("owner", "series"))
    assert titles(Api(cast.admin).get(f"/actions?status=any&sort={sort}")) == order(everything, sort)


def test_limit_and_offset(cast, board):
    api = Api(cast.admin)
    everything = ids(api.get("/actions?status=any&sort=-created"))
    assert len(everything) == len(SPECS)
    pages = [api.get(f"/actions?status=any&sort=-created&limit=4&offset={o}") for o in (0, 4, 8, 12)]
    assert [ids(p) for p in pages] == [everything[0:4], everything[4:8], everything[8:], []]
    assert {p["X-Total-Count"] for p in pages} == {str(len(SPECS))}


def test_visibility(cast, board):
    outsider = Api(cast.outsider)
    assert set(titles(outsider.get("/actions?status=any"))) == {"全员例会的事", "全员做完", "路人甲的事"}
    assert titles(outsider.get(f"/actions?series={cast.series.pk}&status=any")) == ["路人甲的事"]
    assert titles(outsider.get(f"/actions?owner={cast.presenter.pk}&status=any")) == []
    assert titles(outsider.get(f"/actions?owner={cast.outsider.pk}")) == ["路人甲的事"]
    assert outsider.get("/actions?status=any")["X-Total-Count"] == "3"
    member = Api(cast.presenter)
    assert "机密的事" in titles(member.get(f"/actions?series={cast.series.pk}"))


def test_overdue_in_the_callers_zone_with_a_token(cast, board, frozen):
    """A token's request gets no zone from the middleware: the caller's own zone still counts."""
    frozen.move_to(dt.datetime(2026, 12, 1, 2, 0, tzinfo=NOW.tzinfo))  # 30 Nov 19:00 in Berlin
    berlin = PersonFactory(username="berlin", name="Anna", time_zone="Europe/Berlin", is_staff=True)
    shanghai = Api(cast.admin).get("/actions?overdue=true")
    assert "今天到期" in titles(shanghai)
    by_berlin = Api(berlin).get("/actions")
    assert "今天到期" not in titles(Api(berlin).get("/actions?overdue=true"))
    assert next(a for a in by_berlin.json() if a["title"] == "今天到期")["overdue"] is False


BAD = [
    ("due_from=notadate", "due_from"),
    ("due_to=2026-02-30", "due_to"),
    ("status=bogus", "status"),
    ("sort=title", "sort"),
    ("owner=abc", "owner"),
    ("owner=0", "owner"),
    ("department=99999999999999999999999", "department"),
    ("series=1.5", "series"),
    ("overdue=maybe", "overdue"),
    ("limit=0", "limit"),
    ("limit=1001", "limit"),
    ("offset=-1", "offset"),
    ("due_from=2026-12-10&due_to=2026-12-01", "due_to"),
]


CASES = [("/actions", q, f) for q, f in BAD] + [
    ("/actions/export.xlsx", q, f) for q, f in BAD if f not in ("limit", "offset")  # the export has no paging
]


@pytest.mark.parametrize("path, query, field", CASES, ids=[f"{p} {q}" for p, q, _f in CASES])
def test_bad_input_is_422_with_the_error_shape(cast, board, path, query, field):
    api = Api(cast.chair)
    api.client.raise_request_exception = False
    response = api.get(f"{path}?{query}")
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert set(body) == {"error", "fields"} and body["error"]
    assert list(body["fields"]) == [field], body


def test_queries_do_not_grow_with_the_data_or_the_filters(cast, board):
    api = Api(cast.presenter)
    urls = [
        "/actions",
        "/actions?status=any&sort=owner&limit=5&offset=3",
        f"/actions?department={board.east.pk}&overdue=true&sort=due",
        f"/actions?series={cast.series.pk}&due_from=2026-11-01&due_to=2026-12-31&status=any",
        "/actions?sort=priority",
    ]

    def counts():
        out = []
        for url in urls:
            api.get(url)
            with CaptureQueriesContext(connection) as ctx:
                assert api.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    small = counts()
    grow(cast, board, 150)
    assert counts() == small and len(set(small)) == 1, small


# --- the export -------------------------------------------------------------------------------------------------


def test_export(cast, board):
    response = Api(cast.chair).get(f"/actions/export.xlsx?status=any&department={board.east.pk}&sort=-due")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="actions-2026-11-30.xlsx"'
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    listed = titles(Api(cast.chair).get(f"/actions?status=any&department={board.east.pk}&sort=-due"))
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == listed
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:K{len(listed) + 1}"
    assert ws["F2"].is_date


def test_export_shows_only_what_the_caller_may_see(cast, board):
    response = Api(cast.outsider).get("/actions/export.xlsx?status=any")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert {r[0] for r in ws.iter_rows(min_row=2, values_only=True)} == {"全员例会的事", "全员做完", "路人甲的事"}


def test_export_never_writes_a_formula(cast, board):
    for action, payload in zip(ActionItem.objects.order_by("pk"), INJECTIONS):
        ActionItem.objects.filter(pk=action.pk).update(title=payload)
    Person.objects.filter(pk=cast.chair.pk).update(name="@SUM(1+1)*cmd|' /C calc'!A0")
    Department.objects.filter(pk=board.service.pk).update(name="=1+1")
    response = Api(cast.admin).get("/actions/export.xlsx?status=any")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = set()
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            values.add(cell.value)
    assert set(INJECTIONS) <= values and "=1+1" in values and "@SUM(1+1)*cmd|' /C calc'!A0" in values


def test_a_token_request_speaks_the_persons_language(cast):
    """The token is checked after the middleware ran; the API still answers in the
    person's own language (and zone)."""
    from django.test import Client

    from lihui.people.services import api_token_create

    cast.presenter.language = "en"
    cast.presenter.save(update_fields=["language"])
    _token, secret = api_token_create(person=cast.presenter, name="t")
    r = Client().get("/api/v1/actions", {"status": "nope"}, HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert r.status_code == 422 and "Choose one of" in r.json()["fields"]["status"][0]
