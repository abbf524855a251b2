"""/healthz for load balancers and monitors, and the page shown when the database is away."""

from __future__ import annotations

import logging
import sys

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from lihui.ops.heartbeat import worker_status
from lihui.security import API_PREFIX, api_error_response

log = logging.getLogger("lihui.ops")

RETRY_AFTER_SECONDS = 30


@never_cache
@require_safe
def healthz(request):
    """No authentication and nothing private: whether the database answers and how long ago
    a worker last started a pass. 200 when both are fine, 503 otherwise. One query."""
    try:
        worker = worker_status()
    except DatabaseError as exc:
        log.warning("healthz: database unavailable: %s", exc.__class__.__name__)
        body = {"status": "unavailable", "database": "unavailable", "worker": None}
        response = JsonResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    ok = worker["ok"]
    body = {"status": "ok" if ok else "degraded", "database": "ok", "worker": worker}
    return JsonResponse(body, status=200 if ok else 503)


def server_error(request, template_name="500.html"):
    """handler500: a database that is down or read-only gets a 503 page saying so, with
    Retry-After; the next request reconnects, so the site recovers by itself. The page is
    static (no context processors, which would ask the database about the session)."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DatabaseError):
        response = HttpResponse(loader.get_template("ops/503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template(template_name).render())


def bad_request(request, exception=None):
    """handler400: a request Django could not read (a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
    too many fields or files, a broken multipart body) — raised before any view, often by the
    CSRF check. Under /api/v1/ the answer is the API's error shape like every other: 413 for
    too much, 400 for unreadable. Pages keep Django's plain 400 page."""
    too_big = isinstance(exception, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent))
    if request.path.startswith(API_PREFIX):
        if too_big:
            return api_error_response(413, _("The request is too large."))
        return api_error_response(400, _("The request could not be read."))
    return defaults.bad_request(request, exception)
