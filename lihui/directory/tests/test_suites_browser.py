"""Browser test: the WeCom QR login, as people meet it, against the local suite server.

The admin enters the WeCom app at /directory/suites/ (the secret is never shown again) and syncs
now. Then 李晓芳 opens a link to the meeting series, is sent to the login page, clicks the WeCom
button, "scans" on the suite's page (the local server lists the company's people where WeCom
shows its QR code) and lands on the page she asked for, signed in. Screenshots in /tmp/shots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lihui.testing.factories import PersonFactory
from lihui.testing.suites.fixtures import suite_server  # noqa: F401

sync_api = pytest.importorskip("playwright.sync_api")

from lihui.testing.browser import BROWSER_MARKS, browser_pages, follow, goto, log_in  # noqa: E402

expect = sync_api.expect
pytestmark = BROWSER_MARKS
SHOTS = Path("/tmp/shots")


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


class Shots:
    def __init__(self):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def __call__(self, page, step: str) -> None:
        self.n += 1
        page.screenshot(path=str(SHOTS / f"h18-suites-{self.n:02d}-{step}.png"), full_page=True)


def test_wecom_qr_login(new_page, suite_server, live_server):
    shot = Shots()
    c = suite_server.credentials
    admin = PersonFactory(username="admin", name="管理员", is_staff=True, is_superuser=True)

    page = new_page()
    log_in(page, admin)
    goto(page, "/directory/suites/")
    card = page.locator('[data-testid="suite-wecom"]')
    card.locator("#id_wecom-corp_id").fill(c.wecom_corp_id)
    card.locator("#id_wecom-agent_id").fill(c.wecom_agent_id)
    card.locator("#id_wecom-secret").fill(c.wecom_secret)
    follow(page, card.locator('[data-testid="save"]'), re.compile(r"/directory/suites/$"))
    card = page.locator('[data-testid="suite-wecom"]')
    expect(card.locator('[data-testid="ready"]')).to_be_visible()
    assert c.wecom_secret not in page.content()
    assert card.locator("#id_wecom-secret").input_value() == ""
    shot(page, "admin-wecom-saved")
    follow(page, card.locator('[data-testid="sync"]'), re.compile(r"/directory/reports/\d+/$"))
    expect(page.locator("body")).to_contain_text("李晓芳")
    shot(page, "admin-sync-report")

    person = new_page(width=420, height=860)
    person.goto("/series/")
    person.wait_for_url(re.compile(r"/login/\?next=/series/$"))
    button = person.locator("a.login-wecom")
    expect(button).to_be_visible()
    shot(person, "login-page")
    with person.expect_navigation(url=re.compile(re.escape(suite_server.url) + r"/wecom-login/wwlogin/sso/login\?")):
        button.click()
    expect(person.locator("h1")).to_have_text("企业微信扫码登录")
    person.select_option('[data-testid="who"]', "lixf")
    shot(person, "wecom-scan-page")
    follow(person, '[data-testid="approve"]', re.compile(r"/series/$"))
    expect(person.locator("header .who")).to_have_text("李晓芳")
    shot(person, "signed-in")
