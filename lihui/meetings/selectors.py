"""Reads for meetings: my meetings, a series' occurrences (stored and projected), meeting
load (会议负荷), the agenda with its totals, and the lookups that hold who may see what
(`meeting_visible_or_404` and its kin: Http404 on the pages, the API's 404 error there)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from lihui.people.models import Person
from lihui.regime import cadence as c
from lihui.regime.models import Membership, Series, holiday_calendar
from lihui.regime.selectors import person_is_admin, series_can_manage, series_visible_to

from .models import AgendaItem, Material, Meeting

LOAD_WEEKS = 4
LIVE = (Meeting.Status.SCHEDULED, Meeting.Status.HELD)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def meetings_for_person(*, person: Person, first: dt.date, last: dt.date) -> QuerySet[Meeting]:
    """Meetings of series on the person's roster between two local dates, with their role
    annotated as `my_role`. One query, whatever the data size."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    role = Membership.objects.filter(series=OuterRef("series"), person=person).values("role")[:1]
    return (
        Meeting.objects.filter(series__memberships__person=person, start__gte=start, start__lt=end)
        .exclude(status=Meeting.Status.SKIPPED)
        .select_related("series", "minute_taker")
        .annotate(my_role=Subquery(role))
        .order_by("start", "id")
    )


def series_occurrences(*, series: Series, start: dt.datetime, end: dt.datetime) -> QuerySet[Meeting]:
    return series.meetings.filter(start__gte=start, start__lt=end).select_related("minute_taker", "window").order_by("start", "id")


def series_occurrences_in_range(*, series: Series, first: dt.date, last: dt.date) -> list[Meeting]:
    """The series' occurrences whose local start date is in [first, last]: the stored ones
    (start, id order), then beyond the planning horizon those the rules would make —
    unsaved meetings (`pk` None), skipped dates included, nothing written."""
    zone = ZoneInfo(series.time_zone)
    lo = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = list(series_occurrences(series=series, start=lo, end=hi))
    planned_until = series.planned_until or series.start_date
    if last > planned_until:
        start = max(first, planned_until + dt.timedelta(days=1))
        planned = c.plan(
            base=series.base_rule,
            windows=[w.window for w in series.windows.all()],
            first=start,
            last=last,
            calendar=holiday_calendar(start, last + dt.timedelta(days=31)),
            holiday_policy=series.holiday_policy,
        )
        rows += [
            Meeting(
                series=series,
                status=Meeting.Status.SKIPPED if p.skipped else Meeting.Status.SCHEDULED,
                origin=Meeting.Origin.RULE,
                start=c.zoned(p.start, zone),
                duration_minutes=p.minutes,
                holiday=p.holiday,
                moved_from=p.moved_from,
            )
            for p in planned
        ]
    return rows


@dataclass
class SeriesLoad:
    meetings: int
    minutes_per_week: float  # meeting time per week
    person_hours_per_week: float  # × the people required to attend
    attendees: int

    @property
    def hours_per_week(self) -> float:
        return self.minutes_per_week / 60


def series_load(*, series: Series, now: dt.datetime | None = None, weeks: int = LOAD_WEEKS) -> SeriesLoad:
    """Load of one series over the next `weeks` weeks: its hours times its required roster."""
    now = now or timezone.now()
    agg = series.meetings.filter(status__in=LIVE, start__gte=now, start__lt=now + dt.timedelta(weeks=weeks)).aggregate(
        n=Count("id"), minutes=Sum("duration_minutes")
    )
    attendees = series.memberships.exclude(role=Membership.Role.OPTIONAL).count()
    minutes = (agg["minutes"] or 0) / weeks
    return SeriesLoad(
        meetings=agg["n"], minutes_per_week=minutes, person_hours_per_week=minutes * attendees / 60, attendees=attendees
    )


@dataclass
class PersonLoad:
    person: Person
    hours_per_week: float
    meetings: int


