"""JSON lines for log collectors: LOG_FORMAT=json in the environment switches the console
handler to this formatter (lihui/settings.py, LOGGING)."""

from __future__ import annotations

import datetime as dt
import json
import logging


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and
    exc_info / stack_info when present; for Django's request logs the method, path and
    status. Never raises on odd arguments: the message is formatted as logging would."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["method"] = getattr(request, "method", None)
            entry["path"] = request.path
            request_id = getattr(request, "META", {}).get("HTTP_X_REQUEST_ID")
            if request_id:
                entry["request_id"] = request_id[:200]
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
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
