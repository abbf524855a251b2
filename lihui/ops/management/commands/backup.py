"""manage.py backup [--output DIR] [--archive]: the database and uploaded files, consistent
while the app runs, with a manifest of row counts and checksums (lihui/ops/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from lihui.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = ("Back up the database and MEDIA_ROOT into a timestamped directory (or .tar.gz) with a manifest; "
            "uploads in an S3 bucket (LIHUI_STORAGE=s3) are named in the manifest, not copied.")

    def add_arguments(self, parser):
        parser.add_argument("--output", help="where to put the backup (default: var/backups)")
        parser.add_argument("--archive", action="store_true", help="write one .tar.gz instead of a directory")

    def handle(self, *args, output=None, archive=False, **options):
        try:
            path = backup_create(output=output, archive=archive, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"backup written: {path}"))
