"""Review reports (复盘报告): the period is parsed or refused with a translated message;
an empty period is an empty state, not an error; the figures of a hand-built month; the
.docx opens with its headings, tables and chart pictures; the Markdown embeds the charts;
the pages are for those who see the series."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from lihui.actions.models import ActionItem
from lihui.insights.review_report import (
    ReviewReportPeriodError,
    review_report_docx,
    review_report_markdown,
    review_report_period,
)
from lihui.insights.selectors import review_report
from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.regime.models import AgendaKind
from lihui.surveys.models import Response, Survey
from lihui.testing.factories import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=SH)
TODAY = NOW.date()


@pytest.mark.parametrize(
    "kind, value, expected",
    [
        ("monthly", "2026-10", (dt.date(2026, 10, 1), dt.date(2026, 11, 1))),
        ("monthly", "2026-11", (dt.date(2026, 11, 1), dt.date(2026, 12, 1))),
        ("monthly", None, (dt.date(2026, 10, 1), dt.date(2026, 11, 1))),
        ("quarterly", "2026-Q3", (dt.date(2026, 7, 1), dt.date(2026, 10, 1))),
        ("quarterly", "2026q4", (dt.date(2026, 10, 1), dt.date(2027, 1, 1))),
        ("quarterly", None, (dt.date(2026, 7, 1), dt.date(2026, 10, 1))),
        ("monthly", " 2025-12 ", (dt.date(2025, 12, 1), dt.date(2026, 1, 1))),
        ("monthly", "２０２６-１０", (dt.date(2026, 10, 1), dt.date(2026, 11, 1))),  # full-width digits, as typed in Chinese
    ],
)
def test_periods(kind, value, expected):
    assert review_report_period(kind, value, today=TODAY) == expected


@pytest.mark.parametrize(
    "kind, value", [("monthly", "2026-13"), ("monthly", "10/2026"), ("quarterly", "2026-Q5"), ("yearly", None),
                    ("monthly", "2027-01"), ("monthly", "1999-01")],
)  # fmt: skip
def test_bad_periods_are_refused_in_the_readers_language(kind, value):
    with translation.override("zh-hans"), pytest.raises(ReviewReportPeriodError) as caught:
        review_report_period(kind, value, today=TODAY)
    assert str(caught.value)


@pytest.fixture
def month(db):
    """October 2026: four Monday meetings, held; 2 of 4 actions due in October closed on
    time, 1 late, 1 open; one survey with overall 4 and 2."""
    with time_machine.travel(NOW, tick=False):
        chair = PersonFactory(username="chair", name="周云")
        wang = PersonFactory(username="wang", name="王五")
        series = make_series(chair=chair, roster=[(wang, "member")], start_date=dt.date(2026, 10, 5))
        october = list(Meeting.objects.filter(series=series, start__lt=dt.datetime(2026, 11, 1, tzinfo=SH)).order_by("start"))
        assert len(october) == 4
        for m in october:
            Meeting.objects.filter(pk=m.pk).update(status=Meeting.Status.HELD, actual_start=m.start,
                                                   actual_end=m.start + dt.timedelta(minutes=60))  # fmt: skip
            AgendaItem.objects.create(meeting=m, kind=AgendaKind.REPORT, title="汇报", minutes_allotted=30, seconds_used=1800)
            for p in (chair, wang):
                Attendance.objects.create(meeting=m, person=p, status="present")
        for n, (due, closed) in enumerate([
            (dt.date(2026, 10, 10), dt.datetime(2026, 10, 9, 12, tzinfo=SH)),
            (dt.date(2026, 10, 17), dt.datetime(2026, 10, 17, 18, tzinfo=SH)),
            (dt.date(2026, 10, 20), dt.datetime(2026, 10, 25, 12, tzinfo=SH)),
            (dt.date(2026, 10, 27), None),
        ]):  # fmt: skip
            ActionItem.objects.create(series=series, meeting=october[0], title=f"事{n}", owner=wang, due=due,
                                      status="done" if closed else "open", closed_at=closed)  # fmt: skip
        survey = Survey.objects.create(meeting=october[0], opened_at=october[0].end, closes_at=october[0].end, invited=2)
        for overall in (4, 2):
            Response.objects.create(survey=survey, purpose_clear=4, time_well_used=3, outcomes_useful=4, discussion_open=4, overall=overall)
        yield dict(series=series, chair=chair, wang=wang)


def build(month, value="2026-10", kind="monthly"):
    with time_machine.travel(NOW, tick=False), translation.override("en"), timezone.override(SH):
        start, end = review_report_period(kind, value, today=TODAY)
        return review_report(series=month["series"], kind=kind, start=start, end=end)


def test_the_headline_figures_of_a_hand_built_month(month, settings):
    settings.LIHUI_SURVEY_MIN_ANSWERS = 2  # the survey's two answers count (the minimum: the next test)
    report = build(month)
    figures = dict(report.headline)
    assert report.held == 4 and not report.empty
    assert figures["Meetings held"] == "4"
    assert figures["Actions due in the period"] == "4"
    assert figures["Completed"] == "75%"
    assert figures["Completed on time"] == "50%"
    assert figures["Average overall satisfaction (1–5)"] == "3.0 (2 answers)"
    assert figures["Attendances"] == "8"
    assert figures["Meeting time"] == "4.0 h"
    assert report.title == "运营周例会 — monthly review, October 2026"


def test_satisfaction_from_fewer_answers_than_the_minimum_is_not_reported(month):
    """The month's one survey has 2 answers, below the minimum of 3: no average in the report."""
    assert dict(build(month).headline)["Average overall satisfaction (1–5)"] == "—"


