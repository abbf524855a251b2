"""复盘报告 pages: the review of a series for a month or a quarter, and its downloads."""

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lihui.regime.selectors import series_can_manage
from lihui.regime.views.series import _visible_series

from .review import ReviewPeriodError, review_docx, review_markdown, review_period, review_report


def _report(request, pk: int):
    """The report the query asks for; ReviewPeriodError (translated) for a bad kind or period."""
    series = _visible_series(request, pk)
    kind = request.GET.get("kind") or series.review_period
    today = timezone.localtime(timezone.now(), ZoneInfo(series.time_zone)).date()
    start, end = review_period(kind, request.GET.get("period") or None, today=today)
    return series, kind, review_report(series=series, kind=kind, start=start, end=end)


def _filename(report, ext: str) -> str:
    return f"review-{report.series.pk}-{report.start:%Y-%m}.{ext}"


@login_required
def review(request, pk: int):
    series = _visible_series(request, pk)
    context = {"series": series, "can_manage": series_can_manage(person=request.user, series=series),
               "kind": request.GET.get("kind") or series.review_period, "period": request.GET.get("period", "")}  # fmt: skip
    try:
        _series, _kind, report = _report(request, pk)
    except ReviewPeriodError as e:
        context["error"] = str(e)
        return render(request, "insights/review.html", context, status=422)
    context["report"] = report
    return render(request, "insights/review.html", context)


@login_required
def review_docx_file(request, pk: int):
    try:
        _series, _kind, report = _report(request, pk)
    except ReviewPeriodError as e:
        return HttpResponse(str(e), status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(review_docx(report), content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "docx")}"'
    return response


@login_required
def review_md_file(request, pk: int):
    try:
        _series, _kind, report = _report(request, pk)
    except ReviewPeriodError as e:
        return HttpResponse(str(e), status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(review_markdown(report), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "md")}"'
    return response
