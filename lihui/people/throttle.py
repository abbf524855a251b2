"""Failed sign-ins counted per account and per client address, so guessing passwords is
slow whether one account is tried from many addresses or many accounts from one.

The count is kept by the authentication backend, so every place that checks a password (the
sign-in page, the admin's, the API's token exchange) shares it; the sign-in forms only turn
"blocked" into a clear message (lihui/people/forms.py).

The counts live in the throttle cache, like lihui/ratelimit.py's (shared by every process:
the database's cache table, or Redis when REDIS_URL is set). Unlike its limits, these count
only failures, are read before a password is checked and are cleared by a success, so they keep their own small counter: it
starts at the first failure and expires LIHUI_LOGIN_WINDOW_MINUTES later.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils.translation import ngettext

from lihui.ratelimit import counter_add, throttle_cache


def client_address(request) -> str:
    """The address the request came from; behind LIHUI_PROXY_COUNT proxies, the one the
    outermost proxy saw (entries further left in X-Forwarded-For are the client's to forge)."""
    proxies = settings.LIHUI_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _account_key(username: str) -> str:
    # Case-folded, so Zhouyun and zhouyun share one count; hashed, so any input is a safe key.
    return "login-failures:account:" + hashlib.sha256(username.strip().casefold().encode()).hexdigest()


def _counters(request, username: str) -> list[tuple[str, int]]:
    counters = [(_account_key(username), settings.LIHUI_LOGIN_FAILURES_PER_ACCOUNT)]
    if request is not None:
        counters.append((f"login-failures:address:{client_address(request)}", settings.LIHUI_LOGIN_FAILURES_PER_ADDRESS))
    return counters


def login_blocked(request, username: str) -> bool:
    """True when the account or the address has used up its failures in the window."""
    counters = _counters(request, username)
    counts = throttle_cache().get_many([key for key, _limit in counters])
    return any(counts.get(key, 0) >= limit for key, limit in counters)


def login_failed(request, username: str) -> None:
    window = settings.LIHUI_LOGIN_WINDOW_MINUTES * 60
    for key, _limit in _counters(request, username):
        counter_add(key, seconds=window)


def login_succeeded(request, username: str) -> None:
    """Clear the account's count. The address keeps its count: signing in to one account
    someone knows must not reopen the address for guessing at others."""
    throttle_cache().delete(_account_key(username))


def blocked_message() -> str:
    minutes = settings.LIHUI_LOGIN_WINDOW_MINUTES
    return ngettext(
        "Too many failed sign-in attempts. Please try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class ThrottledModelBackend(ModelBackend):
    """Django's backend, refusing without a look at the password once blocked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        if login_blocked(request, username):
            raise PermissionDenied  # ends authenticate() here, as a failed sign-in
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failed(request, username)
        else:
            login_succeeded(request, username)
        return user
