"""Deliver due messages from the outbox (the worker does this every pass too).

`--until-empty` keeps going until nothing is pending or being sent, waiting out retries
and the leases of crashed workers; used by tests and after a restore."""

import os
import socket
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from lihui.notify.models import Message
from lihui.notify.services import deliver_due


class Command(BaseCommand):
    help = "Deliver due messages (e-mail and group robots)."

    def add_arguments(self, parser):
        parser.add_argument("--until-empty", action="store_true", help="run until no message is pending or sending")
        parser.add_argument("--limit", type=int, default=50)

    def handle(self, *args, until_empty=False, limit=50, **options):
        worker = f"{socket.gethostname()}:{os.getpid()}"
        total = 0
        while True:
            close_old_connections()
            claimed = deliver_due(worker=worker, limit=limit)
            total += claimed
            if not until_empty:
                break
            if not claimed:
                if not Message.objects.filter(state__in=[Message.State.PENDING, Message.State.SENDING]).exists():
                    break
                time.sleep(0.2)
        self.stdout.write(f"delivered {total}")
