"""Cadence (会议频率): RFC 5545 recurrence in local wall-clock time, then zoned.

Pure functions and value objects, no database: the planner in `meetings.services`
feeds them rows and writes the result. A rule is expanded as naive local datetimes
(so 09:30 stays 09:30 across DST) and only then given the series' zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dateutil import rrule as du
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .holidays import HolidayCalendar

DAILY, WEEKLY, MONTHLY, QUARTERLY = "daily", "weekly", "monthly", "quarterly"
FREQUENCIES = (DAILY, WEEKLY, MONTHLY, QUARTERLY)
BY_DAY, BY_WEEKDAY = "day", "weekday"
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_INTERVAL = 365
# The dates anything typed may name: the calendar arithmetic handles them (a year-1 or a
# year-9999 date overflows once zoned or stepped past), and no meeting lies outside.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2200, 12, 31)
MAX_DURATION = 24 * 60

# Policies for an occurrence that falls on a public holiday.
SKIP, NEXT_WORKDAY, KEEP = "skip", "next_workday", "keep"


def weekday_name(index: int) -> str:
    return [
        gettext_lazy("Monday"),
        gettext_lazy("Tuesday"),
        gettext_lazy("Wednesday"),
        gettext_lazy("Thursday"),
        gettext_lazy("Friday"),
        gettext_lazy("Saturday"),
        gettext_lazy("Sunday"),
    ][index]


@dataclass(frozen=True)
class Cadence:
    """How often: the RFC 5545 part of a rule, without dates or times."""

    frequency: str = WEEKLY
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # 0 = Monday; weekly rules
    monthly_mode: str = BY_DAY  # monthly / quarterly rules
    month_day: int | None = None  # 1..31, or -1 for the last day
    week_of_month: int | None = None  # 1..4, or -1 for the last
    month_weekday: int | None = None  # 0 = Monday

    def errors(self) -> dict[str, list[str]]:
        """Field errors, translated; empty when the cadence is well formed."""
        errors: dict[str, list[str]] = {}

        def add(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        if self.frequency not in FREQUENCIES:
            add("frequency", _("Choose how often the meeting takes place."))
            return errors
        if not isinstance(self.interval, int) or not 1 <= self.interval <= MAX_INTERVAL:
            add("interval", _("The interval must be a whole number from 1 to %(max)s.") % {"max": MAX_INTERVAL})
        if self.frequency == WEEKLY:
            if not self.weekdays:
                add("weekdays", _("Choose at least one weekday."))
            elif any(d not in range(7) for d in self.weekdays):
                add("weekdays", _("Weekdays must be Monday to Sunday."))
        if self.frequency in (MONTHLY, QUARTERLY):
            if self.monthly_mode == BY_DAY:
                if self.month_day is not None and not (1 <= self.month_day <= 31 or self.month_day == -1):
                    add("month_day", _("The day of the month must be 1 to 31, or the last day."))
            elif self.monthly_mode == BY_WEEKDAY:
                if self.week_of_month not in (1, 2, 3, 4, -1):
                    add("week_of_month", _("Choose the first to fourth, or the last, week of the month."))
                if self.month_weekday not in range(7):
                    add("month_weekday", _("Choose a weekday."))
            else:
                add("monthly_mode", _("Choose a day of the month or a weekday of the month."))
        return errors

    def _rrule_args(self, start: dt.date) -> dict:
        if self.frequency == DAILY:
            return {"freq": du.DAILY, "interval": self.interval}
        if self.frequency == WEEKLY:
            days = self.weekdays or (start.weekday(),)
            return {"freq": du.WEEKLY, "interval": self.interval, "byweekday": sorted(set(days)), "wkst": du.MO}
        interval = self.interval * (3 if self.frequency == QUARTERLY else 1)
        if self.monthly_mode == BY_WEEKDAY:
            weekday = du.weekday(self.month_weekday)(self.week_of_month)
            return {"freq": du.MONTHLY, "interval": interval, "byweekday": [weekday]}
        return {"freq": du.MONTHLY, "interval": interval, "bymonthday": self.month_day or start.day}

    def rule(
        self, *, start: dt.date, at: dt.time, until: dt.date | None = None, count: int | None = None
    ) -> du.rrule:
        """The dateutil rule, expanding to naive local datetimes."""
        until_dt = dt.datetime.combine(until, dt.time.max) if until else None
        return du.rrule(
            dtstart=dt.datetime.combine(start, at), until=until_dt, count=count, cache=False, **self._rrule_args(start)
        )

    def to_rfc5545(self, *, start: dt.date, until: dt.date | None = None, count: int | None = None) -> str:
        """The RRULE value, e.g. ``FREQ=WEEKLY;INTERVAL=1;BYDAY=MO``."""
        args = self._rrule_args(start)
        parts = [f"FREQ={du.FREQNAMES[args['freq']]}", f"INTERVAL={args['interval']}"]
        if "byweekday" in args:
            days = []
            for d in args["byweekday"]:
                if isinstance(d, int):
                    days.append(WEEKDAY_CODES[d])
                else:
                    days.append(f"{d.n}{WEEKDAY_CODES[d.weekday]}" if d.n else WEEKDAY_CODES[d.weekday])
            parts.append("BYDAY=" + ",".join(days))
        if "bymonthday" in args:
            parts.append(f"BYMONTHDAY={args['bymonthday']}")
        if args.get("wkst") is not None:
            parts.append("WKST=MO")
        if until:
            parts.append("UNTIL=" + until.strftime("%Y%m%dT235959"))
        if count:
            parts.append(f"COUNT={count}")
        return ";".join(parts)

    def describe(self, *, start: dt.date, at: dt.time, minutes: int) -> str:
        """The cadence in words, in the active language: 「每周一 09:30，时长 60 分钟」."""
        return ngettext(
            "%(when)s at %(time)s for %(minutes)s minute", "%(when)s at %(time)s for %(minutes)s minutes", minutes
        ) % {
            "when": self.describe_when(start=start),
            "time": at.strftime("%H:%M"),
            "minutes": minutes,
        }

    def describe_when(self, *, start: dt.date) -> str:
        n = self.interval
        if self.frequency == DAILY:
            return _("Every day") if n == 1 else ngettext("Every %(n)s day", "Every %(n)s days", n) % {"n": n}
        if self.frequency == WEEKLY:
            days = _(", ").join(str(weekday_name(d)) for d in sorted(set(self.weekdays or (start.weekday(),))))
            if n == 1:
                return _("Every %(weekdays)s") % {"weekdays": days}
            return ngettext(
                "Every %(n)s week on %(weekdays)s", "Every %(n)s weeks on %(weekdays)s", n
            ) % {"n": n, "weekdays": days}
        if self.monthly_mode == BY_WEEKDAY:
            ordinal = {
                1: _("first"),
                2: _("second"),
                3: _("third"),
                4: _("fourth"),
                -1: _("last"),
            }[self.week_of_month]
            day = _("the %(ordinal)s %(weekday)s") % {"ordinal": ordinal, "weekday": weekday_name(self.month_weekday)}
        else:
            md = self.month_day or start.day
            day = _("the last day") if md == -1 else _("day %(day)s") % {"day": md}
        if self.frequency == QUARTERLY:
            if n == 1:
                return _("Every quarter on %(day)s") % {"day": day}
            return ngettext("Every %(n)s quarter on %(day)s", "Every %(n)s quarters on %(day)s", n) % {"n": n, "day": day}
        if n == 1:
            return _("Every month on %(day)s") % {"day": day}
        return ngettext("Every %(n)s month on %(day)s", "Every %(n)s months on %(day)s", n) % {"n": n, "day": day}


@dataclass(frozen=True)
class Rule:
    """A cadence anchored in dates and a local time: the series' base rule or a window."""

    cadence: Cadence
    start: dt.date
    at: dt.time
    minutes: int
    until: dt.date | None = None
    count: int | None = None
    window_id: int | None = None  # set for a temporary window

    def expand(self, first: dt.date, last: dt.date) -> list[dt.datetime]:
        """Naive local start datetimes whose date lies in [first, last]."""
        rule = self.cadence.rule(start=self.start, at=self.at, until=self.until, count=self.count)
        return rule.between(dt.datetime.combine(first, dt.time.min), dt.datetime.combine(last, dt.time.max), inc=True)

    def first_occurrence(self) -> dt.datetime | None:
        # An impossible rule (the 30th of every February) makes dateutil search up to
        # year 9999: a few thousand cheap steps, then None.
        for start in self.cadence.rule(start=self.start, at=self.at, until=self.until, count=self.count):
            return start
        return None


