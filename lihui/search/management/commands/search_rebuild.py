"""Rebuild the archive's search index from the meetings (after a restore, or a change to
the analyzer). The app keeps serving; searches find less until it has finished."""

from django.core.management.base import BaseCommand

from lihui.search.services import search_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index of the archive."

    def handle(self, *args, **options):
        count = search_rebuild()
        self.stdout.write(f"Indexed {count} texts.")
