"""Logging in with a suite: the login page's buttons, the state that ties a vendor's callback
to the browser that started the login (CSRF), and where each suite's login page is.

A login starts here (a random state kept in the session, with where to go after), goes to the
vendor (the QR page, or the in-app OAuth inside the suite's browser), and comes back to
/directory/suites/<suite>/callback/ with a code and that state. A state that is missing,
unknown, used, from another suite or older than STATE_SECONDS is refused."""

from __future__ import annotations

import re
import secrets
import time
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from lihui.directory import login_methods

from .config import SUITES, suite_app, suite_config

SESSION_KEY = "lihui_suite_login"
TRIED_KEY = "lihui_suite_inapp_tried"
STATE_SECONDS = 600
MAX_PENDING = 5

# The suite's own browser says who it is in its User-Agent: WeCom "wxwork/4.1.x" (and also
# MicroMessenger, so it is checked first), DingTalk "DingTalk/7.x", Feishu "Lark/7.x" or "Feishu".
USER_AGENTS = (("wecom", re.compile(r"wxwork", re.I)), ("dingtalk", re.compile(r"DingTalk", re.I)),
               ("feishu", re.compile(r"Lark|Feishu", re.I)))  # fmt: skip


def suite_of_user_agent(user_agent: str) -> str | None:
    return next((source for source, pattern in USER_AGENTS if pattern.search(user_agent or "")), None)


def login_ready(source: str) -> bool:
    app = suite_app(source)
    return bool(app and app.login_enabled and suite_config(source, app))


def callback_url(request: HttpRequest, source: str) -> str:
    return request.build_absolute_uri(reverse("directory:suite_callback", args=[source]))


def state_start(request: HttpRequest, source: str, next_url: str) -> str:
    state = secrets.token_urlsafe(24)
    pending = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if v.get("at", 0) > time.time() - STATE_SECONDS}
    pending[state] = {"source": source, "next": next_url, "at": time.time()}
    request.session[SESSION_KEY] = dict(sorted(pending.items(), key=lambda kv: kv[1]["at"])[-MAX_PENDING:])
    return state


def state_take(request: HttpRequest, source: str, state: str) -> dict | None:
    """The login `state` started, once; None when it is not one this browser started for `source`."""
    pending = dict(request.session.get(SESSION_KEY, {}))
    found = pending.pop(state, None) if state else None
    request.session[SESSION_KEY] = pending
    if not found or found.get("source") != source or found.get("at", 0) <= time.time() - STATE_SECONDS:
        return None
    return found


LABELS = {
    "wecom": lambda: _("Scan with WeCom to log in"),
    "dingtalk": lambda: _("Scan with DingTalk to log in"),
    "feishu": lambda: _("Scan with Feishu to log in"),
}


def _method(source: str):
    def method(request: HttpRequest, next_url: str):
        if not login_ready(source):
            return None
        url = reverse("directory:suite_login", args=[source]) + (f"?{urlencode({'next': next_url})}" if next_url else "")
        return login_methods.LoginMethod(key=source, label=LABELS[source](), url=url)

    method.__name__ = f"{source}_login_method"
    return method


for _source in SUITES:
    login_methods.register(_method(_source))
