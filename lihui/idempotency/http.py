"""One decorator for every create and publish, on pages and in the API:

    @idempotent("decision_create")
    def view(request, ...): ...

    @router.post(...)
    @decorate_view(idempotent("decision_create"))     # ninja: wraps the operation's view
    def endpoint(request, ...): ...

The key is the `Idempotency-Key` header or, from a page, the hidden `idempotency_token`
field. Without either the request runs as before. With one, the key's row is inserted in
the same transaction as the change: a second request with the same key waits on that
insert (PostgreSQL's unique index; SQLite's write lock, taken at BEGIN) until the first
commits, then finds the row and answers with the stored response — status, body and
Location, so a page resubmit redirects where the first went. A first answer of 400 or
more is not kept (its transaction is rolled back): the corrected request may reuse the key.
"""

from __future__ import annotations

import functools
import hashlib

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotencyKey
from .services import KEY_LIFETIME

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_token"
MAX_KEY = 255


class _AlreadyDone(Exception):
    """The key's row exists: another request with it committed first."""


def _person(request):
    """Who sends the key. The API's bearer token is checked here because this runs before
    the API's own authentication (which sees the same token and answers 401 if it is bad)."""
    authorization = request.headers.get("Authorization", "")
    if authorization[:7].lower() == "bearer ":
        from lihui.people.services import api_token_authenticate

        return api_token_authenticate(secret=authorization[7:].strip())
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    try:
        digest.update(request.body)
    except RawPostDataException:  # multipart already read as a stream: the path must do
        pass
    return digest.hexdigest()


def _error(message: str, status: int) -> JsonResponse:
    """The API's error shape."""
    return JsonResponse({"error": message, "fields": {HEADER: [message]}}, status=status)


def _replay(request, record: IdempotencyKey, *, from_header: bool) -> HttpResponse:
    if from_header and record.fingerprint != _fingerprint(request):
        return _error(_("This Idempotency-Key was already used for a different request."), 422)
    response = HttpResponse(record.body, status=record.status, content_type=record.content_type or None)
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    if not from_header and hasattr(request, "_messages"):
        messages.info(request, _("This form had already been sent; it was not sent again."))
    return response


def idempotent(operation: str):
    """Make a POST view answer a repeated key with its first response instead of writing again."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method != "POST":
                return view(request, *args, **kwargs)
            key = request.headers.get(HEADER)
            from_header = key is not None
            # Pages send the key as a hidden field; the API only as the header, so its body is
            # left unread here for ninja (a form body it cannot parse is then its 400, not ours).
            is_form = request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            if not from_header and is_form and not request.path.startswith("/api/"):
                key = request.POST.get(FORM_FIELD)
            if key is None:
                return view(request, *args, **kwargs)
            key = key.strip()
            if not key or len(key) > MAX_KEY or not key.isprintable():
                if from_header:
                    return _error(_("The Idempotency-Key header must be 1 to 255 visible characters."), 422)
                return view(request, *args, **kwargs)  # a damaged hidden field: as if there were none
            person = _person(request)
            if person is None:  # not signed in: the view answers 401/redirect, nothing to remember
                return view(request, *args, **kwargs)
            mine = IdempotencyKey.objects.filter(person=person, operation=operation, key=key)
            try:
                with transaction.atomic():
                    mine.filter(created__lt=timezone.now() - KEY_LIFETIME).delete()
                    try:
                        record = IdempotencyKey.objects.create(
                            person=person, operation=operation, key=key, status=0,
                            fingerprint=_fingerprint(request) if from_header else "",
                        )  # fmt: skip
                    except IntegrityError:
                        raise _AlreadyDone from None
                    response = view(request, *args, **kwargs)
                    if response.status_code >= 400 or response.streaming:
                        transaction.set_rollback(True)  # nothing was done: the key stays free
                        return response
                    record.status = response.status_code
                    record.content_type = response.get("Content-Type", "")
                    record.location = response.get("Location", "")
                    record.body = response.content.decode(response.charset or "utf-8", errors="replace")
                    record.save(update_fields=["status", "content_type", "location", "body"])
                    return response
            except _AlreadyDone:
                return _replay(request, mine.get(), from_header=from_header)

        return wrapped

    return decorator
