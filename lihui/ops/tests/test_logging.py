import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from django.test import RequestFactory

from lihui.ops.logging import JsonFormatter

ROOT = Path(__file__).resolve().parents[3]


def test_one_json_object_per_line_with_exc_info():
    logger = logging.getLogger("lihui.test_json")
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "failed %s\nsecond line", ("任务",), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "lihui.test_json"
    assert entry["message"] == "failed 任务\nsecond line"
    assert "ZeroDivisionError" in entry["exc_info"]
    assert entry["time"].endswith("+00:00")


def test_request_fields():
    request = RequestFactory().get("/series/", HTTP_X_REQUEST_ID="abc-123")
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/series/",), None)
    record.request, record.status_code = request, 404
    entry = json.loads(JsonFormatter().format(record))
    assert entry | {"time": None} == {
        "time": None, "level": "WARNING", "logger": "django.request", "message": "Not Found: /series/",
        "method": "GET", "path": "/series/", "request_id": "abc-123", "status": 404,
    }


def test_log_format_json_switches_the_console_handler():
    code = "import django, logging; django.setup(); logging.getLogger('lihui.worker').warning('你好 %d', 3)"
    env = {**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "lihui.settings"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert [json.loads(line)["message"] for line in lines] == ["你好 3"]
    env["LOG_FORMAT"] = "text"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.stderr.strip() == "你好 3"


def test_a_refusal_is_one_log_line_without_a_traceback(cast, caplog):
    """A 403 is an answer, not a fault: Django logs it with the exception's traceback, which
    buried real errors under every refused click."""
    from django.test import Client

    client = Client()
    client.force_login(cast.presenter)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(f"/series/{cast.series.pk}/audit/").status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.status_code == 403 and record.exc_info is None and record.exc_text is None
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback(caplog):
    from django.http import HttpResponse
    from django.utils.log import log_response

    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            log_response("Internal Server Error: %s", "/x", response=HttpResponse(status=500), request=RequestFactory().get("/x"), exception=exc)
    assert "Traceback" in caplog.text and "boom" in caplog.text