@dataclass(frozen=True)
class Window:
    """A temporary cadence (高峰期 / 平稳期) that replaces the base rule on its dates."""

    rule: Rule
    first: dt.date
    last: dt.date

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


@dataclass
class Planned:
    """One occurrence the rules ask for, before it becomes a row."""

    rule_start: dt.datetime  # naive local: the occurrence's identity (RECURRENCE-ID)
    start: dt.datetime  # naive local, after the holiday policy
    minutes: int
    window_id: int | None = None
    skipped: bool = False
    holiday: str = ""  # the holiday that moved or skipped it
    moved_from: dt.date | None = None
    extra: dict = field(default_factory=dict)


def zoned(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Attach the zone on purpose: a time in a DST gap takes the offset before the gap
    (02:30 becomes 03:30 summer time) and a repeated time takes its first instance,
    as RFC 5545 §3.3.5 prescribes; the result is in UTC."""
    return local.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


def plan(
    *,
    base: Rule,
    windows: list[Window],
    first: dt.date,
    last: dt.date,
    calendar: HolidayCalendar,
    holiday_policy: str,
) -> list[Planned]:
    """Occurrences in [first, last]: the base rule outside windows, each window's own
    rule inside it, then the holiday policy. Sorted by rule start."""
    out: list[Planned] = []
    for start in base.expand(first, last):
        if not any(w.covers(start.date()) for w in windows):
            out.append(Planned(rule_start=start, start=start, minutes=base.minutes))
    for window in windows:
        lo, hi = max(first, window.first), min(last, window.last)
        if lo > hi:
            continue
        for start in window.rule.expand(lo, hi):
            out.append(Planned(rule_start=start, start=start, minutes=window.rule.minutes, window_id=window.rule.window_id))
    out.sort(key=lambda p: p.rule_start)

    if holiday_policy == KEEP:
        return out
    taken = {p.start.date() for p in out}
    for p in out:
        name = calendar.holiday_name(p.rule_start.date())
        if not name:
            continue
        p.holiday = name
        if holiday_policy == NEXT_WORKDAY:
            day = calendar.next_workday(p.rule_start.date())
            if day is not None and day not in taken:
                p.moved_from = p.rule_start.date()
                p.start = dt.datetime.combine(day, p.rule_start.time())
                taken.add(day)
                continue
        # Skip, or no free working day to move to: the occurrence stays, marked skipped.
        p.skipped = True
    return out
