"""The regime (例会制度): a meeting series with its cadence, windows, roster and rules."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lihui.people.models import Department, default_time_zone, validate_time_zone

from . import cadence as c
from .holidays import HolidayCalendar


class Frequency(models.TextChoices):
    DAILY = c.DAILY, _("every N days")
    WEEKLY = c.WEEKLY, _("weekly")
    MONTHLY = c.MONTHLY, _("monthly")
    QUARTERLY = c.QUARTERLY, _("quarterly")


class MonthlyMode(models.TextChoices):
    DAY = c.BY_DAY, _("on a day of the month")
    WEEKDAY = c.BY_WEEKDAY, _("on a weekday of the month")


class WeekOfMonth(models.IntegerChoices):
    FIRST = 1, _("first")
    SECOND = 2, _("second")
    THIRD = 3, _("third")
    FOURTH = 4, _("fourth")
    LAST = -1, _("last")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def parse_weekdays(text: str) -> tuple[int, ...]:
    return tuple(sorted({int(x) for x in text.split(",") if x.strip().isdigit()}))


class CadenceFields(models.Model):
    """The columns of a `cadence.Cadence`, shared by a series and its windows."""

    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    # Ranges of interval and duration are checked in clean_cadence(), with one clear message each.
    interval = models.PositiveSmallIntegerField(_("every"), default=1)
    weekdays = models.CharField(_("weekdays"), max_length=20, blank=True, help_text=_("0 = Monday, comma separated"))
    monthly_mode = models.CharField(_("monthly on"), max_length=10, choices=MonthlyMode.choices, default=MonthlyMode.DAY)
    month_day = models.SmallIntegerField(_("day of month"), null=True, blank=True)
    week_of_month = models.SmallIntegerField(_("week of month"), null=True, blank=True, choices=WeekOfMonth.choices)
    month_weekday = models.SmallIntegerField(_("weekday of month"), null=True, blank=True, choices=Weekday.choices)
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))

    class Meta:
        abstract = True

    @property
    def weekday_list(self) -> tuple[int, ...]:
        return parse_weekdays(self.weekdays)

    @property
    def cadence(self) -> c.Cadence:
        return c.Cadence(
            frequency=self.frequency,
            interval=self.interval,
            weekdays=self.weekday_list,
            monthly_mode=self.monthly_mode,
            month_day=self.month_day,
            week_of_month=self.week_of_month,
            month_weekday=self.month_weekday,
        )

    def clean_cadence(self) -> dict[str, list[str]]:
        errors = self.cadence.errors() if isinstance(self.interval, int) else {}
        if self.duration_minutes is not None and not 0 < self.duration_minutes <= c.MAX_DURATION:
            errors.setdefault("duration_minutes", []).append(_("A meeting lasts more than 0 minutes and at most 24 hours."))
        return errors


class Series(CadenceFields):
    """A regular meeting (例会) and the rules it runs by."""

    class Visibility(models.TextChoices):
        ROSTER = "roster", _("Roster only")
        ORGANIZATION = "organization", _("All staff")

    class HolidayPolicy(models.TextChoices):
        SKIP = c.SKIP, _("Skip the meeting")
        NEXT_WORKDAY = c.NEXT_WORKDAY, _("Move to the next working day")
        KEEP = c.KEEP, _("Keep the meeting")

    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("standing purpose"), blank=True, help_text=_("One objective per line."))
    department = models.ForeignKey(
        Department, verbose_name=_("owning department"), null=True, blank=True, on_delete=models.SET_NULL
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone])
    start_date = models.DateField(_("first date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(
        _("number of meetings"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5000)]
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    video_link = models.URLField(_("video-meeting link"), blank=True, max_length=500)

    minute_taker_rotates = models.BooleanField(
        _("rotate the minute-taker"), default=False, help_text=_("Members with a rotation position take turns.")
    )
    agenda_lead_hours = models.PositiveSmallIntegerField(
        _("agenda lead time (hours)"), default=24, validators=[MaxValueValidator(24 * 30)]
    )
    minutes_deadline_hours = models.PositiveSmallIntegerField(
        _("minutes deadline (hours after the end)"), default=24, validators=[MaxValueValidator(24 * 30)]
    )
    minutes_need_approval = models.BooleanField(
        _("the chair approves the minutes"), default=False, help_text=_("The minute-taker submits; the chair approves and publishes.")
    )
    reminder_minutes = models.PositiveSmallIntegerField(
        _("reminder before the start (minutes)"), default=15, validators=[MaxValueValidator(24 * 60)],
        help_text=_("0: no reminder."),
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate overdue actions to the chair after (days)"), default=3, validators=[MaxValueValidator(365)],
        help_text=_("0: never."),
    )
    survey_enabled = models.BooleanField(_("survey after the meeting"), default=True)
    survey_anonymous = models.BooleanField(_("anonymous survey"), default=True)
    review_actions = models.BooleanField(_("review previous actions"), default=True)
    # Evaluation (会议评估): how long the survey stays open, and the thresholds each
    # meeting's compliance with the regime is measured against.
    survey_open_days = models.PositiveSmallIntegerField(
        _("survey open for (days)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    survey_target_percent = models.PositiveSmallIntegerField(
        _("survey response target (%)"), default=60, validators=[MaxValueValidator(100)]
    )
    start_tolerance_minutes = models.PositiveSmallIntegerField(
        _("on-time start tolerance (minutes)"), default=5, validators=[MaxValueValidator(120)]
    )
    end_tolerance_minutes = models.PositiveSmallIntegerField(
        _("overrun tolerance (minutes)"), default=5, validators=[MaxValueValidator(240)]
    )
    ground_rules = models.TextField(
        _("ground rules"), blank=True,
        help_text=_("Meeting culture, one rule per line (e.g. start on time; phones silent). Empty: the standard rules."),
    )  # fmt: skip
    review_period = models.CharField(
        _("review report"), max_length=10, default="monthly",
        choices=[("monthly", _("Monthly")), ("quarterly", _("Quarterly"))],
    )  # fmt: skip
    visibility = models.CharField(_("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.ROSTER)
    holiday_policy = models.CharField(
        _("on a public holiday"), max_length=20, choices=HolidayPolicy.choices, default=HolidayPolicy.NEXT_WORKDAY
    )

    planned_until = models.DateField(_("planned until"), null=True, blank=True, editable=False)
    # Archived: no more meetings are planned, lists leave it out; its history stays.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        indexes = [models.Index(fields=["planned_until"], name="series_planned_until")]

    def __str__(self) -> str:
        return self.title

    @property
    def purposes(self) -> list[str]:
        return [line.strip() for line in self.purpose.splitlines() if line.strip()]

    @property
    def ground_rule_list(self) -> list[str]:
        return [line.strip() for line in self.ground_rules.splitlines() if line.strip()]

    @property
    def base_rule(self) -> c.Rule:
        return c.Rule(
            cadence=self.cadence,
            start=self.start_date,
            at=self.start_time,
            minutes=self.duration_minutes,
            until=self.end_date,
            count=self.count,
        )

    @property
    def rrule(self) -> str:
        return self.cadence.to_rfc5545(start=self.start_date, until=self.end_date, count=self.count)

    def describe_cadence(self) -> str:
        return self.cadence.describe(start=self.start_date, at=self.start_time, minutes=self.duration_minutes)

    def clean(self) -> None:
        errors = self.clean_cadence()
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors.setdefault("end_date", []).append(_("The end date is before the first date."))
        if self.end_date and self.count:
            errors.setdefault("count", []).append(_("Give an end date or a number of meetings, not both."))
        if not errors and self.start_date and self.start_time and self.base_rule.first_occurrence() is None:
            errors.setdefault("__all__", []).append(_("This cadence produces no meeting. Check the weekdays and dates."))
        if errors:
            raise ValidationError(errors)


class CadenceWindow(CadenceFields):
    """A temporary cadence: more often in a peak period (双十一), less in a calm one."""

    class Kind(models.TextChoices):
        PEAK = "peak", _("Peak window")
        CALM = "calm", _("Calm window")

    series = models.ForeignKey(Series, verbose_name=_("meeting series"), on_delete=models.CASCADE, related_name="windows")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PEAK)
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("e.g. Singles' Day (Double 11)"))
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to (inclusive)"))

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("cadence window")
        verbose_name_plural = _("cadence windows")

    def __str__(self) -> str:
        return self.name or _("%(kind)s %(start)s–%(end)s") % {
            "kind": self.get_kind_display(),
            "start": self.start_date,
            "end": self.end_date,
        }

    @property
    def window(self) -> c.Window:
        rule = c.Rule(
            cadence=self.cadence,
            start=self.start_date,
            at=self.start_time,
            minutes=self.duration_minutes,
            until=self.end_date,
            window_id=self.pk,
        )
        return c.Window(rule=rule, first=self.start_date, last=self.end_date)

    def describe_cadence(self) -> str:
        return self.cadence.describe(start=self.start_date, at=self.start_time, minutes=self.duration_minutes)

    def clean(self) -> None:
        errors = self.clean_cadence()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors.setdefault("end_date", []).append(_("The end date is before the first date."))
        elif self.start_date and self.end_date and self.series_id:
            overlapping = (
                CadenceWindow.objects.filter(
                    series_id=self.series_id, start_date__lte=self.end_date, end_date__gte=self.start_date
                )
                .exclude(pk=self.pk)
                .first()
            )
            if overlapping:
                errors.setdefault("__all__", []).append(
                    _("This window overlaps “%(other)s” (%(start)s to %(end)s). Windows of a series may not overlap.")
                    % {"other": overlapping, "start": overlapping.start_date, "end": overlapping.end_date}
                )
        if not errors and self.start_date and self.end_date and self.start_time and self.window.rule.first_occurrence() is None:
            errors.setdefault("__all__", []).append(_("This window's cadence produces no meeting between its dates."))
        if errors:
            raise ValidationError(errors)


class Membership(models.Model):
    """A person on a series' roster (参会人员名单) with their role."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        DEPUTY_CHAIR = "deputy_chair", _("Deputy chair")
        MINUTE_TAKER = "minute_taker", _("Minute-taker")
        MEMBER = "member", _("Member")
        OPTIONAL = "optional", _("Optional member")

    series = models.ForeignKey(Series, verbose_name=_("meeting series"), on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    rotation_position = models.PositiveSmallIntegerField(
        _("minute-taker rotation"), null=True, blank=True, help_text=_("1, 2, 3 … to take the minutes in turn.")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "person"], name="membership_unique_person")]
        indexes = [models.Index(fields=["person", "series"], name="membership_person")]
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster")

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"

    @property
    def attends(self) -> bool:
        """Required to attend, i.e. counted in the meeting load."""
        return self.role != self.Role.OPTIONAL


