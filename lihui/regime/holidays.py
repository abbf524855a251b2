"""Public holidays (法定节假日) and make-up workdays (调休上班日).

China's official calendar comes from the `chinesecalendar` package, which is updated
each year when the State Council publishes the next year's arrangement. Company days
off are added by admins. Years the package does not know yet fall back to Monday–
Friday working days plus the fixed-date holidays (New Year's Day, Labour Day, the
first days of National Day), rather than failing.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
from django.utils.translation import gettext_lazy as _

# The names chinesecalendar uses, translated for display.
HOLIDAY_NAMES = {
    "New Year's Day": _("New Year's Day"),
    "Spring Festival": _("Spring Festival"),
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),
    "Labour Day": _("Labour Day"),
    "Dragon Boat Festival": _("Dragon Boat Festival"),
    "National Day": _("National Day"),
    "Mid-autumn Festival": _("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _("Anti-Fascist 70th Day"),
}

FIXED_DATE_HOLIDAYS = {
    (1, 1): "New Year's Day",
    (5, 1): "Labour Day",
    (10, 1): "National Day",
    (10, 2): "National Day",
    (10, 3): "National Day",
}


def holiday_label(name: str) -> str:
    return str(HOLIDAY_NAMES.get(name, name))


class HolidayCalendar:
    def __init__(self, company_days_off: dict[dt.date, str] | None = None):
        self.company_days_off = company_days_off or {}

    def _official(self, day: dt.date) -> tuple[bool, str | None]:
        try:
            return chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:  # a year the package does not cover yet
            fixed = FIXED_DATE_HOLIDAYS.get((day.month, day.day))
            return (True, fixed) if fixed else (day.weekday() >= 5, None)

    def holiday_name(self, day: dt.date) -> str:
        """The public holiday or company day off on `day`, or "" (weekends are not holidays)."""
        if day in self.company_days_off:
            return self.company_days_off[day]
        is_off, name = self._official(day)
        return name if (is_off and name) else ""

    def is_makeup_workday(self, day: dt.date) -> bool:
        is_off, name = self._official(day)
        return not is_off and bool(name)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.company_days_off:
            return False
        is_off, _name = self._official(day)
        return not is_off

    def next_workday(self, day: dt.date, *, limit: int = 30) -> dt.date | None:
        for offset in range(1, limit + 1):
            candidate = day + dt.timedelta(days=offset)
            if self.is_workday(candidate):
                return candidate
        return None
