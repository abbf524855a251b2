"""The work suites (WeCom, DingTalk, Feishu): the admin's page to enter each app, test it and
sync now; and the login — QR from the login page, or inside the suite's own browser."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lihui.directory.models import SyncReport
from lihui.directory.suites import login as suite_login_flow
from lihui.directory.suites.base import SuiteError, suite_name
from lihui.directory.suites.config import SUITES, env_secret, suite_app, suite_client, suite_config
from lihui.directory.suites.forms import SuiteAppForm
from lihui.directory.suites.services import LoginRefused, suite_app_save, suite_login_person, suite_sync, suite_test

from ..selectors import directory_admin_required, sync_report_list

# A DingTalk in-app page loads DingTalk's JSAPI from DingTalk's CDN: its own policy allows that one script.
DINGTALK_CSP = (
    "default-src 'self'; script-src 'self' {jsapi}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def _source_or_404(source: str) -> str:
    if source not in SUITES:
        raise Http404
    return source


# --- the admin's page ----------------------------------------------------------------------------


def _cards(forms: dict | None = None) -> list[dict]:
    cards = []
    for source in SUITES:
        app = suite_app(source)
        form = (forms or {}).get(source) or SuiteAppForm(instance=app, source=source)
        cards.append({
            "source": source, "name": suite_name(source), "form": form, "app": app,
            "ready": suite_config(source, app) is not None if app else False,
            "secret_stored": bool(app and app.secret), "secret_from_env": bool(env_secret(source)),
            "reports": sync_report_list(source=source)[:5],
        })  # fmt: skip
    return cards


@require_GET
@login_required
@directory_admin_required
def suites_admin(request):
    return render(request, "directory/suites.html", {"cards": _cards()})


@require_POST
@login_required
@directory_admin_required
def suite_save(request, source: str):
    source = _source_or_404(source)
    form = SuiteAppForm(request.POST, instance=suite_app(source), source=source)
    if not form.is_valid():
        return render(request, "directory/suites.html", {"cards": _cards({source: form})}, status=422)
    values = {k: v for k, v in form.cleaned_data.items() if k not in ("secret", "clear_secret")}
    suite_app_save(actor=request.user, source=source, values=values, secret=form.cleaned_data["secret"] or None,
                   clear_secret=form.cleaned_data.get("clear_secret", False))  # fmt: skip
    messages.success(request, _("%(suite)s: saved.") % {"suite": suite_name(source)})
    return redirect("directory:suites")


@require_POST
@login_required
@directory_admin_required
def suite_test_view(request, source: str):
    source = _source_or_404(source)
    try:
        suite_test(source=source)
    except SuiteError as exc:
        messages.error(request, _("%(suite)s: the connection did not work. %(error)s") % {"suite": suite_name(source), "error": exc})
    else:
        messages.success(request, _("%(suite)s: connected — the app was given an access token.") % {"suite": suite_name(source)})
    return redirect("directory:suites")


@require_POST
@login_required
@directory_admin_required
def suite_sync_view(request, source: str):
    source = _source_or_404(source)
    report = suite_sync(source=source, trigger=SyncReport.Trigger.MANUAL, actor=request.user)
    if report.status == SyncReport.Status.FAILED:
        messages.error(request, _("%(suite)s: the sync failed and nothing was changed. %(error)s") % {"suite": suite_name(source), "error": report.error})
    else:
        messages.success(request, _("%(suite)s: synced.") % {"suite": suite_name(source)})
    return redirect("directory:sync_report_detail", pk=report.pk)


# --- logging in --------------------------------------------------------------------------------------


def _next(request) -> str:
    url = request.GET.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return ""


def _refused(request, source: str, message: str, status: int = 403):
    return render(request, "directory/suites_login_failed.html", {"suite": suite_name(source), "message": message}, status=status)


@require_GET
def suite_login(request, source: str):
    """The login page's button: on to the suite's QR page."""
    source = _source_or_404(source)
    client = suite_client(source)
    if client is None or not suite_login_flow.login_ready(source):
        raise Http404
    state = suite_login_flow.state_start(request, source, _next(request))
    return redirect(client.qr_login_url(suite_login_flow.callback_url(request, source), state))


@require_GET
def suite_inapp(request, source: str):
    """Inside the suite's browser: its OAuth, which signs the user in without asking
    (WeCom snsapi_base, Feishu's authorize); DingTalk's page asks its JSAPI for a code."""
    source = _source_or_404(source)
    client = suite_client(source)
    if client is None or not suite_login_flow.login_ready(source):
        raise Http404
    request.session[suite_login_flow.TRIED_KEY] = source  # once per session: no loop if it fails
    state = suite_login_flow.state_start(request, source, _next(request))
    callback = suite_login_flow.callback_url(request, source)
    if source != "dingtalk":
        return redirect(client.inapp_login_url(callback, state))
    jsapi = settings.LIHUI_DINGTALK_JSAPI_URL
    response = render(request, "directory/suites_dingtalk_inapp.html", {
        "jsapi": jsapi, "corp_id": client.config.corp_id, "client_id": client.config.app_key, "state": state, "callback": callback,
        "password_login": reverse("people:login") + (f"?{urlencode({'next': _next(request)})}" if _next(request) else ""),
    })  # fmt: skip
    response.headers["Content-Security-Policy"] = DINGTALK_CSP.format(jsapi=jsapi)
    return response


def _login_backend() -> str:
    for path in settings.AUTHENTICATION_BACKENDS:
        if issubclass(import_string(path), ModelBackend):
            return path
    return settings.AUTHENTICATION_BACKENDS[0]


@require_GET
def suite_callback(request, source: str):
    """Where the suite sends the browser back: check the state, exchange the code for the
    suite's userid, find (or add) the person, log them in."""
    source = _source_or_404(source)
    name = suite_name(source)
    started = suite_login_flow.state_take(request, source, request.GET.get("state", ""))
    if started is None:
        return _refused(request, source, _("This login was not started here, or it has expired. Please start it again."), status=400)
    inapp = source == "dingtalk" and "code" in request.GET and "authCode" not in request.GET
    code = request.GET.get("authCode" if source == "dingtalk" and not inapp else "code", "")
    if not code or len(code) > 512:
        return _refused(request, source, _("%(suite)s did not say who logged in (the login was cancelled).") % {"suite": name}, status=400)
    client = suite_client(source)
    if client is None or not suite_login_flow.login_ready(source):
        raise Http404
    try:
        if inapp:
            userid = client.inapp_userid(code)
        else:
            userid = client.login_userid(code, suite_login_flow.callback_url(request, source))
    except SuiteError as exc:
        return _refused(request, source, _("%(suite)s could not be asked who you are: %(error)s") % {"suite": name, "error": exc}, status=502)
    if not userid:
        return _refused(request, source, _("%(suite)s says you are not a member of this company.") % {"suite": name})
    try:
        person = suite_login_person(source=source, userid=userid)
    except LoginRefused as exc:
        return _refused(request, source, str(exc))
    login(request, person, backend=_login_backend())
    request.session.pop(suite_login_flow.TRIED_KEY, None)
    return redirect(started.get("next") or settings.LOGIN_REDIRECT_URL)
