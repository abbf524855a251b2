"""Reads for the regime, and who may see or change a series."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from lihui.people.models import Person

from .holidays import holiday_label, library_knows
from .models import CalendarFeed, Membership, OfficialYear, Series, holiday_calendar


def person_is_admin(person: Person) -> bool:
    return person.is_active and (person.is_staff or person.is_superuser)


def series_visible_to(*, person: Person) -> QuerySet[Series]:
    """Series on the person's roster, plus staff-visible ones; admins see all."""
    qs = Series.objects.all()
    if not person.is_authenticated or not person.is_active:
        return qs.none()
    if person_is_admin(person):
        return qs
    return qs.filter(
        Q(visibility=Series.Visibility.ORGANIZATION) | Q(pk__in=Membership.objects.filter(person=person).values("series"))
    )


def series_can_view(*, person: Person, series: Series) -> bool:
    return series_visible_to(person=person).filter(pk=series.pk).exists()


def series_page_visible_to(*, person: Person) -> QuerySet[Series]:
    """Series whose page `person` may read: those visible to them, and those that gave them
    an action to own (read-only, the page alone: its board, its other meetings and its
    business stay the roster's — `series_visible_to` is unchanged)."""
    if not person.is_authenticated or not person.is_active or person_is_admin(person):
        return series_visible_to(person=person)
    owned = Series.objects.filter(actions__owner=person).values("pk")
    return Series.objects.filter(
        Q(visibility=Series.Visibility.ORGANIZATION) | Q(pk__in=Membership.objects.filter(person=person).values("series")) | Q(pk__in=owned)
    )


def series_page_can_view(*, person: Person, series: Series) -> bool:
    return series_page_visible_to(person=person).filter(pk=series.pk).exists()


def series_can_manage(*, person: Person, series: Series) -> bool:
    """Only the chair and admins change a series and its occurrences."""
    if not person.is_authenticated:
        return False
    if person_is_admin(person):
        return True
    return Membership.objects.filter(series=series, person=person, role=Membership.Role.CHAIR).exists()


def series_audit_can_read(*, person: Person, series: Series) -> bool:
    """Who reads a series' audit log: its chair and admins, the people who may change its rules."""
    return series_can_manage(person=person, series=series)


def series_visible_or_404(*, person: Person, pk: int) -> Series:
    """The series (with its department) if `person` may see it, else Http404 — the pages'
    404, and the API's 404 error (lihui/api/errors.py)."""
    series = series_visible_to(person=person).select_related("department").filter(pk=pk).first()
    if series is None:
        raise Http404
    return series


def series_managed_or_404(*, person: Person, pk: int) -> Series:
    """The series if `person` may change it: invisible, Http404; visible but not the
    chair's (or an admin's), PermissionDenied (403)."""
    series = series_visible_or_404(person=person, pk=pk)
    if not series_can_manage(person=person, series=series):
        raise PermissionDenied
    return series


def series_list(*, person: Person, archived: bool = False) -> QuerySet[Series]:
    """The series a person sees, in lists: the active ones, or (`archived`) the archived ones."""
    return series_visible_to(person=person).filter(archived_at__isnull=not archived).select_related("department").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.filter(role=Membership.Role.CHAIR).select_related("person"), to_attr="chairs")
    )


def series_recent_duplicate(*, person: Person, data: dict) -> Series | None:
    """A series this person created in the last half hour with the same title, first date,
    time and cadence: what Back, then 保存, on the new-series page would create a second time."""
    since = timezone.now() - dt.timedelta(minutes=30)
    same = {name: data.get(name) for name in ("start_date", "start_time", "frequency", "weekdays") if name in data}
    title = str(data.get("title") or "").strip()
    return (
        Series.objects.filter(created_by=person, created__gte=since, archived_at__isnull=True, title=title, **same)
        .order_by("-created")
        .first()
    )


def series_roster(*, series: Series) -> list[Membership]:
    order = {Membership.Role.CHAIR: 0, Membership.Role.DEPUTY_CHAIR: 1, Membership.Role.MINUTE_TAKER: 2, Membership.Role.MEMBER: 3,
             Membership.Role.OPTIONAL: 4}  # fmt: skip
    rows = list(series.memberships.select_related("person", "person__department"))
    rows.sort(key=lambda m: (order[m.role], m.person.sort_key))
    return rows


