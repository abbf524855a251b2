from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "lihui.directory"
    label = "directory"
    verbose_name = _("Company directory")

    def ready(self):
        from . import sso  # noqa: F401  registers the login page's SSO buttons
        from .suites import login  # noqa: F401  (the WeCom / DingTalk / Feishu login buttons)
