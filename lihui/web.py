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
