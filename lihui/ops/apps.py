from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: backup and restore, /healthz with the worker heartbeat, JSON log lines."""

    name = "lihui.ops"
    label = "ops"
    verbose_name = _("Operations")
