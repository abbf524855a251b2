from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "lihui.reports"
    label = "reports"
    verbose_name = _("Department reports")

    def ready(self):
        from lihui import events

        from .selectors import kpis_for_departments

        events.department_kpis.provide(kpis_for_departments, app="reports")
