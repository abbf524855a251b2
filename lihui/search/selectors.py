"""Searching the archive: the query becomes index terms (tokens.py), matched through the
database's full-text index, filtered to what the searcher may see, newest first, with a
highlighted snippet per hit. One query for the hits, whatever the data (on SQLite, after
one cheap look into the full-text index: see `_sqlite_page`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lihui.people.models import Person
from lihui.regime.models import Series
from lihui.regime.selectors import series_visible_to

from .models import SearchEntry
from .tokens import Term, fts5_match, normalize, parse_query, pg_tsquery

SNIPPET = 90  # characters around the first hit
SQLITE_FEW = 1000  # a MATCH with more rows than this is read newest first on SQLite (see _sqlite_page)


def _fts5_where(terms: list[Term], *, lookup: bool = True) -> str:
    # lookup=False: the unary + keeps SQLite from fetching the rows through this list of ids.
    return f"{'' if lookup else '+'}search_searchentry.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"


def entries_matching(terms: list[Term], qs: QuerySet[SearchEntry] | None = None) -> QuerySet[SearchEntry]:
    qs = SearchEntry.objects.all() if qs is None else qs
    if connection.vendor == "postgresql":
        where, params = [], []
        for column in ("bi", "uni"):
            query = pg_tsquery(terms, column)
            if query:
                # The stored vectors of migration 0002, each with its GIN index.
                where.append(f"search_searchentry.{column}_tsv @@ to_tsquery('simple'::regconfig, %s)")
                params.append(query)
        return qs.extra(where=where, params=params)
    return qs.extra(where=[_fts5_where(terms)], params=[fts5_match(terms)])


def _index_on(*fields: str) -> str:
    return next(i.name for i in SearchEntry._meta.indexes if tuple(i.fields) == fields)


def _sqlite_page(
    qs: QuerySet[SearchEntry], terms: list[Term], *, visible: QuerySet, one_series: bool, offset: int, count: int
) -> QuerySet[SearchEntry]:
    """The matching rows of one page of `qs` (ordered newest first), as a query by id.

    SQLite cannot know how many rows a MATCH finds, so left alone it always starts from the
    full-text index: it fetches every matching row with its series and meeting and sorts them
    all to keep 21 — half a second for a word in 5 % of a million rows (bench/search.py).
    Instead one look into the full-text index, which stops after SQLITE_FEW matches, picks the
    plan. Fewer: the ids still come from the full-text index (at most that many row lookups).
    More: the rows are read newest first through an index on the date, each id checked against
    the matches, until the page is full — the (series, date) index, series by series, when one
    series is chosen or the searcher sees a quarter of the series or less, else the date index.
    Either way only ids and dates are sorted and the page's rows are then fetched by id: the
    same hits in the same order as the plain query, in two queries whatever the data."""
    try:
        visible_sql, visible_params = visible.values("id").query.sql_with_params()
    except EmptyResultSet:  # the searcher sees no series
        return SearchEntry.objects.none()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT 1 FROM search_fts WHERE search_fts MATCH %s LIMIT 1 OFFSET %s) IS NOT NULL,"
            f" (SELECT count(*) FROM ({visible_sql})), (SELECT count(*) FROM {connection.ops.quote_name(Series._meta.db_table)})",
            [fts5_match(terms), SQLITE_FEW, *visible_params],
        )
        many, seen, every = cursor.fetchone()
    ids = qs.extra(where=[_fts5_where(terms, lookup=not many)], params=[fts5_match(terms)])
    sql, params = ids.values("id")[offset : offset + count].query.sql_with_params()
    if many:
        table = connection.ops.quote_name(SearchEntry._meta.db_table)
        index = _index_on("series", "date") if one_series or 4 * seen <= every else _index_on("date")
        head = f"FROM {table} WHERE "
        if sql.count(head) == 1:  # else leave the plan to SQLite
            sql = sql.replace(head, f"FROM {table} INDEXED BY {index} WHERE ")
    return SearchEntry.objects.extra(where=[f"search_searchentry.id IN ({sql})"], params=params).order_by("-date", "-id")


@dataclass
class Hit:
    entry: SearchEntry
    snippet: SafeString


def snippet(text: str, terms: list[Term]) -> SafeString:
    """A window of the text around the first hit, every hit in it marked, the rest escaped.
    Matching is on the normalized text (NFKC, lower case), which has the same length for
    the characters we index, so positions carry over to the original."""
    norm = normalize(text)
    if len(norm) != len(text):  # rare: NFKC changed the length; show the normalized text
        text = norm
    needles = sorted({t.text for t in terms}, key=len, reverse=True)
    first = min((p for p in (norm.find(n) for n in needles) if p >= 0), default=0)
    start = max(0, first - SNIPPET // 3)
    end = min(len(text), start + SNIPPET)
    window, wnorm = text[start:end], norm[start:end]
    marks: list[tuple[int, int]] = []
    for n in needles:
        i = wnorm.find(n)
        while i >= 0:
            if not any(a < i + len(n) and i < b for a, b in marks):
                marks.append((i, i + len(n)))
            i = wnorm.find(n, i + len(n))
    out, pos = [], 0
    for a, b in sorted(marks):
        out.append(escape(window[pos:a]) + "<mark>" + escape(window[a:b]) + "</mark>")
        pos = b
    out.append(escape(window[pos:]))
    html = "".join(out).replace("\n", " ")
    return mark_safe(("…" if start else "") + html + ("…" if end < len(text) else ""))  # noqa: S308 — escaped above


def search(
    *,
    person: Person,
    query: str,
    series_id: int | None = None,
    kind: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Hit], bool]:
    """Hits newest first, and whether there are more. Raises tokens.QueryError."""
    terms = parse_query(query)
    visible = series_visible_to(person=person)
    qs = SearchEntry.objects.filter(series__in=visible)
    if series_id is not None:
        qs = qs.filter(series_id=series_id)
    if kind:
        qs = qs.filter(kind=kind)
    zone = timezone.get_current_timezone()  # the searcher's days
    if date_from:
        qs = qs.filter(date__gte=dt.datetime.combine(date_from, dt.time.min, zone))
    if date_to:
        qs = qs.filter(date__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, zone))
    qs = qs.order_by("-date", "-id")
    if connection.vendor == "sqlite":
        page = _sqlite_page(qs, terms, visible=visible, one_series=series_id is not None, offset=offset, count=limit + 1)
        rows = list(page.select_related("series", "meeting"))
    else:
        rows = list(entries_matching(terms, qs).select_related("series", "meeting")[offset : offset + limit + 1])
    more = len(rows) > limit
    hits, seen = [], set()
    for entry in rows[:limit]:
        key = (entry.kind, entry.object_id)
        if key in seen:  # another chunk of the same text
            continue
        seen.add(key)
        hits.append(Hit(entry=entry, snippet=snippet(entry.body, terms)))
    return hits, more
