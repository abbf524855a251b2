"""The background worker: keeps every series planned to the rolling horizon, the
archive's search index in step with what meetings record, writes the waiting answers of
closed anonymous surveys, queues the notices time brings (invitations, agendas at the
lead time, reminders, daily and weekly ones) and delivers the outbox.

Several workers may run at once (each claims a series with a conditional UPDATE).
SIGTERM and Ctrl-C finish the current pass, then exit.
"""

import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from lihui.directory.ldap import ldap_sync_scheduled
from lihui.directory.suites.services import suites_sync_due
from lihui.idempotency.services import idempotency_keys_purge
from lihui.meetings.services.planning import meetings_extend_horizon
from lihui.notices.services import notices_run
from lihui.notify.services import deliver_due
from lihui.ops.heartbeat import heartbeat_record
from lihui.search.services import search_refresh
from lihui.surveys.services import surveys_release_closed

log = logging.getLogger("lihui.worker")


@dataclass(frozen=True)
class Pass:
    """One step of the worker's loop."""

    name: str  # as the failure log names it ("… pass failed")
    work: Callable[[str], Any]  # called with the worker's name
    done: str | None = None  # what it did, %-formatted with its result (logged when truthy)
    notify: bool = False  # runs only with LIHUI_NOTIFY_ENABLED


# In order: /healthz reads the heartbeat first; the notices come after what they report on.
PASSES = (
    Pass("heartbeat", lambda worker: heartbeat_record(name=worker)),
    Pass("planning", lambda worker: meetings_extend_horizon(), "extended the plan of %d series"),
    Pass("indexing", lambda worker: search_refresh(limit=500), "indexed %d meetings for search"),
    Pass("idempotency key purge", lambda worker: idempotency_keys_purge()),
    Pass("survey close", lambda worker: surveys_release_closed(), "wrote %d waiting answers of closed surveys"),
    Pass("LDAP sync", lambda worker: ldap_sync_scheduled(), "LDAP sync: %s"),  # every LIHUI_LDAP_SYNC_MINUTES, when set up
    Pass("suite sync", lambda worker: suites_sync_due(), "synced the directory from the work suites: %s"),  # only those set up for it
    Pass("notices", lambda worker: notices_run(), "queued notices: %s", notify=True),
    Pass("delivery", lambda worker: deliver_due(worker=worker, limit=200), "delivered %d messages", notify=True),
)


def run_pass(step: Pass, *, worker: str) -> None:
    """Run one step: log what it did (when `done` says how and it did something), or log its
    failure and go on — a bad pass must not kill the worker, the next pass retries. How long
    it took goes to the debug log."""
    began = time.monotonic()
    try:
        result = step.work(worker)
    except Exception:
        log.exception("%s pass failed", step.name)
        return
    finally:
        log.debug("%s pass took %.3f s", step.name, time.monotonic() - began)
    if step.done and result:
        log.info(step.done, result)


class Command(BaseCommand):
    help = "Run the background worker (extends the planning horizon)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args, once=False, **options):
        self.stopping = False

        def stop(signum, frame):
            self.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        optimized = 0.0
        worker_name = f"{socket.gethostname()}:{os.getpid()}"
        while True:
            close_old_connections()
            if connection.vendor == "sqlite" and time.monotonic() - optimized > 3600:
                # SQLite plans with the statistics ANALYZE keeps; without them the board's
                # partial indexes lose to worse plans at scale. Cheap when nothing changed.
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA optimize")
                optimized = time.monotonic()
            for step in PASSES:
                if not step.notify or settings.LIHUI_NOTIFY_ENABLED:
                    run_pass(step, worker=worker_name)
            if once or self.stopping:
                return
            for _ in range(settings.LIHUI_WORKER_INTERVAL_SECONDS):
                if self.stopping:
                    return
                time.sleep(1)
