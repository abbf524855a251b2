"""API for follow-up: decisions and action items (the same services as the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from lihui.actions import services
from lihui.actions.exports import actions_xlsx_capped, xlsx_filename
from lihui.actions.models import ActionItem
from lihui.actions.selectors import (
    action_history,
    action_list,
    actions_visible_to,
    meeting_actions,
    meeting_decisions,
    person_today,
    review_actions,
)
from lihui.idempotency.http import idempotent
from lihui.meetings.models import AgendaItem
from lihui.meetings.selectors import meeting_series_content_or_404, meeting_visible_or_404
from lihui.people.models import Person
from lihui.people.selectors import person_zone
from lihui.web import XLSX, file_response

from .errors import ERRORS
from .schemas import Id, StrictIn

router = Router(tags=["actions"])
StatusName = Literal["open", "in_progress", "blocked", "done", "cancelled"]
MAX_LIMIT = 1000


class DecisionIn(StrictIn):
    text: Annotated[str, Field(max_length=2000)]
    item: Id | None = None


class DecisionOut(Schema):
    id: int
    meeting: int
    item: int | None
    text: str
    created: dt.datetime


class ActionIn(StrictIn):
    title: Annotated[str, Field(max_length=300)]
    owner: Id | None = None
    due: dt.date | None = None
    priority: Literal["high", "normal", "low"] = "normal"
    item: Id | None = None
    decision: Id | None = None


class ActionOut(Schema):
    id: int
    series: int
    meeting: int
    item: int | None
    decision: int | None
    title: str
    owner: int
    owner_name: str
    due: dt.date
    priority: str
    status: StatusName
    overdue: bool
    closed_at: dt.datetime | None


class UpdateOut(Schema):
    kind: str
    author: int | None
    meeting: int | None
    text: str
    old: str
    new: str
    created: dt.datetime


class StatusIn(StrictIn):
    status: StatusName
    comment: Annotated[str, Field(max_length=2000)] = ""


class CommentIn(StrictIn):
    text: Annotated[str, Field(max_length=2000)]


class DueIn(StrictIn):
    due: dt.date
    reason: Annotated[str, Field(max_length=500)]


class ReviewIn(StrictIn):
    outcome: Literal["done", "continue", "cancelled"]
    due: dt.date | None = None
    comment: Annotated[str, Field(max_length=2000)] = ""


class ActionFilter(Schema):
    """The board's filters (the same as the page's) and paging."""

    owner: Id | None = None
    department: Id | None = Field(None, description="the owner's department")
    series: Id | None = None
    status: Literal["unclosed", "open", "in_progress", "blocked", "done", "cancelled", "any"] = Field(
        "unclosed", description="unclosed = open, in progress or blocked; open = open only"
    )
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    overdue: bool = Field(False, description="open and due before today in the caller's time zone")
    sort: Literal["due", "-due", "priority", "owner", "series", "status", "-created"] = "due"


class ActionPage(ActionFilter):
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = MAX_LIMIT
    offset: Annotated[int, Field(ge=0, le=2**31)] = 0


def _out(a: ActionItem, today: dt.date) -> dict:
    return {
        "id": a.id, "series": a.series_id, "meeting": a.meeting_id, "item": a.item_id, "decision": a.decision_id,
        "title": a.title, "owner": a.owner_id, "owner_name": a.owner.name, "due": a.due, "priority": a.priority,
        "status": a.status, "overdue": a.is_overdue(today), "closed_at": a.closed_at,
    }  # fmt: skip


def _action(request, action_id: int) -> ActionItem:
    return get_object_or_404(actions_visible_to(person=request.user).select_related("owner"), pk=action_id)


def _today(request) -> dt.date:
    """Today for the caller: a token's request has not had its zone activated."""
    return person_today(person=request.user)


def _decision_out(d) -> dict:
    return {"id": d.id, "meeting": d.meeting_id, "item": d.item_id, "text": d.text, "created": d.created}


@router.get("/meetings/{meeting_id}/decisions", response={200: list[DecisionOut], **ERRORS})
def decisions_list(request, meeting_id: Id):
    return [_decision_out(d) for d in meeting_decisions(meeting=meeting_visible_or_404(person=request.user, pk=meeting_id))]


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionOut, **ERRORS})
@decorate_view(idempotent("decision_create"))
def decision_create(request, meeting_id: Id, payload: DecisionIn):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    item = get_object_or_404(AgendaItem, pk=payload.item, meeting=meeting) if payload.item else None
    return Status(201, _decision_out(services.decision_record(actor=request.user, meeting=meeting, item=item, text=payload.text)))


@router.get("/meetings/{meeting_id}/actions", response={200: list[ActionOut], **ERRORS})
def meeting_actions_list(request, meeting_id: Id):
    today = _today(request)
    return [_out(a, today) for a in meeting_actions(meeting=meeting_visible_or_404(person=request.user, pk=meeting_id))]