def people_load(
    *,
    people: QuerySet[Person],
    series: QuerySet[Series] | None = None,
    now: dt.datetime | None = None,
    weeks: int = LOAD_WEEKS,
    limit: int | None = None,
) -> list[PersonLoad]:
    """Hours per week each person is required in meetings over the next `weeks` weeks,
    heaviest first, counting only `series` when given (what the viewer may see).

    Joins the roster to the meetings of the period only (an index range on (series, start)),
    so stored history does not slow it down. Two queries."""
    now = now or timezone.now()
    # One filter() call, so the period applies to the same join the sums read
    # (and the (series, start) index serves it).
    memberships = Membership.objects.filter(
        series__meetings__status__in=LIVE,
        series__meetings__start__gte=now,
        series__meetings__start__lt=now + dt.timedelta(weeks=weeks),
        person__in=people,
    ).exclude(role=Membership.Role.OPTIONAL)
    if series is not None:
        memberships = memberships.filter(series__in=series)
    totals = (
        memberships
        .values("person")
        .annotate(minutes=Sum("series__meetings__duration_minutes"), meetings=Count("series__meetings"))
        .order_by("-minutes", "person")
    )
    if limit:
        totals = totals[:limit]
    totals = list(totals)
    persons = Person.objects.select_related("department").in_bulk([t["person"] for t in totals])
    rows = [PersonLoad(person=persons[t["person"]], hours_per_week=t["minutes"] / 60 / weeks, meetings=t["meetings"]) for t in totals]
    # Equal loads in pinyin order, as every people list.
    rows.sort(key=lambda r: (-r.hours_per_week, r.person.sort_key))
    return rows


def meeting_neighbours(*, meeting: Meeting) -> tuple[Meeting | None, Meeting | None]:
    qs = meeting.series.meetings.exclude(pk=meeting.pk)
    prev = qs.filter(Q(start__lt=meeting.start) | Q(start=meeting.start, id__lt=meeting.id)).order_by("-start", "-id").first()
    nxt = qs.filter(Q(start__gt=meeting.start) | Q(start=meeting.start, id__gt=meeting.id)).order_by("start", "id").first()
    return prev, nxt


# --- who may do what with one meeting ---------------------------------------------------


def meeting_chair_id(*, meeting: Meeting) -> int | None:
    return (
        Membership.objects.filter(series_id=meeting.series_id, role=Membership.Role.CHAIR)
        .values_list("person_id", flat=True)
        .first()
    )


def series_minute_taker_id(*, series: Series) -> int | None:
    return series.memberships.filter(role=Membership.Role.MINUTE_TAKER).values_list("person_id", flat=True).first()


def meeting_is_participant(*, person: Person, meeting: Meeting, admins: bool = True) -> bool:
    """On the roster (optional members included), or invited as a guest for one of its items."""
    if not person.is_authenticated:
        return False
    if admins and person_is_admin(person):
        return True
    if Membership.objects.filter(series_id=meeting.series_id, person=person).exists():
        return True
    from .models import Guest

    return Guest.objects.filter(item__meeting=meeting, person=person).exists()


def meeting_can_prepare(*, person: Person, meeting: Meeting) -> bool:
    """The chair (and admins) shape the agenda; presenters edit their own items."""
    return series_can_manage(person=person, series=meeting.series)


def meeting_can_run(*, person: Person, meeting: Meeting) -> bool:
    """The chair and admins; the deputy chair (代主持人) too, who runs it when the chair is away."""
    if series_can_manage(person=person, series=meeting.series):
        return True
    return person.is_authenticated and Membership.objects.filter(
        series_id=meeting.series_id, person=person, role=Membership.Role.DEPUTY_CHAIR
    ).exists()


