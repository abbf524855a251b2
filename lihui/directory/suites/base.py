"""What the three suite clients share: the app token (cached, refreshed before it expires and
fetched again when the vendor says it expired), plain HTTP with a timeout, pacing under the
vendor's per-API limit, waiting and retrying when the limit is hit anyway, and one error type
whose message an admin can read.

HTTP goes out through `requests`, not lihui.notify.http: the directory sits below notify in
the layers, and these hosts are not typed by users — they are the vendors' fixed API hosts
(LIHUI_WECOM_API …), set by whoever deploys Lihui, so there is no intranet to guard. The
environment's HTTPS_PROXY is honoured: an intranet reaches the vendors through its proxy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Callable

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from lihui.people.models import Source

# Module-level so tests can make waiting instant.
sleep: Callable[[float], None] = time.sleep
monotonic: Callable[[], float] = time.monotonic

# A token is used until this many seconds before the vendor's expiry, then fetched anew.
REFRESH_MARGIN = 300


class SuiteError(Exception):
    """A suite could not be asked or answered with an error: the message is for the admin
    (translated, never containing the secret or a token)."""

    def __init__(self, message: str, *, code=None):
        super().__init__(message)
        self.code = code


@dataclasses.dataclass(frozen=True)
class SuiteConfig:
    source: str
    corp_id: str = ""  # WeCom corpid; DingTalk corpId (for the in-app JSAPI)
    app_key: str = ""  # DingTalk AppKey (Client ID); Feishu App ID
    agent_id: str = ""  # WeCom AgentId; DingTalk AgentId
    secret: str = dataclasses.field(default="", repr=False)

    @property
    def app_id(self) -> str:
        """The id the token is issued for (a cache key part)."""
        return self.app_key or self.corp_id


def suite_name(source: str) -> str:
    return str(Source(source).label)


class SuiteClient:
    source = ""
    # Seconds between two calls of one API: under the vendor's per-API limit (settings).
    RETRY = "retry"
    TOKEN = "token"

    def __init__(self, config: SuiteConfig, *, session: requests.Session | None = None):
        self.config = config
        self.session = session or requests.Session()
        self._last_call: dict[str, float] = {}
        self._pace_lock = threading.Lock()

    # --- to be given by each suite -------------------------------------------------------------

    def fetch_token(self) -> tuple[str, int]:
        """(token, seconds it lives), from the vendor."""
        raise NotImplementedError

    def judge(self, response: requests.Response, body: dict) -> str | SuiteError | None:
        """None when `body` is a success; RETRY (rate limited), TOKEN (token expired or
        invalid) or the SuiteError to raise otherwise."""
        raise NotImplementedError

    def authorize(self, token: str, params: dict, headers: dict) -> None:
        """Put the app token where the vendor wants it."""
        raise NotImplementedError

    # --- shared ---------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return suite_name(self.source)

    def _cache_key(self) -> str:
        digest = hashlib.sha256(f"{self.config.app_id}\0{self.config.secret}".encode()).hexdigest()[:24]
        return f"lihui:suite-token:{self.source}:{digest}"

    def token(self) -> str:
        token = cache.get(self._cache_key())
        if token:
            return token
        token, lifetime = self.fetch_token()
        cache.set(self._cache_key(), token, timeout=max(30, int(lifetime) - REFRESH_MARGIN))
        return token

    def forget_token(self) -> None:
        cache.delete(self._cache_key())

    def _pace(self, endpoint: str) -> None:
        gap = settings.LIHUI_SUITES_MIN_INTERVAL.get(self.source, 0.0)
        if not gap:
            return
        with self._pace_lock:
            wait = self._last_call.get(endpoint, -1e9) + gap - monotonic()
            if wait > 0:
                sleep(wait)
            self._last_call[endpoint] = monotonic()

    def retry_pause(self, response: requests.Response, attempt: int) -> float:
        return settings.LIHUI_SUITES_RETRY_SECONDS * (2**attempt)

    def call(self, method: str, url: str, *, endpoint: str, params: dict | None = None, json: dict | None = None,
             headers: dict | None = None, app_token: bool = True) -> dict:  # fmt: skip
        """One API call, paced; retried after a pause when rate limited (up to
        LIHUI_SUITES_RETRIES times) and once with a new token when the token expired."""
        renewed = False
        attempt = 0
        while True:
            params_, headers_ = dict(params or {}), dict(headers or {})
            if app_token:
                self.authorize(self.token(), params_, headers_)
            self._pace(endpoint)
            response = self._send(method, url, params_, json, headers_)
            body = self._json(response)
            verdict = self.judge(response, body)
            if verdict is None:
                return body
            if verdict == self.TOKEN and app_token and not renewed:
                self.forget_token()
                renewed = True
                continue
            if verdict == self.RETRY:
                if attempt < settings.LIHUI_SUITES_RETRIES:
                    sleep(self.retry_pause(response, attempt))
                    attempt += 1
                    continue
                raise SuiteError(
                    _("%(suite)s is limiting how often Lihui may call it, and still was after %(n)d retries. Try again later.")
                    % {"suite": self.name, "n": attempt}
                )
            if verdict == self.TOKEN:
                raise SuiteError(_("%(suite)s refused the app's access token twice. Check the app's credentials.") % {"suite": self.name})
            raise verdict if isinstance(verdict, SuiteError) else SuiteError(str(verdict))

    def _send(self, method, url, params, json, headers) -> requests.Response:
        timeout = settings.LIHUI_SUITES_HTTP_TIMEOUT
        try:
            return self.session.request(method, url, params=params, json=json, headers=headers, timeout=timeout, allow_redirects=False)
        except requests.Timeout:
            raise SuiteError(_("%(suite)s did not answer within %(n)d seconds.") % {"suite": self.name, "n": timeout}) from None
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise SuiteError(_("%(suite)s could not be reached (%(reason)s).") % {"suite": self.name, "reason": reason}) from None

    def _json(self, response: requests.Response) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise SuiteError(
                _("%(suite)s answered something that is not its API's JSON (HTTP %(status)d).")
                % {"suite": self.name, "status": response.status_code}
            )
        return body

    def error(self, code, message) -> SuiteError:
        """A documented error the vendor answered, for the admin to read."""
        text = _("%(suite)s answered error %(code)s: %(message)s") % {"suite": self.name, "code": code, "message": str(message)[:200]}
        return SuiteError(text, code=code)

    def unexpected(self, what: str) -> SuiteError:
        return SuiteError(_("%(suite)s answered in an unexpected shape (%(what)s).") % {"suite": self.name, "what": what})


def base_url(setting: str) -> str:
    return getattr(settings, setting).rstrip("/")


def phone(value) -> str:
    """A mainland mobile number as people type it: "+86 13800000000" and "+8613800000000" are
    13800000000 (WeCom and DingTalk send it bare, Feishu with the country code)."""
    text = str(value or "").strip()
    bare = text.removeprefix("+86").strip().removeprefix("-")
    return bare if text.startswith("+86") and len(bare) == 11 and bare.isdigit() else text


def known_managers(people: dict) -> list:
    """A line manager outside what the app may see is left unsaid, not an error."""
    return [p if p.manager_key is None or p.manager_key in people else dataclasses.replace(p, manager_key=None) for p in people.values()]


def linked_departments(source: str) -> set[str]:
    """The source's departments Lihui already knows (a one-person snapshot may name them)."""
    from lihui.people.models import DepartmentIdentity

    return set(DepartmentIdentity.objects.filter(source=source).values_list("external_id", flat=True))
