"""The worker's passes: each runs in its turn, a failing one is logged and the rest still run."""

import logging

import pytest
from django.core.management import call_command

from lihui.ops.management.commands import worker
from lihui.ops.models import WorkerHeartbeat


def test_the_passes_run_in_order_and_the_notices_only_when_enabled():
    assert [p.name for p in worker.PASSES] == [
        "heartbeat", "planning", "indexing", "idempotency key purge", "survey close", "LDAP sync", "suite sync", "notices", "delivery",
    ]  # fmt: skip
    assert [p.name for p in worker.PASSES if p.notify] == ["notices", "delivery"]


@pytest.mark.django_db(transaction=True)  # the worker closes connections left in a transaction (PostgreSQL)
def test_a_failing_pass_is_logged_and_the_others_still_run(settings, monkeypatch, caplog):
    settings.LIHUI_NOTIFY_ENABLED = True
    ran = []

    def planning_fails():
        raise RuntimeError("boom")

    monkeypatch.setattr(worker, "meetings_extend_horizon", planning_fails)
    monkeypatch.setattr(worker, "search_refresh", lambda limit: ran.append(("indexing", limit)) or 3)
    monkeypatch.setattr(worker, "deliver_due", lambda worker, limit: ran.append(("delivery", limit)) or 0)
    with caplog.at_level(logging.INFO, logger="lihui.worker"):
        call_command("worker", "--once")
    assert WorkerHeartbeat.objects.exists()  # the pass before it ran
    failed = [r for r in caplog.records if r.name == "lihui.worker" and r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failed] == ["planning pass failed"] and failed[0].exc_info
    assert ran == [("indexing", 500), ("delivery", 200)]  # the passes after it ran
    assert "indexed 3 meetings for search" in [r.getMessage() for r in caplog.records]
    assert "delivered 0 messages" not in [r.getMessage() for r in caplog.records]  # nothing done: nothing said
