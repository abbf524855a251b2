from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "lihui.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        # The regime announces rule changes; the meetings re-plan (the regime never imports us).
        from lihui import events

        from .services.agenda import agenda_reheaded
        from .services.planning import meetings_people_left, meetings_series_archived, series_replan

        events.series_rules_changed.connect(series_replan, app="meetings")
        events.series_archived.connect(meetings_series_archived, app="meetings")
        # The directory announces leavers and new department heads.
        events.people_left.connect(meetings_people_left, app="meetings")
        events.departments_reheaded.connect(agenda_reheaded, app="meetings")
