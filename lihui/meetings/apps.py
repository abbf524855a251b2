from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "lihui.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        # The regime announces rule changes; the meetings re-plan (the regime never imports us).
        from lihui import events

        from .services.planning import meetings_series_archived, series_replan

        events.series_rules_changed.connect(series_replan, app="meetings")
        events.series_archived.connect(meetings_series_archived, app="meetings")
