"""Reading the audit log: who may, and the entries of a series as people read them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import AuditEntry


def audit_entries(*, series, entity: str | None = None, meeting_id: int | None = None) -> QuerySet[AuditEntry]:
    """Newest first; one query per page whatever it holds (the meeting comes joined, the
    actor's name is stored on the entry)."""
    qs = AuditEntry.objects.filter(series=series).select_related("meeting").order_by("-at", "-id")
    if entity:
        qs = qs.filter(entity=entity)
    if meeting_id:
        qs = qs.filter(meeting_id=meeting_id)
    return qs


@dataclass(frozen=True)
class ChangeLine:
    field: str
    label: str
    before: str
    after: str


def _shown(value, translate: bool) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_shown(v, translate) for v in value)
    text = str(value)
    return _(text) if translate and isinstance(value, str) else text


def audit_change_lines(*, entry: AuditEntry) -> list[ChangeLine]:
    """The entry's changes in the reader's language: labels and choice names translated,
    names and typed text as they were."""
    lines = []
    for change in entry.changes or []:
        flags = change.get("i18n") or []
        label = str(change.get("label") or change.get("field") or "")
        lines.append(
            ChangeLine(
                field=str(change.get("field", "")),
                label=_(label) if "label" in flags and label else label,
                before=_shown(change.get("before"), "values" in flags),
                after=_shown(change.get("after"), "values" in flags),
            )
        )
    return lines


def audit_meetings(*, series, limit: int = 200) -> list:
    """The meetings the log mentions, newest first, to filter by (one query)."""
    Meeting = AuditEntry.meeting.field.related_model  # the log sits below the meetings app: no import

    ids = AuditEntry.objects.filter(series=series, meeting__isnull=False).values("meeting_id")
    return list(Meeting.objects.filter(series=series, pk__in=ids).order_by("-start")[:limit])
