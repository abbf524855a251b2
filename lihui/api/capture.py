"""API for quick capture: text → proposed actions and decisions (nothing is created)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from lihui.actions.capture import MAX_TEXT
from lihui.actions.capture_people import CAPTURE_RATE, capture_lines
from lihui.meetings.selectors import meeting_visible_or_404
from lihui.people.models import Person
from lihui.ratelimit import rate_limited

from .errors import error_responses
from .schemas import Id, StrictIn

router = Router(tags=["capture"])
ERRORS = error_responses(429)


class CaptureIn(StrictIn):
    text: Annotated[str, Field(max_length=MAX_TEXT)]
    reference_date: dt.date | None = Field(None, description="default: the meeting's local date, else today in your zone")
    meeting: Id | None = Field(None, description="its participants are matched first as owners")


class PersonRef(Schema):
    id: int
    name: str


class WarningOut(Schema):
    code: str
    message: str


class CaptureItemOut(Schema):
    line: int = Field(description="1-based line number in the text")
    kind: Literal["action", "decision"]
    title: str
    owner_text: str | None = Field(description="the name as written")
    owner: PersonRef | None
    owner_candidates: list[PersonRef] = Field(description="everyone the name could be, when it is not one person")
    due: dt.date | None
    due_text: str | None = Field(description="the words that gave the date")
    warnings: list[WarningOut]
    decision_line: int | None = Field(None, description="an action: the decision line right above it, which it implements")


class UnreadOut(Schema):
    line: int
    text: str


class CaptureOut(Schema):
    items: list[CaptureItemOut]
    unread: list[UnreadOut] = Field(description="non-blank lines read as neither an action nor a decision")


@router.post("/capture/parse", response={200: CaptureOut, **ERRORS})
def capture_parse(request, payload: CaptureIn):
    """Recognise lines that read as actions (行动 / 待办 / TODO / Action:) or decisions
    (决议 / 结论 / Decision:), with owner and due date resolved; never guesses an owner."""
    meeting = meeting_visible_or_404(person=request.user, pk=payload.meeting) if payload.meeting else None
    if rate_limited(f"capture:{request.user.pk}", limit=CAPTURE_RATE):
        raise HttpError(429, _("Too many requests: wait a minute and try again."))
    try:
        read = capture_lines(text=payload.text, meeting=meeting, reference_date=payload.reference_date)
    except ValueError as exc:
        raise ValidationError({"text": [str(exc)]}) from exc
    proposals = read.proposals
    ids = {i for p in proposals for i in [p.owner, *p.owner_candidates] if i}
    names = dict(Person.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    ref = lambda i: {"id": i, "name": names.get(i, "")}  # noqa: E731
    return {
        "items": [
            {
                "line": p.line, "kind": p.kind, "title": p.title, "owner_text": p.owner_text,
                "owner": ref(p.owner) if p.owner else None, "owner_candidates": [ref(i) for i in p.owner_candidates],
                "due": p.due, "due_text": p.due_text,
                "warnings": [{"code": w.code, "message": w.message} for w in p.warnings], "decision_line": p.decision_line,
            }  # fmt: skip
            for p in proposals
        ],
        "unread": [{"line": u.line, "text": u.text} for u in read.unread],
    }
