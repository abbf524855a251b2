"""Meetings: the occurrences of a series (第 N 次例会)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lihui.regime.holidays import holiday_label
from lihui.regime.models import CadenceWindow, Series


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")
        SKIPPED = "skipped", _("Skipped")

    class Origin(models.TextChoices):
        RULE = "rule", _("From the cadence")
        EXTRA = "extra", _("Extra meeting")

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="meetings")
    number = models.PositiveIntegerField(_("number"), null=True, blank=True, help_text="第 N 次例会; none when not held")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.RULE)
    # The start the rule gave (RFC 5545 RECURRENCE-ID): the occurrence's identity across re-plans.
    rule_start = models.DateTimeField(null=True, blank=True)
    start = models.DateTimeField(_("start"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    window = models.ForeignKey(CadenceWindow, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    location = models.CharField(_("location"), max_length=200, blank=True, help_text=_("Empty: the series' location."))
    minute_taker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("minute-taker"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A person changed this occurrence (moved, cancelled, added): re-planning leaves it alone.
    is_exception = models.BooleanField(default=False)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    holiday = models.CharField(max_length=100, blank=True, help_text="the holiday that moved or skipped it")
    moved_from = models.DateField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(fields=["series", "rule_start"], name="meeting_unique_rule_start"),
        ]
        indexes = [
            models.Index(fields=["series", "start"], name="meeting_series_start"),
            models.Index(fields=["start"], name="meeting_start"),
        ]

    def __str__(self) -> str:
        return f"{self.series} #{self.number or '-'} {self.start:%Y-%m-%d}"

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.duration_minutes)

    @property
    def place(self) -> str:
        return self.location or self.series.location

    @property
    def is_held_or_planned(self) -> bool:
        return self.status in (self.Status.SCHEDULED, self.Status.HELD)

    @property
    def holiday_display(self) -> str:
        return holiday_label(self.holiday) if self.holiday else ""

    @property
    def series_zone(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.series.time_zone)