def meeting_can_take_notes(*, person: Person, meeting: Meeting) -> bool:
    """The chair, the deputy chair, admins, and the minute-taker (this meeting's, or the series')."""
    if meeting_can_run(person=person, meeting=meeting):
        return True
    if meeting.minute_taker_id == person.pk:
        return True
    return Membership.objects.filter(
        series_id=meeting.series_id, person=person, role=Membership.Role.MINUTE_TAKER
    ).exists()


def meeting_visible_to_person(*, person: Person, pk: int) -> Meeting | None:
    """The meeting if the person may see it: its series is visible to them, they are a guest,
    or it gave them an action to own (so an owner outside a private series reads the meeting
    and its published minutes, as a guest does — not the series' other meetings)."""
    from .models import Guest

    if not person.is_authenticated:
        return None
    meeting = (
        Meeting.objects.select_related("series", "minute_taker", "window", "current_item")
        .filter(pk=pk)
        .filter(
            Q(series__in=series_visible_to(person=person))
            | Q(pk__in=Guest.objects.filter(person=person).values("item__meeting"))
            | Q(pk__in=Meeting.objects.filter(actions__owner=person).values("pk"))
        )
        .first()
    )
    return meeting


def meeting_visible_or_404(*, person: Person, pk: int) -> Meeting:
    """The meeting if `person` may see it (`meeting_visible_to_person`), else Http404."""
    meeting = meeting_visible_to_person(person=person, pk=pk)
    if meeting is None:
        raise Http404
    return meeting


def meeting_managed_or_404(*, person: Person, pk: int) -> Meeting:
    """The meeting if `person` may change it (move, cancel: the series' chair, admins):
    invisible, Http404; visible only, PermissionDenied."""
    meeting = meeting_visible_or_404(person=person, pk=pk)
    if not series_can_manage(person=person, series=meeting.series):
        raise PermissionDenied
    return meeting


def meeting_series_content_or_404(*, person: Person, pk: int) -> Meeting:
    """The meeting if `person` may also see the series' business in it (the review of the
    series' open actions, draft minutes, revisions: `meeting_series_content_visible`), else
    Http404: a guest of one item sees the meeting, not that."""
    meeting = meeting_visible_or_404(person=person, pk=pk)
    if not meeting_series_content_visible(person=person, meeting=meeting):
        raise Http404
    return meeting


def meeting_note_taker_or_404(*, person: Person, pk: int) -> Meeting:
    """The meeting if `person` takes its notes (records decisions and actions: the chair,
    the minute-takers, admins): invisible, Http404; visible only, PermissionDenied."""
    meeting = meeting_visible_or_404(person=person, pk=pk)
    if not meeting_can_take_notes(person=person, meeting=meeting):
        raise PermissionDenied
    return meeting


def agenda_item_visible_or_404(*, person: Person, pk: int) -> AgendaItem:
    """The agenda item (with its presenter and `meeting`) if `person` sees its meeting, else Http404."""
    item = AgendaItem.objects.select_related("presenter").filter(pk=pk).first()
    if item is None:
        raise Http404
    item.meeting = meeting_visible_or_404(person=person, pk=item.meeting_id)
    return item


def material_downloadable_or_404(*, person: Person, pk: int) -> Material:
    """A pre-read file if `person` takes part in its meeting (roster, guests, admins), else Http404."""
    material = Material.objects.select_related("item__meeting__series").filter(pk=pk).first()
    if material is None or not meeting_is_participant(person=person, meeting=material.item.meeting):
        raise Http404
    return material


def meeting_ids_opened_to(*, person: Person, series: Series) -> set[int]:
    """The meetings of a series `person` opens without seeing the series: those they are a
    guest of or that gave them an action (for the links of the series page they read)."""
    from .models import Guest

    guest = Guest.objects.filter(person=person, item__meeting__series=series).values_list("item__meeting", flat=True)
    owned = Meeting.objects.filter(series=series, actions__owner=person).values_list("pk", flat=True)
    return set(guest) | set(owned)


