"""Inside a suite's own browser (a link in a WeCom, DingTalk or Feishu message), a page asked
for by someone not signed in goes through that suite's in-app login first, so the page opens
signed in. Once per session: if it did not work, the next request shows the password page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .login import TRIED_KEY, login_ready, suite_of_user_agent

# Not for machines, files, the login page itself (where one lands after logging out) or the
# suite login's own steps.
EXEMPT = ("/static/", "/media/", "/api/", "/healthz", "/calendar/", "/admin/", "/favicon.ico", "/login/", "/logout/",
          "/directory/suites/")  # fmt: skip


class InAppLoginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = self.in_app_source(request)
        if source:
            url = reverse("directory:suite_inapp", args=[source])
            return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def in_app_source(request) -> str | None:
        if request.method != "GET" or request.user.is_authenticated or request.path_info.startswith(EXEMPT):
            return None
        source = suite_of_user_agent(request.headers.get("User-Agent", ""))
        if source is None or request.session.get(TRIED_KEY) == source or not login_ready(source):
            return None
        return source
