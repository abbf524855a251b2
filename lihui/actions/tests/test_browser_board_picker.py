"""Browser test: the action board's owner filter, a person picker (lihui/static/lihui/person-picker.js).

In Simplified Chinese, the chair of a series with a few hundred colleagues in the organisation
opens the board: no <select> of everyone. She types “wq” (王强's initials), sees the suggestions
(王强 and his namesake by sound, 汪琴), clicks 王强, filters, and sees only his actions, the picker
still showing his name. Then, with the keyboard only, she picks 周云 (“zhou”, ↓, Enter) and
submits with Enter. No CSP violation or script error on the way. Screenshots in <repo>/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from lihui.actions.models import ActionItem
from lihui.meetings.models import Meeting
from lihui.testing.factories import PersonFactory, make_series

sync_api = pytest.importorskip("playwright.sync_api")

from lihui.testing.browser import BROWSER_MARKS, Shots, browser_pages, goto, log_in, zh  # noqa: E402

expect = sync_api.expect
pytestmark = BROWSER_MARKS


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def build():
    def person(username, name):
        return PersonFactory(username=username, name=name, language="zh-hans", time_zone="Asia/Shanghai")

    chair, wangqiang, wangqin = person("zhouyun", "周云"), person("wangqiang", "王强"), person("wangqin", "汪琴")
    PersonFactory.create_batch(300)  # the rest of the organisation, never listed on the board
    today = timezone.localdate()
    series = make_series(chair=chair, roster=[(wangqiang, "member"), (wangqin, "member")], title="运营周例会",
                         start_date=today - dt.timedelta(days=21))  # fmt: skip
    meeting = Meeting.objects.filter(series=series).order_by("start").first()
    for title, owner in (("整理退货数据", wangqiang), ("更新排班表", wangqin), ("复盘大促", chair), ("核对库存", wangqiang)):
        ActionItem.objects.create(series=series, meeting=meeting, title=title, owner=owner, due=today + dt.timedelta(days=3),
                                  created_by=chair)  # fmt: skip
    return chair, wangqiang


def rows(page) -> list[str]:
    return page.locator("[data-testid=action-list] tbody tr td:first-child").all_inner_texts()


def test_choosing_an_owner_with_the_person_picker(new_page):
    chair, wangqiang = build()
    shots = Shots("board-picker")
    page = new_page()
    problems = []

    def on_console(message):
        if message.type == "error" and "favicon" not in message.location.get("url", ""):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in(page, chair)
    goto(page, "/actions/?all=1&status=any")
    expect(page.locator("h1")).to_contain_text(zh("Action board"))
    assert sorted(rows(page)) == sorted(["整理退货数据", "更新排班表", "复盘大促", "核对库存"])
    assert page.locator("select[name=owner]").count() == 0
    assert page.locator("option").count() < 20
    shots(page, "board-zh")

    picker = page.locator("#owner-picker")
    expect(picker).to_have_attribute("placeholder", zh("Everyone"))
    picker.press_sequentially("wq", delay=50)
    options = page.locator("#owner-picker-list [role=option]")
    expect(options.first).to_be_visible()
    expect(options).to_have_count(2)
    assert [t.split()[0] for t in options.all_inner_texts()] == ["王强", "汪琴"]  # pinyin order: wang qiang, wang qin
    shots(page, "suggestions")
    options.filter(has_text="王强").click()
    expect(picker).to_have_value("王强")
    expect(page.locator("#owner-picker-list")).to_be_hidden()
    assert page.locator("input[type=hidden][name=owner]").input_value() == str(wangqiang.pk)

    with page.expect_navigation():
        page.get_by_role("button", name=zh("Filter")).click()
    assert f"owner={wangqiang.pk}" in page.url
    assert sorted(rows(page)) == ["整理退货数据", "核对库存"]
    expect(page.locator("#owner-picker")).to_have_value("王强")
    assert page.locator("[data-testid=filter-errors]").count() == 0
    shots(page, "filtered")
    # the sort links keep the owner
    href = page.locator("[data-testid=action-list] thead a").first.get_attribute("href")
    assert f"owner={wangqiang.pk}" in href and "owner_name" not in href

    # The keyboard alone: type over the name, ↓, Enter chooses, Enter again filters.
    picker = page.locator("#owner-picker")
    picker.fill("")
    picker.press_sequentially("zhou", delay=50)
    expect(page.locator("#owner-picker-list [role=option]").first).to_be_visible()
    assert page.locator("input[type=hidden][name=owner]").input_value() == ""  # the text no longer names 王强
    picker.press("ArrowDown")
    expect(page.locator("#owner-picker-list [aria-selected=true]")).to_contain_text("周云")
    picker.press("Enter")
    expect(picker).to_have_value("周云")
    with page.expect_navigation():
        picker.press("Enter")
    assert f"owner={chair.pk}" in page.url
    assert rows(page) == ["复盘大促"]
    assert re.search(r"owner_name=%E5%91%A8%E4%BA%91", page.url)
    assert not problems, problems
