"""API for improvement: a series' recommendations (改进建议) with their evidence, and its
monthly or quarterly review report (复盘报告) as JSON, Markdown or Word."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from lihui.insights.review_report import (
    ReviewReportPeriodError,
    review_report_docx,
    review_report_filename,
    review_report_markdown,
    review_report_period,
)
from lihui.insights.selectors import review_report, series_recommendations
from lihui.regime.selectors import series_visible_or_404
from lihui.web import DOCX, MARKDOWN, file_response

from .errors import ERRORS, error_body
from .schemas import Id

router = Router(tags=["improvement"])


class ApplyOut(Schema):
    label: str
    url: str
    method: Literal["get", "post"]
    fields: dict[str, int | str]


class RecommendationOut(Schema):
    key: str = Field(description="the rule: overrun, action_on_time, reporting, satisfaction, absentee:<person id>")
    text: str
    evidence: list[str]
    figures: dict
    apply: ApplyOut | None


class FigureOut(Schema):
    label: str
    value: str


class ReviewOut(Schema):
    title: str
    kind: Literal["monthly", "quarterly"]
    start: dt.date
    end: dt.date = Field(description="the first day after the period")
    held_meetings: int
    headline: list[FigureOut]
    recommendations: list[RecommendationOut]


class ReviewQuery(Schema):
    kind: Literal["monthly", "quarterly"] = "monthly"
    period: str | None = Field(None, max_length=20, description="YYYY-MM or YYYY-Qn; empty: the last complete period")


def _recommendation_out(r) -> dict:
    apply = None
    if r.apply:
        apply = {"label": r.apply.label, "url": r.apply.url, "method": r.apply.method, "fields": r.apply.fields}
    return {"key": r.key, "text": r.text, "evidence": r.evidence, "figures": r.figures, "apply": apply}


@router.get("/series/{series_id}/recommendations", response={200: list[RecommendationOut], **ERRORS})
def recommendations(request, series_id: Id):
    return [_recommendation_out(r) for r in series_recommendations(series=series_visible_or_404(person=request.user, pk=series_id))]


def _report(request, series_id: int, query: ReviewQuery):
    series = series_visible_or_404(person=request.user, pk=series_id)
    today = timezone.localtime(timezone.now(), ZoneInfo(series.time_zone)).date()
    try:
        start, end = review_report_period(query.kind, query.period, today=today)
    except ReviewReportPeriodError as e:
        return None, error_body(str(e), {"period": [str(e)]})
    return review_report(series=series, kind=query.kind, start=start, end=end), None


# Named for the period review report (复盘报告, not the action review); the operationIds that
# clients already use stay as published.
@router.get("/series/{series_id}/review", response={200: ReviewOut, **ERRORS}, operation_id="lihui_api_review_review", summary="Review")
def review_report_get(request, series_id: Id, query: Query[ReviewQuery]):
    report, problem = _report(request, series_id, query)
    if problem:
        return Status(422, problem)
    return {
        "title": report.title, "kind": report.kind, "start": report.start, "end": report.end, "held_meetings": report.held,
        "headline": [{"label": k, "value": v} for k, v in report.headline],
        "recommendations": [_recommendation_out(r) for r in report.recommendations],
    }  # fmt: skip


@router.get(
    "/series/{series_id}/review.md",
    response={200: None, **ERRORS},
    operation_id="lihui_api_review_review_md",
    summary="Review Md",
    openapi_extra={"responses": {200: {"description": "Markdown", "content": {"text/markdown": {"schema": {"type": "string"}}}}}},
)
def review_report_md(request, series_id: Id, query: Query[ReviewQuery]):
    report, problem = _report(request, series_id, query)
    if problem:
        return Status(422, problem)
    return file_response(review_report_markdown(report), filename=review_report_filename(report, "md"), content_type=MARKDOWN)


@router.get(
    "/series/{series_id}/review.docx",
    response={200: None, **ERRORS},
    operation_id="lihui_api_review_review_word",
    summary="Review Word",
    openapi_extra={"responses": {200: {"description": "Word", "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}}},
)
def review_report_word(request, series_id: Id, query: Query[ReviewQuery]):
    report, problem = _report(request, series_id, query)
    if problem:
        return Status(422, problem)
    return file_response(review_report_docx(report), filename=review_report_filename(report, "docx"), content_type=DOCX)
