"""Reads for the regime, and who may see or change a series."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from lihui.people.models import Person

from .models import CalendarFeed, Membership, Series


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


def series_can_manage(*, person: Person, series: Series) -> bool:
    """Only the chair and admins change a series and its occurrences."""
    if not person.is_authenticated:
        return False
    if person_is_admin(person):
        return True
    return Membership.objects.filter(series=series, person=person, role=Membership.Role.CHAIR).exists()


def series_list(*, person: Person) -> QuerySet[Series]:
    return series_visible_to(person=person).select_related("department").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.filter(role=Membership.Role.CHAIR).select_related("person"), to_attr="chairs")
    )


def series_roster(*, series: Series) -> list[Membership]:
    order = {Membership.Role.CHAIR: 0, Membership.Role.MINUTE_TAKER: 1, Membership.Role.MEMBER: 2, Membership.Role.OPTIONAL: 3}
    rows = list(series.memberships.select_related("person", "person__department"))
    rows.sort(key=lambda m: (order[m.role], m.person.sort_key))
    return rows


def series_chair(*, series: Series) -> Person | None:
    m = series.memberships.filter(role=Membership.Role.CHAIR).select_related("person").first()
    return m.person if m else None


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
