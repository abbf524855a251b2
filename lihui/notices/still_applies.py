"""Send-time checks: just before a message goes, does it still apply? A moved meeting's
old reminder, an agenda for a meeting since cancelled, a due-soon note for an action
since done: cancelled, not sent. Registered with lihui.notify at start-up."""

from __future__ import annotations

from lihui.actions.models import ActionItem
from lihui.meetings.models import Meeting
from lihui.notify import kinds as k
from lihui.notify.services import still_applies_register


def _meeting(message) -> Meeting | None:
    if message.object_type != "meetings.meeting":
        return None
    return Meeting.objects.filter(pk=message.object_id).first()


@still_applies_register(k.REMINDER)
def reminder_applies(message) -> bool:
    meeting = _meeting(message)
    return (
        meeting is not None
        and meeting.status == Meeting.Status.SCHEDULED
        and meeting.start.isoformat() == message.payload.get("start")
    )


@still_applies_register(k.AGENDA)
def agenda_applies(message) -> bool:
    meeting = _meeting(message)
    return meeting is not None and meeting.status in (Meeting.Status.SCHEDULED, Meeting.Status.HELD)


@still_applies_register(k.INVITATION)
def invitation_applies(message) -> bool:
    """A cancellation always goes (even for a meeting since removed); an invitation only
    while it is the latest: a newer SEQUENCE supersedes it."""
    if message.payload.get("method") == "CANCEL":
        return True
    meeting = _meeting(message)
    return (
        meeting is not None
        and meeting.status == Meeting.Status.SCHEDULED
        and meeting.ics_sequence == message.payload.get("sequence")
    )


def _action(message) -> ActionItem | None:
    if message.object_type != "actions.actionitem":
        return None
    return ActionItem.objects.filter(pk=message.object_id).first()


@still_applies_register(k.ACTION_ASSIGNED)
def assigned_applies(message) -> bool:
    action = _action(message)
    return action is not None and action.is_open and action.owner_id == message.recipient_id


def _still_due(message) -> bool:
    if message.object_type == "regime.series":  # a robot's overdue list: sent as it was
        return True
    action = _action(message)
    return action is not None and action.is_open and action.due.isoformat() == message.payload.get("due")


for kind in (k.ACTION_DUE_SOON, k.ACTION_OVERDUE, k.ACTION_ESCALATED):
    still_applies_register(kind)(_still_due)
