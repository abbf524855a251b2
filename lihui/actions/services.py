"""Writes for follow-up: record decisions and actions in a meeting, owners update them,
and the next meeting's review closes, continues or cancels each open one."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lihui import events
from lihui.audit.services import E, V, audit_change, audit_created, audit_diff, audit_record, audit_snapshot
from lihui.meetings.models import AgendaItem, Meeting
from lihui.meetings.selectors import meeting_can_take_notes
from lihui.meetings.services.text import meeting_text_changed
from lihui.people.models import Person

from .models import ActionItem, ActionUpdate, Decision
from .selectors import action_can_manage, action_can_reassign

S = ActionItem.Status
# Which status may follow which: an owner works an action; closing is done or cancelled.
TRANSITIONS = {
    S.OPEN: {S.IN_PROGRESS, S.BLOCKED, S.DONE, S.CANCELLED},
    S.IN_PROGRESS: {S.OPEN, S.BLOCKED, S.DONE, S.CANCELLED},
    S.BLOCKED: {S.OPEN, S.IN_PROGRESS, S.DONE, S.CANCELLED},
    S.DONE: {S.OPEN},  # reopen
    S.CANCELLED: {S.OPEN},
}


def _text(value: str, field: str, *, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if "\x00" in value:  # as Django's forms and the API refuse it: PostgreSQL cannot store NUL
        raise ValidationError({field: [ProhibitNullCharactersValidator.message]})
    if required and not value:
        raise ValidationError({field: [_("This field is required.")]})
    if len(value) > limit:
        raise ValidationError({field: [_("Ensure this text has at most %(limit)s characters.") % {"limit": limit}]})
    return value


ACTION_FIELDS = ["title", "owner", "due", "priority", "status"]
COMMENT_LABEL = gettext_lazy("comment")
REASON_LABEL = gettext_lazy("reason")
REVIEW_OUTCOME = gettext_lazy("review outcome")
REVIEW_CONTINUE = gettext_lazy("continued")


def _audit_action(actor: Person, action: ActionItem, verb: str, changes: list[dict], *, meeting: Meeting | None = None) -> None:
    audit_record(actor=actor, series=action.series_id, meeting=meeting or action.meeting_id, entity=E.ACTION,
                 object_id=action.pk, verb=verb, changes=changes, subject=action.title)  # fmt: skip


def _note(label, text: str) -> list[dict]:
    return [audit_change("comment", label, None, text)] if text else []


def decision_record(*, actor: Person, meeting: Meeting, text: str, item: AgendaItem | None = None) -> Decision:
    """决议, recorded by the chair or the minute-taker during or after the meeting."""
    if not meeting_can_take_notes(person=actor, meeting=meeting):
        raise PermissionDenied
    if item is not None and item.meeting_id != meeting.pk:
        raise ValidationError({"item": [_("This item is not on the meeting's agenda.")]})
    text = _text(text, "text", limit=2000)
    with transaction.atomic():
        decision = Decision.objects.create(meeting=meeting, item=item, text=text, created_by=actor)
        meeting_text_changed(meeting_id=meeting.pk)
        audit_record(actor=actor, series=meeting.series_id, meeting=meeting, entity=E.DECISION, object_id=decision.pk,
                     verb=V.CREATED, changes=audit_created(audit_snapshot(decision, ["text", "item"])), subject=text)  # fmt: skip
    return decision


def action_create(
    *,
    actor: Person,
    meeting: Meeting,
    title: str,
    owner: Person | None,
    due: dt.date | None,
    priority: str = ActionItem.Priority.NORMAL,
    item: AgendaItem | None = None,
    decision: Decision | None = None,
) -> ActionItem:
    """行动项: an owner and a due date, always."""
    if not meeting_can_take_notes(person=actor, meeting=meeting):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    try:
        title = _text(title, "title", limit=300)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if owner is None:
        errors["owner"] = [_("Every action needs an owner.")]
    elif not owner.is_active:
        errors["owner"] = [_("The owner is no longer active.")]
    meeting_day = timezone.localtime(meeting.start, meeting.series_zone).date()
    if due is None:
        errors["due"] = [_("Every action needs a due date.")]
    elif due < meeting_day:
        errors["due"] = [_("The due date is before the meeting.")]
    if priority not in ActionItem.Priority.values:
        errors["priority"] = [_("Choose high, normal or low.")]
    if item is not None and item.meeting_id != meeting.pk:
        errors["item"] = [_("This item is not on the meeting's agenda.")]
    if decision is not None and decision.meeting_id != meeting.pk:
        errors["decision"] = [_("This decision was not taken in this meeting.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = ActionItem.objects.create(
            series_id=meeting.series_id,
            meeting=meeting,
            item=item,
            decision=decision,
            title=title,
            owner=owner,
            due=due,
            priority=priority,
            created_by=actor,
        )
        meeting_text_changed(meeting_id=meeting.pk)
        events.action_assigned.announce(action=action, actor=actor)
        _audit_action(actor, action, V.CREATED, audit_created(audit_snapshot(action, ACTION_FIELDS)))
    return action


def _set_status(action: ActionItem, status: str) -> None:
    if action.status == status:
        return  # no change: an action closed already keeps the time it was closed
    action.status = status
    action.closed_at = timezone.now() if status in (S.DONE, S.CANCELLED) else None
    action.save(update_fields=["status", "closed_at"])


def action_set_status(*, actor: Person, action: ActionItem, status: str, comment: str = "") -> ActionItem:
    if not action_can_manage(person=actor, action=action):
        raise PermissionDenied
    comment = _text(comment, "comment", limit=2000, required=False)
    if status not in S.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    if status != action.status and status not in TRANSITIONS[action.status]:
        raise ValidationError(
            {"status": [_("An action cannot go from “%(old)s” to “%(new)s”.") % {"old": action.get_status_display(), "new": S(status).label}]}
        )
    if status == action.status:
        # Not a change: a comment stays a comment, and nothing else is recorded.
        if comment:
            action_comment(actor=actor, action=action, text=comment)
            return action
        raise ValidationError({"status": [_("The action is already “%(status)s”: nothing to change.") % {"status": action.get_status_display()}]})
    with transaction.atomic():
        old = action.status
        before = audit_snapshot(action, ["status"])
        _set_status(action, status)
        ActionUpdate.objects.create(action=action, kind=ActionUpdate.Kind.STATUS, author=actor, text=comment, old=old, new=status)
        meeting_text_changed(meeting_id=action.meeting_id)
        changes = audit_diff(before, audit_snapshot(action, ["status"]))
        _audit_action(actor, action, V.CHANGED, changes + _note(COMMENT_LABEL, comment) if changes else [])
    return action


def action_comment(*, actor: Person, action: ActionItem, text: str) -> ActionUpdate:
    if not action_can_manage(person=actor, action=action):
        raise PermissionDenied
    text = _text(text, "text", limit=2000)
    with transaction.atomic():
        update = ActionUpdate.objects.create(action=action, kind=ActionUpdate.Kind.COMMENT, author=actor, text=text)
        meeting_text_changed(meeting_id=action.meeting_id)
        _audit_action(actor, action, V.COMMENTED, _note(COMMENT_LABEL, text))
    return update


def action_move_due(*, actor: Person, action: ActionItem, due: dt.date, reason: str) -> ActionItem:
    """Moving a due date needs a reason, and is logged."""
    if not action_can_manage(person=actor, action=action):
        raise PermissionDenied
    reason = _text(reason, "reason", limit=500)
    if due == action.due:
        raise ValidationError({"due": [_("The action is already due on that day: nothing to change.")]})
    if due < timezone.localdate():
        raise ValidationError({"due": [_("The new due date is in the past.")]})
    meeting = action.meeting
    if due < timezone.localtime(meeting.start, meeting.series_zone).date():
        raise ValidationError({"due": [_("The due date is before the meeting.")]})
    with transaction.atomic():
        old = action.due
        action.due = due
        action.save(update_fields=["due"])
        ActionUpdate.objects.create(action=action, kind=ActionUpdate.Kind.DUE, author=actor, text=reason, old=old.isoformat(), new=due.isoformat())
        due_label = ActionItem._meta.get_field("due").verbose_name
        _audit_action(actor, action, V.CHANGED, [audit_change("due", due_label, old, due), *_note(REASON_LABEL, reason)])
    return action


def action_review(
    *, actor: Person, meeting: Meeting, action: ActionItem, outcome: str, due: dt.date | None = None, comment: str = ""
) -> ActionItem:
    """跟进: in a meeting's review, the chair marks an open action done, continued (with a
    new due date) or cancelled; the outcome is kept with the meeting."""
    if not meeting_can_take_notes(person=actor, meeting=meeting):
        raise PermissionDenied
    if action.series_id != meeting.series_id:
        raise ValidationError({"action": [_("This action belongs to another meeting series.")]})
    if action.meeting.start >= meeting.start:
        raise ValidationError({"action": [_("A meeting reviews the actions of earlier meetings only.")]})
    comment = _text(comment, "comment", limit=2000, required=False)
    if outcome not in ("done", "continue", "cancelled"):
        raise ValidationError({"outcome": [_("Choose done, continue or cancelled.")]})
    if outcome == "continue" and due is None:
        raise ValidationError({"due": [_("Give the new due date.")]})
    if outcome == "continue" and due < timezone.localtime(meeting.start, meeting.series_zone).date():
        raise ValidationError({"due": [_("The new due date is before the meeting.")]})
    last = ActionUpdate.objects.filter(action=action, meeting=meeting, kind=ActionUpdate.Kind.REVIEW).order_by("-id").first()
    target = {"done": S.DONE, "cancelled": S.CANCELLED}.get(outcome, S.OPEN)
    if last is not None and last.new == outcome and action.status == target and (outcome != "continue" or action.due == due):
        # This meeting already decided just that: not a change. A comment stays a comment.
        if not comment:
            raise ValidationError({"outcome": [_("This meeting's review already says so: nothing to change.")]})
        with transaction.atomic():
            ActionUpdate.objects.create(action=action, kind=ActionUpdate.Kind.COMMENT, author=actor, meeting=meeting, text=comment)
            meeting_text_changed(meeting_id=action.meeting_id)
            _audit_action(actor, action, V.COMMENTED, _note(COMMENT_LABEL, comment), meeting=meeting)
        return action
    with transaction.atomic():
        old = action.status
        before = audit_snapshot(action, ["status", "due"])
        if outcome == "done":
            _set_status(action, S.DONE)
        elif outcome == "cancelled":
            _set_status(action, S.CANCELLED)
        else:
            if action.due != due:
                ActionUpdate.objects.create(
                    action=action, kind=ActionUpdate.Kind.DUE, author=actor, meeting=meeting,
                    text=comment or _("Continued in the meeting review."), old=action.due.isoformat(), new=due.isoformat(),
                )  # fmt: skip
                action.due = due
                action.save(update_fields=["due"])
            if not action.is_open:
                _set_status(action, S.OPEN)
        ActionUpdate.objects.create(
            action=action, kind=ActionUpdate.Kind.REVIEW, author=actor, meeting=meeting, text=comment, old=old, new=outcome
        )
        meeting_text_changed(meeting_id=action.meeting_id)
        meeting_text_changed(meeting_id=meeting.pk)  # the outcome is part of this meeting's minutes
        outcomes = {"done": S.DONE.label, "continue": REVIEW_CONTINUE, "cancelled": S.CANCELLED.label}
        _audit_action(actor, action, V.REVIEWED, [
            audit_change("outcome", REVIEW_OUTCOME, None, outcomes[outcome], i18n=True),
            *audit_diff(before, audit_snapshot(action, ["status", "due"])), *_note(COMMENT_LABEL, comment),
        ], meeting=meeting)  # fmt: skip
    return action



OWNER_LABEL = gettext_lazy("Owner")


def action_reassign(*, actor: Person, action: ActionItem, owner: Person, reason: str = "") -> ActionItem:
    """Give an open action to another owner (a leaver's work, handed on by the chair): the
    series' chair, minute-taker and admins may; the new owner must be active. The history,
    the audit log and the new owner's notice say so."""
    if not action_can_reassign(person=actor, action=action):
        raise PermissionDenied
    reason = _text(reason, "reason", limit=500, required=False)
    if not owner.is_active:
        raise ValidationError({"owner": [_("%(name)s has left: choose someone active.") % {"name": owner}]})
    if owner.pk == action.owner_id:
        raise ValidationError({"owner": [_("%(name)s owns the action already: nothing to change.") % {"name": owner}]})
    if action.status not in ActionItem.OPEN_STATES:
        raise ValidationError({"owner": [_("Only an open action can be handed on.")]})
    with transaction.atomic():
        old = action.owner
        action.owner = owner
        action.save(update_fields=["owner"])
        ActionUpdate.objects.create(
            action=action, kind=ActionUpdate.Kind.OWNER, author=actor, text=reason, old=str(old)[:40], new=str(owner)[:40]
        )
        meeting_text_changed(meeting_id=action.meeting_id)
        _audit_action(actor, action, V.CHANGED, [audit_change("owner", OWNER_LABEL, str(old), str(owner)), *_note(REASON_LABEL, reason)])
        events.action_assigned.announce(action=action, actor=actor)
    return action