def test_an_empty_period_is_an_empty_report(month):
    report = build(month, "2026-08")
    assert report.empty and report.headline == []
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        assert "nothing to review" in review_report_markdown(report)
        document = docx.Document(io.BytesIO(review_report_docx(report)))
    assert any("nothing to review" in p.text for p in document.paragraphs)


def test_the_docx_has_its_sections_tables_and_charts(month):
    report = build(month)
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        data = review_report_docx(report)
    document = docx.Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[:4] == [report.title, "Summary", "Recommendations", "Health over six months"]
    assert len(document.tables) >= 3
    assert len(document.inline_shapes) >= 3  # chart pictures
    assert document.tables[0].rows[1].cells[1].text == "4"


def test_the_markdown_embeds_its_charts_and_escapes_names(month):
    month["series"].title = "**周会** <b>"
    month["series"].save()
    report = build(month)
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        text = review_report_markdown(report)
    assert text.startswith("# \\*\\*周会\\*\\* \\<b\\>")
    assert text.count("](data:image/png;base64,") >= 3
    assert "| Meetings held | 4 |" in text


def test_pages_and_downloads(month):
    outsider = Client()
    outsider.force_login(PersonFactory())
    member = Client()
    member.force_login(month["wang"])
    sid = month["series"].pk
    with time_machine.travel(NOW, tick=False):
        assert outsider.get(f"/series/{sid}/review/?period=2026-10").status_code == 404
        page = member.get(f"/series/{sid}/review/?kind=monthly&period=2026-10")
        assert page.status_code == 200 and "data-testid=\"review-summary\"" in page.content.decode()
        bad = member.get(f"/series/{sid}/review/?kind=monthly&period=2026-13")
        assert bad.status_code == 422 and "YYYY-MM" in bad.content.decode()
        word = member.get(f"/series/{sid}/review.docx?kind=monthly&period=2026-10")
        assert word.status_code == 200 and word["Content-Disposition"].startswith("attachment")
        docx.Document(io.BytesIO(word.content))
        md = member.get(f"/series/{sid}/review.md?kind=quarterly&period=2026-Q4")
        assert md.status_code == 200 and md["Content-Type"].startswith("text/markdown")
        assert member.get(f"/series/{sid}/review.md?kind=monthly&period=x").status_code == 422
