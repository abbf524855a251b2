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

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from lihui.idempotency.services import idempotency_keys_purge
from lihui.meetings.services.planning import meetings_extend_horizon
from lihui.notices.services import notices_run
from lihui.notify.services import deliver_due
from lihui.ops.heartbeat import heartbeat_record
from lihui.search.services import search_refresh
from lihui.surveys.services import surveys_release_closed

log = logging.getLogger("lihui.worker")


def run_pass(name: str, work, done: str | None = None) -> None:
    """One step of a pass: log what it did (when `done` says how and it did something), or
    log its failure and go on."""
    try:
        result = work()
    except Exception:
        log.exception("%s pass failed", name)
        return
    if done and result:
        log.info(done, result)


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
            # /healthz reads the heartbeat. A bad pass must not kill the worker: it is logged
            # and the next pass retries.
            run_pass("heartbeat", lambda: heartbeat_record(name=worker_name))
            run_pass("planning", meetings_extend_horizon, "extended the plan of %d series")
            run_pass("indexing", lambda: search_refresh(limit=500), "indexed %d meetings for search")
            run_pass("idempotency key purge", idempotency_keys_purge)
            run_pass("survey close", surveys_release_closed, "wrote %d waiting answers of closed surveys")
            if settings.LIHUI_NOTIFY_ENABLED:
                run_pass("notices", notices_run, "queued notices: %s")
                run_pass("delivery", lambda: deliver_due(worker=worker_name, limit=200), "delivered %d messages")
            if once or self.stopping:
                return
            for _ in range(settings.LIHUI_WORKER_INTERVAL_SECONDS):
                if self.stopping:
                    return
                time.sleep(1)
