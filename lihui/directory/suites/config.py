"""Which suites are set up, and with what: the SuiteApp row the admin saved, its secret
replaced by LIHUI_<SUITE>_SECRET (or _FILE) when the environment has one."""

from __future__ import annotations

from django.conf import settings

from lihui.directory.models import SuiteApp

from .base import SuiteClient, SuiteConfig
from .dingtalk import DingTalkClient
from .feishu import FeishuClient
from .wecom import WeComClient

SUITES = ("wecom", "dingtalk", "feishu")
CLIENTS: dict[str, type[SuiteClient]] = {"wecom": WeComClient, "dingtalk": DingTalkClient, "feishu": FeishuClient}
# What each suite needs besides the secret (the form asks only for these).
FIELDS = {"wecom": ("corp_id", "agent_id"), "dingtalk": ("app_key", "corp_id", "agent_id"), "feishu": ("app_key",)}
REQUIRED = {"wecom": ("corp_id", "agent_id"), "dingtalk": ("app_key",), "feishu": ("app_key",)}
ENV_SECRET = {"wecom": "LIHUI_WECOM_SECRET", "dingtalk": "LIHUI_DINGTALK_SECRET", "feishu": "LIHUI_FEISHU_SECRET"}


def env_secret(source: str) -> str:
    return getattr(settings, ENV_SECRET[source], "") or ""


def suite_app(source: str) -> SuiteApp | None:
    return SuiteApp.objects.filter(source=source).first() if source in SUITES else None


def suite_config(source: str, app: SuiteApp | None = None) -> SuiteConfig | None:
    """The suite's app when everything it needs is there, else None."""
    app = app if app is not None else suite_app(source)
    if app is None:
        return None
    secret = env_secret(source) or app.secret
    if not secret or any(not getattr(app, f).strip() for f in REQUIRED[source]):
        return None
    return SuiteConfig(source=source, corp_id=app.corp_id.strip(), app_key=app.app_key.strip(), agent_id=app.agent_id.strip(), secret=secret)


def suite_client(source: str, app: SuiteApp | None = None) -> SuiteClient | None:
    config = suite_config(source, app)
    return CLIENTS[source](config) if config else None
