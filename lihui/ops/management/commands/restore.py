"""manage.py restore PATH: into the configured, empty database and MEDIA_ROOT, then checked
against the manifest (lihui/ops/backup.py). On SQLite, stop the app first."""

from django.core.management.base import BaseCommand, CommandError

from lihui.ops.backup import BackupError, RestoreRefused, restore


class Command(BaseCommand):
    help = "Restore a backup (directory or .tar.gz) into the configured empty database and MEDIA_ROOT, and verify it."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--force", action="store_true", help="restore over a database that already holds people")

    def handle(self, *args, path, force=False, **options):
        try:
            report = restore(path, force=force, log=self.stdout.write)
        except RestoreRefused as exc:
            for problem in exc.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"restore refused ({len(exc.problems)} problem(s)); nothing was changed") from exc
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines:
            self.stdout.write(line)
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"restored, but {len(report.problems)} check(s) against the manifest failed")
        self.stdout.write(self.style.SUCCESS("restore verified: row counts and checksums match the manifest"))
