"""The channel contract: `send(message)` returns on success or raises TransportError,
which says whether trying again could help."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import TYPE_CHECKING

from lihui.notify import http

if TYPE_CHECKING:
    from lihui.notify.models import Message

log = logging.getLogger("lihui.notify")


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after  # seconds; set for rate limits


class Transport:
    name = ""

    def send(self, message: Message) -> None:
        raise NotImplementedError


def utf8_truncate(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, never cutting a character in half."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


class RobotTransport(Transport):
    """Group robots: JSON POST, answer HTTP 200 with an error code in the body."""

    permanent_codes: frozenset[int] = frozenset()
    rate_limit_codes: dict[int, float] = {}  # code → seconds to wait
    # What a code means, in our words: the error the chair reads never quotes the answer
    # (whoever runs the URL writes it); the vendor's own text goes to the server log.
    code_notes: dict[int, str] = {}

    def post(self, url: str, payload: dict, headers: dict[str, str] | None = None) -> http.Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            response = http.post(url, body=body, headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
        except http.HttpError as e:
            raise TransportError(str(e), permanent=e.permanent) from e
        check_status(response)
        self.check_code(response)
        return response

    def error_code(self, data: dict) -> tuple[int, str]:
        return int(data.get("errcode", 0) or 0), str(data.get("errmsg", ""))

    def check_code(self, response: http.Response) -> None:
        try:
            data = json.loads(response.body or b"{}")
        except ValueError:
            log.info("%s answered HTTP %s, not JSON: %r", self.name, response.status, response.body[:200])
            raise TransportError(f"HTTP {response.status}: the answer is not JSON") from None
        try:
            code, text = self.error_code(data if isinstance(data, dict) else {})
        except (TypeError, ValueError):
            log.info("%s answered an error code that is not a number: %r", self.name, response.body[:200])
            raise TransportError(f"HTTP {response.status}: the answer has no valid error code") from None
        if code == 0:
            return
        log.info("%s errcode %s: %s", self.name, code, text[:500])
        note = self.code_notes.get(code)
        error = f"{self.name} errcode {code}" + (f" ({note})" if note else "")
        if code in self.rate_limit_codes:
            raise TransportError(error, retry_after=self.rate_limit_codes[code])
        # A bad key or signature will not heal by retrying; anything unknown is retried
        # with backoff until the attempt limit.
        raise TransportError(error, permanent=code in self.permanent_codes)


def check_status(response: http.Response) -> None:
    if response.status < 300:
        return
    # A status and its standard phrase, never the answer's body: behind the URL may be any
    # server, and this text is shown to the chair. The body goes to the server log.
    log.info("HTTP %s answered: %r", response.status, response.body[:200])
    try:
        error = f"HTTP {response.status} {HTTPStatus(response.status).phrase}"
    except ValueError:
        error = f"HTTP {response.status}"
    if response.status == 429:
        try:
            retry_after = float(response.headers.get("Retry-After", "60"))
        except ValueError:
            retry_after = 60.0
        raise TransportError(error, retry_after=retry_after)
    if response.status in (408, 425) or response.status >= 500:
        raise TransportError(error)
    raise TransportError(error, permanent=True)
