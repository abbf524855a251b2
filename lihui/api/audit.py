"""API for the audit log (审计日志): the series' chair and admins read it, as on the page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from lihui.audit.selectors import audit_change_lines, audit_entries
from lihui.regime.selectors import series_audit_can_read, series_visible_to

from .errors import ERRORS
from .schemas import Id

router = Router(tags=["audit"])
MAX_LIMIT = 500
Entity = Literal["series", "roster", "attendance", "minutes", "decision", "action", "channel", "meeting"]


class ChangeOut(Schema):
    field: str
    label: str = Field(description="in the caller's language")
    before: Any = Field(description="the stored display value: a name, a choice label, an ISO date, a number, or null")
    after: Any
    before_text: str = Field(description="the value as the page shows it, in the caller's language")
    after_text: str


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    series: int
    meeting: int | None
    actor: int | None
    actor_name: str
    entity: Entity
    object_id: int | None
    subject: str
    verb: str
    changes: list[ChangeOut]


class AuditPage(Schema):
    kind: Entity | None = None
    meeting: Id | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 100
    offset: Annotated[int, Field(ge=0, le=2**31)] = 0


def _out(entry) -> dict:
    lines = audit_change_lines(entry=entry)
    return {
        "id": entry.pk, "at": entry.at, "series": entry.series_id, "meeting": entry.meeting_id, "actor": entry.actor_id,
        "actor_name": entry.actor_name, "entity": entry.entity, "object_id": entry.object_id, "subject": entry.subject,
        "verb": entry.verb,
        "changes": [
            {"field": line.field, "label": line.label, "before": raw.get("before"), "after": raw.get("after"),
             "before_text": line.before, "after_text": line.after}
            for line, raw in zip(lines, entry.changes or [])
        ],
    }  # fmt: skip


@router.get("/series/{series_id}/audit", response={200: list[AuditEntryOut], **ERRORS})
def series_audit(request, response: HttpResponse, series_id: Id, q: Query[AuditPage]):
    """The series' audit log, newest first: who changed its rules, roster, attendance,
    minutes, decisions and actions, when, and each field before → after. For the series'
    chair and admins. `limit` (at most 500) from `offset`; `X-Total-Count` gives the total."""
    series = get_object_or_404(series_visible_to(person=request.user), pk=series_id)
    if not series_audit_can_read(person=request.user, series=series):
        raise PermissionDenied
    qs = audit_entries(series=series, entity=q.kind, meeting_id=q.meeting)
    response["X-Total-Count"] = str(qs.order_by().count())
    return [_out(e) for e in qs[q.offset : q.offset + q.limit]]
