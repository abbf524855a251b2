from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "lihui.surveys"
    verbose_name = _("Surveys")

    def ready(self):
        # `meeting_end` reports the end to notices, which asks us to open the survey and
        # then sends the survey request: notices never imports this app.
        from lihui.notices.services import survey_provider_register

        from .services import survey_provider

        survey_provider_register(survey_provider)
