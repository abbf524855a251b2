"""API for the survey after a meeting (会后反馈): where it stands for the caller, its
results for the chair, the minute-taker and admins, and answering it (the same services
and selectors as the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from lihui.meetings.selectors import meeting_visible_or_404
from lihui.surveys.forms import RATING, SCALE
from lihui.surveys.models import QUESTIONS
from lihui.surveys.selectors import (
    survey_answered,
    survey_can_see_results,
    survey_for_meeting,
    survey_hidden_notice,
    survey_may_answer,
    survey_results,
    survey_state,
)
from lihui.surveys.services import MAX_TEXT, AlreadyAnswered, survey_answer

from .errors import ERRORS, error_body
from .schemas import ErrorOut, Id, StrictIn

router = Router(tags=["surveys"])
# Whole numbers only: "4", 4.0 and true are refused, not coerced.
Score = Annotated[int, Field(ge=1, le=5, strict=True)]


class ScaleOut(Schema):
    score: int
    label: str


class QuestionOut(Schema):
    name: str
    label: str
    scale: list[ScaleOut]


class QuestionResultOut(Schema):
    name: str
    label: str
    average: float | None = Field(description="1–5; null without answers")
    distribution: list[int] = Field(description="answers giving 1, 2, 3, 4 and 5")


class RemarkOut(Schema):
    text: str
    name: str | None = Field(description="who wrote it; null when the survey is anonymous")


class ResultsOut(Schema):
    responses: int = Field(description="answers received, also those an anonymous survey still holds back")
    invited: int = Field(description="people asked when the survey opened")
    rate: float | None = Field(description="responses ÷ invited, 0–1; null when nobody was asked")
    target_percent: int = Field(description="the series' response target")
    in_results: int = Field(description="answers the scores and texts are made of (anonymous ones enter in batches)")
    min_answers: int = Field(description="below this many answers in the results, none are shown")
    hidden: bool = Field(description="true when in_results < min_answers: no averages, counts or texts")
    notice: str | None = Field(description="why the results are hidden; null when they are shown")
    questions: list[QuestionResultOut]
    comments: list[RemarkOut]
    suggestions: list[RemarkOut]


class SurveyOut(Schema):
    meeting: int
    state: Literal["off", "not_open", "open", "closed"] = Field(
        description="off: the series runs no survey; not_open: the meeting has not ended"
    )
    anonymous: bool | None
    opened_at: dt.datetime | None
    closes_at: dt.datetime | None
    questions: list[QuestionOut]
    may_answer: bool = Field(description="the caller is one of the people asked")
    answered_by_me: bool
    results: ResultsOut | None = Field(description="for the chair, the minute-taker and admins; null for others")


class ScoresIn(StrictIn):
    purpose_clear: Score
    time_well_used: Score
    outcomes_useful: Score
    discussion_open: Score
    overall: Score


class ResponseIn(StrictIn):
    scores: ScoresIn
    comment: Annotated[str, Field(max_length=MAX_TEXT)] = ""
    suggestion: Annotated[str, Field(max_length=MAX_TEXT)] = ""


def _questions() -> list[dict]:
    return [
        {
            "name": name,
            "label": str(label),
            "scale": [{"score": score, "label": str(text)} for score, text in (RATING if name == "overall" else SCALE)],
        }
        for name, label in QUESTIONS
    ]


def _results_out(survey) -> dict:
    r = survey_results(survey=survey)
    return {
        "responses": r.responses,
        "invited": r.invited,
        "rate": r.rate,
        "target_percent": r.target_percent,
        "in_results": r.in_results,
        "min_answers": r.min_answers,
        "hidden": r.hidden,
        "notice": survey_hidden_notice(r.min_answers) if r.hidden else None,
        "questions": [
            {"name": q.name, "label": q.label, "average": q.average, "distribution": [count for _s, count, _p in q.distribution]}
            for q in r.questions
        ],
        "comments": [{"text": x.text, "name": x.name or None} for x in r.comments],
        "suggestions": [{"text": x.text, "name": x.name or None} for x in r.suggestions],
    }


def _survey_out(request, meeting) -> dict:
    survey = survey_for_meeting(meeting=meeting)
    if survey is not None:
        survey.meeting = meeting
    return {
        "meeting": meeting.pk,
        "state": survey_state(meeting=meeting, survey=survey),
        "anonymous": survey.anonymous if survey else None,
        "opened_at": survey.opened_at if survey else None,
        "closes_at": survey.closes_at if survey else None,
        "questions": _questions(),
        "may_answer": survey_may_answer(person=request.user, meeting=meeting),
        "answered_by_me": survey_answered(person=request.user, survey=survey),
        "results": _results_out(survey) if survey and survey_can_see_results(person=request.user, meeting=meeting) else None,
    }


@router.get("/meetings/{meeting_id}/survey", response={200: SurveyOut, **ERRORS})
def survey_get(request, meeting_id: Id):
    """Where the meeting's survey stands for the caller; with its results for those who may see them."""
    return _survey_out(request, meeting_visible_or_404(person=request.user, pk=meeting_id))


@router.post("/meetings/{meeting_id}/survey/responses", response={201: SurveyOut, 409: ErrorOut, **ERRORS})
def survey_respond(request, meeting_id: Id, payload: ResponseIn):
    """Answer the survey: five scores (whole numbers 1–5), a comment and one suggestion.
    Only the people asked answer (403), once (409), while it is open (422 after closing)."""
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    survey = survey_for_meeting(meeting=meeting)
    if survey is None:
        if not survey_may_answer(person=request.user, meeting=meeting):
            raise PermissionDenied
        message = _("The survey opens when the meeting ends.") if meeting.series.survey_enabled else _(
            "This series runs no survey after its meetings."
        )
        raise ValidationError({"__all__": [message]})
    survey.meeting = meeting
    try:
        survey_answer(
            actor=request.user, survey=survey, scores=payload.scores.dict(), comment=payload.comment, suggestion=payload.suggestion
        )
    except AlreadyAnswered as exc:
        return Status(409, error_body(" ".join(exc.messages)))
    return Status(201, _survey_out(request, meeting))

