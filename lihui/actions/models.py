"""Follow-up (会议结果跟进): decisions (决议) and action items (行动项) with their history."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lihui.meetings.models import AgendaItem, Meeting
from lihui.regime.models import Series


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    text = models.TextField(_("decision"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:60]


# ActionItem.OPEN_STATES for its partial indexes (Meta cannot see the class's attributes).
_OPEN = models.Q(status__in=["open", "in_progress", "blocked"])


class ActionItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        BLOCKED = "blocked", _("Blocked")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.TextChoices):
        HIGH = "high", _("High")
        NORMAL = "normal", _("Normal")
        LOW = "low", _("Low")

    OPEN_STATES = (Status.OPEN, Status.IN_PROGRESS, Status.BLOCKED)

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="actions")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="actions")
    due = models.DateField(_("due date"))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        # The board's filters at a million rows (checked with EXPLAIN on SQLite and
        # PostgreSQL, see bench/board.py). Partial indexes hold only open actions, the ones
        # boards show by default: in due order, so a page needs no sort, and small.
        indexes = [
            models.Index(fields=["owner", "status", "due"], name="action_owner"),
            models.Index(fields=["series", "status", "due"], name="action_series_status"),
            models.Index(fields=["series", "due", "id"], name="action_series_due"),
            models.Index(fields=["due", "id"], name="action_open_due", condition=_OPEN),
            models.Index(fields=["owner", "due", "id"], name="action_open_owner", condition=_OPEN),
            models.Index(fields=["created", "id"], name="action_created"),
        ]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATES

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due < today


class ActionUpdate(models.Model):
    """The history of an action: comments, status changes, due-date moves, review outcomes."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        STATUS = "status", _("Status")
        DUE = "due", _("Due date moved")
        REVIEW = "review", _("Reviewed in a meeting")
        OWNER = "owner", _("Owner changed")

    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(blank=True)
    old = models.CharField(max_length=40, blank=True)
    new = models.CharField(max_length=40, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
