"""Reads for follow-up: who may change an action, my actions, a series' open actions,
a meeting's decisions and actions, and the review list of the next meeting."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from lihui.meetings.models import Meeting
from lihui.people.models import Person
from lihui.regime.models import Membership
from lihui.regime.selectors import person_is_admin, series_visible_to

from .models import ActionItem, ActionUpdate, Decision


def action_can_manage(*, person: Person, action: ActionItem) -> bool:
    """Owners update their own actions; the chair, the minute-taker and admins all of the series'."""
    if not person.is_authenticated:
        return False
    if action.owner_id == person.pk or person_is_admin(person):
        return True
    return Membership.objects.filter(
        series_id=action.series_id, person=person, role__in=(Membership.Role.CHAIR, Membership.Role.MINUTE_TAKER)
    ).exists()


def actions_visible_to(*, person: Person) -> QuerySet[ActionItem]:
    """Nobody outside a series sees its actions; owners always see their own."""
    return ActionItem.objects.filter(Q(series__in=series_visible_to(person=person)) | Q(owner=person))


def action_list(*, person: Person, owner: Person | None = None, series_id: int | None = None, status: str | None = None) -> QuerySet[ActionItem]:
    qs = actions_visible_to(person=person).select_related("owner", "series", "meeting")
    if owner is not None:
        qs = qs.filter(owner=owner)
    if series_id is not None:
        qs = qs.filter(series_id=series_id)
    if status == "open":
        qs = qs.filter(status__in=ActionItem.OPEN_STATES)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("due", "id")


def action_history(*, action: ActionItem) -> QuerySet[ActionUpdate]:
    return action.updates.select_related("author", "meeting")


def meeting_decisions(*, meeting: Meeting) -> list[Decision]:
    return list(meeting.decisions.select_related("item"))


def meeting_actions(*, meeting: Meeting) -> list[ActionItem]:
    return list(meeting.actions.select_related("owner", "item").order_by("id"))


def review_actions(*, meeting: Meeting) -> list[ActionItem]:
    """跟进: every action of the series still open, or closed in this meeting's review,
    that was created before this meeting — from cancelled or skipped meetings too."""
    reviewed_here = ActionUpdate.objects.filter(meeting=meeting, kind=ActionUpdate.Kind.REVIEW).values("action")
    return list(
        ActionItem.objects.filter(series_id=meeting.series_id, meeting__start__lt=meeting.start)
        .filter(Q(status__in=ActionItem.OPEN_STATES) | Q(pk__in=reviewed_here))
        .select_related("owner", "meeting")
        .prefetch_related(
            Prefetch("updates", queryset=ActionUpdate.objects.filter(meeting=meeting, kind=ActionUpdate.Kind.REVIEW), to_attr="review_here")
        )
        .order_by("due", "id")
    )
