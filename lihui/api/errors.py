"""The API's one error shape, {"error": "...", "fields": {...}}: the answers every endpoint
declares (`ERRORS`, `error_responses`), the map from what a selector or a service raises to
that shape (`api_error`), and pydantic's validation errors as our field errors, in the
reader's language."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .schemas import ErrorOut


def error_responses(*extra: int) -> dict[int, type[ErrorOut]]:
    """The error answers an endpoint declares: 401, 403, 404 and 422, and `extra`."""
    return {status: ErrorOut for status in (401, 403, 404, 422, *extra)}


ERRORS = error_responses()


def error_body(message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": message, "fields": fields or {}}


def api_error(exc: Exception) -> tuple[int, dict] | None:
    """The one error map, for every endpoint: a service's ValidationError is 422 with its
    field errors, PermissionDenied 403, Http404 (what the `..._or_404` selectors raise) 404.
    None for anything else."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            fields = {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        else:
            fields = {"__all__": exc.messages}
        return 422, error_body(_("Some fields are not valid."), fields)
    if isinstance(exc, PermissionDenied):
        return 403, error_body(_("You may not do this."))
    if isinstance(exc, Http404):
        return 404, error_body(_("Not found."))
    return None


def _limit(error: dict, key: str) -> int:
    return int((error.get("ctx") or {}).get(key) or 0)


MESSAGES = {
    "missing": lambda e: _("This field is required."),
    "extra_forbidden": lambda e: _("Unknown field."),
    "int_parsing": lambda e: _("Enter a whole number."),
    "int_type": lambda e: _("Enter a whole number."),
    "int_from_float": lambda e: _("Enter a whole number."),
    "bool_parsing": lambda e: _("Enter true or false."),
    "bool_type": lambda e: _("Enter true or false."),
    "string_type": lambda e: _("Enter text."),
    "string_nul": lambda e: _("Null characters are not allowed."),  # Django's own msgid, translated with Django
    "list_type": lambda e: _("Enter a list."),
    "date_parsing": lambda e: _("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": lambda e: _("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_inexact": lambda e: _("Enter a valid date (YYYY-MM-DD)."),
    "date_type": lambda e: _("Enter a valid date (YYYY-MM-DD)."),
    "time_parsing": lambda e: _("Enter a valid time (HH:MM)."),
    "time_type": lambda e: _("Enter a valid time (HH:MM)."),
    "literal_error": lambda e: _("Choose one of: %(choices)s.") % {"choices": (e.get("ctx") or {}).get("expected", "")},
    "greater_than_equal": lambda e: _("Ensure this value is at least %(limit)s.") % {"limit": (e.get("ctx") or {}).get("ge")},
    "less_than_equal": lambda e: _("Ensure this value is at most %(limit)s.") % {"limit": (e.get("ctx") or {}).get("le")},
    "string_too_short": lambda e: _("This field cannot be empty."),
    "string_too_long": lambda e: _("Ensure this text has at most %(limit)s characters.")
    % {"limit": (e.get("ctx") or {}).get("max_length")},
    "too_short": lambda e: ngettext("Give at least %(limit)s item.", "Give at least %(limit)s items.", _limit(e, "min_length"))
    % {"limit": _limit(e, "min_length")},
    "too_long": lambda e: ngettext("Give at most %(limit)s item.", "Give at most %(limit)s items.", _limit(e, "max_length"))
    % {"limit": _limit(e, "max_length")},
    "json_invalid": lambda e: _("The request body is not valid JSON."),
    "model_attributes_type": lambda e: _("The request body must be a JSON object."),
    "dict_type": lambda e: _("The request body must be a JSON object."),
}


def pydantic_errors_to_fields(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for e in errors:
        # ninja prefixes locations with where the value came from: body / query / path, and the parameter name.
        loc = [str(x) for x in e.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path"):
            loc = loc[1:]
            if len(loc) > 1 and loc[0] in ("payload", "q"):
                loc = loc[1:]
        name = ".".join(loc) or "__all__"
        message = MESSAGES.get(e.get("type"), lambda e: _("Enter a valid value."))(e)
        fields.setdefault(name, []).append(message)
    return fields
