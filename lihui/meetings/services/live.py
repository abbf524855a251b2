"""Running a meeting (开会模式): start, the item timer, attendance, live notes, end.

The live state lives on the server: each item's used seconds and when its open segment
began, and the meeting's current item. Every change takes the meeting row's lock and
bumps `live_version`, so the chair's laptop, a second browser and the projector agree,
and two people pressing Next at once advance once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lihui import events
from lihui.audit.services import E, V, audit_created, audit_diff, audit_record, audit_snapshot
from lihui.people.models import Person

from ..models import AgendaItem, Attendance, Guest, Meeting
from ..revisions import RevisionConflict, SavedText
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


EARLY = dt.timedelta(hours=1)


def meeting_start(*, actor: Person, meeting: Meeting, confirm_early: bool = False) -> Meeting:
    """Start: the actual start is recorded and the first item's timer runs. More than an
    hour before its slot, only when the caller confirms (`confirm_early`): compliance then
    judges the start against the planned slot, not as "on time"."""
    if not meeting_can_run(person=actor, meeting=meeting):
        raise PermissionDenied
    if meeting.status not in (Meeting.Status.SCHEDULED,):
        raise ValidationError({"__all__": [_("Only a planned meeting can be started.")]})
    now = timezone.now()
    if meeting.actual_start is None and meeting.start - now > EARLY and not confirm_early:
        local = timezone.localtime(meeting.start, meeting.series_zone)
        raise ValidationError(
            _("This meeting is planned for %(when)s. Start it now anyway?") % {"when": f"{local:%Y-%m-%d %H:%M}"},
            code="early",
        )
    with transaction.atomic():
        m = _locked(meeting)
        if m.actual_start is not None:
            return m  # already started (a second click, another laptop)
        first = m.items.order_by("position", "id").first()
        m.actual_start = now
        m.started_by = actor
        m.current_item = first
        m.live_version = F("live_version") + 1
        m.save(update_fields=["actual_start", "started_by", "current_item", "live_version"])
        if first is not None:
            _open_segment(first, now)
        # Started well before its slot: the entry keeps the planned and the actual start.
        early = [{"field": "start", "label": gettext_noop("start"), "before": f"{timezone.localtime(m.start, m.series_zone):%Y-%m-%d %H:%M}",
                  "after": f"{timezone.localtime(now, m.series_zone):%Y-%m-%d %H:%M}", "i18n": ["label"]}] if m.start - now > EARLY else []  # fmt: skip
        _audit_run(actor, m, V.STARTED, early)
    m.refresh_from_db()
    return m


def _audit_run(actor: Person, meeting: Meeting, verb: str, changes: list | None = None) -> None:
    audit_record(actor=actor, series=meeting.series_id, meeting=meeting, entity=E.MEETING, object_id=meeting.pk,
                 verb=verb, changes=changes or [], subject=str(meeting.number or ""))  # fmt: skip


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


def meeting_undiscussed(*, meeting: Meeting) -> list[AgendaItem]:
    """Items nobody has opened yet: what End would leave undiscussed."""
    return [
        i for i in meeting.items.order_by("position", "id")
        if i.seconds_used == 0 and i.running_since is None and i.pk != meeting.current_item_id
    ]  # fmt: skip


def meeting_end(*, actor: Person, meeting: Meeting) -> Meeting:
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
        _audit_run(actor, m, V.ENDED)
        events.meeting_ended.announce(meeting=m)
    m.refresh_from_db()
    return m


def resume_grace() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LIHUI_RESUME_GRACE_MINUTES)


def meeting_can_resume(*, person: Person, meeting: Meeting, now: dt.datetime | None = None) -> bool:
    """Ended within the grace period, by someone who may run it, and not yet amended or minuted."""
    now = now or timezone.now()
    return (
        meeting.actual_end is not None
        and now - meeting.actual_end <= resume_grace()
        and not meeting.amendments.exists()
        and not Meeting.objects.filter(pk=meeting.pk, minutes__published_at__isnull=False).exists()  # minutes published
        and meeting_can_run(person=person, meeting=meeting)
    )


def meeting_resume(*, actor: Person, meeting: Meeting) -> Meeting:
    """Undo End within the grace period: the meeting runs again from the item it stopped on
    (the last one with time used); the timings stay, the gap is not counted."""
    if not meeting_can_run(person=actor, meeting=meeting):
        raise PermissionDenied
    with transaction.atomic():
        m = _locked(meeting)
        if m.actual_end is None:
            return m  # already running again (a second click)
        if not meeting_can_resume(person=actor, meeting=m):
            raise ValidationError(
                {"__all__": [_("This meeting can be resumed only within %(minutes)d minutes of its end, before its minutes are published.")
                             % {"minutes": settings.LIHUI_RESUME_GRACE_MINUTES}]}  # fmt: skip
            )
        now = timezone.now()
        items = list(m.items.order_by("position", "id"))
        used = [i for i in items if i.seconds_used > 0]
        current = used[-1] if used else (items[0] if items else None)
        m.actual_end = None
        m.status = Meeting.Status.SCHEDULED
        m.current_item = current
        m.live_version = F("live_version") + 1
        m.save(update_fields=["actual_end", "status", "current_item", "live_version"])
        if current is not None:
            _open_segment(current, now)
        _audit_run(actor, m, V.RESUMED)
    m.refresh_from_db()
    return m


# --- attendance ---------------------------------------------------------------------


def meeting_span(meeting: Meeting) -> tuple[dt.datetime, dt.datetime]:
    """When the meeting took place: from its actual (else planned) start to its actual end,
    to now while it runs, or to its planned end before it starts."""
    began = meeting.actual_start or meeting.start
    if meeting.actual_end is not None:
        return began, meeting.actual_end
    if meeting.actual_start is not None:
        return began, max(timezone.now(), began)
    return began, meeting.end


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
    began, ended = meeting_span(meeting)
    if status == Attendance.Status.LATE and arrived_at is None:
        arrived_at = min(max(timezone.now(), began), ended)  # now, or the nearest moment of the meeting
    if status != Attendance.Status.LATE:
        arrived_at = None
    if arrived_at is not None:
        if not began <= arrived_at <= ended:
            zone = meeting.series_zone
            raise ValidationError({"arrived_at": [_("The arrival time must lie within the meeting (%(start)s–%(end)s).") % {
                "start": f"{timezone.localtime(began, zone):%H:%M}", "end": f"{timezone.localtime(ended, zone):%H:%M}"}]})  # fmt: skip
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
        raise RevisionConflict(theirs=SavedText(number=current["notes_revision"], text=current["notes"]), yours=text)
    meeting_text_changed(meeting_id=item.meeting_id)
    return base_revision + 1
