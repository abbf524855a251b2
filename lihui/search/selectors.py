"""Searching the archive: the query becomes index terms (tokens.py), matched through the
database's full-text index, filtered to what the searcher may see, newest first, with a
highlighted snippet per hit. One query for the hits, whatever the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lihui.people.models import Person
from lihui.regime.selectors import series_visible_to

from .models import SearchEntry
from .tokens import Term, fts5_match, normalize, parse_query, pg_tsquery

SNIPPET = 90  # characters around the first hit


def entries_matching(terms: list[Term], qs: QuerySet[SearchEntry] | None = None) -> QuerySet[SearchEntry]:
    qs = SearchEntry.objects.all() if qs is None else qs
    if connection.vendor == "postgresql":
        where, params = [], []
        for column in ("bi", "uni"):
            query = pg_tsquery(terms, column)
            if query:
                # Must match the GIN index expressions in the migration exactly.
                where.append(f"to_tsvector('simple'::regconfig, search_searchentry.{column}) @@ to_tsquery('simple'::regconfig, %s)")
                params.append(query)
        return qs.extra(where=where, params=params)
    return qs.extra(where=["search_searchentry.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"], params=[fts5_match(terms)])


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
    qs = SearchEntry.objects.filter(series__in=series_visible_to(person=person))
    if series_id is not None:
        qs = qs.filter(series_id=series_id)
    if kind:
        qs = qs.filter(kind=kind)
    zone = timezone.get_current_timezone()  # the searcher's days
    if date_from:
        qs = qs.filter(date__gte=dt.datetime.combine(date_from, dt.time.min, zone))
    if date_to:
        qs = qs.filter(date__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, zone))
    qs = entries_matching(terms, qs).select_related("series", "meeting").order_by("-date", "-id")
    rows = list(qs[offset : offset + limit + 1])
    more = len(rows) > limit
    hits, seen = [], set()
    for entry in rows[:limit]:
        key = (entry.kind, entry.object_id)
        if key in seen:  # another chunk of the same text
            continue
        seen.add(key)
        hits.append(Hit(entry=entry, snippet=snippet(entry.body, terms)))
    return hits, more
