"""Template filters available in every template: locale-aware dates and times."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

register = template.Library()

ZH_WEEKDAYS = "一二三四五六日"


def format_day(day: dt.date) -> str:
    """2026年11月30日 周一 / Mon 30 Nov 2026."""
    if (translation.get_language() or "").startswith("zh"):
        return f"{day.year}年{day.month}月{day.day}日 周{ZH_WEEKDAYS[day.weekday()]}"
    return date_format(day, "D j M Y")


def format_short_day(day: dt.date) -> str:
    """11月30日 周一 / Mon 30 Nov."""
    if (translation.get_language() or "").startswith("zh"):
        return f"{day.month}月{day.day}日 周{ZH_WEEKDAYS[day.weekday()]}"
    return date_format(day, "D j M")


def _local(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


@register.filter
def day(value):
    if value in (None, ""):
        return ""
    value = _local(value)
    return format_day(value.date() if isinstance(value, dt.datetime) else value)


@register.filter
def shortday(value):
    if value in (None, ""):
        return ""
    value = _local(value)
    return format_short_day(value.date() if isinstance(value, dt.datetime) else value)


@register.filter
def hm(value):
    """09:30 in the reader's zone."""
    if value in (None, ""):
        return ""
    return _local(value).strftime("%H:%M")


@register.filter
def daytime(value):
    if value in (None, ""):
        return ""
    return f"{day(value)} {hm(value)}"


@register.filter
def hours(value):
    """1.5 → 「1.5 小时」 / "1.5 h"."""
    return _("%(hours)s h") % {"hours": f"{value:.1f}".rstrip("0").rstrip(".") if value else "0"}


@register.simple_tag
def html_lang():
    """lang for <html>: zh-CN picks Simplified Chinese glyphs from CJK fonts."""
    return "zh-CN" if (translation.get_language() or "").startswith("zh") else "en"


@register.filter
def duration_minutes(seconds):
    """754 → "12:34" (minutes:seconds); accepts a callable (a model method) too."""
    if callable(seconds):
        seconds = seconds()
    seconds = int(seconds or 0)
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def colon(label):
    """A label followed by the colon of the active language: 「嘉宾：」 / "Guest: "."""
    return f"{label}：" if (translation.get_language() or "").startswith("zh") else f"{label}: "


@register.filter
def num(value):
    """A KPI number as typed: Decimal("97.2000") → "97.2", 5000 → "5000"; None → ""."""
    if value in (None, ""):
        return ""
    try:
        text = format(Decimal(value).normalize(), "f")
    except (InvalidOperation, ValueError, TypeError):
        return value
    return text


@register.filter
def make_list_of(value):
    """Wrap one object in a list, for includes that loop: {% include … with rows=x|make_list_of %}."""
    return [value]


@register.filter
def markdown_text(value):
    """Text a person typed (a report's progress), rendered as Markdown with its line breaks
    kept and cleaned, as in the minutes: **bold** is bold on the page too."""
    from lihui.markdown import markdown_text_html

    return markdown_text_html(str(value or ""))
