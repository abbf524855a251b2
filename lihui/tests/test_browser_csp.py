"""The Content-Security-Policy breaks nothing: key pages (with htmx, the live timer's
polling, the SVG charts, the API docs) load in Chromium without a refused resource or a
script error. CSP refusals only show in the console, so that is what is collected."""

from __future__ import annotations

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

from lihui.testing.browser import BROWSER_MARKS, browser_pages, goto, log_in  # noqa: E402

pytestmark = BROWSER_MARKS


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def test_key_pages_run_under_the_policy_without_console_errors(cast, new_page):
    meeting = cast.series.meetings.order_by("start").first()
    page = new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
    page.on("requestfailed", lambda request: problems.append(f"{request.url}: {request.failure}"))
    page.on("response", lambda r: problems.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    log_in(page, cast.chair)

    for url in ("/", f"/meetings/{meeting.pk}/", f"/meetings/{meeting.pk}/live/", "/health/", "/api/v1/docs"):
        goto(page, url)
        response = page.request.get(url)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_timeout(2500 if "/live/" in url else 500)  # the live page polls after 2 s
        if url != "/api/v1/docs":
            assert page.evaluate("() => typeof window.htmx") == "object", url

    problems = [p for p in problems if "Failed to load resource" not in p]  # each is a response above
    assert not [p for p in problems if "Refused" in p or "Content Security Policy" in p], problems
    assert not problems, problems
