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
        1 / 0
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
