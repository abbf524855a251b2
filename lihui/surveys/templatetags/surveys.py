"""The survey's place on the meeting page: {% survey_link meeting %} (in surveys/_meeting_link.html)."""

from django import template

from lihui.surveys.selectors import (
    State,
    survey_answered,
    survey_can_see_results,
    survey_for_meeting,
    survey_may_answer,
    survey_state,
)

register = template.Library()


@register.inclusion_tag("surveys/_meeting_link_body.html", takes_context=True)
def survey_link(context, meeting):
    """「填写会后反馈」 for the people asked while it is open; results for the chair, the
    minute-taker and admins. Nothing before the meeting ends: a few queries, only then."""
    person = context["request"].user
    out = {"meeting": meeting, "show": False}
    if not meeting.series.survey_enabled or meeting.actual_end is None and meeting.status != "held":
        return out
    survey = survey_for_meeting(meeting=meeting)
    if survey is None:
        return out
    state = survey_state(meeting=meeting, survey=survey)
    may_answer = state == State.OPEN and survey_may_answer(person=person, meeting=meeting)
    out.update(
        survey=survey,
        state=state,
        may_answer=may_answer,
        answered=may_answer and survey_answered(person=person, survey=survey),
        can_see_results=survey_can_see_results(person=person, meeting=meeting),
    )
    out["show"] = out["may_answer"] or out["can_see_results"]
    return out
