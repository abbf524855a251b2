"""Browser tests: a new chair sets up a weekly meeting series end to end in Chromium.

They drive Debian's chromium (/usr/bin/chromium) through Playwright's sync API against
pytest-django's live server; `playwright install` is never needed. Screenshots of every
main step land in <repo>/screenshots/ (git-ignored).

The message catalogs may or may not be compiled when this runs, so text assertions compare
the page with what Django's own gettext says in that language (true in both states), while
the language switch is checked on things that change regardless: <html lang>, the switch
button's target language, and the catalog-free date format (「2026年11月30日 周一」 / "Mon 30 Nov 2026").
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from lihui.meetings.models import Meeting
from lihui.people.models import Person
from lihui.regime.holidays import HolidayCalendar
from lihui.regime.models import CadenceWindow, Series
from lihui.templatetags_builtins import format_day
from lihui.testing.browser import CHROMIUM, launch_chromium, shift_page_clock
from lihui.testing.factories import PersonFactory

sync_api = pytest.importorskip("playwright.sync_api")

TIMEOUT_MS = 10_000
SCREENSHOTS = Path(__file__).resolve().parents[3] / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (make browser-deps)"),
]


# --- helpers -------------------------------------------------------------------------


def in_language(language: str, func, *args, **kwargs) -> str:
    with translation.override(language):
        return str(func(*args, **kwargs))


def zh(message: str, **params) -> str:
    """What the page shows in Simplified Chinese, whether or not the catalog is compiled."""
    text = in_language("zh-hans", gettext, message)
    return text % params if params else text


def en(message: str, **params) -> str:
    text = in_language("en", gettext, message)
    return text % params if params else text


def zh_day(day: dt.date) -> str:
    return in_language("zh-hans", format_day, day)


def en_day(day: dt.date) -> str:
    return in_language("en", format_day, day)


def quiet_monday() -> dt.date:
    """The next Monday with no public holiday in the four weeks from it, so the weeks this
    test works on hold no holiday moves or skips whatever day the suite runs on."""
    calendar = HolidayCalendar()
    day = timezone.localdate(timezone=ZoneInfo("Asia/Shanghai")) + dt.timedelta(days=1)  # the chair's and series' zone
    day += dt.timedelta(days=(7 - day.weekday()) % 7)
    while any(calendar.holiday_name(day + dt.timedelta(days=i)) for i in range(28)):
        day += dt.timedelta(days=7)
    return day


class Shots:
    """Full-page screenshots named <test>-<nn>-<step>.png."""

    def __init__(self, page, prefix: str):
        self.page, self.prefix, self.n = page, prefix, 0
        SCREENSHOTS.mkdir(exist_ok=True)

    def __call__(self, step: str) -> Path:
        self.n += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.n:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def page(live_server, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM refuses to run
    # next to one unless told it is safe (the live server has its own thread).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
        )
        shift_page_clock(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        pg = context.new_page()
        try:
            yield pg
        finally:
            context.close()
            browser.close()


def log_in(page, person: Person, shots: Shots | None = None) -> None:
    """Open the site like a new user: the dashboard sends us to the login form, then back."""
    page.goto("/")
    page.wait_for_url(re.compile(r"/login/\?next=/$"))
    if shots:
        shots("login")
    page.fill("#id_username", person.username)
    page.fill("#id_password", "pw")
    follow(page, "main form button[type=submit]", re.compile(r"/$"))


def follow(page, selector: str, url) -> None:
    """Click and wait for the page it leads to (after any redirect), which must answer 200."""
    with page.expect_navigation(url=url) as navigation:
        page.click(selector)
    response = navigation.value
    status = response.status if response else None
    body = page.locator("body").inner_text()[:200]
    assert status == 200, f"{selector} led to HTTP {status} at {page.url}: {body!r}"


def upcoming_rows(page):
    return page.locator("[data-testid=upcoming] tbody tr")


def row_for(page, meeting_pk: int):
    return page.locator(f'[data-testid=upcoming] tbody tr:has(a[href="/meetings/{meeting_pk}/"])')


def cells(row) -> list[str]:
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def open_meeting_from_series(page, day: dt.date) -> int:
    row = upcoming_rows(page).filter(has=page.locator("td", has_text=zh_day(day)))
    assert row.count() == 1, f"one coming meeting on {day}"
    with page.expect_navigation(url=re.compile(r"/meetings/\d+/$")) as navigation:
        row.locator("td").first.locator("a").click()
    assert navigation.value.status == 200
    return int(re.search(r"/meetings/(\d+)/$", page.url).group(1))


# --- the new user's path -------------------------------------------------------------


def test_new_chair_sets_up_a_weekly_series(page):
    chair = PersonFactory(username="zhouyun", name="周云", language="")  # language from the browser (zh-CN)
    member = PersonFactory(username="wangqiang", name="王强")
    shots = Shots(page, "series")
    monday = quiet_monday()

    # Log in and land on 我的例会.
    log_in(page, chair, shots)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("main h1").inner_text().strip() == zh("My meetings")
    assert page.locator("header nav a").first.inner_text().strip() == zh("My meetings")
    assert page.locator("[data-testid=lang-en]").get_attribute("value") == "en"
    shots("dashboard")

    # The new-series form.
    follow(page, 'main a.button.primary[href="/series/new/"]', re.compile(r"/series/new/$"))
    assert page.locator("#id_roster-0-person").input_value() == str(chair.pk), "the chair row starts with me"
    assert page.locator("#id_roster-0-role").input_value() == "chair"
    page.fill("#id_title", "运营周例会")
    page.select_option("#id_frequency", "weekly")
    page.fill("#id_interval", "1")
    for value in range(7):
        page.locator(f'input[name=weekdays][value="{value}"]').set_checked(value == 0)
    page.fill("#id_start_time", "10:00")
    page.fill("#id_duration_minutes", "45")
    page.fill("#id_start_date", monday.isoformat())
    page.locator("#id_roster-1-person_name").press_sequentially("wangq", delay=30)  # the person picker
    page.locator("#id_roster-1-person_name-list [role=option]", has_text="王强").click()
    assert page.locator("#id_roster-1-person").input_value() == str(member.pk)
    page.select_option("#id_roster-1-role", "member")
    shots("new-series-filled")

    # Save: the series page, with the cadence sentence and numbered coming meetings.
    follow(page, "form.series-form button.primary[type=submit]", re.compile(r"/series/\d+/$"))
    series = Series.objects.get(title="运营周例会")
    assert page.url.endswith(f"/series/{series.pk}/")
    assert series.weekdays == "0" and series.start_time == dt.time(10, 0) and series.duration_minutes == 45
    assert set(series.memberships.values_list("person__username", "role")) == {("zhouyun", "chair"), ("wangqiang", "member")}
    assert page.locator("main h1").inner_text().strip() == "运营周例会"
    assert page.locator("[data-testid=cadence]").inner_text().strip() == in_language("zh-hans", series.describe_cadence)
    rows = upcoming_rows(page)
    assert rows.count() >= 4
    assert rows.count() == min(30, Meeting.objects.filter(series=series).count()), "every planned meeting is listed"
    for i in range(3):
        first, date, time, *_rest = cells(rows.nth(i))
        assert first == zh("No. %(n)s", n=i + 1)
        assert date == zh_day(monday + dt.timedelta(weeks=i))
        assert time == "10:00–10:45"
    assert rows.locator(".badge.peak").count() == 0
    shots("series-created")

    # A peak window, every 2 days, through its form.
    follow(page, f'main a.button[href="/series/{series.pk}/windows/new/"]', re.compile(r"/windows/new/$"))
    window_first, window_last = monday + dt.timedelta(days=7), monday + dt.timedelta(days=13)
    page.select_option("#id_kind", "peak")
    page.fill("#id_name", "双十一")
    page.fill("#id_start_date", window_first.isoformat())
    page.fill("#id_end_date", window_last.isoformat())
    page.select_option("#id_frequency", "daily")
    page.fill("#id_interval", "2")
    shots("window-filled")
    follow(page, "main form button.primary", re.compile(rf"/series/{series.pk}/$"))
    assert CadenceWindow.objects.filter(series=series, name="双十一").count() == 1
    window_rows = rows.filter(has=page.locator(".badge.peak"))
    window_days = [window_first + dt.timedelta(days=d) for d in (0, 2, 4, 6)]
    assert window_rows.count() == len(window_days)
    assert [cells(window_rows.nth(i))[1] for i in range(window_rows.count())] == [zh_day(d) for d in window_days]
    # Numbering runs on through the window: week 1 is No. 1, the window's four are No. 2–5.
    assert [cells(window_rows.nth(i))[0] for i in range(4)] == [zh("No. %(n)s", n=n) for n in (2, 3, 4, 5)]
    assert page.locator("main section.card", has_text="双十一").count() >= 1
    shots("window-added")

    # Move the first meeting after the window to the Wednesday afternoon.
    moved_pk = open_meeting_from_series(page, monday + dt.timedelta(days=14))
    shots("meeting-detail")
    follow(page, f'main a.button[href="/meetings/{moved_pk}/move/"]', re.compile(r"/move/$"))
    moved_day = monday + dt.timedelta(days=16)
    page.fill("#id_date", moved_day.isoformat())
    page.fill("#id_start_time", "14:00")
    shots("move-filled")
    follow(page, "main form button.primary", re.compile(rf"/meetings/{moved_pk}/$"))
    follow(page, "main p.crumbs a", re.compile(rf"/series/{series.pk}/$"))
    moved_cells = cells(row_for(page, moved_pk))
    assert moved_cells[1:3] == [zh_day(moved_day), "14:00–14:45"]
    assert moved_cells[4] == zh("Changed by hand")

    # Cancel the one a week later, with a reason.
    cancelled_pk = open_meeting_from_series(page, monday + dt.timedelta(days=21))
    follow(page, f'main a.button.danger[href="/meetings/{cancelled_pk}/cancel/"]', re.compile(r"/cancel/$"))
    reason = "双十一值班，本周暂停"
    page.fill("#id_reason", reason)
    shots("cancel-filled")
    follow(page, "main form button.primary", re.compile(rf"/meetings/{cancelled_pk}/$"))
    follow(page, "main p.crumbs a", re.compile(rf"/series/{series.pk}/$"))
    cancelled_row = row_for(page, cancelled_pk)
    assert "status-cancelled" in cancelled_row.get_attribute("class")
    cancelled_cells = cells(cancelled_row)
    assert cancelled_cells[0] == "—", "a cancelled meeting is not counted"
    assert cancelled_cells[4] == reason
    moved, cancelled = Meeting.objects.get(pk=moved_pk), Meeting.objects.get(pk=cancelled_pk)
    assert moved.is_exception and moved.status == Meeting.Status.SCHEDULED
    assert cancelled.status == Meeting.Status.CANCELLED and cancelled.cancel_reason == reason and cancelled.number is None
    shots("moved-and-cancelled")

    # Switch to English with the header button, and back.
    first_date_cell = upcoming_rows(page).first.locator("td").nth(1)
    assert first_date_cell.inner_text().strip() == zh_day(monday)
    follow(page, "[data-testid=lang-en]", re.compile(rf"/series/{series.pk}/$"))
    assert page.url.endswith(f"/series/{series.pk}/"), "the switch keeps me on the page"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("[data-testid=lang-en]").count() == 0
    assert page.locator("[data-testid=lang-zh]").get_attribute("value") == "zh-hans"
    assert page.locator("header nav a").first.inner_text().strip() == en("My meetings")
    assert page.locator("[data-testid=cadence]").inner_text().strip() == in_language("en", series.describe_cadence)
    assert first_date_cell.inner_text().strip() == en_day(monday)  # 「…周一」 became "Mon …"
    chair.refresh_from_db()
    assert chair.language == "en", "the choice is kept on the person"
    shots("english")

    follow(page, "[data-testid=lang-zh]", re.compile(rf"/series/{series.pk}/$"))
    assert page.url.endswith(f"/series/{series.pk}/")
    assert page.locator("[data-testid=lang-zh]").count() == 0
    assert page.locator("[data-testid=lang-en]").get_attribute("value") == "en"
    assert page.locator("header nav a").first.inner_text().strip() == zh("My meetings")
    assert first_date_cell.inner_text().strip() == zh_day(monday)
    chair.refresh_from_db()
    assert chair.language == "zh-hans"
    shots("chinese-again")


# --- a form error ----------------------------------------------------------------------


def test_series_form_shows_field_errors_and_creates_nothing(page):
    chair = PersonFactory(username="sunli", name="孙丽", language="zh-hans")
    shots = Shots(page, "series-errors")
    log_in(page, chair)

    page.goto("/series/new/")
    page.fill("#id_title", "错误的例会")
    page.select_option("#id_frequency", "weekly")
    for value in range(7):
        page.locator(f'input[name=weekdays][value="{value}"]').set_checked(False)
    page.fill("#id_duration_minutes", "0")
    page.fill("#id_start_date", quiet_monday().isoformat())
    follow(page, "form.series-form button.primary[type=submit]", re.compile(r"/series/"))
    assert page.url.endswith("/series/new/"), "the form comes back, not a series page"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    errors = page.locator(".has-error")
    assert errors.count() >= 2
    assert page.locator("#field-duration_minutes.has-error .errors").inner_text().strip()
    assert page.locator("#field-weekdays.has-error .errors").inner_text().strip()
    assert page.locator("#id_title").input_value() == "错误的例会", "what I typed is kept"
    assert page.locator("#id_duration_minutes").input_value() == "0"
    shots("errors")
    assert Series.objects.count() == 0
    assert Meeting.objects.count() == 0
