"""Small helpers shared by the server-rendered views."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors on their fields,
    the rest above the form, so nothing the user typed is lost."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        for error in errors:
            target = name if name in form.fields else None
            messages = error.messages if hasattr(error, "messages") else [str(error)]
            for message in messages:
                form.add_error(target, message)


def visible_meeting_or_404(person, pk: int):
    """The meeting if `person` may see it (its series, or invited as a guest), else 404."""
    from django.http import Http404

    from lihui.meetings.selectors import meeting_visible_to_person

    meeting = meeting_visible_to_person(person=person, pk=pk)
    if meeting is None:
        raise Http404
    return meeting


def series_content_meeting_or_404(person, pk: int):
    """The meeting if `person` may see the series' business in it (the review of the series'
    open actions, draft minutes, revisions), else 404: a guest of one item sees the meeting,
    not that (lihui/meetings/selectors.py, meeting_series_content_visible)."""
    from django.http import Http404

    from lihui.meetings.selectors import meeting_series_content_visible

    meeting = visible_meeting_or_404(person, pk)
    if not meeting_series_content_visible(person=person, meeting=meeting):
        raise Http404
    return meeting


def minutes_meeting_or_404(person, pk: int):
    """The meeting if `person` may read its minutes as they stand (published: every
    participant; a draft: whoever sees the series), else 404."""
    from django.http import Http404

    from lihui.actions.minutes import minutes_can_read

    meeting = visible_meeting_or_404(person, pk)
    if not minutes_can_read(person=person, meeting=meeting):
        raise Http404
    return meeting
