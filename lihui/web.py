"""Small helpers shared by the server-rendered views."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext


def too_long_message(label) -> str:
    """「标题」最多 200 个字符 …: the field by name and its limit, in our words rather than
    Django's 「确保该变量包含不超过 200 字符」. Keeps Django's %(limit_value)d / %(show_value)d."""
    return gettext("%(field)s can be at most %(limit_value)d characters long (this has %(show_value)d).").replace(
        "%(field)s", str(capfirst(label))
    )


def length_messages(form: forms.BaseForm) -> None:
    """Give every text field of `form` the message above for a text over its limit (the
    browser's maxlength stops typing there; a paste or a script still gets a clear answer)."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and field.max_length:
            field.error_messages["max_length"] = too_long_message(field.label or "")


def length_errors(instance: models.Model, names: list[str]) -> dict[str, list[str]]:
    """The same check for a service (API and scripts reach it without a form)."""
    errors = {}
    for name in names:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname, None)
        if isinstance(field, models.CharField) and field.max_length and isinstance(value, str) and len(value) > field.max_length:
            errors[name] = [too_long_message(field.verbose_name) % {"limit_value": field.max_length, "show_value": len(value)}]
    return errors


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

    from lihui.minutes.selectors import minutes_can_read

    meeting = visible_meeting_or_404(person, pk)
    if not minutes_can_read(person=person, meeting=meeting):
        raise Http404
    return meeting
