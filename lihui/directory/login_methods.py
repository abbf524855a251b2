"""The ways in besides a password, as the login page shows them: each source that is
configured registers a function answering its button (or None when it is not set up)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.http import HttpRequest


@dataclasses.dataclass(frozen=True)
class LoginMethod:
    key: str  # "oidc", "saml", "wecom", …
    label: str  # translated: 「企业微信扫码登录」
    url: str  # where the button goes (it keeps ?next=)
    kind: str = "redirect"  # "redirect" to the provider, or "qr": a page with the suite's QR code


_METHODS: list[Callable[[HttpRequest, str], LoginMethod | None]] = []


def register(method: Callable[[HttpRequest, str], LoginMethod | None]) -> Callable[[HttpRequest, str], LoginMethod | None]:
    """Register `method(request, next_url)`, which returns the source's button or None."""
    if method not in _METHODS:
        _METHODS.append(method)
    return method


def login_methods(request: HttpRequest, next_url: str = "") -> list[LoginMethod]:
    return [m for m in (method(request, next_url) for method in _METHODS) if m is not None]
