"""Reads for the directory pages: who may see them, the sync reports, a person's sources."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from lihui.people.models import Identity, Person

from .models import SyncChange, SyncReport


def person_is_directory_admin(person) -> bool:
    """Only admins import, sync and configure the directory."""
    return bool(getattr(person, "is_active", False) and (person.is_staff or person.is_superuser))


def directory_admin_required(view):
    """A view only admins reach (403 for everyone else; the login page for the anonymous)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not person_is_directory_admin(request.user):
            raise PermissionDenied(_("Only administrators import, sync and set up the company directory."))
        return view(request, *args, **kwargs)

    return wrapped


def sync_report_list(*, source: str | None = None) -> QuerySet[SyncReport]:
    """Imports and syncs, newest first (previews waiting for a confirm are not runs)."""
    qs = SyncReport.objects.exclude(status=SyncReport.Status.PREVIEW).select_related("actor")
    return qs.filter(source=source) if source else qs


def sync_report_or_404(*, pk: int) -> SyncReport:
    return get_object_or_404(SyncReport.objects.select_related("actor"), pk=pk)


def sync_report_changes(*, report: SyncReport) -> QuerySet[SyncChange]:
    # Departments first (the tree the people go into), then people by kind and name.
    return report.changes.select_related("person", "department").order_by(F("person").asc(nulls_first=True), "kind", "name", "id")


def person_identities(*, person: Person) -> QuerySet[Identity]:
    return Identity.objects.filter(person=person).order_by("source")


def person_sync_history(*, person: Person, limit: int = 20) -> QuerySet[SyncChange]:
    return SyncChange.objects.filter(person=person).select_related("report").order_by("-id")[:limit]
