"""Calendar feed tokens stored as their SHA-256, like API tokens. Existing subscriptions
keep working: each clear token is hashed in place, so the URL calendar apps already hold
still matches. Going back cannot recover a token from its hash: every feed then gets a new
token (the old URLs stop working and their owners make new ones)."""

import hashlib
import secrets

from django.db import migrations, models


def hash_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("regime", "CalendarFeed")
    for feed in CalendarFeed.objects.filter(digest__isnull=True).only("pk", "token").iterator():
        feed.digest = hashlib.sha256(feed.token.encode()).hexdigest()
        feed.save(update_fields=["digest"])


def new_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("regime", "CalendarFeed")
    for feed in CalendarFeed.objects.only("pk").iterator():
        feed.token = secrets.token_urlsafe(32)
        feed.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [("regime", "0007_regimeversion")]

    operations = [
        migrations.AddField(model_name="calendarfeed", name="digest", field=models.CharField(max_length=64, null=True)),
        # Nullable first, so that going back can re-add the column before refilling it.
        migrations.AlterField(model_name="calendarfeed", name="token", field=models.CharField(max_length=64, null=True, unique=True)),
        migrations.RunPython(hash_tokens, new_tokens),
        migrations.RemoveField(model_name="calendarfeed", name="token"),
        migrations.AlterField(model_name="calendarfeed", name="digest", field=models.CharField(max_length=64, unique=True)),
    ]
