"""Sync people and departments from a company directory: `manage.py people_sync ldap`.

Reads the whole directory (lihui/directory/sources.py names the sources) and applies it in
one transaction: joiners, movers, leavers, with a sync report. A directory that cannot be
read changes nothing, records a failed report and exits non-zero with the reason.
`--dry-run` shows what would change and writes nothing. The worker runs the same sync on
its own schedule; `--scheduled` records a run from cron as scheduled rather than manual.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lihui.directory.models import SyncReport
from lihui.directory.services import sync_plan
from lihui.directory.sources import SOURCES, SourceError, directory_sync, source_reader


def summary(counts: dict) -> str:
    return _(
        "created %(created)d, changed %(changed)d, left %(deactivated)d, back %(reactivated)d, unchanged %(unchanged)d, "
        "skipped %(skipped)d; departments created %(departments_created)d, changed %(departments_changed)d"
    ) % {
        k: counts.get(k, 0)
        for k in (
            "created",
            "changed",
            "deactivated",
            "reactivated",
            "unchanged",
            "skipped",
            "departments_created",
            "departments_changed",
        )
    }


class Command(BaseCommand):
    help = "Sync people and departments from a company directory (joiners, movers, leavers), with a sync report."

    def add_arguments(self, parser):
        parser.add_argument("source", choices=sorted(SOURCES), help="the directory to read")
        parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
        parser.add_argument("--scheduled", action="store_true", help="record the run as a scheduled one (from cron)")

    def handle(self, *args, source, dry_run=False, scheduled=False, **options):
        if dry_run:
            try:
                plan = sync_plan(source_reader(source)())
            except SourceError as exc:
                raise CommandError(str(exc)) from exc
            if plan.errors:
                raise CommandError("; ".join(plan.errors))
            self.stdout.write(_("Would be: %(summary)s.") % {"summary": summary(plan.counts())})
            self._problems(plan.problems())
            return
        trigger = SyncReport.Trigger.SCHEDULE if scheduled else SyncReport.Trigger.MANUAL
        report = directory_sync(source=source, trigger=trigger)
        if report.status == SyncReport.Status.FAILED:
            raise CommandError(_("The sync failed, nothing was changed: %(error)s") % {"error": report.error})
        self.stdout.write(_("Synced: %(summary)s (report %(id)d).") % {"summary": summary(report.counts), "id": report.pk})
        self._problems(report.problems)

    def _problems(self, problems: list[dict]) -> None:
        for problem in problems:
            self.stderr.write(f"{problem['key']} {problem['name']}: {'; '.join(problem['errors'])}")
