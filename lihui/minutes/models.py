"""会议纪要 of a meeting: where it stands, and every saved text as a revision.

The tables kept the names they had when the models lived in `lihui.meetings`
(migrations/0001_initial.py moved them without touching the data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lihui.meetings.models import Meeting


class Minutes(models.Model):
    """会议纪要 of one meeting: where it stands. The text is the latest `MinutesRevision`."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting the chair's approval")
        PUBLISHED = "published", _("Published")

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("published"), null=True, blank=True, help_text="the first publication; kept after later edits")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    head = models.PositiveIntegerField(default=0, help_text="number of the latest revision; 0 before the first save")

    class Meta:
        db_table = "meetings_minutes"
        # "minutes" alone is also the time unit (分钟): the context keeps the record apart.
        verbose_name = pgettext_lazy("meeting record", "minutes")
        verbose_name_plural = pgettext_lazy("meeting record", "minutes")

    def __str__(self) -> str:
        return f"{self.meeting} {self.state}"


class MinutesRevision(models.Model):
    """Append-only: every save of the minutes' text is a new row, never an update."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    comment = models.CharField(_("what changed"), max_length=200, blank=True)
    published = models.BooleanField(default=False, help_text="saved while the minutes were published")

    class Meta:
        db_table = "meetings_minutesrevision"
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["minutes", "number"], name="minutes_revision_unique_number")]

    def __str__(self) -> str:
        return f"{self.minutes_id} r{self.number}"
