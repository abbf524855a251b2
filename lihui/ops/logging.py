"""JSON lines for log collectors: LOG_FORMAT=json in the environment switches the console
handler to this formatter (lihui/settings.py, LOGGING). Both formats, and gunicorn's access
log (lihui/ops/accesslog.py), mask the secrets that travel in URLs.

Imports nothing of Django: gunicorn loads it before the application."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

# A calendar feed's token is its URL's last segment (calendar apps cannot send a header), so
# a log line with the path would hold a working address; and a script may put a token in
# the query. Both are masked wherever a URL is logged.
_FEED_SEGMENT = re.compile(r"(/calendar/)[^/?#\s\"']+?(\.ics)?(?=[/?#\s\"']|$)")
_SECRET_PARAMETER = re.compile(r"((?:^|[?&;])(?:token|access_token|secret|signature|sig)=)[^&;#\s\"']*", re.IGNORECASE)
MASK = "***"


def redact_url(text: str) -> str:
    """`text` with feed tokens and secret-looking query parameters replaced by ***."""
    if "/calendar/" not in text and "=" not in text:
        return text
    text = _FEED_SEGMENT.sub(lambda m: m.group(1) + MASK + (m.group(2) or ""), text)
    return _SECRET_PARAMETER.sub(lambda m: m.group(1) + MASK, text)


class RedactSecrets(logging.Filter):
    """On the console handler, whatever the format: Django's request log says
    "Not Found: /calendar/<token>.ics" in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact_url(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and
    exc_info / stack_info when present; for Django's request logs the method, path and
    status. Never raises on odd arguments: the message is formatted as logging would."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact_url(record.getMessage()),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["method"] = getattr(request, "method", None)
            entry["path"] = redact_url(request.path)
            request_id = getattr(request, "META", {}).get("HTTP_X_REQUEST_ID")
            if request_id:
                entry["request_id"] = request_id[:200]
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exc_info"] = redact_url(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc_info"] = redact_url(record.exc_text)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 4xx is the answer to a request, not a fault of ours: Django logs refusals (403) and
    unreadable requests (400) with the exception's traceback, dozens of lines per refused
    click that bury real errors. Keep the one line (method, path, status); 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
