"""What every browser test shares: Debian's chromium driven by Playwright's sync API
against pytest-django's live server (`playwright install` is never needed), fresh browser
contexts per person, navigation helpers that insist on HTTP 200, screenshots into
<repo>/screenshots/, and page texts compared with Django's own gettext (true whether or not
the catalogs are compiled)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PASSWORD = "pw"  # PersonFactory's

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (make browser-deps)"),
]


def zh(message: str, **params) -> str:
    """What the page shows in Simplified Chinese, whether or not the catalog is compiled."""
    with translation.override("zh-hans"):
        text = gettext(message)
    return text % params if params else text


class Shots:
    """Full-page screenshots named <prefix>-<nn>-<step>.png."""

    def __init__(self, prefix: str):
        self.prefix, self.n = prefix, 0
        SCREENSHOTS.mkdir(exist_ok=True)

    def __call__(self, page, step: str) -> Path:
        self.n += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.n:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def launch_chromium(playwright):
    """Debian's chromium. Under bin/test-shifted it runs on the real clock (it stalls under
    libfaketime); `shift_page_clock` gives each page the shifted one."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")} if os.environ.get("LIHUI_SHIFTED_CLOCK") else None
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)


def shift_page_clock(context) -> None:
    """Under bin/test-shifted: the server's clock in the pages, ticking from now (or from the
    moment a test has frozen). Elsewhere the pages keep the browser's own clock."""
    if os.environ.get("LIHUI_SHIFTED_CLOCK"):
        context.clock.install(time=time.time())


def browser_pages(live_server, monkeypatch):
    """Generator for a fixture: yields `open_page(width=1280, height=900)`, which opens a page
    in a fresh browser context (separate cookies: separate people), one chromium for all."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM refuses to run
    # next to one unless told it is safe (the live server has its own thread).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = launch_chromium(p)
        contexts = []

        def open_page(width: int = 1280, height: int = 900):
            context = browser.new_context(
                base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                viewport={"width": width, "height": height}, accept_downloads=True,
            )  # fmt: skip
            context.set_default_timeout(TIMEOUT_MS)
            context.set_default_navigation_timeout(TIMEOUT_MS)
            shift_page_clock(context)
            contexts.append(context)
            return context.new_page()

        try:
            yield open_page
        finally:
            for context in contexts:
                context.close()
            browser.close()


def follow(page, selector_or_locator, url) -> None:
    """Click and wait for the page it leads to (after any redirect), which must answer 200."""
    target = page.locator(selector_or_locator) if isinstance(selector_or_locator, str) else selector_or_locator
    with page.expect_navigation(url=url) as navigation:
        target.click()
    response = navigation.value
    status = response.status if response else None
    body = page.locator("body").inner_text()[:200]
    assert status == 200, f"{selector_or_locator} led to HTTP {status} at {page.url}: {body!r}"


def goto(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url} answered {response and response.status}"


def log_in(page, person) -> None:
    """Open the site like a user: the dashboard sends us to the login form, then back."""
    page.goto("/")
    page.wait_for_url(re.compile(r"/login/\?next=/$"))
    page.fill("#id_username", person.username)
    page.fill("#id_password", PASSWORD)
    follow(page, "main form button[type=submit]", re.compile(r"/$"))