def meeting_series_content_visible(*, person: Person, meeting: Meeting) -> bool:
    """What in a meeting is the series' business rather than the meeting's — the review of
    the series' open actions, the minutes before they are published and their revisions:
    for whoever sees the series (roster, admins; all staff for an open one). A guest sees
    the meeting they were invited to, not the private series: each of its actions is 404
    to them, so a list of them must be too (lihui/testing/permissions.py, series_content)."""
    return series_visible_to(person=person).filter(pk=meeting.series_id).exists()


def meeting_agenda(*, meeting: Meeting, light: bool = False) -> list:
    """Agenda items with presenter, materials and guests — a fixed number of queries
    whatever the number of items or people. `light`: items and presenters only (live state)."""
    from django.db.models import Prefetch

    from .models import AgendaItem, Guest

    items = AgendaItem.objects.filter(meeting=meeting).select_related("presenter").order_by("position", "id")
    if not light:
        items = items.select_related("presenter__department").prefetch_related(
            "materials", Prefetch("guests", queryset=Guest.objects.select_related("person"))
        )
    return list(items)


@dataclass
class Participant:
    person: Person | None
    name: str
    role: str  # chair / minute_taker / member / optional / guest
    reason: str = ""
    guest_id: int | None = None


def meeting_participants(*, meeting: Meeting, items: list | None = None) -> list[Participant]:
    """The roster, then guests with the topic they were invited for. Two queries."""
    from .models import Guest

    rows = [
        Participant(person=m.person, name=m.person.name, role=m.role)
        for m in Membership.objects.filter(series_id=meeting.series_id).select_related("person", "person__department")
    ]
    order = {"chair": 0, "deputy_chair": 1, "minute_taker": 2, "member": 3, "optional": 4}
    rows.sort(key=lambda p: (order[p.role], p.person.sort_key))
    seen = {p.person.pk for p in rows}
    by_person: dict[int, Participant] = {}
    guests = Guest.objects.filter(item__meeting=meeting).select_related("person", "item").order_by("id")
    for g in guests:
        reason = g.reason or g.item.title
        if g.person_id in by_person:  # invited for several items: one participant, every reason
            by_person[g.person_id].reason += " / " + reason
            continue
        if g.person_id and g.person_id in seen:
            continue
        row = Participant(person=g.person, name=g.person.name if g.person else g.name, role="guest", reason=reason, guest_id=g.pk)
        if g.person_id:
            by_person[g.person_id] = row
        rows.append(row)
    return rows


def live_state(meeting: Meeting, items: list[AgendaItem]) -> dict:
    """Everything a screen needs to show the meeting's live state; times in ISO 8601 UTC."""
    now = timezone.now()
    return {
        "version": meeting.live_version,
        "now": now.isoformat(),
        "started": meeting.actual_start.isoformat() if meeting.actual_start else None,
        "ended": meeting.actual_end.isoformat() if meeting.actual_end else None,
        "scheduled_end": meeting.target_end.isoformat(),
        "current": meeting.current_item_id,
        "items": [
            {
                "id": i.pk,
                "title": i.title,
                "presenter": i.presenter.name if i.presenter_id else "",
                "allotted": i.minutes_allotted * 60,
                "used": i.used_seconds(now),
                "running": i.running_since is not None,
            }
            for i in items
        ],
    }


def guest_candidates(*, item: AgendaItem) -> QuerySet[Person]:
    """Whom the guest picker offers for an item: active colleagues who are not administrators,
    not on the series' roster (they come anyway) and not yet invited to this item."""
    roster = Membership.objects.filter(series_id=item.meeting.series_id).values("person_id")
    invited = item.guests.filter(person__isnull=False).values("person_id")
    return (
        Person.objects.filter(is_active=True, is_staff=False, is_superuser=False)
        .exclude(pk__in=roster)
        .exclude(pk__in=invited)
        .select_related("department")
        .order_by("department__sort_key", "sort_key", "pk")
    )
