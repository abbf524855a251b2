"""Content-Security-Policy on every response (Django 5.2 has none built in).

The other protective headers come from Django itself: SecurityMiddleware sends
X-Content-Type-Options (SECURE_CONTENT_TYPE_NOSNIFF), Referrer-Policy
(SECURE_REFERRER_POLICY) and, over HTTPS, HSTS; XFrameOptionsMiddleware sends
X-Frame-Options: DENY for browsers that predate frame-ancestors.

Also here: who may send a request body that costs disk (AnonymousUploadMiddleware), and
which answers browsers and proxies must not store (PrivateResponsesNotStoredMiddleware).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from lihui.uploads import NoFilesUploadHandler

# No inline scripts anywhere: htmx and our code load as files, htmx reads its config from a
# <meta> tag, and nothing uses hx-on or javascript: URLs. Styles do allow 'unsafe-inline':
# server-rendered SVG charts and bar widths carry style attributes (and htmx injects its
# indicator <style>); an injected style cannot run code, so scripts are what we lock down.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Adds the policy unless a view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


API_PREFIX = "/api/"


def api_error_response(status: int, message: str) -> JsonResponse:
    """The API's one error shape (lihui/api/api.py), for answers given before ninja runs."""
    return JsonResponse({"error": message, "fields": {}}, status=status, json_dumps_params={"ensure_ascii": False})


class AnonymousUploadMiddleware:
    """Nobody signed in may send files: their multipart bodies are refused before anything
    reads them.

    Django parses a multipart body — spooling each file part to a temporary file — the first
    time anything touches request.POST or request.FILES, and the CSRF check does that for any
    POST without the X-CSRFToken header, before a view could ask who is sending. So an
    anonymous multipart request is refused unread, except at the sign-in forms (a script may
    post those as multipart) and when it is an empty form; their file parts are skipped
    unwritten (NoFilesUploadHandler).
    An API call that carries a token goes on: ninja checks the token before it reads the
    body. Placed after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._sign_in_paths: frozenset[str] | None = None

    # An empty multipart form (a bare POST from a script or a test client) is ~20 bytes: below
    # this nothing can be worth refusing, and its file parts are skipped all the same.
    EMPTY_FORM_BYTES = 1024

    @staticmethod
    def _content_length(request) -> int:
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 0  # Django reads such a body as empty

    def sign_in_paths(self) -> frozenset[str]:
        if self._sign_in_paths is None:  # the URLconf is not loaded yet when middleware is made
            self._sign_in_paths = frozenset({resolve_url(settings.LOGIN_URL), reverse("admin:login")})
        return self._sign_in_paths

    def __call__(self, request):
        multipart = request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/")
        if multipart and not request.user.is_authenticated:
            if request.path.startswith(API_PREFIX):
                if not request.META.get("HTTP_AUTHORIZATION"):
                    return api_error_response(401, _("Authentication required: send Authorization: Bearer <token>."))
            else:
                if request.path not in self.sign_in_paths() and self._content_length(request) > self.EMPTY_FORM_BYTES:
                    raise PermissionDenied(_("Sign in before you send files."))
                request.upload_handlers = [NoFilesUploadHandler(request)]
        return self.get_response(request)


class PrivateResponsesNotStoredMiddleware:
    """`Cache-Control: private, no-store` on every answer to someone signed in, and on every
    API answer (which may carry a new token): a shared computer's browser cache or a proxy
    must not keep minutes, actions or secrets. Static files never reach this far
    (WhiteNoise answers them earlier) and keep their long cache lifetimes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(API_PREFIX):
            patch_cache_control(response, private=True, no_store=True)
        return response
