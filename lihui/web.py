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
