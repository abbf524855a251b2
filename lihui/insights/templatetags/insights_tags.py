"""Formatting health figures in tables: 85.5 → 「85.5%」, 1.5 → 「1.5 小时」, None → —."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _n(value) -> str:
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


@register.simple_tag
def cell(value, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == "percent":
        return f"{_n(value)}%"
    if kind == "hours":
        return _("%(hours)s h") % {"hours": _n(value)}
    if kind == "days":
        return _("%(days)s d") % {"days": _n(value)}
    if kind == "number":
        return _n(value)
    return str(value)


@register.filter
def cells(measure):
    """Each row as (value, kind) pairs in column order."""
    kinds = [c.kind for c in measure.columns]
    return [list(zip(row, kinds)) for row in measure.table()]
