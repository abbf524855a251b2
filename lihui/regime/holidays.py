"""Public holidays (法定节假日) and make-up workdays (调休上班日).

China's official calendar comes from the `chinesecalendar` package, which is updated
each year when the State Council publishes the next year's arrangement (late autumn). For a
year the package does not know yet, an admin enters the schedule (OfficialYear / OfficialDay,
read from a paste of the notice by `official_notice_parse`); a newer package release, once
installed, wins for the years it knows. A year known to neither falls back to Monday–Friday
working days plus the fixed-date holidays (New Year's Day, Labour Day, the first days of
National Day) — and `year_known` says so, so every page that plans into it can warn.
Company days off are added by admins.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

import chinese_calendar
from django.core.exceptions import ValidationError
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


@functools.cache
def library_knows(year: int) -> bool:
    """Whether the installed chinesecalendar carries `year`'s official schedule."""
    try:
        chinese_calendar.get_holiday_detail(dt.date(year, 6, 30))
    except NotImplementedError:
        return False
    return True


class HolidayCalendar:
    def __init__(
        self,
        company_days_off: dict[dt.date, str] | None = None,
        *,
        official_days: dict[dt.date, tuple[bool, str]] | None = None,
        official_years: set[int] | frozenset[int] = frozenset(),
    ):
        self.company_days_off = company_days_off or {}
        # Entered by an admin for years the package does not know (see the module docstring).
        self.official_days = official_days or {}
        self.official_years = set(official_years)

    def year_known(self, year: int) -> bool:
        """Whether `year`'s official holidays and make-up workdays are known (package or entered)."""
        return library_knows(year) or year in self.official_years

    def _official(self, day: dt.date) -> tuple[bool, str | None]:
        if library_knows(day.year):
            return chinese_calendar.get_holiday_detail(day)
        if day.year in self.official_years:
            return self.official_days.get(day, (day.weekday() >= 5, None))
        # A year nobody knows yet: the fixed-date holidays only (pages warn that it is unknown).
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


# The notice's holiday names (《国务院办公厅关于Y年部分节假日安排的通知》) → chinesecalendar's.
NOTICE_NAMES = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Tomb-sweeping Day",
    "清明": "Tomb-sweeping Day",
    "劳动节": "Labour Day",
    "五一": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "端午": "Dragon Boat Festival",
    "中秋节": "Mid-autumn Festival",
    "中秋": "Mid-autumn Festival",
    "国庆节": "National Day",
    "国庆": "National Day",
    "中秋节、国庆节": "National Day",
    "国庆节、中秋节": "National Day",
}

_SECTION = re.compile(r"(?:^|[\s。；;])[一二三四五六七八九十]+、\s*([^：:]+?)\s*[：:]")
_DATE = r"(?:(?P<{p}y>\d{{4}})年)?(?:(?P<{p}m>\d{{1,2}})月)?(?P<{p}d>\d{{1,2}})日(?:[（(][^）)]*[）)])?"
_RANGE = re.compile(_DATE.format(p="a") + r"(?:\s*(?:至|到|—|－|-|~|～)\s*" + _DATE.format(p="b") + r")?\s*放假")
_ISO_LINE = re.compile(
    r"^\s*(\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:至|到|~|～|\.\.|–|—)\s*(\d{4}-\d{1,2}-\d{1,2}))?\s+(上班|放假|休)?\s*(\S.*)?$"
)


def _notice_name(raw: str) -> str:
    raw = raw.strip()
    return NOTICE_NAMES.get(raw, raw)


def official_notice_parse(text: str, *, year: int) -> list[tuple[dt.date, bool, str]]:
    """The days of `year`'s schedule from a paste: the State Council notice itself
    (「二、春节：2月6日（农历除夕、周六）至12日（周五）放假调休，共7天。2月14日（周日）上班。」)
    or one line per day or range (「2027-02-06 至 2027-02-12 春节」, 「2027-02-14 上班 春节」).
    Returns (date, is_off, holiday name) sorted by date. Raises ValidationError, naming the
    part it could not read, and never returns a partial schedule."""
    days: dict[dt.date, tuple[bool, str]] = {}

    def put(day: dt.date, off: bool, name: str) -> None:
        if day in days and days[day][0] != off:
            raise ValidationError(_("%(date)s is given both as a holiday and as a workday.") % {"date": day.isoformat()})
        days[day] = (off, name)

    def make(y, m, d, *, fallback_month=None) -> dt.date:
        try:
            return dt.date(int(y or year), int(m or fallback_month or 0), int(d))
        except (TypeError, ValueError):
            raise ValidationError(_("“%(text)s” is not a date.") % {"text": f"{m or '?'}月{d}日"}) from None

    lines = [line for line in text.replace("\r", "").split("\n") if line.strip()]
    if lines and all(_ISO_LINE.match(line) for line in lines):
        for line in lines:
            m = _ISO_LINE.match(line)
            try:
                first = dt.date.fromisoformat("-".join(f"{int(p):02d}" for p in m[1].split("-")))
                last = dt.date.fromisoformat("-".join(f"{int(p):02d}" for p in m[2].split("-"))) if m[2] else first
            except ValueError:
                raise ValidationError(_("“%(text)s” is not a date.") % {"text": line.strip()}) from None
            off = m[3] != "上班"
            name = _notice_name(m[4] or "")
            if not name:
                raise ValidationError(_("Name the holiday on “%(text)s”.") % {"text": line.strip()})
            if last < first or (last - first).days > 31:
                raise ValidationError(_("“%(text)s” is not a range of at most a month.") % {"text": line.strip()})
            for i in range((last - first).days + 1):
                put(first + dt.timedelta(days=i), off, name)
    else:
        sections = list(_SECTION.finditer(text))
        if not sections:
            raise ValidationError(
                _("Paste the notice's sections (“一、元旦：…”) or one line per day or range (“2027-02-06 至 2027-02-12 春节”).")
            )
        for i, section in enumerate(sections):
            name = _notice_name(section[1])
            body = text[section.end(): sections[i + 1].start() if i + 1 < len(sections) else len(text)]
            ranges = list(_RANGE.finditer(body))
            if not ranges:
                raise ValidationError(_("No days off found for “%(name)s”.") % {"name": section[1].strip()})
            for r in ranges:
                first = make(r["ay"], r["am"], r["ad"])
                last = make(r["by"] or r["ay"], r["bm"] or r["am"], r["bd"]) if r["bd"] else first
                if last < first or (last - first).days > 31:
                    raise ValidationError(_("“%(text)s” is not a range of at most a month.") % {"text": r[0]})
                for k in range((last - first).days + 1):
                    put(first + dt.timedelta(days=k), True, name)
            # Make-up workdays: the sentence(s) that end in 上班.
            for sentence in re.split(r"[。；;]", body):
                if "上班" not in sentence:
                    continue
                month = None
                for dm in re.finditer(_DATE.format(p="w"), sentence):
                    month = dm["wm"] or month
                    put(make(dm["wy"], month, dm["wd"]), False, name)
    if not days:
        raise ValidationError(_("No days found in the text."))
    wrong = sorted(d for d in days if d.year != year and not (d.month == 12 and d.year == year - 1) and not (d.month == 1 and d.year == year + 1))
    if wrong:
        raise ValidationError(_("%(date)s does not belong to %(year)s.") % {"date": wrong[0].isoformat(), "year": year})
    return sorted((d, off, name) for d, (off, name) in days.items())