class CompanyDayOff(models.Model):
    """A day off the company adds to the official calendar (公司休息日)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("company day off")
        verbose_name_plural = _("company days off")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class OfficialYear(models.Model):
    """A year of the official holiday schedule (国务院办公厅 放假安排) that an admin entered
    because the chinesecalendar package does not know it yet. Its days are OfficialDay rows;
    a year entered here with no days would mean "no holidays at all", so the service refuses it."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")  # fmt: skip
    entered_at = models.DateTimeField(_("entered"), default=timezone.now)
    source = models.TextField(_("notice text"), blank=True, help_text=_("The text the schedule was read from, as pasted."))

    class Meta:
        ordering = ["year"]
        verbose_name = _("official holiday schedule")
        verbose_name_plural = _("official holiday schedules")

    def __str__(self) -> str:
        return str(self.year)


class OfficialDay(models.Model):
    """One day of an entered year: a public holiday (放假) or a make-up workday (调休上班)."""

    year = models.ForeignKey(OfficialYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"), unique=True)
    is_off = models.BooleanField(_("day off"), help_text=_("Off: a public holiday. Not off: a make-up workday."))
    # chinesecalendar's English holiday name ("Spring Festival"), so both sources label alike.
    name = models.CharField(_("holiday"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("official day")
        verbose_name_plural = _("official days")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


def official_days(first: dt.date | None = None, last: dt.date | None = None) -> tuple[dict[dt.date, tuple[bool, str]], set[int]]:
    """The entered official days in [first, last] and the years entered."""
    qs = OfficialDay.objects.all()
    if first:
        qs = qs.filter(date__gte=first)
    if last:
        qs = qs.filter(date__lte=last)
    days = {d: (off, name) for d, off, name in qs.values_list("date", "is_off", "name")}
    return days, set(OfficialYear.objects.values_list("year", flat=True))


def holiday_calendar(first: dt.date | None = None, last: dt.date | None = None):
    """The calendar planning uses: the official schedule (package, else entered) plus company days off."""
    days, years = official_days(first, last)
    return HolidayCalendar(company_days_off(first, last), official_days=days, official_years=years)


def company_days_off(first: dt.date | None = None, last: dt.date | None = None) -> dict[dt.date, str]:
    qs = CompanyDayOff.objects.all()
    if first:
        qs = qs.filter(date__gte=first)
    if last:
        qs = qs.filter(date__lte=last)
    return dict(qs.values_list("date", "name"))


class AgendaKind(models.TextChoices):
    """What an agenda item is for; the share of time by kind shows whether a meeting decides or only reports."""

    OPENING = "opening", _("Opening and purpose")
    REVIEW = "review", _("Review of previous actions")
    REPORT = "report", _("Department report")
    DISCUSSION = "discussion", _("Discussion")
    DECISION = "decision", _("Decision")
    PLAN = "plan", _("Plan")
    RECAP = "recap", _("Recap and feedback")
    OTHER = "other", _("Other")


class PresenterRole(models.TextChoices):
    PERSON = "", _("A person (or nobody)")
    CHAIR = "chair", _("The chair")
    MINUTE_TAKER = "minute_taker", _("The minute-taker")
    DEPARTMENT_HEADS = "department_heads", _("Each department head")


class AgendaTemplateItem(models.Model):
    """One line of a series' agenda template; each meeting's agenda is made from it."""

    series = models.ForeignKey(Series, verbose_name=_("meeting series"), on_delete=models.CASCADE, related_name="agenda_template")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=AgendaKind.choices, default=AgendaKind.OTHER)
    title = models.CharField(_("title"), max_length=200)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("presenter"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    presenter_role = models.CharField(_("presenter role"), max_length=20, choices=PresenterRole.choices, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes allotted"), default=10)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("agenda template item")
        verbose_name_plural = _("agenda template")

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A secret .ics subscription URL: a person's own meetings (no series), or one series'
    meetings for one of its members. The token in the URL is the credential (calendar apps
    cannot sign in), so like an API token only its SHA-256 is stored — a database or a backup
    holds no working address — and the URL is shown once, when made; regenerating replaces
    it and the old URL dies."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    series = models.ForeignKey(Series, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=models.Q(series__isnull=True), name="calendar_feed_unique_own"),
            models.UniqueConstraint(
                fields=["person", "series"], condition=models.Q(series__isnull=False), name="calendar_feed_unique_series"
            ),
        ]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.person_id}/{self.series_id or '-'}"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def url_for(token: str) -> str:
        from django.urls import reverse

        return settings.SITE_URL.rstrip("/") + reverse("meetings:feed", kwargs={"token": token})

    @staticmethod
    def new_url_session_key(series_id: int | None) -> str:
        """Where the pages keep a new URL until they show it, once."""
        return f"new_feed_url:{series_id or 'own'}"


class RegimeVersion(models.Model):
    """One version of a series' written regime (例会制度), as Markdown in the company's
    language. Append-only: a configuration change that alters the text adds version N+1;
    one that does not adds nothing (`digest` is over the text without its version line)."""

    series = models.ForeignKey(Series, verbose_name=_("meeting series"), on_delete=models.CASCADE, related_name="regime_versions")
    number = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=10)
    text = models.TextField(_("text"))
    digest = models.CharField(max_length=64)
    effective_date = models.DateField(_("effective date"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["series", "language", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["series", "language", "number"], name="regime_version_unique_number")
        ]
        verbose_name = _("regime version")
        verbose_name_plural = _("regime versions")

    def __str__(self) -> str:
        return f"{self.series_id} v{self.number} ({self.language})"
