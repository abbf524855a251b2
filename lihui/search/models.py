"""The archive index: one row per piece of text a meeting produced (or per chunk of a long
one), with its analyzed tokens (see tokens.py). The full-text index over `bi` and `uni`
is built by the migration for each database: an FTS5 table on SQLite, GIN indexes on
PostgreSQL. Rows are derived data: `search_rebuild` makes them again from the meetings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lihui.meetings.models import Meeting
from lihui.regime.models import Series


class SearchEntry(models.Model):
    class Kind(models.TextChoices):
        MINUTES = "minutes", _("Minutes")
        NOTE = "note", _("Notes")
        DECISION = "decision", _("Decision")
        ACTION = "action", _("Action item")
        ITEM = "item", _("Agenda item")
        REPORT = "report", _("Department report")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveIntegerField()
    part = models.PositiveSmallIntegerField(default=0)
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    date = models.DateTimeField()  # the meeting's start, for ordering and the date filter
    title = models.CharField(max_length=300)
    body = models.TextField()
    bi = models.TextField()
    uni = models.TextField()

    class Meta:
        indexes = [
            models.Index(fields=["meeting"], name="search_meeting"),
            models.Index(fields=["series", "date"], name="search_series_date"),
            models.Index(fields=["date"], name="search_date"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"
