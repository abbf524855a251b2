"""The worker's heartbeat and what /healthz makes of it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from lihui.ops.models import WorkerHeartbeat

# Rows of workers gone for this long are removed (each restart is a new "host:pid").
FORGET_AFTER = dt.timedelta(days=1)


def heartbeat_record(*, name: str, now: dt.datetime | None = None) -> None:
    """Upsert this worker's row (one statement) and forget long-gone workers."""
    now = now or timezone.now()
    WorkerHeartbeat.objects.bulk_create(
        [WorkerHeartbeat(name=name[:200], seen_at=now)],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["seen_at"],
    )
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()


def worker_max_age_seconds() -> int:
    configured = getattr(settings, "LIHUI_HEALTH_WORKER_MAX_AGE_SECONDS", None)
    if configured:
        return int(configured)
    return 3 * settings.LIHUI_WORKER_INTERVAL_SECONDS + 60


def worker_status(*, now: dt.datetime | None = None) -> dict:
    """The freshest heartbeat of any worker: one query."""
    now = now or timezone.now()
    last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    max_age = worker_max_age_seconds()
    if last is None:
        return {"last_seen": None, "age_seconds": None, "ok": False, "max_age_seconds": max_age}
    age = max(0.0, (now - last).total_seconds())
    return {"last_seen": last.isoformat(), "age_seconds": round(age, 1), "ok": age <= max_age, "max_age_seconds": max_age}
