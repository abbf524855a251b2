"""Small server-side SVG charts: line, bar, stacked bar and horizontal bar.

No JavaScript and no external assets: the SVG is written into the page, its text inherits
the page's font (so Chinese renders with the CJK font the stylesheet names), and it carries
role="img" with a <title> and a <desc> naming every value, for screen readers. Every chart
sits next to a table with the same figures.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#1d4f91", "#b42318", "#1f7a4d", "#a15c07", "#6941c6", "#0e7490", "#616e7c"]
WIDTH = 560
FONT = 12
_ids = itertools.count(1)


@dataclass
class ChartSeries:
    label: str
    values: list[float | None]
    dashed: bool = False


@dataclass
class Chart:
    kind: str  # line, bar, stacked, hbar
    labels: list[str]  # x categories (hbar: one bar each)
    series: list[ChartSeries] = field(default_factory=list)
    title: str = ""
    unit: str = ""  # "%", "h" or a KPI's unit: appended to values in the description
    y_max: float | None = None
    y_min: float = 0
    fit: bool = False  # scale the y axis to the values instead of starting at y_min

    @property
    def empty(self) -> bool:
        return not any(v is not None for s in self.series for v in s.values)

    def svg(self) -> SafeString:
        return render(self)


def text_width(text: str, size: float = FONT) -> float:
    """Rough rendered width: CJK (and other wide) characters are square, Latin about half."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in str(text))


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _ticks(span: float) -> int:
    """How many intervals the axis gets: whole steps for small counts (0–4 → 4 steps of 1)."""
    if span <= 0:
        return 1
    if span <= 6 and span == int(span):
        return int(span)
    for n in (5, 4, 6, 3):
        if (span / n) == round(span / n, 2):
            return n
    return 5


def _t(x: float, y: float, text: str, *, anchor: str = "middle", size: int = FONT, fill: str = "#616e7c", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{extra}>'
            f"{escape(text)}</text>")  # fmt: skip


def _legend(chart: Chart, top: float, kinds: str) -> tuple[list[str], float]:
    """Legend entries flowing left to right, wrapping to new lines; returns (parts, height)."""
    parts, x, y = [], 8.0, top + 14
    for i, s in enumerate(chart.series):
        w = 26 + text_width(s.label) + 16
        if x + w > WIDTH and x > 8:
            x, y = 8.0, y + 20
        color = PALETTE[i % len(PALETTE)]
        if kinds == "line":
            dash = ' stroke-dasharray="5 4"' if s.dashed else ""
            parts.append(f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 20:.1f}" y2="{y - 4:.1f}" stroke="{color}" stroke-width="2.5"{dash}/>')
        else:
            parts.append(f'<rect x="{x + 4:.1f}" y="{y - 10:.1f}" width="12" height="12" rx="2" fill="{color}"/>')
        parts.append(_t(x + 26, y, s.label, anchor="start", fill="#1f2933"))
        x += w
    return parts, (y - top) + 10


def _desc(chart: Chart) -> str:
    unit = chart.unit
    lines = []
    for s in chart.series:
        values = ", ".join(f"{label} {_num(v)}{unit}" for label, v in zip(chart.labels, s.values) if v is not None)
        lines.append(f"{s.label}: {values or '—'}")
    return "; ".join(lines)


def _frame(chart: Chart, height: float, body: list[str]) -> SafeString:
    n = next(_ids)
    title_id, desc_id = f"chart-{n}-title", f"chart-{n}-desc"
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" style="font-family: inherit; max-width: {WIDTH}px">'
        f'<title id="{title_id}">{escape(chart.title)}</title><desc id="{desc_id}">{escape(_desc(chart))}</desc>'
        + "".join(body) + "</svg>"
    )  # fmt: skip


def render(chart: Chart) -> SafeString:
    if chart.kind == "hbar":
        return _hbar(chart)
    return _columns(chart)


