from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "lihui.notices"
    verbose_name = _("Notices")

    def ready(self):
        from lihui import events

        from . import services as s
        from . import still_applies  # noqa: F401  (registers the send-time checks with lihui.notify)

        # The stages below announce; notices decides who hears of it (they never import us).
        events.agenda_published.connect(s.agenda_published, app="notices")
        events.agenda_fingerprint.provide(s.agenda_fingerprint, app="notices")
        events.meetings_deleting.connect(s.invitations_cancel_deleted, app="notices")
        events.meeting_ended.connect(s.meeting_ended, app="notices")
        events.action_assigned.connect(s.action_assigned, app="notices")
        events.minutes_published.connect(s.minutes_published, app="notices")
