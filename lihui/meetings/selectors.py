"""Reads for meetings: my meetings, a series' occurrences, meeting load (会议负荷)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from lihui.people.models import Person
from lihui.regime.models import Membership, Series
from lihui.regime.selectors import series_visible_to

from .models import Meeting

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


def meeting_visible_to(*, person: Person) -> QuerySet[Meeting]:
    return Meeting.objects.filter(series__in=series_visible_to(person=person))


def series_occurrences(*, series: Series, start: dt.datetime, end: dt.datetime) -> QuerySet[Meeting]:
    return series.meetings.filter(start__gte=start, start__lt=end).select_related("minute_taker", "window").order_by("start", "id")


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
    heaviest first, counting only `series` when given (what the viewer may see). One query."""
    now = now or timezone.now()
    window = Q(
        memberships__series__meetings__status__in=LIVE,
        memberships__series__meetings__start__gte=now,
        memberships__series__meetings__start__lt=now + dt.timedelta(weeks=weeks),
    ) & ~Q(memberships__role=Membership.Role.OPTIONAL)
    if series is not None:
        window &= Q(memberships__series__in=series)
    qs = (
        people.annotate(
            load_minutes=Sum("memberships__series__meetings__duration_minutes", filter=window),
            load_meetings=Count("memberships__series__meetings", filter=window),
        )
        .filter(load_minutes__gt=0)
        .select_related("department")
        .order_by("-load_minutes", "sort_key")
    )
    if limit:
        qs = qs[:limit]
    return [PersonLoad(person=p, hours_per_week=p.load_minutes / 60 / weeks, meetings=p.load_meetings) for p in qs]


def meeting_neighbours(*, meeting: Meeting) -> tuple[Meeting | None, Meeting | None]:
    qs = meeting.series.meetings.exclude(pk=meeting.pk)
    prev = qs.filter(Q(start__lt=meeting.start) | Q(start=meeting.start, id__lt=meeting.id)).order_by("-start", "-id").first()
    nxt = qs.filter(Q(start__gt=meeting.start) | Q(start=meeting.start, id__gt=meeting.id)).order_by("start", "id").first()
    return prev, nxt
