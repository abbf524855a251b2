"""API for the archive search (the same selector as the page)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from lihui.search.selectors import search
from lihui.search.services import search_catch_up
from lihui.search.tokens import MAX_QUERY, QueryError

from .errors import ERRORS
from .schemas import Day, Id, NoNul

router = Router(tags=["search"])
Kind = Literal["minutes", "note", "decision", "action", "item", "report"]


class SearchFilter(NoNul):
    q: Annotated[str, Field(min_length=1, max_length=MAX_QUERY, description="words to find; Chinese needs no spaces")]
    series: Id | None = None
    kind: Kind | None = None
    date_from: Day | None = Field(None, alias="from")
    date_to: Day | None = Field(None, alias="to")
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    offset: Annotated[int, Field(ge=0, le=10_000)] = 0


class HitOut(Schema):
    kind: Kind
    id: int = Field(description="the decision, action, agenda item, report or minutes it comes from")
    title: str
    snippet: str = Field(description="HTML: the text around the first hit, escaped, hits in <mark>")
    series: int
    series_title: str
    meeting: int
    date: dt.datetime


class SearchOut(Schema):
    hits: list[HitOut]
    more: bool


@router.get("/search", response={200: SearchOut, **ERRORS})
def search_archive(request, f: Query[SearchFilter]):
    """Search minutes, notes, decisions, actions, agenda items and reports of the series
    the caller may see, newest first."""
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise ValidationError({"from": [_("The start date is after the end date.")]})
    search_catch_up()
    try:
        hits, more = search(
            person=request.user, query=f.q, series_id=f.series, kind=f.kind, date_from=f.date_from, date_to=f.date_to,
            limit=f.limit, offset=f.offset,
        )  # fmt: skip
    except QueryError as exc:
        raise ValidationError({"q": [str(exc)]}) from exc
    return {
        "hits": [
            {
                "kind": h.entry.kind, "id": h.entry.object_id, "title": h.entry.title, "snippet": str(h.snippet),
                "series": h.entry.series_id, "series_title": h.entry.series.title, "meeting": h.entry.meeting_id, "date": h.entry.date,
            }  # fmt: skip
            for h in hits
        ],
        "more": more,
    }
