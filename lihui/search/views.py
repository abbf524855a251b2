"""The archive search page."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from lihui.regime.cadence import FIRST_DAY, LAST_DAY
from lihui.regime.selectors import series_visible_to

from .models import SearchEntry
from .selectors import search
from .services import search_catch_up
from .tokens import QueryError

PER_PAGE = 20


def _date(value: str, field: str, errors: list[str]) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        errors.append(_("%(field)s: enter a valid date (YYYY-MM-DD).") % {"field": field})
        return None
    if not FIRST_DAY <= day <= LAST_DAY:  # year 1 or 9999 overflows once zoned
        errors.append(_("Dates must lie between 1900 and 2200."))
        return None
    return day


@login_required
def search_page(request):
    q = request.GET.get("q", "").strip()
    errors: list[str] = []
    series_choices = list(series_visible_to(person=request.user).only("id", "title").order_by("title"))
    series = request.GET.get("series", "")
    series_id = int(series) if series.isdigit() and any(s.pk == int(series) for s in series_choices) else None
    kind = request.GET.get("kind", "")
    kind = kind if kind in SearchEntry.Kind.values else ""
    date_from = _date(request.GET.get("from", ""), _("From"), errors)
    date_to = _date(request.GET.get("to", ""), _("To"), errors)
    if date_from and date_to and date_from > date_to:
        errors.append(_("The start date is after the end date."))
        date_from = date_to = None
    page = request.GET.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) <= 500 else 1
    hits, more = [], False
    if q:
        search_catch_up()  # what was typed a moment ago is found
        try:
            hits, more = search(
                person=request.user, query=q, series_id=series_id, kind=kind or None,
                date_from=date_from, date_to=date_to, limit=PER_PAGE, offset=(page - 1) * PER_PAGE,
            )  # fmt: skip
        except QueryError as exc:
            errors.append(str(exc))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "search/search.html",
        {
            "q": q, "hits": hits, "more": more, "page": page, "errors": errors, "query_string": params.urlencode(),
            "series_choices": series_choices, "series_id": series_id, "kind": kind, "kinds": SearchEntry.Kind.choices,
            "date_from": request.GET.get("from", ""), "date_to": request.GET.get("to", ""),
        },  # fmt: skip
    )
