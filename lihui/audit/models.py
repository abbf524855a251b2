"""审计日志 / 变更记录: who changed what in a series, when, from what to what.

Append-only: services add entries inside the transaction of the change they describe, and
nothing in the app updates or deletes one. Foreign keys are string references, so the
regime, meetings and actions services can all write here without an import cycle.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEntry(models.Model):
    class Entity(models.TextChoices):
        SERIES = "series", _("Series rules")
        ROSTER = "roster", _("Roster")
        ATTENDANCE = "attendance", _("Attendance")
        MINUTES = "minutes", _("Minutes")
        DECISION = "decision", _("Decision")
        ACTION = "action", _("Action item")
        CHANNEL = "channel", _("Group robot")
        MEETING = "meeting", pgettext_lazy("meeting record", "Meeting")

    class Verb(models.TextChoices):
        CREATED = "created", _("created")
        CHANGED = "changed", _("changed")
        ADDED = "added", _("added")
        REMOVED = "removed", _("removed")
        SUBMITTED = "submitted", _("submitted")
        PUBLISHED = "published", _("published")
        EDITED = "edited", _("edited")
        COMMENTED = "commented", _("commented")
        REVIEWED = "reviewed", _("reviewed")
        STARTED = "started", _("started")
        ENDED = "ended", _("ended")
        RESUMED = "resumed", _("resumed")
        AMENDED = "amended", _("amended")

    # The log belongs to its series: it goes when the series is deleted (by its chair or an
    # admin), like every other record of it.
    series = models.ForeignKey(
        "regime.Series", verbose_name=_("meeting series"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    meeting = models.ForeignKey(
        "meetings.Meeting", verbose_name=_("meeting"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept with the entry, so it stays readable when the person is gone or renamed.
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    entity = models.CharField(_("kind"), max_length=20, choices=Entity.choices)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    # What the entry is about, as people know it: an action's title, a person's name.
    subject = models.CharField(_("about"), max_length=200, blank=True)
    verb = models.CharField(_("what"), max_length=20, choices=Verb.choices)
    # [{"field", "label", "before", "after", "i18n"}]: display values (names, choice
    # labels, ISO dates), never bare ids. `label` and, when `i18n` is true, the values are
    # English msgids, translated when shown; names and typed text are shown as stored.
    changes = models.JSONField(_("changes"), default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["series", "-at", "-id"], name="audit_series_at")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.verb} {self.entity}"
