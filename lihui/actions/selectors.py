"""Reads for follow-up: who may change an action, my actions and the board (filters,
sorts, counts), a meeting's decisions and actions, and the review list of the next meeting."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, F, Lookup, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from lihui.meetings.models import Meeting
from lihui.meetings.selectors import meeting_can_take_notes, meeting_participants
from lihui.people.models import Department, Person
from lihui.people.selectors import person_zone
from lihui.regime.models import Membership, Series
from lihui.regime.selectors import person_is_admin, series_can_view, series_visible_to

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


def action_can_reassign(*, person: Person, action: ActionItem) -> bool:
    """Handing an action to another owner is for the series' chair, minute-taker and admins."""
    if not person.is_authenticated:
        return False
    return person_is_admin(person) or Membership.objects.filter(
        series_id=action.series_id, person=person, role__in=(Membership.Role.CHAIR, Membership.Role.MINUTE_TAKER)
    ).exists()


def actions_visible_to(*, person: Person) -> QuerySet[ActionItem]:
    """Nobody outside a series sees its actions; owners always see their own."""
    if person.is_authenticated and person_is_admin(person):
        # Admins see every series: skip the IN (all series) test a board over a million rows would pay for.
        return ActionItem.objects.all()
    return ActionItem.objects.filter(Q(series__in=series_visible_to(person=person)) | Q(owner=person))


class _InConstants(Lookup):
    """`field IN ('a', 'b')` with the values written into the SQL, not bound: SQLite uses a
    partial index (ActionItem.Meta) only when the query's condition reads like the index's
    own WHERE clause. For our own constants only, never for user input."""

    lookup_name = "in_constants"

    def get_prep_lookup(self):
        return tuple(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        assert all(isinstance(v, str) and v.isidentifier() for v in self.rhs), self.rhs
        return f"{lhs} IN ({', '.join(repr(str(v)) for v in self.rhs)})", params


def open_actions(qs: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """Only the open states (open, in progress, blocked), in the form the indexes serve."""
    return qs.filter(_InConstants(F("status"), tuple(str(s) for s in ActionItem.OPEN_STATES)))


# The board's status filter: "unclosed" is every open state (open, in progress, blocked),
# a status name that status alone ("open" is 待处理 only), "any" (or None) no filter.
UNCLOSED = "unclosed"
STATUS_FILTERS = (UNCLOSED, *ActionItem.Status.values, "any")
# Sort orders of the board. Each ends on the id, so pages never overlap or skip a row.
PRIORITY_RANK = Case(
    When(priority=ActionItem.Priority.HIGH, then=Value(0)),
    When(priority=ActionItem.Priority.NORMAL, then=Value(1)),
    default=Value(2),
)
STATUS_RANK = Case(*(When(status=s, then=Value(i)) for i, s in enumerate(ActionItem.Status.values)), default=Value(9))
SORTS: dict[str, tuple] = {
    "due": ("due", "id"),
    "-due": ("-due", "-id"),
    "priority": (PRIORITY_RANK.asc(), "due", "id"),
    "owner": ("owner__sort_key", "owner_id", "due", "id"),
    "series": ("series__title", "series_id", "due", "id"),
    "status": (STATUS_RANK.asc(), "due", "id"),
    "-created": ("-created", "-id"),
}


def person_today(*, person: Person) -> dt.date:
    """Today in the person's own zone: "overdue" is judged on their calendar, also for API
    calls (the zone middleware runs before token authentication)."""
    return timezone.now().astimezone(person_zone(person=person)).date()


def _pk(value) -> int | None:
    return getattr(value, "pk", value)


def action_list(
    *,
    person: Person,
    owner: Person | int | None = None,
    department: Department | int | None = None,
    series: Series | int | None = None,
    status: str | None = UNCLOSED,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    overdue: bool = False,
    sort: str = "due",
    today: dt.date | None = None,
) -> QuerySet[ActionItem]:
    """The board: the actions `person` may see, filtered and sorted. `department` is the
    owner's; `overdue` means open and due before `today` (default: today in the person's
    zone). One query whatever the filters: the owner, their department, the series and the
    meeting come joined."""
    if status not in STATUS_FILTERS and status is not None:
        raise ValueError(f"unknown status filter {status!r}")
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    owner = _pk(owner)
    # Owners always see their own actions, so "mine" needs no visibility test at all.
    qs = ActionItem.objects.all() if owner is not None and owner == person.pk else actions_visible_to(person=person)
    if owner is not None:
        qs = qs.filter(owner_id=owner)
    if department is not None:
        qs = qs.filter(owner__department=_pk(department))
    if series is not None:
        qs = qs.filter(series_id=_pk(series))
    if status == UNCLOSED or overdue:
        qs = open_actions(qs)
    if status not in (UNCLOSED, "any", None):
        qs = qs.filter(status=status)
    if due_from is not None:
        qs = qs.filter(due__gte=due_from)
    if due_to is not None:
        qs = qs.filter(due__lte=due_to)
    if overdue:
        qs = qs.filter(due__lt=today or person_today(person=person))
    return qs.select_related("owner", "owner__department", "series", "meeting").order_by(*SORTS[sort])


def action_counts(*, actions: QuerySet[ActionItem], today: dt.date, open_only: bool) -> dict[str, int]:
    """How many actions a board shows and how many of them are overdue, in one query.
    `open_only` says the list holds open actions only: then the overdue count needs no
    status test, and the count reads nothing but the partial index."""
    overdue = Q(due__lt=today) if open_only else Q(status__in=ActionItem.OPEN_STATES, due__lt=today)
    return actions.order_by().aggregate(total=Count("*"), overdue=Count("id", filter=overdue))


def action_history(*, action: ActionItem) -> QuerySet[ActionUpdate]:
    return action.updates.select_related("author", "meeting")


def meeting_decisions(*, meeting: Meeting) -> list[Decision]:
    return list(meeting.decisions.select_related("item"))


def meeting_actions(*, meeting: Meeting) -> list[ActionItem]:
    return list(meeting.actions.select_related("owner", "item").order_by("id"))


def followup_panel(*, person: Person, meeting: Meeting, item=None) -> dict:
    """What the follow-up panel shows (meeting page, live mode, quick capture): the
    meeting's decisions and actions, whom an action may go to, and what the reader may do."""
    return {
        "sees_series": series_can_view(person=person, series=meeting.series),
        "meeting": meeting,
        "followup_item": item,
        "decisions": meeting_decisions(meeting=meeting),
        "actions": meeting_actions(meeting=meeting),
        "people": [p for p in meeting_participants(meeting=meeting) if p.person is not None],
        "can_take_notes": meeting_can_take_notes(person=person, meeting=meeting),
        "priorities": ActionItem.Priority.choices,
    }


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


def series_leaver_actions(*, series) -> QuerySet[ActionItem]:
    """Open actions of the series whose owner has left the company (deactivated by the
    directory): the chair hands each to someone else (`action_reassign`)."""
    return (
        ActionItem.objects.filter(series=series, status__in=ActionItem.OPEN_STATES, owner__is_active=False)
        .select_related("owner", "owner__manager", "meeting")
        .order_by("due", "id")
    )
