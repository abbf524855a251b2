from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegimeConfig(AppConfig):
    name = "lihui.regime"
    label = "regime"
    verbose_name = _("Regime")

    def ready(self):
        # The directory announces leavers; the rosters drop them (the directory never imports us).
        from lihui import events

        from .services import roster_drop_leavers

        events.people_left.connect(roster_drop_leavers, app="regime")
