"""Reads for the regime, and who may see or change a series."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from lihui.people.models import Person

from .models import Membership, Series


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
