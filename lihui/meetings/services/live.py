"""Running a meeting (开会模式): start, the item timer, attendance, live notes, end.

The live state lives on the server: each item's used seconds and when its open segment
began, and the meeting's current item. Every change takes the meeting row's lock and
bumps `live_version`, so the chair's laptop, a second browser and the projector agree,
and two people pressing Next at once advance once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lihui.audit.services import E, V, audit_created, audit_diff, audit_record, audit_snapshot
from lihui.people.models import Person

from ..models import AgendaItem, Attendance, Guest, Meeting
from ..selectors import meeting_can_run, meeting_can_take_notes, meeting_is_participant
from .text import meeting_text_changed


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def _close_segment(item: AgendaItem, now: dt.datetime) -> None:
    if item.running_since is not None:
        item.seconds_used += max(0, int((now - item.running_since).total_seconds()))
        item.running_since = None
        item.save(update_fields=["seconds_used", "running_since"])


def _open_segment(item: AgendaItem, now: dt.datetime) -> None:
    item.running_since = now
    item.save(update_fields=["running_since"])


def meeting_start(*, actor: Person, meeting: Meeting) -> Meeting:
    """Start: the actual start is recorded and the first item's timer runs."""
    if not meeting_can_run(person=actor, meeting=meeting):
        raise PermissionDenied
    if meeting.status not in (Meeting.Status.SCHEDULED,):
        raise ValidationError({"__all__": [_("Only a planned meeting can be started.")]})
    with transaction.atomic():
        m = _locked(meeting)
        if m.actual_start is not None:
            return m  # already started (a second click, another laptop)
        now = timezone.now()
        first = m.items.order_by("position", "id").first()
        m.actual_start = now
        m.current_item = first
        m.live_version = F("live_version") + 1
        m.save(update_fields=["actual_start", "current_item", "live_version"])
        if first is not None:
            _open_segment(first, now)
    m.refresh_from_db()
    return m


def meeting_go_to(*, actor: Person, meeting: Meeting, expected_item_id: int | None, step: int) -> Meeting:
    """Next (+1) or previous (-1) item. `expected_item_id` is the item the caller saw as
    current: if someone else moved on meanwhile, nothing happens again."""
    if not meeting_can_run(person=actor, meeting=meeting):
        raise PermissionDenied
    if step not in (1, -1):
        raise ValidationError({"step": [_("Step must be 1 or -1.")]})
    with transaction.atomic():
        m = _locked(meeting)
        if m.actual_start is None or m.actual_end is not None:
            raise ValidationError({"__all__": [_("The meeting is not running.")]})
        if m.current_item_id != expected_item_id:
            return m  # already moved by someone else: advance once
        items = list(m.items.order_by("position", "id"))
        ids = [i.pk for i in items]
        index = ids.index(m.current_item_id) if m.current_item_id in ids else -1
        target = index + step
        if not 0 <= target < len(items):
            return m
        now = timezone.now()
        if index >= 0:
            _close_segment(items[index], now)
        _open_segment(items[target], now)
        m.current_item = items[target]
        m.live_version = F("live_version") + 1
        m.save(update_fields=["current_item", "live_version"])
    m.refresh_from_db()
    return m


def meeting_end(*, actor: Person, meeting: Meeting) -> Meeting:
    from lihui.notices.services import meeting_ended

    if not meeting_can_run(person=actor, meeting=meeting):
        raise PermissionDenied
    with transaction.atomic():
        m = _locked(meeting)
        if m.actual_start is None:
            raise ValidationError({"__all__": [_("The meeting has not started.")]})
        if m.actual_end is not None:
            return m
        now = timezone.now()
        for item in m.items.filter(running_since__isnull=False):
            _close_segment(item, now)
        m.actual_end = now
        m.status = Meeting.Status.HELD
        m.current_item = None
        m.live_version = F("live_version") + 1
        m.save(update_fields=["actual_end", "status", "current_item", "live_version"])
        meeting_ended(meeting=m)
    m.refresh_from_db()
    return m


# --- attendance ---------------------------------------------------------------------


def attendance_set(
    *,
    actor: Person,
    meeting: Meeting,
    status: str,
    person: Person | None = None,
    guest: Guest | None = None,
    arrived_at: dt.datetime | None = None,
    reason: str = "",
) -> Attendance:
    """签到: present / late (arrival time) / remote / excused (reason) / absent."""
    if not meeting_can_take_notes(person=actor, meeting=meeting):
        raise PermissionDenied
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if status not in Attendance.Status.values:
        errors["status"] = [_("Choose present, late, remote, excused or absent.")]
    if (person is None) == (guest is None):
        errors["person"] = [_("Choose one participant.")]
    elif person is not None and not meeting_is_participant(person=person, meeting=meeting, admins=False):
        errors["person"] = [_("This person is not a participant of the meeting.")]
    elif guest is not None and guest.item.meeting_id != meeting.pk:
        errors["guest"] = [_("This guest is not invited to this meeting.")]
    if status == Attendance.Status.EXCUSED and not reason:
        errors["reason"] = [_("Give the reason for the excuse.")]
    if len(reason) > 200:
        errors["reason"] = [_("The reason is too long (200 characters at most).")]
    if errors:
        raise ValidationError(errors)
    if status == Attendance.Status.LATE and arrived_at is None:
        arrived_at = timezone.now()
    if status != Attendance.Status.LATE:
        arrived_at = None
    with transaction.atomic():
        fields = ["status", "arrived_at", "reason"]
        was = Attendance.objects.filter(meeting=meeting, person=person, guest=guest).first()
        before = audit_snapshot(was, fields) if was else {}
        row, _created = Attendance.objects.update_or_create(
            meeting=meeting,
            person=person,
            guest=guest,
            defaults={"status": status, "arrived_at": arrived_at, "reason": reason, "recorded_by": actor},
        )
        Meeting.objects.filter(pk=meeting.pk).update(live_version=F("live_version") + 1)
        after = audit_snapshot(row, fields)
        audit_record(actor=actor, series=meeting.series_id, meeting=meeting, entity=E.ATTENDANCE, object_id=row.pk,
                     verb=V.CHANGED if was else V.CREATED, changes=audit_diff(before, after) if was else audit_created(after),
                     subject=str(person or guest))  # fmt: skip
    return row


# --- notes --------------------------------------------------------------------------


@dataclass
class NotesConflict(Exception):
    """The text changed since the caller loaded it: both versions, nothing overwritten."""

    server_text: str
    server_revision: int


def notes_save(*, actor: Person, item: AgendaItem, text: str, base_revision: int) -> int:
    """Save an item's notes if nobody saved since `base_revision`; returns the new revision."""
    if not meeting_can_take_notes(person=actor, meeting=item.meeting):
        raise PermissionDenied
    text = (text or "").replace("\x00", "")  # PostgreSQL text cannot hold NUL; it carries nothing anyway
    if len(text) > 100_000:
        raise ValidationError({"text": [_("The notes are too long (100,000 characters at most).")]})
    updated = AgendaItem.objects.filter(pk=item.pk, notes_revision=base_revision).update(
        notes=text, notes_revision=base_revision + 1
    )
    if not updated:
        current = AgendaItem.objects.values("notes", "notes_revision").get(pk=item.pk)
        if current["notes"] == text:
            return current["notes_revision"]  # the same text arrived twice (a retry)
        raise NotesConflict(server_text=current["notes"], server_revision=current["notes_revision"])
    meeting_text_changed(meeting_id=item.meeting_id)
    return base_revision + 1
