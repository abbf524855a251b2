# The minutes models moved to lihui.minutes (its 0001_initial takes them over). State only:
# the tables meetings_minutes and meetings_minutesrevision and their rows stay as they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0008_history_deputy_amendment'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='MinutesRevision'),
                migrations.DeleteModel(name='Minutes'),
            ],
            database_operations=[],
        ),
    ]
