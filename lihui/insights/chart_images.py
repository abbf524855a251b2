"""The health charts as PNG images, for the .docx and Markdown review reports (pages use
the SVG in charts.py). Rendered with matplotlib's Agg backend and a CJK font, so Chinese
labels are legible: Noto Sans CJK when the system has it (fonts-noto-cjk), else whatever
the system offers (then Chinese may show as boxes; `make test` installs the fonts)."""

from __future__ import annotations

import functools
import io
from pathlib import Path

from .charts import PALETTE, Chart

CJK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
]


@functools.cache
def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import font_manager, pyplot

    families = []
    for path in CJK_FONTS:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            families.append(font_manager.FontProperties(fname=path).get_name())
            break
    matplotlib.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": families + ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e4e7eb",
        "axes.edgecolor": "#9aa5b1",
        "font.size": 9,
    })  # fmt: skip
    return pyplot


def chart_png(chart: Chart, *, width_in: float = 6.2, height_in: float = 2.6, dpi: int = 150) -> bytes:
    """One chart as PNG bytes: line, bar, stacked bar or horizontal bar, with a legend
    when it has more than one series."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(width_in, height_in if chart.kind != "hbar" else max(1.6, 0.35 * len(chart.labels) + 0.8)))
    try:
        x = list(range(len(chart.labels)))
        colors = PALETTE
        if chart.kind == "hbar":
            values = chart.series[0].values if chart.series else []
            ax.barh(x, [v or 0 for v in values], color=colors[0])
            ax.set_yticks(x, chart.labels)
            ax.invert_yaxis()
            ax.grid(axis="y", visible=False)
        elif chart.kind in ("bar", "stacked"):
            n = max(1, len(chart.series))
            bottom = [0.0] * len(x)
            for i, s in enumerate(chart.series):
                values = [v or 0 for v in s.values]
                if chart.kind == "stacked":
                    ax.bar(x, values, bottom=bottom, color=colors[i % len(colors)], label=s.label, width=0.7)
                    bottom = [b + v for b, v in zip(bottom, values)]
                else:
                    width = 0.8 / n
                    ax.bar([p - 0.4 + width * (i + 0.5) for p in x], values, width=width, color=colors[i % len(colors)], label=s.label)
            ax.grid(axis="x", visible=False)
        else:
            for i, s in enumerate(chart.series):
                points = [(p, v) for p, v in zip(x, s.values) if v is not None]
                if points:
                    ax.plot([p for p, _v in points], [v for _p, v in points], marker="o", markersize=3,
                            linestyle="--" if s.dashed else "-", color=colors[i % len(colors)], label=s.label)  # fmt: skip
        if chart.kind != "hbar":
            ax.set_xticks(x, chart.labels, rotation=30 if len(x) > 8 else 0, ha="right" if len(x) > 8 else "center")
            values = [v for series in chart.series for v in series.values if v is not None]
            if chart.y_max is not None and chart.y_max > chart.y_min:
                ax.set_ylim(chart.y_min, chart.y_max)
            elif values and max(values) > chart.y_min:
                ax.set_ylim(bottom=chart.y_min)
        if chart.unit:
            (ax.set_xlabel if chart.kind == "hbar" else ax.set_ylabel)(chart.unit)
        if chart.title:
            ax.set_title(chart.title, loc="left", fontsize=10)
        if len(chart.series) > 1:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        return buffer.getvalue()
    finally:
        plt.close(fig)
