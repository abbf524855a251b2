"""The survey page (answer it: the form, thanks, closed, not yet open) and its results
for the chair, the minute-taker and admins."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lihui.meetings.selectors import meeting_visible_or_404
from lihui.web import add_service_errors

from .forms import SurveyForm
from .selectors import (
    State,
    survey_answered,
    survey_can_see_results,
    survey_for_meeting,
    survey_may_answer,
    survey_results,
    survey_state,
)
from .services import AlreadyAnswered, survey_answer


def _survey(meeting):
    survey = survey_for_meeting(meeting=meeting)
    if survey is not None:
        survey.meeting = meeting  # already loaded with its series
    return survey


@login_required
def survey(request, pk: int):
    """会后反馈: GET shows where the survey stands for this person, POST answers it.
    Whoever sees the meeting sees the page; only the people asked answer (403 otherwise)."""
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    survey = _survey(meeting)
    state = survey_state(meeting=meeting, survey=survey)
    may_answer = survey_may_answer(person=request.user, meeting=meeting)
    answered = survey_answered(person=request.user, survey=survey)
    form = SurveyForm()
    status, error = 200, ""
    if request.method == "POST":
        if not may_answer:
            raise PermissionDenied
        # Nothing to answer: say why, rather than which fields are missing.
        if state == State.CLOSED:
            status, error = 422, _("This survey is closed: answers are no longer accepted.")
        elif state != State.OPEN:
            status, error = 422, _("The survey opens when the meeting ends.")
        elif answered:
            status, error = 409, " ".join(AlreadyAnswered().messages)
        else:
            form = SurveyForm(request.POST)
            status = 422
            if form.is_valid():
                try:
                    survey_answer(
                        actor=request.user, survey=survey, scores=form.scores(),
                        comment=form.cleaned_data["comment"], suggestion=form.cleaned_data["suggestion"],
                    )  # fmt: skip
                    # The page itself thanks them: no flash message on top.
                    return redirect("surveys:survey", pk=meeting.pk)
                except AlreadyAnswered as exc:  # sent twice at once: the other one counted
                    status, error, answered = 409, " ".join(exc.messages), True
                except ValidationError as exc:
                    add_service_errors(form, exc)
    return render(
        request,
        "surveys/survey.html",
        {
            "meeting": meeting,
            "series": meeting.series,
            "survey": survey,
            "state": state,
            "may_answer": may_answer,
            "answered": answered,
            "can_see_results": survey_can_see_results(person=request.user, meeting=meeting),
            "form": form,
            "error": error,
        },
        status=status,
    )


@login_required
def results(request, pk: int):
    """Averages, distributions, the response rate against the series' target, comments
    and suggestions. A fixed number of queries whatever the number of answers."""
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    if not survey_can_see_results(person=request.user, meeting=meeting):
        raise PermissionDenied
    survey = _survey(meeting)
    return render(
        request,
        "surveys/results.html",
        {
            "meeting": meeting,
            "series": meeting.series,
            "survey": survey,
            "state": survey_state(meeting=meeting, survey=survey),
            "results": survey_results(survey=survey) if survey is not None else None,
        },
    )
