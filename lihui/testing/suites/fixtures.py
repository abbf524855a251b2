"""pytest fixtures for tests that talk to the suites: `suite_server` (the local server with the
sample company, Lihui's settings pointed at it, pacing off and retry pauses short) and
`suites` (all three apps entered as an admin would). Import them into a test module."""

from __future__ import annotations

import pytest

from .directory import sample_company
from .server import SuiteServer


@pytest.fixture
def suite_server(settings):
    server = SuiteServer(sample_company()).start()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    settings.LIHUI_SUITES_MIN_INTERVAL = {"wecom": 0.0, "dingtalk": 0.0, "feishu": 0.0}
    settings.LIHUI_SUITES_RETRY_SECONDS = 0.01
    settings.LIHUI_SUITES_HTTP_TIMEOUT = 2
    settings.LIHUI_WECOM_SECRET = settings.LIHUI_DINGTALK_SECRET = settings.LIHUI_FEISHU_SECRET = ""
    try:
        yield server
    finally:
        server.stop()


def configure_suites(server, sources=("wecom", "dingtalk", "feishu")):
    from lihui.directory.models import SuiteApp

    c = server.credentials
    rows = {
        "wecom": {"corp_id": c.wecom_corp_id, "agent_id": c.wecom_agent_id, "secret": c.wecom_secret},
        "dingtalk": {"app_key": c.dingtalk_app_key, "corp_id": c.dingtalk_corp_id, "agent_id": c.dingtalk_agent_id, "secret": c.dingtalk_secret},
        "feishu": {"app_key": c.feishu_app_id, "secret": c.feishu_secret},
    }
    return {s: SuiteApp.objects.update_or_create(source=s, defaults=rows[s])[0] for s in sources}


@pytest.fixture
def suites(db, suite_server):
    return configure_suites(suite_server)