def series_reporting_heads(*, series: Series) -> int:
    """How many report items a "department heads" template line becomes: the departments
    headed by someone on the roster (optional members aside), the series' own department
    excepted — as `meetings.services.agenda.agenda_ensure` makes them."""
    return series_reporting_departments(series=series).count()


def agenda_template_total(*, series: Series, items) -> int:
    """The minutes a meeting's agenda made from these template rows (objects or dicts with
    `minutes` and `presenter_role`) plans: a "department heads" row counts once per head."""
    from .models import PresenterRole

    heads = None
    total = 0
    for item in items:
        role = item.get("presenter_role") if isinstance(item, dict) else item.presenter_role
        minutes = (item.get("minutes") if isinstance(item, dict) else item.minutes) or 0
        if role == PresenterRole.DEPARTMENT_HEADS:
            if heads is None:
                heads = series_reporting_heads(series=series)
            minutes *= heads
        total += minutes
    return total


def series_feed_allowed(*, person: Person, series: Series) -> bool:
    """A series' calendar feed is for the people on its roster."""
    return person.is_active and Membership.objects.filter(series=series, person=person).exists()


def calendar_feed_by_token(*, token: str) -> CalendarFeed | None:
    """The feed a secret URL stands for, or None: unknown or replaced token, inactive owner,
    or an owner who has left the series' roster since."""
    feed = (
        CalendarFeed.objects.select_related("person", "series")
        .filter(digest=CalendarFeed.digest_of(token), person__is_active=True)
        .first()
    )
    if feed is None or (feed.series_id and not series_feed_allowed(person=feed.person, series=feed.series)):
        return None
    return feed


def holiday_years_unknown(*, first: dt.date, last: dt.date) -> list[int]:
    """The years in [first, last] whose official holidays nobody has yet: neither the installed
    package nor an admin's entry. Planning treats their days as ordinary; pages say so."""
    years = [y for y in range(first.year, last.year + 1) if not library_knows(y)]
    if not years:
        return []
    entered = set(OfficialYear.objects.filter(year__in=years).values_list("year", flat=True))
    return [y for y in years if y not in entered]


def series_holiday_years_unknown(*, series: Series) -> list[int]:
    """The years from today to the end of this series' plan whose official holidays are not
    known (a series that keeps its meetings on holidays is not affected)."""
    if series.holiday_policy == Series.HolidayPolicy.KEEP:
        return []
    today = timezone.localdate()
    return holiday_years_unknown(first=today, last=max(series.planned_until or today, today))


def meeting_holiday_year_unknown(*, meeting) -> int | None:
    """The meeting's year, when it is still to come, its series would move or skip it on a
    public holiday, and that year's official holidays are not known; else None."""
    if meeting.status != "scheduled" or meeting.series.holiday_policy == Series.HolidayPolicy.KEEP:
        return None
    day = timezone.localtime(meeting.start, ZoneInfo(meeting.series.time_zone)).date()
    return day.year if holiday_years_unknown(first=day, last=day) else None


def day_off_name(*, day: dt.date) -> str:
    """The public holiday or company day off on `day`, translated, or "" (weekends are not holidays)."""
    name = holiday_calendar(day, day).holiday_name(day)
    return holiday_label(name) if name else ""


def series_reporting_departments(*, series: Series) -> QuerySet:
    """The departments that report at each meeting: those headed by someone on the roster
    who must attend (optional members do not report), except the series' own department,
    which the chair opens and closes. One list for the planner (agenda_ensure) and the
    written regime, so the document says what the meetings do."""
    from lihui.people.models import Department

    required = series.memberships.exclude(role=Membership.Role.OPTIONAL).values("person_id")
    return Department.objects.filter(head_id__in=required).exclude(pk=series.department_id).select_related("head").order_by("sort_key", "id")



def series_with_departed_chairs() -> QuerySet:
    """Active series whose chair has left the company (deactivated): admins must hand them over."""
    return (
        Series.objects.filter(archived_at__isnull=True, memberships__role=Membership.Role.CHAIR, memberships__person__is_active=False)
        .distinct()
        .order_by("title", "pk")
    )
