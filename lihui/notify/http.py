"""The one place HTTP leaves Lihui for delivery. Every robot and webhook goes through
`post`, so tests stub it here and the guards live in one spot: a timeout, no redirect to
another host, and no private or loopback address unless LIHUI_NOTIFY_ALLOW_PRIVATE (an
admin-typed URL must not let Lihui probe the intranet behind it)."""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

USER_AGENT = "Lihui-notify/1"
MAX_BODY = 1024 * 1024


class HttpError(Exception):
    """The request did not get an answer (refused, timed out, not allowed)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def check_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpError(f"not an http(s) URL: {url[:100]}", permanent=True)
    if settings.LIHUI_NOTIFY_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as e:
        raise HttpError(f"cannot resolve {parts.hostname}: {e}") from e
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not ip.is_global or ip.is_multicast:
            raise HttpError(f"{parts.hostname} resolves to a private address ({ip})", permanent=True)


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).netloc != urlsplit(req.full_url).netloc:
            raise HttpError(f"redirect to another host refused: {newurl[:100]}", permanent=True)
        check_address(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_SameHostRedirects)


def post(url: str, *, body: bytes, headers: dict[str, str] | None = None) -> Response:
    """POST `body`; any status comes back as a Response (robots put errors in the body)."""
    check_address(url)
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("User-Agent", USER_AGENT)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with _opener.open(request, timeout=settings.LIHUI_NOTIFY_HTTP_TIMEOUT) as answer:
            return Response(answer.status, answer.read(MAX_BODY), dict(answer.headers.items()))
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read(MAX_BODY) if e.fp else b"", dict(e.headers.items()) if e.headers else {})
    except (urllib.error.URLError, OSError) as e:  # refused, reset, timed out
        raise HttpError(str(getattr(e, "reason", e))[:300]) from e
