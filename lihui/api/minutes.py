"""API for the minutes: the text, its revisions, saving with a conflict check, submit /
publish, and the exports (the same services and renderers as the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from lihui.idempotency.http import idempotent
from lihui.markdown import markdown_without_html
from lihui.meetings.revisions import RevisionConflict
from lihui.meetings.selectors import meeting_series_content_or_404, meeting_visible_or_404
from lihui.minutes import selectors, services
from lihui.minutes.documents import minutes_docx, minutes_filename
from lihui.minutes.models import MinutesRevision
from lihui.minutes.selectors import meeting_minutes_readable_or_404
from lihui.web import DOCX, MARKDOWN, file_response

from .schemas import ErrorOut, Id, StrictIn

router = Router(tags=["minutes"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MinutesOut(Schema):
    meeting: int
    state: Literal["draft", "submitted", "published"]
    revision: int = Field(description="the latest revision's number; 0 while the text is the assembled draft")
    text: str
    deadline: dt.datetime
    published_at: dt.datetime | None
    published_by: int | None
    approved_by: int | None
    on_time: bool | None = Field(description="published by the deadline; null until published")
    needs_approval: bool


class RevisionOut(Schema):
    number: int
    author: int | None
    author_name: str
    created: dt.datetime
    comment: str
    published: bool = Field(description="saved while the minutes were published")


class RevisionTextOut(RevisionOut):
    text: str


class MinutesIn(StrictIn):
    text: Annotated[str, Field(max_length=services.MAX_TEXT)]
    base_revision: Annotated[int, Field(ge=0, description="the revision the text was based on; 0 for the assembled draft")]
    comment: Annotated[str, Field(max_length=200)] = ""


class MinutesConflictOut(Schema):
    error: str
    fields: dict[str, list[str]] = {}
    current: RevisionTextOut
    yours: str


class MinutesStateIn(StrictIn):
    action: Literal["publish", "submit"] = "publish"


def _minutes_out(meeting) -> dict:
    record, head, text = selectors.minutes_text(meeting=meeting)
    deadline = selectors.minutes_deadline(meeting=meeting)
    published_at = record.published_at if record else None
    return {
        "meeting": meeting.pk,
        "state": record.state if record else "draft",
        "revision": head.number if head else 0,
        "text": text,
        "deadline": deadline,
        "published_at": published_at,
        "published_by": record.published_by_id if record else None,
        "approved_by": record.approved_by_id if record else None,
        "on_time": (published_at <= deadline) if published_at else None,
        "needs_approval": meeting.series.minutes_need_approval,
    }


def _revision_out(r: MinutesRevision, *, text: bool = False) -> dict:
    out = {
        "number": r.number, "author": r.author_id, "author_name": r.author.name if r.author else "",
        "created": r.created, "comment": r.comment, "published": r.published,
    }  # fmt: skip
    if text:
        out["text"] = r.text
    return out


@router.get("/meetings/{meeting_id}/minutes", response={200: MinutesOut, **ERRORS})
def minutes_get(request, meeting_id: Id):
    """The current text: the latest revision, or the draft assembled from the meeting. A
    draft is for those who see the series; published minutes for every participant."""
    return _minutes_out(meeting_minutes_readable_or_404(person=request.user, pk=meeting_id))


@router.put("/meetings/{meeting_id}/minutes", response={201: RevisionOut, 409: MinutesConflictOut, **ERRORS})
def minutes_put(request, meeting_id: Id, payload: MinutesIn):
    """Save a new revision. A stale `base_revision` is a 409 with the current revision's
    text and yours: nothing is overwritten."""
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    try:
        revision = services.minutes_save(
            actor=request.user, meeting=meeting, text=payload.text, base_revision=payload.base_revision, comment=payload.comment
        )
    except RevisionConflict as conflict:
        return Status(
            409,
            {
                "error": _("Someone else saved the minutes since revision %(n)s. Both texts are returned: merge and save on top of theirs.")
                % {"n": payload.base_revision},
                "fields": {"base_revision": [_("Stale revision.")]},
                "current": _revision_out(conflict.theirs, text=True),
                "yours": conflict.yours,
            },
        )
    return Status(201, _revision_out(revision))


@router.post("/meetings/{meeting_id}/minutes/publish", response={200: MinutesOut, **ERRORS})
@decorate_view(idempotent("minutes_publish"))
def minutes_publish(request, meeting_id: Id, payload: MinutesStateIn):
    """Publish (where the chair approves: approve and publish), or `submit` for approval."""
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    if payload.action == "submit":
        services.minutes_submit(actor=request.user, meeting=meeting)
    else:
        services.minutes_publish(actor=request.user, meeting=meeting)
    return _minutes_out(meeting)


@router.get("/meetings/{meeting_id}/minutes/revisions", response={200: list[RevisionOut], **ERRORS})
def minutes_revisions(request, meeting_id: Id):
    """Newest first. Drafts among them: for those who see the series."""
    meeting = meeting_series_content_or_404(person=request.user, pk=meeting_id)
    return [_revision_out(r) for r in MinutesRevision.objects.filter(minutes__meeting=meeting).select_related("author").order_by("-number")]


@router.get("/meetings/{meeting_id}/minutes/revisions/{number}", response={200: RevisionTextOut, **ERRORS})
def minutes_revision(request, meeting_id: Id, number: Id):
    from django.shortcuts import get_object_or_404

    meeting = meeting_series_content_or_404(person=request.user, pk=meeting_id)
    r = get_object_or_404(MinutesRevision.objects.select_related("author"), minutes__meeting=meeting, number=number)
    return _revision_out(r, text=True)


@router.get(
    "/meetings/{meeting_id}/minutes.md",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"description": "Markdown", "content": {"text/markdown": {"schema": {"type": "string"}}}}}},
)
def minutes_markdown(request, meeting_id: Id):
    meeting = meeting_minutes_readable_or_404(person=request.user, pk=meeting_id)
    _record, _head, text = selectors.minutes_text(meeting=meeting)
    # Opened in other programs, which may pass the notes' raw HTML through: escape it.
    return file_response(markdown_without_html(text), filename=minutes_filename(meeting, "md"), content_type=MARKDOWN)


@router.get(
    "/meetings/{meeting_id}/minutes.docx",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"description": "Word", "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}}},
)
def minutes_word(request, meeting_id: Id):
    meeting = meeting_minutes_readable_or_404(person=request.user, pk=meeting_id)
    record, head, text = selectors.minutes_text(meeting=meeting)
    data = minutes_docx(meeting=meeting, record=record, head=head, text=text)
    return file_response(data, filename=minutes_filename(meeting, "docx"), content_type=DOCX)
