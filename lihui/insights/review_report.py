"""复盘报告: a series' monthly or quarterly review, as Markdown (charts embedded as PNG
data) and Word (.docx, charts as pictures) — the period's headline figures, the health
measures over the six months ending with the period (so the period reads against the ones
before it), and the recommendations as they stood at the period's end.

`review_report_period(kind, value)` parses "2026-10" (monthly) or "2026-Q4" (quarterly);
without a value it is the last complete period. `lihui.insights.selectors.review_report(
series=…, kind=…, start=…)` builds the report (a constant number of queries);
`review_report_markdown` and `review_report_docx` render it in the active language."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lihui import documents as d
from lihui.markdown import markdown_escape as esc
from lihui.regime.models import Series

from .chart_images import chart_png
from .health import Column, HealthReport
from .recommendations import Recommendation

KINDS = ("monthly", "quarterly")


class ReviewReportPeriodError(ValueError):
    """Bad period input; the message is translated."""


def _month_start(day: dt.date, months: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def review_report_period(kind: str, value: str | None, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """(first day, first day after) of the month "YYYY-MM" or quarter "YYYY-Qn"; without a
    value, the last complete one before `today`. Periods that have not ended are allowed
    (a report so far); periods starting after today are refused."""
    if kind not in KINDS:
        raise ReviewReportPeriodError(_("Choose a monthly or a quarterly review."))
    if kind == "monthly":
        if not value:
            start = _month_start(today, -1)
        else:
            match = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
            if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
                raise ReviewReportPeriodError(_("Give the month as YYYY-MM, e.g. 2026-10."))
            start = dt.date(int(match[1]), int(match[2]), 1)
        end = _month_start(start, 1)
    else:
        if not value:
            current = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
            start = _month_start(current, -3)
        else:
            match = re.fullmatch(r"(\d{4})-?Q([1-4])", value.strip().upper())
            if not match or not 2000 <= int(match[1]) <= 2100:
                raise ReviewReportPeriodError(_("Give the quarter as YYYY-Qn, e.g. 2026-Q4."))
            start = dt.date(int(match[1]), 3 * (int(match[2]) - 1) + 1, 1)
        end = _month_start(start, 3)
    if start > today:
        raise ReviewReportPeriodError(_("This period has not started yet."))
    return start, end


def period_label(kind: str, start: dt.date) -> str:
    if kind == "monthly":
        return date_format(start, "YEAR_MONTH_FORMAT")
    return _("Q%(quarter)d %(year)d") % {"quarter": (start.month - 1) // 3 + 1, "year": start.year}


@dataclass
class ReviewReport:
    series: Series
    kind: str
    start: dt.date
    end: dt.date  # exclusive
    title: str
    headline: list[tuple[str, str]]
    held: int
    health: HealthReport
    recommendations: list[Recommendation] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.held == 0


def _fmt(value, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == "percent":
        return f"{value:.0f}%" if isinstance(value, (int, float)) else str(value)
    if kind in ("number", "hours", "days") and isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _table(columns: list[Column], rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    return [c.label for c in columns], [[_fmt(row.get(c.key), c.kind) for c in columns] for row in rows]


def _cell(text: str) -> str:
    return esc(text).replace("\n", " ")


def review_report_markdown(report: ReviewReport) -> str:
    lines = [f"# {esc(report.title)}", ""]
    generated = date_format(timezone.localtime(), "DATE_FORMAT")
    period, generated_label = esc(_("Period")), esc(_("Generated"))
    lines += [f"{period}: {esc(period_label(report.kind, report.start))} · {generated_label}: {esc(generated)}", ""]
    if report.empty:
        lines.append(esc(_("No meeting was held in this period: there is nothing to review.")))
        return "\n".join(lines) + "\n"
    summary, figure, value = esc(_("Summary")), esc(_("Figure")), esc(_("Value"))
    lines += [f"## {summary}", "", f"| {figure} | {value} |", "| --- | --- |"]
    lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in report.headline]
    recommendations = esc(_("Recommendations"))
    lines += ["", f"## {recommendations}", ""]
    if report.recommendations:
        for r in report.recommendations:
            lines.append(f"- **{esc(r.text)}**")
            lines += [f"    - {esc(e)}" for e in r.evidence]
    else:
        lines.append(esc(_("Nothing to improve right now: the recent meetings follow the regime.")))
    over_six_months = esc(_("Health over six months"))
    lines += ["", f"## {over_six_months}", ""]
    for measure in report.health.measures:
        if not measure.rows:
            continue
        lines += [f"### {esc(measure.title)}", "", esc(measure.description), ""]
        for chart in measure.charts:
            if not chart.empty:
                data = base64.b64encode(chart_png(chart)).decode()
                lines += [f"![{esc(chart.title or measure.title)}](data:image/png;base64,{data})", ""]
        header, rows = _table(measure.columns, measure.rows)
        lines.append("| " + " | ".join(_cell(h) for h in header) + " |")
        lines.append("|" + " --- |" * len(header))
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines) + "\n"


def review_report_docx(report: ReviewReport) -> bytes:
    from docx.shared import Cm

    doc = d.new_document(title=report.title)
    d.heading(doc, report.title, 0)
    d.field(doc, _("Series"), report.series.title)
    d.field(doc, _("Period"), period_label(report.kind, report.start))
    d.field(doc, _("Generated"), date_format(timezone.localtime(), "DATE_FORMAT"))
    if report.empty:
        d.paragraph(doc, _("No meeting was held in this period: there is nothing to review."))
        return d.to_bytes(doc)
    d.heading(doc, _("Summary"), 1)
    d.table(doc, [_("Figure"), _("Value")], [[k, v] for k, v in report.headline], widths=[9, 6])
    d.heading(doc, _("Recommendations"), 1)
    if report.recommendations:
        for r in report.recommendations:
            d.paragraph(doc, r.text, bold=True)
            d.bullets(doc, r.evidence)
    else:
        d.paragraph(doc, _("Nothing to improve right now: the recent meetings follow the regime."))
    d.heading(doc, _("Health over six months"), 1)
    width = d.text_width(doc)
    for measure in report.health.measures:
        if not measure.rows:
            continue
        d.heading(doc, measure.title, 2)
        d.paragraph(doc, measure.description, size=d.TABLE_PT, color=d.MUTED_COLOR)
        for chart in measure.charts:
            if not chart.empty:
                doc.add_picture(io.BytesIO(chart_png(chart)), width=min(width, Cm(16)))
        header, rows = _table(measure.columns, measure.rows)
        if len(header) <= 8:
            d.table(doc, header, rows, size=d.TABLE_PT - 1)
        else:  # too wide for a page: one table per group of columns, the period repeated
            for first in range(1, len(header), 6):
                cols = [0] + list(range(first, min(first + 6, len(header))))
                d.table(doc, [header[i] for i in cols], [[row[i] for i in cols] for row in rows], size=d.TABLE_PT - 1)
                d.paragraph(doc, "")
    return d.to_bytes(doc)


def review_report_filename(report, ext: str) -> str:
    """The download name of a review report (page and API alike)."""
    return f"review-{report.series.pk}-{report.start:%Y-%m}.{ext}"
