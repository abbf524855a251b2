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
from lihui.meetings.services import meetings_extend_horizon
from lihui.notices.services import notices_run
from lihui.notify.services import deliver_due
from lihui.ops.heartbeat import heartbeat_record
from lihui.search.services import search_refresh
from lihui.surveys.services import surveys_release_closed

log = logging.getLogger("lihui.worker")


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
            try:  # /healthz reads this; a failed write is logged, the pass goes on
                heartbeat_record(name=worker_name)
            except Exception:
                log.exception("heartbeat failed")
            try:
                planned = meetings_extend_horizon()
                if planned:
                    log.info("extended the plan of %d series", planned)
            except Exception:  # a bad pass must not kill the worker; the next one retries
                log.exception("planning pass failed")
            try:
                indexed = search_refresh(limit=500)
                if indexed:
                    log.info("indexed %d meetings for search", indexed)
            except Exception:
                log.exception("indexing pass failed")
            try:
                idempotency_keys_purge()
            except Exception:
                log.exception("idempotency key purge failed")
            try:
                released = surveys_release_closed()
                if released:
                    log.info("wrote %d waiting answers of closed surveys", released)
            except Exception:
                log.exception("survey close pass failed")
            if settings.LIHUI_NOTIFY_ENABLED:
                try:
                    queued = notices_run()
                    if queued:
                        log.info("queued notices: %s", queued)
                except Exception:
                    log.exception("notices pass failed")
                try:
                    delivered = deliver_due(worker=worker_name, limit=200)
                    if delivered:
                        log.info("delivered %d messages", delivered)
                except Exception:
                    log.exception("delivery pass failed")
            if once or self.stopping:
                return
            for _ in range(settings.LIHUI_WORKER_INTERVAL_SECONDS):
                if self.stopping:
                    return
                time.sleep(1)
