"""Archive search through the real index (FTS5 on SQLite, GIN on PostgreSQL): Chinese
terms of one, two and more characters, mixed Chinese-English, punctuation, filters,
visibility, snippets, the index catching up with writes, and constant queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lihui.actions.services import action_comment, action_create, decision_record
from lihui.meetings.models import Meeting
from lihui.meetings.services.agenda import agenda_ensure, agenda_item_add
from lihui.meetings.services.live import notes_save
from lihui.search.models import SearchEntry
from lihui.search.selectors import search, snippet
from lihui.search.services import search_index_meeting, search_rebuild, search_refresh
from lihui.search.tokens import QueryError, parse_query

pytestmark = pytest.mark.django_db


def _meeting(series, n=0) -> Meeting:
    return series.meetings.order_by("start")[n]


@pytest.fixture
def archive(cast):
    """A private and an open series with notes, decisions and actions; indexed."""
    m1 = _meeting(cast.series)
    agenda_ensure(meeting=m1)
    item = agenda_item_add(actor=cast.chair, meeting=m1, data={"title": "双十一复盘", "description": "物流延迟与客服压力"})
    notes_save(actor=cast.chair, item=item, text="Q3 退货率上升到 4.2%，主要是尺码问题。预算需要追加。", base_revision=0)
    decision_record(actor=cast.chair, meeting=m1, item=item, text="双十二增派客服十人")
    action = action_create(
        actor=cast.chair, meeting=m1, item=item, title="整理Q3退货数据", owner=cast.presenter, due=dt.date(2026, 12, 31)
    )
    action_comment(actor=cast.presenter, action=action, text="已联系仓库，下周给出明细")
    m2 = _meeting(cast.open_series, 1)
    item2 = agenda_item_add(actor=cast.chair, meeting=m2, data={"title": "年度预算", "description": "市场部预算与单价"})
    assert search_refresh() >= 2
    return {"private": m1, "open": m2, "action": action, "item": item, "item2": item2}


def _titles(cast_member, query, **kw):
    hits, _more = search(person=cast_member, query=query, **kw)
    return sorted(f"{h.entry.kind}:{h.entry.title}" for h in hits)


def test_two_character_words(cast, archive):
    assert "action:整理Q3退货数据" in _titles(cast.chair, "退货")
    assert "note:双十一复盘" in _titles(cast.chair, "退货")
    assert _titles(cast.chair, "预算") == ["item:年度预算", "note:双十一复盘"]


def test_one_character(cast, archive):
    assert "item:年度预算" in _titles(cast.chair, "单")  # 单价
    assert _titles(cast.chair, "嗯") == []


def test_three_and_more_characters_are_phrases(cast, archive):
    assert _titles(cast.chair, "退货率") == ["note:双十一复盘"]
    assert _titles(cast.chair, "增派客服") == ["decision:双十二增派客服十人"]
    assert _titles(cast.chair, "客服增派") == []  # the same characters in another order


def test_mixed_chinese_english_and_punctuation(cast, archive):
    expected = {"action:整理Q3退货数据", "note:双十一复盘"}
    assert set(_titles(cast.chair, "Q3 退货")) == expected
    assert set(_titles(cast.chair, "q3退货")) == expected
    assert set(_titles(cast.chair, "「Ｑ３」，退货！")) == expected
    assert _titles(cast.chair, "Q4 退货") == []


def test_progress_comments_are_searchable(cast, archive):
    assert _titles(cast.chair, "仓库") == ["action:整理Q3退货数据"]


def test_only_series_the_searcher_sees(cast, archive):
    assert _titles(cast.outsider, "退货") == []  # the private series
    assert _titles(cast.outsider, "预算") == ["item:年度预算"]  # staff-visible
    assert "action:整理Q3退货数据" in _titles(cast.presenter, "退货")
    assert "action:整理Q3退货数据" in _titles(cast.admin, "退货")


def test_filters(cast, archive):
    assert _titles(cast.chair, "预算", series_id=cast.open_series.pk) == ["item:年度预算"]
    assert _titles(cast.chair, "预算", kind="note") == ["note:双十一复盘"]
    day = archive["private"].start.date()
    assert _titles(cast.chair, "预算", date_from=day, date_to=day) == ["note:双十一复盘"]
    assert _titles(cast.chair, "预算", date_to=day - dt.timedelta(days=1)) == []


def test_snippet_highlights_and_escapes():
    terms = parse_query("退货 q3")
    html = snippet("<b>Q3</b> 退货率上升，退货多", terms)
    assert "&lt;b&gt;<mark>Q3</mark>&lt;/b&gt;" in html
    assert html.count("<mark>退货</mark>") == 2
    long = "甲" * 200 + "退货" + "乙" * 200
    cut = snippet(long, parse_query("退货"))
    assert cut.startswith("…") and cut.endswith("…") and "<mark>退货</mark>" in cut and len(cut) < 130


@pytest.mark.parametrize("query", ["，。！", "x" * 10_000, "   "])
def test_bad_queries(cast, archive, query):
    with pytest.raises(QueryError):
        search(person=cast.chair, query=query)
    client = Client()
    client.force_login(cast.chair)
    r = client.get("/search/", {"q": query})
    assert r.status_code == 200
    if query.strip():
        assert 'data-testid="search-errors"' in r.content.decode()
    r = client.get("/api/v1/search", {"q": query})
    assert r.status_code == 422 and set(r.json()) == {"error", "fields"}


def test_index_follows_writes_without_losing_a_concurrent_one(cast, archive):
    item = archive["item"]
    notes_save(actor=cast.chair, item=item, text="新增：直播带货的退换货规则", base_revision=1)
    meeting = Meeting.objects.get(pk=item.meeting_id)
    seen = meeting.text_changed
    assert seen is not None
    # A write lands while the indexer works: the conditional clear keeps the mark.
    search_index_meeting(meeting=meeting)
    Meeting.objects.filter(pk=meeting.pk).update(text_changed=seen + dt.timedelta(seconds=1))
    assert Meeting.objects.filter(pk=meeting.pk, text_changed=seen).update(text_changed=None) == 0
    assert search_refresh() == 1 and Meeting.objects.get(pk=meeting.pk).text_changed is None
    assert _titles(cast.chair, "带货") == ["note:双十一复盘"]
    assert _titles(cast.chair, "尺码") == []  # the old notes are gone from the index


def test_long_texts_are_chunked_and_phrases_across_chunks_found(cast, archive):
    item = archive["item"]
    text = "甲" * 3998 + "退货数据" + "乙" * 5000
    notes_save(actor=cast.chair, item=item, text=text, base_revision=1)
    search_refresh()
    assert SearchEntry.objects.filter(kind="note", object_id=item.pk).count() == 3
    hits, _ = search(person=cast.chair, query="退货数据", kind="note")
    assert len(hits) == 1


def test_rebuild(cast, archive):
    before = SearchEntry.objects.count()
    SearchEntry.objects.all().delete()
    assert _titles(cast.chair, "退货") == []
    assert search_rebuild() == before
    assert "action:整理Q3退货数据" in _titles(cast.chair, "退货")


def test_page_and_api(cast, archive):
    client = Client()
    client.force_login(cast.chair)
    html = client.get("/search/", {"q": "退货"}).content.decode()
    assert "<mark>退货</mark>" in html and html.count('data-testid="hit"') == 2
    data = client.get("/api/v1/search", {"q": "Q3 退货", "kind": "action"}).json()
    assert [h["title"] for h in data["hits"]] == ["整理Q3退货数据"] and data["more"] is False
    assert "<mark>" in data["hits"][0]["snippet"]
    assert Client().get("/api/v1/search", {"q": "退货"}).status_code == 401
    assert Client().get("/search/", {"q": "退货"}).status_code == 302


def test_search_queries_do_not_grow(cast, archive):
    client = Client()
    client.force_login(cast.chair)

    def count(url, params):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, params).status_code == 200
        return len(ctx)

    small = count("/search/", {"q": "退货"}), count("/api/v1/search", {"q": "退货"})
    m = archive["private"]
    for i in range(25):
        action_create(actor=cast.chair, meeting=m, title=f"退货跟进 {i}", owner=cast.presenter, due=dt.date(2026, 12, 31))
    for n in range(2, 6):
        other = _meeting(cast.series, n)
        agenda_item_add(actor=cast.chair, meeting=other, data={"title": f"退货专题 {n}"})
    search_refresh()
    big = count("/search/", {"q": "退货"}), count("/api/v1/search", {"q": "退货"})
    assert big == small


def test_rebuild_command(cast, archive):
    from io import StringIO

    from django.core.management import call_command

    SearchEntry.objects.all().delete()
    out = StringIO()
    call_command("search_rebuild", stdout=out)
    assert "Indexed" in out.getvalue() and SearchEntry.objects.exists()


def test_a_search_leaves_fresh_marks_to_a_running_worker(cast, archive):
    from lihui.ops.heartbeat import heartbeat_record
    from lihui.search.services import SETTLE, search_catch_up

    item = archive["item"]
    notes_save(actor=cast.chair, item=item, text="新增：直播带货的退换货规则", base_revision=1)
    # No worker: the search indexes what was just typed.
    assert search_catch_up() == 1 and _titles(cast.chair, "带货") == ["note:双十一复盘"]

    notes_save(actor=cast.chair, item=item, text="改为：直播间尺码说明", base_revision=2)
    heartbeat_record(name="host:1")  # a worker is running: a mark seconds old is its job
    assert search_catch_up() == 0 and _titles(cast.chair, "尺码") == []
    Meeting.objects.filter(pk=item.meeting_id).update(text_changed=timezone.now() - SETTLE - dt.timedelta(seconds=1))
    assert search_catch_up() == 1 and _titles(cast.chair, "尺码") == ["note:双十一复盘"]


OUT_OF_RANGE = [("from", "0001-01-01"), ("to", "9999-12-31"), ("from", "9999-12-31"), ("to", "0001-01-01"), ("from", "1899-12-31")]


@pytest.mark.parametrize("param, value", OUT_OF_RANGE)
def test_dates_out_of_range_are_a_form_error_on_the_page(cast, archive, param, value):
    from django.utils import translation

    client = Client()
    client.force_login(cast.chair)
    r = client.get("/search/", {"q": "退货", param: value})
    assert r.status_code == 200
    with translation.override("zh-hans"):
        assert r.context["errors"] == [translation.gettext("Dates must lie between 1900 and 2200.")]
    assert r.context["date_" + param] == value  # kept in the form for the reader to correct


@pytest.mark.parametrize("param, value", OUT_OF_RANGE)
def test_dates_out_of_range_are_a_422_in_the_api(cast, archive, param, value):
    client = Client()
    client.force_login(cast.chair)
    r = client.get("/api/v1/search", {"q": "退货", param: value})
    assert r.status_code == 422
    body = r.json()
    assert set(body) == {"error", "fields"} and list(body["fields"]) == [param]


def test_the_widest_allowed_dates_search(cast, archive):
    client = Client()
    client.force_login(cast.chair)
    wide = {"q": "退货", "from": "1900-01-01", "to": "2200-12-31"}
    assert len(client.get("/api/v1/search", wide).json()["hits"]) == 2
    assert client.get("/search/", wide).context["errors"] == []


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize(
    "path, param",
    [("/actions/", "due_from"), ("/actions/", "due_to"), ("/actions/export.xlsx", "due_to"), ("/api/v1/actions", "due_from"),
     ("/api/v1/actions", "due_to")],
)  # fmt: skip
def test_the_boards_other_date_inputs_take_the_extremes(cast, archive, path, param, value):
    """The boards compare dates as dates (never zoned), so the extremes simply match or not."""
    client = Client()
    client.force_login(cast.chair)
    assert client.get(path, {param: value, "overdue": "1"}).status_code == 200
