"""Small helpers shared by the server-rendered views and the API: form messages, and the
one way a file is answered (`file_response`, with the MIME types we serve).

The foundation of the views: it imports Django and the standard library, no app of Lihui.
Who may see what is each app's `selectors.py` (e.g. lihui/meetings/selectors.py,
`meeting_visible_or_404`)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MARKDOWN = "text/markdown; charset=utf-8"
ICS = "text/calendar; charset=utf-8"

# What an uploaded file may do once a browser opens it: nothing (no scripts, no requests).
SANDBOX_POLICY = "default-src 'none'; sandbox"


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


def file_response(
    content, *, filename: str, content_type: str, attachment: bool = True, sandbox: bool = False
) -> HttpResponse:
    """A file for download: `content` (bytes or text, or an open binary file, streamed),
    named `filename` in Content-Disposition (a non-ASCII name as RFC 6266 filename*),
    never sniffed. `sandbox`: a file someone uploaded, which the browser may not run
    (its own Content-Security-Policy instead of the pages')."""
    if isinstance(content, (bytes, bytearray, memoryview, str)):
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(attachment, filename)
    else:
        response = FileResponse(content, as_attachment=attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    if sandbox:
        response["Content-Security-Policy"] = SANDBOX_POLICY
    return response
