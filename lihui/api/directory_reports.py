"""API for the company directory's sync reports and a person's identities (admins only)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from lihui.directory.models import SyncReport
from lihui.directory.selectors import (
    person_identities,
    person_is_directory_admin,
    sync_report_changes,
    sync_report_list,
    sync_report_or_404,
)
from lihui.people.models import Person

from .errors import ERRORS
from .schemas import Id

router = Router(tags=["directory"])
MAX_LIMIT = 200


class SyncReportOut(Schema):
    id: int
    source: str = Field(description="import, ldap, oidc, saml, wecom, dingtalk or feishu")
    trigger: str = Field(description="import, manual, schedule or login")
    actor: int | None
    started: dt.datetime
    finished: dt.datetime | None
    status: str = Field(description="done, or failed (nothing changed; see error)")
    counts: dict[str, int]
    problems: list[dict[str, Any]] = Field(description="rows the source sent that were not taken, each with its errors")
    error: str
    file_name: str


class SyncChangeOut(Schema):
    person: int | None
    department: int | None
    kind: str = Field(description="created, changed, deactivated or reactivated")
    name: str
    fields: dict[str, list[str]] = Field(description="field → [before, after], display values")


class SyncReportDetailOut(SyncReportOut):
    changes: list[SyncChangeOut]


class IdentityOut(Schema):
    source: str
    external_id: str
    created: dt.datetime
    last_seen: dt.datetime


class ReportsPage(Schema):
    source: str | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 50
    offset: Annotated[int, Field(ge=0, le=2**31)] = 0


def _admin(request) -> None:
    if not person_is_directory_admin(request.user):
        raise PermissionDenied


def _report(r: SyncReport) -> dict:
    return {
        "id": r.pk, "source": r.source, "trigger": r.trigger, "actor": r.actor_id, "started": r.started, "finished": r.finished,
        "status": r.status, "counts": r.counts or {}, "problems": r.problems or [], "error": r.error, "file_name": r.file_name,
    }  # fmt: skip


@router.get("/directory/reports", response={200: list[SyncReportOut], **ERRORS})
def sync_reports(request, q: Query[ReportsPage]):
    """Imports and directory syncs, newest first (admins only)."""
    _admin(request)
    return [_report(r) for r in sync_report_list(source=q.source)[q.offset : q.offset + q.limit]]


@router.get("/directory/reports/{report_id}", response={200: SyncReportDetailOut, **ERRORS})
def sync_report(request, report_id: Id):
    """One run: its counts, the rows not taken, and each person or department it created,
    changed, deactivated or reactivated with every field before → after (admins only)."""
    _admin(request)
    report = sync_report_or_404(pk=report_id)
    changes = [
        {"person": c.person_id, "department": c.department_id, "kind": c.kind, "name": c.name, "fields": c.fields}
        for c in sync_report_changes(report=report)
    ]
    return {**_report(report), "changes": changes}


@router.get("/people/{person_id}/identities", response={200: list[IdentityOut], **ERRORS})
def identities(request, person_id: Id):
    """Where a person comes from: their id in each directory or sign-in source (admins only)."""
    _admin(request)
    person = get_object_or_404(Person, pk=person_id)
    return [
        {"source": i.source, "external_id": i.external_id, "created": i.created, "last_seen": i.last_seen}
        for i in person_identities(person=person)
    ]
