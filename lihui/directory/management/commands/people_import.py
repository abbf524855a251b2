"""Import people from an .xlsx or .csv file: the preview's summary and every row error,
then (without --dry-run) the import itself — refused, with nothing written, while any row
has an error. The same code as the admin page and the API (lihui/directory/imports.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lihui.directory import imports
from lihui.directory.models import SyncReport
from lihui.people.models import Person


class Command(BaseCommand):
    help = "Import people from an .xlsx or .csv file (工号, 姓名, 部门 …): preview, then apply unless --dry-run."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
        parser.add_argument("--actor", metavar="USERNAME", help="the admin the sync report names as having imported it")

    def handle(self, *args, file: str, dry_run: bool, actor: str | None, **options):
        self.verbosity = options.get("verbosity", 1)
        person = None
        if actor:
            person = Person.objects.filter(username=actor).first()
            if person is None:
                raise CommandError(_("No such person: %(ids)s.") % {"ids": actor})
        path = Path(file)
        try:
            if path.stat().st_size > imports.MAX_BYTES:  # refused before it is read into memory
                data = b"\0" * (imports.MAX_BYTES + 1)
            else:
                data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("The file cannot be read: %(error)s") % {"error": exc.strerror or exc}) from exc

        preview = imports.import_preview(data, file_name=path.name)
        self._summary(preview)
        if preview.has_errors:
            raise CommandError(_("The file has errors, so nothing was imported. Fix the file and upload it again."))
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
            return
        preview, report = imports.import_apply(data, actor=person, file_name=path.name)
        if report is None:  # the company changed since the preview a moment ago
            self._summary(preview)
            raise CommandError(_("The file has errors, so nothing was imported. Fix the file and upload it again."))
        if report.status != SyncReport.Status.DONE:
            raise CommandError(_("The import failed and changed nothing: %(error)s") % {"error": report.error})
        self.stdout.write(self.style.SUCCESS(_("Imported: sync report %(id)d.") % {"id": report.pk}))

    def _summary(self, preview: imports.ImportPreview) -> None:
        counts = preview.counts()
        self.stdout.write(
            _("%(rows)d rows: %(created)d new, %(changed)d changed, %(unchanged)d unchanged, %(error)d with errors; "
              "%(departments)d departments to create.")
            % {**counts, "departments": counts["departments_created"]}
        )  # fmt: skip
        if counts["reactivated"]:
            self.stdout.write(_("%(n)d people come back (reactivated).") % {"n": counts["reactivated"]})
        for path in preview.departments_created:
            self.stdout.write(f"  + {path}")
        for error in preview.errors:
            self.stderr.write(error)
        for row in preview.rows:
            if self.verbosity >= 2 and row.action in ("created", "changed", "reactivated"):
                changes = "; ".join(f"{f}: {b} → {a}" if b else f"{f}: {a}" for f, b, a in row.fields)
                self.stdout.write(f"  {row.row} {row.employee_number} {row.name} [{row.action}] {changes}")
            if row.errors:
                who = " ".join(x for x in (row.employee_number, row.name) if x)
                label = _("Row %(n)s") % {"n": row.row}
                self.stderr.write(f"{label} ({who}): " + " ".join(row.errors) if who else f"{label}: " + " ".join(row.errors))
