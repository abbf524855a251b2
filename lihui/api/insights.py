"""API for compliance (制度执行情况) and health (例会健康度): the same selectors as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from lihui.insights.health import DEFAULT_PERIOD, PERIODS, HealthReport, health_report
from lihui.insights.selectors import meeting_compliance
from lihui.meetings.selectors import meeting_visible_or_404
from lihui.regime.models import Series
from lihui.regime.selectors import series_visible_to

from .errors import ERRORS
from .schemas import Id

router = Router(tags=["insights"])


class CheckOut(Schema):
    key: str
    label: str
    passed: bool | None  # null: not applicable to this meeting
    evidence: str


class ComplianceOut(Schema):
    meeting: int
    status: str
    measured: bool  # only held meetings are measured
    score: int | None  # passed ÷ applicable checks, in percent
    passed: int
    applicable: int
    checks: list[CheckOut]


class ColumnOut(Schema):
    key: str
    label: str
    kind: str


class MeasureOut(Schema):
    key: str
    title: str
    description: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    summary: dict[str, Any]


class PeriodOut(Schema):
    start: dt.date
    end: dt.date
    label: str


class HealthOut(Schema):
    series: int | None
    period: str
    unit: Literal["week", "month"]
    periods: list[PeriodOut]
    held_meetings: int
    measures: list[MeasureOut]


class PeriodQuery(Schema):
    period: str = DEFAULT_PERIOD


@router.get("/meetings/{meeting_id}/compliance", response={200: ComplianceOut, **ERRORS})
def compliance_get(request, meeting_id: Id):
    """The meeting's checklist against its series' rules, with evidence and a score.
    A meeting not held (yet) is not measured: `measured: false`, no checks."""
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    result = meeting_compliance(meeting=meeting)
    if result is None:
        return {"meeting": meeting.pk, "status": meeting.status, "measured": False, "score": None, "passed": 0,
                "applicable": 0, "checks": []}  # fmt: skip
    return {
        "meeting": meeting.pk, "status": meeting.status, "measured": True, "score": result.score,
        "passed": result.passed, "applicable": result.applicable,
        "checks": [{"key": c.key, "label": c.label, "passed": c.passed, "evidence": c.evidence} for c in result.checks],
    }  # fmt: skip


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is not None and not isinstance(value, (int, float, str, bool)):
        return float(value)  # Decimal KPI values
    return value


def _health_out(report: HealthReport, series_id: int | None) -> dict:
    scope = report.scope
    return {
        "series": series_id,
        "period": scope.period,
        "unit": scope.unit,
        "periods": [{"start": p.start, "end": p.end, "label": p.label} for p in scope.periods],
        "held_meetings": report.held_meetings,
        "measures": [
            {
                "key": m.key, "title": m.title, "description": m.description,
                "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in m.columns],
                "rows": [{k: _plain(v) for k, v in row.items()} for row in m.rows],
                "summary": m.summary,
            }  # fmt: skip
            for m in report.measures
        ],
    }


def _period(q: PeriodQuery) -> str:
    if q.period not in PERIODS:
        raise ValidationError({"period": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(PERIODS)}]})
    return q.period


@router.get("/series/{series_id}/health", response={200: HealthOut, **ERRORS})
def series_health(request, series_id: Id, q: Query[PeriodQuery]):
    """例会健康度 of one series per week ("12w") or month ("6m", "12m"): every measure's
    table (columns and rows). No held meeting in the range: `held_meetings: 0`, no measures."""
    series = get_object_or_404(series_visible_to(person=request.user), pk=series_id)
    period = _period(q)
    return _health_out(health_report(series=Series.objects.filter(pk=series.pk), period=period), series.pk)


@router.get("/health", response={200: HealthOut, **ERRORS})
def health(request, q: Query[PeriodQuery]):
    """例会健康度 across every series the caller sees (admins: the whole organisation)."""
    period = _period(q)
    return _health_out(health_report(series=series_visible_to(person=request.user), period=period), None)
