"""Meetings: the occurrences of a series (第 N 次例会)."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lihui.regime.holidays import holiday_label
from lihui.regime.models import AgendaKind, CadenceWindow, Series


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
    # Recorded afterwards (补录): a meeting held before the series came into Lihui, entered as
    # history when the series was created with a start date in the past. Never "scheduled".
    is_history = models.BooleanField(_("recorded as history"), default=False)

    # Preparing and running it (开会模式).
    purpose = models.TextField(_("this meeting's purpose"), blank=True, help_text=_("One objective per line, on top of the standing purpose."))
    agenda_created = models.BooleanField(default=False, editable=False)
    agenda_published_at = models.DateTimeField(_("agenda published"), null=True, blank=True)
    # notices.agenda_fingerprint of what was last sent: publishing an unchanged agenda sends nothing.
    agenda_published_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)
    actual_start = models.DateTimeField(_("actual start"), null=True, blank=True)
    actual_end = models.DateTimeField(_("actual end"), null=True, blank=True)
    # Who started the run: the chair, or the deputy chair (代主持) when the chair is away.
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    current_item = models.ForeignKey("AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Bumped on every change of the live state, so clients can tell what is new.
    live_version = models.PositiveIntegerField(default=0)
    # Set when text the archive indexes changes (notes, items, reports, decisions, actions,
    # minutes); the search index catches up and clears it. Durable, so nothing is missed.
    text_changed = models.DateTimeField(null=True, blank=True, editable=False)
    # RFC 5545 SEQUENCE: raised whenever time, place or status change, so calendar apps
    # replace their copy of the event (same UID) instead of keeping the old one.
    ics_sequence = models.PositiveIntegerField(default=0, editable=False)
    # Delivery (lihui.notices): the SEQUENCE last sent to attendees as an invitation (None:
    # never invited), set when a change must reach calendars that hold it (the worker sends
    # the update and clears it), and the SEQUENCE the reminder was queued for.
    invited_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    invitation_due = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)

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
            models.Index(fields=["text_changed"], name="meeting_text_changed", condition=models.Q(text_changed__isnull=False)),
            models.Index(fields=["invitation_due"], name="meeting_invitation_due", condition=models.Q(invitation_due__isnull=False)),
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
    def series_zone(self) -> ZoneInfo:
        return ZoneInfo(self.series.time_zone)

    @property
    def purposes(self) -> list[str]:
        return [line.strip() for line in self.purpose.splitlines() if line.strip()]

    @property
    def target_end(self) -> dt.datetime:
        """When the meeting should end: its scheduled end, unless it was started outside
        its slot (early, or an ad-hoc run), then its start plus its duration."""
        if self.actual_start and not (self.start - dt.timedelta(hours=1) <= self.actual_start <= self.end):
            return self.actual_start + dt.timedelta(minutes=self.duration_minutes)
        return self.end

    @property
    def is_live(self) -> bool:
        return self.actual_start is not None and self.actual_end is None


class Amendment(models.Model):
    """A change to a held meeting's record (agenda, timings) after it ended: by the chair,
    with a reason, kept with what it changed, shown on the recap and in the audit log."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="amendments")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=300)
    # [{"field", "label", "subject", "before", "after"}]: display values, as the audit log keeps them.
    changes = models.JSONField(_("changes"), default=list)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.at:%Y-%m-%d %H:%M} {self.actor_name}"


class AgendaItem(models.Model):
    """One topic of one meeting (议题), with its time budget and, live, the time it took."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=AgendaKind.choices, default=AgendaKind.OTHER)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("presenter"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes_allotted = models.PositiveSmallIntegerField(_("minutes allotted"), default=10)
    # Live timing: seconds already used in closed segments, plus the open segment.
    seconds_used = models.PositiveIntegerField(_("seconds used"), default=0)
    running_since = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    notes_revision = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")

    def __str__(self) -> str:
        return self.title

    def used_seconds(self, now: dt.datetime | None = None) -> int:
        if self.running_since is None:
            return self.seconds_used
        from django.utils import timezone

        return self.seconds_used + max(0, int(((now or timezone.now()) - self.running_since).total_seconds()))

    @property
    def overrun_seconds(self) -> int:
        return max(0, self.used_seconds() - self.minutes_allotted * 60)


def material_path(instance: Material, filename: str) -> str:
    # Generated names only: nothing a user typed reaches the file system.
    return f"materials/{instance.item.meeting_id}/{uuid.uuid4().hex}"


class Material(models.Model):
    """A pre-read file (会前材料) attached to an agenda item."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="materials")
    file = models.FileField(upload_to=material_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.name


class Guest(models.Model):
    """Someone invited for one topic (特邀人员): staff, or an outside name and e-mail."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="guests")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("guest")
        verbose_name_plural = _("guests")

    def __str__(self) -> str:
        return str(self.person) if self.person_id else self.name


class Attendance(models.Model):
    """签到: one row per participant and meeting."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        REMOTE = "remote", _("Remote")
        EXCUSED = "excused", _("Excused")
        ABSENT = "absent", _("Absent")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    guest = models.ForeignKey(Guest, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_unique_person"),
            models.UniqueConstraint(fields=["meeting", "guest"], name="attendance_unique_guest"),
        ]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
