"""复盘报告 pages: the review report of a series for a month or a quarter, and its downloads."""

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lihui.regime.selectors import series_can_manage, series_visible_or_404
from lihui.web import DOCX, MARKDOWN, file_response

from ..review_report import (
    ReviewReportPeriodError,
    review_report_docx,
    review_report_filename,
    review_report_markdown,
    review_report_period,
)
from ..selectors import review_report


def _review_report(request, pk: int):
    """The report the query asks for; ReviewReportPeriodError (translated) for a bad kind or period."""
    series = series_visible_or_404(person=request.user, pk=pk)
    kind = request.GET.get("kind") or series.review_period
    today = timezone.localtime(timezone.now(), ZoneInfo(series.time_zone)).date()
    start, end = review_report_period(kind, request.GET.get("period") or None, today=today)
    return series, kind, review_report(series=series, kind=kind, start=start, end=end)


@login_required
def review_report_page(request, pk: int):
    series = series_visible_or_404(person=request.user, pk=pk)
    context = {"series": series, "can_manage": series_can_manage(person=request.user, series=series),
               "kind": request.GET.get("kind") or series.review_period, "period": request.GET.get("period", "")}  # fmt: skip
    try:
        _series, _kind, report = _review_report(request, pk)
    except ReviewReportPeriodError as e:
        context["error"] = str(e)
        return render(request, "insights/review.html", context, status=422)
    context["report"] = report
    return render(request, "insights/review.html", context)


@login_required
def review_report_docx_file(request, pk: int):
    try:
        _series, _kind, report = _review_report(request, pk)
    except ReviewReportPeriodError as e:
        return HttpResponse(str(e), status=422, content_type="text/plain; charset=utf-8")
    return file_response(review_report_docx(report), filename=review_report_filename(report, "docx"), content_type=DOCX)


@login_required
def review_report_md_file(request, pk: int):
    try:
        _series, _kind, report = _review_report(request, pk)
    except ReviewReportPeriodError as e:
        return HttpResponse(str(e), status=422, content_type="text/plain; charset=utf-8")
    return file_response(review_report_markdown(report), filename=review_report_filename(report, "md"), content_type=MARKDOWN)
