"""例会健康度 pages: one series, or every series the viewer sees; tables as CSV."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lihui.documents import spreadsheet_text
from lihui.regime.models import Series
from lihui.regime.selectors import person_is_admin, series_can_manage, series_visible_to
from lihui.web import file_response

from ..health import DEFAULT_PERIOD, MEASURE_KEYS, PERIOD_LABELS, PERIODS, Measure, PeriodError, health_report
from ..selectors import recommendation_list, series_recommendations


def _csv(measure: Measure, *, name: str) -> HttpResponse:
    out = io.StringIO()
    out.write("\ufeff")  # a BOM, so spreadsheet programs read the Chinese as UTF-8
    writer = csv.writer(out)
    writer.writerow([c.label for c in measure.columns])
    for row in measure.table():
        # Names and titles are typed by people: never let a spreadsheet read one as a formula.
        writer.writerow(["" if v is None else spreadsheet_text(v) for v in row])
    return file_response(out.getvalue(), filename=f"{name}-{measure.key}.csv", content_type="text/csv; charset=utf-8")


def _page(request, *, series_qs, series: Series | None, name: str):
    period = request.GET.get("period") or DEFAULT_PERIOD
    wants_csv = request.GET.get("format") == "csv"
    measure_key = request.GET.get("measure") or ""
    context = {
        "series": series,
        "period": period,
        "periods": [(key, PERIOD_LABELS[key]) for key in PERIODS],
        "org_wide": series is None and person_is_admin(request.user),
    }
    if wants_csv and measure_key not in MEASURE_KEYS:
        context["error"] = _("Unknown table “%(measure)s”: choose one of %(choices)s.") % {
            "measure": measure_key, "choices": ", ".join(MEASURE_KEYS)}
        return render(request, "insights/health.html", context, status=400)
    try:
        report = health_report(series=series_qs, period=period, only=measure_key if wants_csv else None)
    except PeriodError as exc:
        context["period"] = DEFAULT_PERIOD
        context["error"] = str(exc)
        return render(request, "insights/health.html", context, status=400)
    if wants_csv:
        return _csv(report.measure(measure_key), name=f"{name}-{period}")
    context["report"] = report
    context.update(_recommendations(request, series))
    return render(request, "insights/health.html", context)


def _recommendations(request, series: Series | None) -> dict:
    """A series page: its recommendations. The organisation page: those of the series the
    viewer chairs (admins: every series), as `recommendation_list` bounds them."""
    if series is not None:
        return {"recommendations": series_recommendations(series=series),
                "can_manage": series_can_manage(person=request.user, series=series)}  # fmt: skip
    return {"series_advice": recommendation_list(person=request.user), "can_manage": True}


@login_required
@require_GET
def health(request):
    """Every series the viewer sees (for admins, the whole organisation)."""
    return _page(request, series_qs=series_visible_to(person=request.user), series=None, name="health")


@login_required
@require_GET
def series_health(request, pk: int):
    series = series_visible_to(person=request.user).filter(pk=pk).first()
    if series is None:
        raise Http404
    return _page(request, series_qs=Series.objects.filter(pk=pk), series=series, name=f"series-{pk}-health")

