"""The table of the database cache that rate limits count in (settings.CACHES["throttle"]),
so `migrate` — and with it `make run` — is all a new box needs. With REDIS_URL set no cache
uses the database and this does nothing; `manage.py createcachetable` makes it later, if needed."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_initial")]

    # The table is not a model's: leaving it on the way back harms nothing.
    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
