from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "lihui.notices"
    verbose_name = _("Notices")

    def ready(self):
        from . import checks  # noqa: F401  (registers the send-time checks with lihui.notify)
