import datetime as dt
import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.utils import timezone

from lihui.ops.heartbeat import heartbeat_record, worker_max_age_seconds
from lihui.ops.models import WorkerHeartbeat
from lihui.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


def get_health():
    response = Client().get("/healthz")
    return response, json.loads(response.content)


def test_fresh_heartbeat_is_healthy_in_one_query(django_assert_num_queries):
    heartbeat_record(name="host:1", now=timezone.now() - dt.timedelta(seconds=5))
    with django_assert_num_queries(1):
        response, body = get_health()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    assert body["database"] == "ok" and body["status"] == "ok"
    assert body["worker"]["ok"] is True
    assert 4 <= body["worker"]["age_seconds"] < 60
    assert dt.datetime.fromisoformat(body["worker"]["last_seen"])
    assert "host:1" not in response.content.decode()  # nothing about the machines


def test_stale_or_missing_heartbeat_is_503(settings):
    settings.LIHUI_HEALTH_WORKER_MAX_AGE_SECONDS = None
    settings.LIHUI_WORKER_INTERVAL_SECONDS = 10
    assert worker_max_age_seconds() == 90
    response, body = get_health()
    assert response.status_code == 503 and body["worker"] == {"last_seen": None, "age_seconds": None, "ok": False, "max_age_seconds": 90}
    heartbeat_record(name="old", now=timezone.now() - dt.timedelta(seconds=91))
    response, body = get_health()
    assert response.status_code == 503 and body["database"] == "ok" and body["worker"]["ok"] is False
    heartbeat_record(name="new")  # another worker is alive: the freshest counts
    assert get_health()[0].status_code == 200


def test_threshold_is_configurable(settings):
    settings.LIHUI_HEALTH_WORKER_MAX_AGE_SECONDS = 600
    heartbeat_record(name="w", now=timezone.now() - dt.timedelta(seconds=300))
    assert get_health()[0].status_code == 200


def test_database_down_is_503():
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("connection refused")):
        response, body = get_health()
    assert response.status_code == 503
    assert body["database"] == "unavailable"
    assert response["Retry-After"]


def test_heartbeat_is_one_row_per_worker_and_forgets_old_ones():
    now = timezone.now()
    heartbeat_record(name="gone", now=now - dt.timedelta(days=2))
    heartbeat_record(name="a", now=now - dt.timedelta(seconds=30))
    heartbeat_record(name="a", now=now)
    assert list(WorkerHeartbeat.objects.values_list("name", "seen_at")) == [("a", now)]


@pytest.mark.django_db(transaction=True)  # the worker closes connections left in a transaction (PostgreSQL)
def test_the_worker_writes_its_heartbeat_each_pass(settings):
    settings.LIHUI_NOTIFY_ENABLED = False
    call_command("worker", "--once")
    beat = WorkerHeartbeat.objects.get()
    assert timezone.now() - beat.seen_at < dt.timedelta(seconds=30)
    response, body = get_health()
    assert response.status_code == 200 and body["worker"]["ok"]


def test_database_error_on_a_page_is_a_friendly_503():
    client = Client(raise_request_exception=False)
    client.force_login(PersonFactory())
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("attempt to write a readonly database")):
        response = client.get("/series/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    text = response.content.decode()
    assert "暂时无法访问" in text and "Temporarily unavailable" in text
    assert "Traceback" not in text and "OperationalError" not in text
    # the database is back: the same client is served again
    assert client.get("/series/").status_code == 200


def test_other_errors_stay_500(monkeypatch):
    from lihui.ops import views

    client = Client(raise_request_exception=False)
    monkeypatch.setattr(views, "worker_status", mock.Mock(side_effect=RuntimeError("boom")))
    response = client.get("/healthz")
    assert response.status_code == 500
    assert "出错了" in response.content.decode()
