"""The regime document in a browser: from the series page to the document, a configuration
change makes version 2, and the comparison shows exactly what changed. Screenshots go to
screenshots/regime-*.png."""

from __future__ import annotations

import re

import pytest

from lihui.regime.models import RegimeVersion
from lihui.regime.services import series_update
from lihui.testing.browser import BROWSER_MARKS, Shots, browser_pages, follow, goto, log_in
from lihui.testing.factories import PersonFactory, make_series

pytestmark = BROWSER_MARKS


@pytest.fixture
def open_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def test_read_change_and_compare_the_regime(open_page):
    chair = PersonFactory(username="chair", name="周云")
    taker = PersonFactory(username="taker", name="孙丽")
    series = make_series(chair=chair, roster=[(taker, "minute_taker")], purpose="回顾上周经营数据\n确定下周重点", location="三楼会议室")
    shot = Shots("regime")
    page = open_page()
    log_in(page, taker)
    goto(page, f"/series/{series.pk}/")
    follow(page, "[data-testid=series-regime]", re.compile(rf"/series/{series.pk}/regime/$"))
    assert "运营周例会" in page.locator("[data-testid=regime-text] h1").inner_text()
    shot(page, "document")

    series_update(actor=chair, series=series, data={"minutes_deadline_hours": 12})
    assert RegimeVersion.objects.filter(series=series).count() == 2
    page.reload()
    assert "2" in page.locator("[data-testid=regime-version]").inner_text()
    follow(page, "[data-testid=regime-versions-card] form button", re.compile(r"/regime/compare/\?a=1&b=2$"))
    diff = page.locator("[data-testid=regime-diff]")
    assert "12" in diff.locator("ins").all_inner_texts()[-1]
    shot(page, "compare")

    goto(page, f"/series/{series.pk}/regime/?lang=en")
    assert page.locator("[data-testid=regime-unversioned]").is_visible()
    assert "1. Purpose" in page.locator("[data-testid=regime-text]").inner_text()
    shot(page, "english")