@router.post("/meetings/{meeting_id}/actions", response={201: ActionOut, **ERRORS})
@decorate_view(idempotent("action_create"))
def action_create(request, meeting_id: Id, payload: ActionIn):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    item = get_object_or_404(AgendaItem, pk=payload.item, meeting=meeting) if payload.item else None
    decision = get_object_or_404(meeting.decisions, pk=payload.decision) if payload.decision else None
    owner = Person.objects.filter(pk=payload.owner).first() if payload.owner else None
    if payload.owner and owner is None:
        raise ValidationError({"owner": [_("No such person.")]})
    action = services.action_create(
        actor=request.user, meeting=meeting, title=payload.title, owner=owner, due=payload.due,
        priority=payload.priority, item=item, decision=decision,
    )  # fmt: skip
    return Status(201, _out(action, _today(request)))


@router.get("/meetings/{meeting_id}/review", response={200: list[ActionOut], **ERRORS})
def review_list(request, meeting_id: Id):
    """跟进: the open actions of the series this meeting reviews, for those who see the
    series (a guest of one item: 404, as each of these actions is to them)."""
    today = _today(request)
    return [_out(a, today) for a in review_actions(meeting=meeting_series_content_or_404(person=request.user, pk=meeting_id))]


@router.post("/meetings/{meeting_id}/review/{action_id}", response={200: ActionOut, **ERRORS})
def review(request, meeting_id: Id, action_id: Id, payload: ReviewIn):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    action = get_object_or_404(ActionItem.objects.select_related("owner"), pk=action_id, series_id=meeting.series_id)
    services.action_review(actor=request.user, meeting=meeting, action=action, outcome=payload.outcome, due=payload.due, comment=payload.comment)
    return _out(action, _today(request))


def _board_list(request, f: ActionFilter):
    if f.due_from and f.due_to and f.due_from > f.due_to:
        raise ValidationError({"due_to": [_("The end of the due-date range is before its start.")]})
    today = _today(request)
    filters = f.model_dump(include={"owner", "department", "series", "status", "due_from", "due_to", "overdue", "sort"})
    return action_list(person=request.user, today=today, **filters), today


@router.get("/actions", response={200: list[ActionOut], **ERRORS})
def actions(request, response: HttpResponse, q: Query[ActionPage]):
    """Actions the caller may see, filtered and sorted as on the board: `limit` (at most
    1,000) from `offset`; the `X-Total-Count` header gives the number of matches."""
    qs, today = _board_list(request, q)
    response["X-Total-Count"] = str(qs.order_by().count())
    return [_out(a, today) for a in qs[q.offset : q.offset + q.limit]]


@router.get("/actions/export.xlsx", response={200: None, **ERRORS})
def actions_export(request, q: Query[ActionFilter]):
    """The same list as an Excel workbook (.xlsx), at most 50,000 rows (a second sheet says
    when it was cut short)."""
    qs, today = _board_list(request, q)
    data = actions_xlsx_capped(actions=qs, today=today, zone=person_zone(person=request.user))
    return file_response(data, filename=xlsx_filename(today), content_type=XLSX)


@router.get("/actions/{action_id}", response={200: ActionOut, **ERRORS})
def action_get(request, action_id: Id):
    return _out(_action(request, action_id), _today(request))


@router.get("/actions/{action_id}/history", response={200: list[UpdateOut], **ERRORS})
def history(request, action_id: Id):
    return [
        {"kind": u.kind, "author": u.author_id, "meeting": u.meeting_id, "text": u.text, "old": u.old, "new": u.new, "created": u.created}
        for u in action_history(action=_action(request, action_id))
    ]


@router.post("/actions/{action_id}/status", response={200: ActionOut, **ERRORS})
def status(request, action_id: Id, payload: StatusIn):
    action = services.action_set_status(actor=request.user, action=_action(request, action_id), status=payload.status, comment=payload.comment)
    return _out(action, _today(request))


@router.post("/actions/{action_id}/comments", response={201: UpdateOut, **ERRORS})
@decorate_view(idempotent("action_comment"))
def comment(request, action_id: Id, payload: CommentIn):
    u = services.action_comment(actor=request.user, action=_action(request, action_id), text=payload.text)
    return Status(201, {"kind": u.kind, "author": u.author_id, "meeting": u.meeting_id, "text": u.text, "old": u.old, "new": u.new, "created": u.created})


@router.post("/actions/{action_id}/due", response={200: ActionOut, **ERRORS})
def move_due(request, action_id: Id, payload: DueIn):
    action = services.action_move_due(actor=request.user, action=_action(request, action_id), due=payload.due, reason=payload.reason)
    return _out(action, _today(request))