def _columns(chart: Chart) -> SafeString:
    """Line, bar and stacked bar over periods: y axis with gridlines, x labels (slanted when
    crowded), legend below."""
    values = [v for s in chart.series for v in s.values if v is not None]
    if chart.kind == "stacked":
        sums = [sum(s.values[i] or 0 for s in chart.series) for i in range(len(chart.labels))]
        values = sums
    top = chart.y_max if chart.y_max is not None else _nice_max(max(values, default=0))
    if values and max(values) > top * 1.005:  # rounded shares may add up to 100.1 %
        top = _nice_max(max(values))
    bottom = chart.y_min
    if chart.fit and values:
        # Values far from zero (a KPI near its target): zoom in on their range.
        lo, hi = min(values), max(values)
        pad = (hi - lo) * 0.15 or abs(hi) * 0.05 or 1
        step = _nice_max((hi - lo + 2 * pad) / 5)
        bottom, top = math.floor((lo - pad) / step) * step, math.ceil((hi + pad) / step) * step
    ticks = int(round((top - bottom) / step)) if chart.fit and values else _ticks(top - bottom)
    n = max(1, len(chart.labels))
    left, right, plot_top, plot_h = 44, 12, 12, 180
    plot_w = WIDTH - left - right
    step = plot_w / n
    crowded = max((text_width(lbl, 11) for lbl in chart.labels), default=0) > step - 4
    label_h = 44 if crowded else 22
    body: list[str] = []

    def y_of(v: float) -> float:
        return plot_top + plot_h - (v - bottom) / ((top - bottom) or 1) * plot_h

    for i in range(ticks + 1):
        v = bottom + (top - bottom) * i / ticks
        y = y_of(v)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#e4e7eb"/>')
        body.append(_t(left - 6, y + 4, _num(round(v, 1)) + ("%" if chart.unit == "%" else ""), anchor="end", size=11))
    axis_y = plot_top + plot_h
    body.append(f'<line x1="{left}" y1="{axis_y}" x2="{WIDTH - right}" y2="{axis_y}" stroke="#9aa5b1"/>')
    body.append(f'<line x1="{left}" y1="{plot_top}" x2="{left}" y2="{axis_y}" stroke="#9aa5b1"/>')
    for i, label in enumerate(chart.labels):
        x = left + step * (i + 0.5)
        if crowded:
            body.append(_t(x, axis_y + 14, label, anchor="end", size=11, extra=f' transform="rotate(-35 {x:.1f} {axis_y + 14:.1f})"'))
        else:
            body.append(_t(x, axis_y + 16, label, size=11))

    if chart.kind == "line":
        for k, s in enumerate(chart.series):
            color = PALETTE[k % len(PALETTE)]
            dash = ' stroke-dasharray="5 4"' if s.dashed else ""
            segment: list[str] = []
            segments: list[list[str]] = []
            for i, v in enumerate(s.values):
                if v is None:
                    if segment:
                        segments.append(segment)
                    segment = []
                    continue
                x, y = left + step * (i + 0.5), y_of(v)
                segment.append(f"{x:.1f},{y:.1f}")
                body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>{escape(s.label)} {escape(chart.labels[i])}: {_num(v)}{escape(chart.unit)}</title></circle>')
            if segment:
                segments.append(segment)
            for seg in segments:
                if len(seg) > 1:
                    body.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
    elif chart.kind == "bar":
        k_count = max(1, len(chart.series))
        bar_w = min(36, step * 0.7 / k_count)
        for k, s in enumerate(chart.series):
            color = PALETTE[k % len(PALETTE)]
            for i, v in enumerate(s.values):
                if v is None:
                    continue
                x = left + step * (i + 0.5) - bar_w * k_count / 2 + bar_w * k
                y = y_of(v)
                body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{max(0, axis_y - y):.1f}" fill="{color}">'
                            f"<title>{escape(chart.labels[i])}: {_num(v)}{escape(chart.unit)}</title></rect>")  # fmt: skip
                if len(chart.labels) <= 12:
                    body.append(_t(x + bar_w / 2, y - 4, _num(v), size=10))
    else:  # stacked
        bar_w = min(36, step * 0.6)
        for i in range(len(chart.labels)):
            base = 0.0
            for k, s in enumerate(chart.series):
                v = s.values[i]
                if not v:
                    continue
                y0, y1 = y_of(base), y_of(base + v)
                x = left + step * (i + 0.5) - bar_w / 2
                body.append(f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" height="{max(0, y0 - y1):.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                            f"<title>{escape(s.label)} {escape(chart.labels[i])}: {_num(v)}{escape(chart.unit)}</title></rect>")  # fmt: skip
                base += v
    legend, legend_h = _legend(chart, axis_y + label_h, "line" if chart.kind == "line" else "box")
    body.extend(legend)
    return _frame(chart, axis_y + label_h + legend_h + 4, body)


def _hbar(chart: Chart) -> SafeString:
    """One horizontal bar per label (long labels, such as rule names, stay readable)."""
    s = chart.series[0] if chart.series else ChartSeries("", [])
    label_w = min(220, max((text_width(lbl) for lbl in chart.labels), default=40) + 12)
    left, right, bar_h, gap, top_pad = label_w, 48, 18, 8, 8
    plot_w = WIDTH - left - right
    top = chart.y_max if chart.y_max is not None else _nice_max(max((v for v in s.values if v is not None), default=0))
    body: list[str] = []
    height = top_pad + len(chart.labels) * (bar_h + gap) + 20
    axis_bottom = top_pad + len(chart.labels) * (bar_h + gap)
    ticks = _ticks(top)
    for i in range(ticks + 1):
        x = left + plot_w * i / ticks
        body.append(f'<line x1="{x:.1f}" y1="{top_pad}" x2="{x:.1f}" y2="{axis_bottom}" stroke="#e4e7eb"/>')
        body.append(_t(x, axis_bottom + 14, _num(round(top * i / ticks, 1)) + ("%" if chart.unit == "%" else ""), size=11))
    for i, (label, v) in enumerate(zip(chart.labels, s.values)):
        y = top_pad + i * (bar_h + gap)
        shown = label if text_width(label) <= label_w - 10 else label[: max(1, int(len(label) * (label_w - 22) / text_width(label)))] + "…"
        body.append(_t(left - 8, y + bar_h / 2 + 4, shown, anchor="end", fill="#1f2933"))
        if v is None:
            body.append(_t(left + 6, y + bar_h / 2 + 4, "—", anchor="start"))
            continue
        w = plot_w * min(v, top) / (top or 1)
        body.append(f'<rect x="{left}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" rx="2" fill="{PALETTE[0]}">'
                    f"<title>{escape(label)}: {_num(v)}{escape(chart.unit)}</title></rect>")  # fmt: skip
        body.append(_t(left + w + 4, y + bar_h / 2 + 4, _num(v) + ("%" if chart.unit == "%" else ""), anchor="start", fill="#1f2933"))
    body.append(f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{axis_bottom}" stroke="#9aa5b1"/>')
    return _frame(chart, height, body)
