# The minutes models, moved here from lihui.meetings (meetings 0009 lets go of them). State
# only: the tables keep their names (db_table) and their rows. The two content types are
# relabelled meetings → minutes, so their permissions (and any admin log) stay attached.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ('minutes', 'minutesrevision')


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    for model in MODELS:
        if not ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, 'meetings', 'minutes')


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, 'minutes', 'meetings')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('meetings', '0009_minutes_moved_to_minutes_app'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Minutes',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('state', models.CharField(choices=[('draft', 'Draft'), ('submitted', "Awaiting the chair's approval"), ('published', 'Published')], default='draft', max_length=10, verbose_name='state')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('published_at', models.DateTimeField(blank=True, help_text='the first publication; kept after later edits', null=True, verbose_name='published')),
                        ('head', models.PositiveIntegerField(default=0, help_text='number of the latest revision; 0 before the first save')),
                        ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('meeting', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='minutes', to='meetings.meeting')),
                        ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'minutes',
                        'verbose_name_plural': 'minutes',
                        'db_table': 'meetings_minutes',
                    },
                ),
                migrations.CreateModel(
                    name='MinutesRevision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField()),
                        ('text', models.TextField()),
                        ('created', models.DateTimeField(auto_now_add=True)),
                        ('comment', models.CharField(blank=True, max_length=200, verbose_name='what changed')),
                        ('published', models.BooleanField(default=False, help_text='saved while the minutes were published')),
                        ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('minutes', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revisions', to='minutes.minutes')),
                    ],
                    options={
                        'ordering': ['number'],
                        'db_table': 'meetings_minutesrevision',
                        'constraints': [models.UniqueConstraint(fields=('minutes', 'number'), name='minutes_revision_unique_number')],
                    },
                ),
            ],
            database_operations=[
                migrations.RunPython(forwards, backwards, elidable=False),
            ],
        ),
    ]
