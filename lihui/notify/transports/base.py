"""The channel contract: `send(message)` returns on success or raises TransportError,
which says whether trying again could help."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from lihui.notify import http

if TYPE_CHECKING:
    from lihui.notify.models import Message


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
            raise TransportError(f"HTTP {response.status}: not JSON: {response.body[:200]!r}") from None
        code, text = self.error_code(data if isinstance(data, dict) else {})
        if code == 0:
            return
        error = f"{self.name} errcode {code}: {text}"[:500]
        if code in self.rate_limit_codes:
            raise TransportError(error, retry_after=self.rate_limit_codes[code])
        # A bad key or signature will not heal by retrying; anything unknown is retried
        # with backoff until the attempt limit.
        raise TransportError(error, permanent=code in self.permanent_codes)


def check_status(response: http.Response) -> None:
    if response.status < 300:
        return
    error = f"HTTP {response.status}: {response.body[:200].decode('utf-8', 'replace')}"
    if response.status == 429:
        try:
            retry_after = float(response.headers.get("Retry-After", "60"))
        except ValueError:
            retry_after = 60.0
        raise TransportError(error, retry_after=retry_after)
    if response.status in (408, 425) or response.status >= 500:
        raise TransportError(error)
    raise TransportError(error, permanent=True)
