"""The health page in Chromium, in Chinese, with twelve weeks of data: every chart sits next
to its table, text in the charts is real text (CJK glyphs, not boxes), the period selector
works and a CSV downloads. Screenshots in <repo>/screenshots/health-*.png."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from lihui.actions.models import Decision
from lihui.meetings.models import Meeting
from lihui.people.models import Department
from lihui.reports.models import Kpi, KpiValue, Report
from lihui.surveys.models import Respondent, Response, Survey

from .builders import Team, action, attend, item, minutes

sync_api = pytest.importorskip("playwright.sync_api")

from lihui.testing.browser import BROWSER_MARKS, Shots, browser_pages, goto, log_in  # noqa: E402

pytestmark = BROWSER_MARKS


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def twelve_weeks() -> Team:
    today = timezone.localdate()
    team = Team(title="华东运营周例会", start_date=today - dt.timedelta(weeks=12, days=today.weekday()))
    dept = Department.objects.create(name="华东销售部", head=team.a)
    kpi = Kpi.objects.create(department=dept, name="订单准时发货率", unit="%")
    rnd = random.Random(6)
    people = [team.chair, team.taker, team.a, team.b]
    for n, m in enumerate(team.series.meetings.filter(start__lt=timezone.now() - dt.timedelta(days=1)).order_by("start")):
        late = rnd.choice([0, 2, 4, 8, 12])
        over = rnd.choice([0, 3, 10, 18])
        Meeting.objects.filter(pk=m.pk).update(
            status="held", agenda_published_at=m.start - dt.timedelta(hours=rnd.choice([30, 26, 12])),
            actual_start=m.start + dt.timedelta(minutes=late), actual_end=m.end + dt.timedelta(minutes=over),
        )  # fmt: skip
        for p in people:
            attend(m, p, "absent" if (p == team.b and 3 <= n <= 6) else rnd.choice(["present", "present", "late", "remote"]))
        rep = item(m, "report", seconds=rnd.randint(900, 1800), presenter=team.a)
        Report.objects.create(item=rep, department=dept, submitted_at=m.start - dt.timedelta(hours=rnd.choice([3, -1])))
        KpiValue.objects.create(report=Report.objects.get(item=rep), kpi=kpi, target=98, actual=rnd.choice([93, 95.5, 97, 98.4, 99]))
        item(m, "discussion", seconds=rnd.randint(300, 1200))
        item(m, "decision", seconds=rnd.randint(120, 600))
        item(m, "opening", seconds=180)
        d = Decision.objects.create(meeting=m, text="决议")
        for k in range(rnd.randint(1, 3)):
            done = rnd.random() < 0.7
            action(m, rnd.choice(people), due=(m.start + dt.timedelta(days=7)).date(), decision=d if k == 0 else None,
                   status="done" if done else "open", closed_at=m.start + dt.timedelta(days=rnd.randint(1, 10)) if done else None)  # fmt: skip
        minutes(m, m.end + dt.timedelta(hours=rnd.choice([4, 20, 30])))
        survey = Survey.objects.create(meeting=m, opened_at=m.end, closes_at=m.end + dt.timedelta(days=3), invited=4)
        for p in people[: rnd.randint(1, 4)]:
            Respondent.objects.create(survey=survey, person=p)
            Response.objects.create(survey=survey, purpose_clear=rnd.randint(3, 5), time_well_used=rnd.randint(2, 5),
                                    outcomes_useful=rnd.randint(3, 5), discussion_open=rnd.randint(3, 5), overall=rnd.randint(3, 5))  # fmt: skip
    return team


def test_health_page_in_chinese(new_page):
    team = twelve_weeks()
    shots = Shots("health")
    page = new_page(width=1366, height=900)
    log_in(page, team.chair)
    goto(page, f"/series/{team.series.pk}/health/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    shots(page, "series-12w")
    charts = page.locator("svg.chart")
    assert charts.count() >= 9
    # Chart and table side by side on a wide screen.
    pair = page.locator('[data-testid="measure-compliance"] .health-pair')
    chart_box = pair.locator(".charts").bounding_box()
    table_box = pair.locator(".table-wrap").bounding_box()
    assert table_box["x"] > chart_box["x"] + chart_box["width"] - 1
    # Chinese in the charts is text in the page's CJK font.
    kpi_chart = page.locator('[data-testid="measure-kpis"] svg.chart').first
    assert "华东销售部" in kpi_chart.locator("title").first.text_content()
    family = page.evaluate("() => getComputedStyle(document.querySelector('svg.chart text')).fontFamily")
    assert "Noto Sans CJK SC" in family
    page.locator('[data-testid="health-periods"] a').nth(1).click()
    page.wait_for_url("**period=6m")
    assert page.locator('[data-testid="measure-load"] table tbody tr').count() == 6
    with page.expect_download() as download:
        page.locator('[data-testid="csv-actions"]').click()
    assert download.value.suggested_filename.endswith("-actions.csv")
    # Narrow screen: the table goes under its chart.
    narrow = new_page(width=420, height=900)
    log_in(narrow, team.chair)
    goto(narrow, f"/series/{team.series.pk}/health/")
    pair = narrow.locator('[data-testid="measure-actions"] .health-pair')
    assert pair.locator(".table-wrap").bounding_box()["y"] > pair.locator(".charts").bounding_box()["y"] + 100
    goto(page, "/health/")
    shots(page, "organisation")
