"""Browser test (issue 16, list 6): at 360 px the meeting agenda with a 200-character title,
the agenda template and the KPI page fit the screen (no horizontal scroll), the long title
wraps and the presenter column keeps a readable width."""

from __future__ import annotations

import pytest

from lihui.meetings.services.agenda import agenda_ensure
from lihui.testing.factories import DepartmentFactory, PersonFactory, make_series

sync_api = pytest.importorskip("playwright.sync_api")

from lihui.testing.browser import BROWSER_MARKS, browser_pages, goto, log_in  # noqa: E402

pytestmark = BROWSER_MARKS

LONG = "双十一大促期间仓储、物流与客服三方协同的应急预案评审及人员排班调整" * 6  # 200 characters


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def _lines(locator) -> int:
    """How many lines the element's text takes (one client rect per line box)."""
    return locator.evaluate(
        """e => { const r = document.createRange(); r.selectNodeContents(e);
        return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size }"""
    )


def _fits_width(page, viewport: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)
        .slice(0, 40).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + getComputedStyle(e).gridTemplateColumns + ' ' + (e.textContent||'').trim().slice(0,30))"""
    )
    assert width <= 360, f"{page.url} is {width}px wide at a 360px viewport: {wide}"


def test_agenda_template_and_kpi_pages_fit_360px(new_page):
    chair = PersonFactory(username="zhou", name="周云")
    presenter = PersonFactory(name="欧阳娜娜")
    DepartmentFactory(name="仓储部", head=chair)
    series = make_series(chair=chair, roster=[(presenter, "minute_taker")])
    meeting = series.meetings.order_by("start").last()
    agenda_ensure(meeting=meeting)
    item = meeting.items.order_by("position").first()
    item.title, item.presenter = LONG[:200], presenter
    item.save()
    template_row = series.agenda_template.first()
    template_row.title = LONG[:200]
    template_row.save()

    page = new_page(width=360, height=800)
    log_in(page, chair)
    goto(page, f"/meetings/{meeting.pk}/")
    _fits(page)
    row = page.locator(f'#agenda tr[data-item="{item.pk}"]')
    presenter_cell = row.locator("td").nth(2)
    title_cell = row.locator("td").nth(1)
    assert _lines(presenter_cell) <= 2  # 「汇报人 欧阳娜娜」, not one character a line
    assert _lines(title_cell.locator("strong")) > 2  # the long title wraps instead

    wide = new_page(width=1024, height=800)  # the table layout: the title wraps, the presenter column keeps its width
    log_in(wide, chair)
    goto(wide, f"/meetings/{meeting.pk}/")
    _fits_width(wide, 1024)
    row = wide.locator(f'#agenda tr[data-item="{item.pk}"]')
    assert row.locator("td").nth(2).bounding_box()["width"] >= 60
    assert _lines(row.locator("td").nth(2)) == 1
    assert _lines(row.locator("td").nth(1).locator("strong")) > 1
    goto(wide, f"/series/{series.pk}/agenda/")
    _fits_width(wide, 1024)

    goto(page, f"/series/{series.pk}/agenda/")
    _fits(page)
    goto(page, "/kpis/")
    _fits(page)
    page.fill("input[name=unit]", "%")
    page.click("form.kpi-add button")
    page.wait_for_selector('[data-testid="kpi-errors"]')
    _fits(page)
