"""Repair phantom past meetings: `manage.py meetings_repair [--dry-run]`.

Before series_create planned from the first meeting not yet started, a series created with
a start date in the past got every past occurrence as a "scheduled" meeting nobody ran
(第 360 次 for a series started in 2020). This removes those that hold nothing a person
wrote and renumbers the rest, so the first real meeting is 第 1 次."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from lihui.meetings.services.planning import meetings_phantoms, meetings_phantoms_remove


class Command(BaseCommand):
    help = "Remove meetings planned before their series existed and never run, and renumber."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, dry_run: bool = False, **options):
        found = meetings_phantoms().count()
        if dry_run:
            self.stdout.write(f"{found} phantom past meetings found (nothing changed).")
            return
        with transaction.atomic():
            removed = meetings_phantoms_remove()
        self.stdout.write(f"{removed} phantom past meetings removed; numbers and minute-takers reassigned.")
