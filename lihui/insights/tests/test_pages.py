"""The health pages, their CSV tables, the compliance card on a meeting, and the API."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from lihui.actions.models import Decision
from lihui.meetings.models import Meeting
from lihui.people.services import api_token_create
from lihui.reports.models import Report
from lihui.surveys.models import Respondent, Response, Survey
from lihui.testing.factories import PersonFactory, make_series

from .builders import NOW, SHANGHAI, Team, action, at, attend, item, minutes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team():
    return Team()


def client_for(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def busy(meeting: Meeting, team: Team, n: int) -> None:
    """A meeting with a bit of everything the measures read."""
    Meeting.objects.filter(pk=meeting.pk).update(
        status="held", agenda_published_at=meeting.start - dt.timedelta(hours=30),
        actual_start=meeting.start, actual_end=meeting.start + dt.timedelta(minutes=62),
    )  # fmt: skip
    for person, status in [(team.chair, "present"), (team.taker, "present"), (team.a, "late"), (team.b, "absent")]:
        attend(meeting, person, status)
    rep = item(meeting, "report", seconds=900, presenter=team.a)
    Report.objects.create(item=rep, submitted_at=meeting.start - dt.timedelta(hours=2))
    item(meeting, "discussion", seconds=600)
    d = Decision.objects.create(meeting=meeting, text="决议")
    action(meeting, team.b, due=(meeting.start + dt.timedelta(days=7)).date(), decision=d,
           status="done" if n % 2 else "open", closed_at=meeting.start + dt.timedelta(days=n % 5 + 1) if n % 2 else None)  # fmt: skip
    minutes(meeting, meeting.start + dt.timedelta(hours=5))
    survey = Survey.objects.create(meeting=meeting, opened_at=meeting.start, closes_at=meeting.start + dt.timedelta(days=3), invited=4)
    Respondent.objects.create(survey=survey, person=team.a)
    Response.objects.create(survey=survey, purpose_clear=4, time_well_used=3, outcomes_useful=4, discussion_open=5, overall=4)


def daily_team(n: int) -> Team:
    """A daily series from 1 Oct: `n` held meetings with data, all within the 12 weeks."""
    team = Team(frequency="daily", weekdays="", start_date=dt.date(2026, 10, 1), title=f"日会{n}")
    for i, meeting in enumerate(team.series.meetings.filter(start__lt=NOW).order_by("start")[:n]):
        busy(meeting, team, i)
    return team


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_query_counts_do_not_grow_with_the_number_of_meetings():
    small, large = daily_team(2), daily_team(20)
    admin = PersonFactory(is_staff=True, is_superuser=True)
    c = client_for(admin)
    small_series = count_queries(c, reverse("insights:series_health", args=[small.series.pk]))
    large_series = count_queries(c, reverse("insights:series_health", args=[large.series.pk]))
    assert small_series == large_series
    chair_small, chair_large = client_for(small.chair), client_for(large.chair)
    assert count_queries(chair_small, reverse("insights:health")) == count_queries(chair_large, reverse("insights:health"))
    assert count_queries(chair_small, reverse("insights:health") + "?period=12m") == count_queries(
        chair_large, reverse("insights:health") + "?period=12m"
    )
    # The page shows the figures: 20 held meetings, KPI of the reports, charts with their tables.
    page = c.get(reverse("insights:series_health", args=[large.series.pk])).content.decode()
    assert "20" in page and page.count("<svg") >= 8 and page.count("<table") >= 9
    assert 'role="img"' in page and "<title" in page


def test_the_series_page_of_a_meeting_series(team):
    busy(team.meeting(23), team, 1)
    response = client_for(team.a).get(reverse("insights:series_health", args=[team.series.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("compliance", "checks", "actions", "survey", "load", "time", "participation", "absentees", "kpis"):
        assert f'data-testid="measure-{key}"' in page
    assert 'aria-current="page"' in page and "?period=6m" in page


def test_empty_period_shows_an_empty_state(team):
    response = client_for(team.chair).get(reverse("insights:series_health", args=[team.series.pk]))
    assert response.status_code == 200
    assert b'data-testid="health-empty"' in response.content and b"<svg" not in response.content


def test_bad_period_and_bad_table_are_explained_not_500(team):
    c = client_for(team.chair)
    response = c.get(reverse("insights:health") + "?period=99y")
    assert response.status_code == 400 and b'data-testid="health-error"' in response.content and b"99y" in response.content
    response = c.get(reverse("insights:health") + "?format=csv&measure=nope")
    assert response.status_code == 400 and b"nope" in response.content


def test_outsiders_do_not_see_a_private_series(team):
    outsider = PersonFactory()
    assert client_for(outsider).get(reverse("insights:series_health", args=[team.series.pk])).status_code == 404
    busy(team.meeting(23), team, 1)
    page = client_for(outsider).get(reverse("insights:health")).content.decode()
    assert 'data-testid="health-empty"' in page  # the private series is not theirs to see


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_of_a_table(team):
    m16 = team.held(16)
    action(m16, team.a, due=dt.date(2026, 11, 20), status="done", closed_at=at(11, 19, 10))
    action(m16, team.a, due=dt.date(2026, 11, 20))
    url = reverse("insights:series_health", args=[team.series.pk]) + "?format=csv&measure=actions"
    response = client_for(team.chair).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'series-{team.series.pk}-health-12w-actions.csv' in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:3] == [_("Period"), _("Actions"), _("Done")]
    assert len(rows) == 13
    week = next(r for r in rows if r[0] == "11月16日")
    assert week == ["11月16日", "2", "1", "50.0", "100.0", week[5], "1", "1"]


def test_csv_escapes_formulas(team):
    m = team.held(16)
    for day in (16, 23, 30):
        attend(team.held(day), team.c, "absent")
    from lihui.people.models import Person

    Person.objects.filter(pk=team.c.pk).update(name="=HYPERLINK(1)")
    del m
    rows = _csv(client_for(team.chair).get(reverse("insights:health") + "?format=csv&measure=absentees"))
    assert rows[1][0] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("name", ["\t=HYPERLINK(1)", "\r=HYPERLINK(1)", "\n=1+1", "@SUM(1)", "-1+1", "+1+1"])
def test_csv_escapes_formulas_behind_a_tab_or_carriage_return(team, name):
    for day in (16, 23, 30):
        attend(team.held(day), team.c, "absent")
    from lihui.people.models import Person

    Person.objects.filter(pk=team.c.pk).update(name=name)
    rows = _csv(client_for(team.chair).get(reverse("insights:health") + "?format=csv&measure=absentees"))
    assert rows[1][0] == "'" + name


def test_one_formula_guard_for_csv_and_xlsx():
    from lihui.actions import exports
    from lihui.documents import FORMULA_STARTS, spreadsheet_text

    assert exports.FORMULA_STARTS is FORMULA_STARTS
    assert [spreadsheet_text(v) for v in ("-5", "+1.5", "\t=1", "=1", "平常")] == ["-5", "+1.5", "'\t=1", "'=1", "平常"]


def test_csv_of_an_empty_range_has_its_header(team):
    rows = _csv(client_for(team.chair).get(reverse("insights:health") + "?format=csv&measure=checks"))
    assert rows[0] == [_("Rule"), _("Kept"), _("Applicable"), _("Rate")] and len(rows) == 10


@pytest.mark.usefixtures("english")
def test_compliance_card_on_a_held_meeting(team):
    m = team.held(23, agenda_published_at=at(11, 22, 3, 30), actual_start=at(11, 23, 9, 33), actual_end=at(11, 23, 10, 45))
    minutes(m, at(11, 23, 18))
    c = client_for(team.a)
    response = c.get(reverse("meetings:meeting_detail", args=[m.pk]))
    page = response.content.decode()
    assert 'data-testid="compliance-card"' in page
    assert "Agenda published 30 h before the meeting (required: 24 h)." in page
    assert "75% · 3 of 4 rules kept" in page
    scheduled = c.get(reverse("meetings:meeting_detail", args=[team.meeting(30).pk])).content.decode()
    assert 'data-testid="compliance-card"' not in scheduled


# --- API ---------------------------------------------------------------------------------


def api_client(person) -> tuple[Client, dict]:
    _token, secret = api_token_create(person=person, name="t")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.usefixtures("english")
def test_api_compliance(team):
    m = team.held(23, agenda_published_at=at(11, 21), actual_start=at(11, 23, 9, 50))
    c, auth = api_client(team.a)
    data = c.get(f"/api/v1/meetings/{m.pk}/compliance", **auth).json()
    assert data["measured"] is True and data["score"] == 33 and (data["passed"], data["applicable"]) == (1, 3)
    by_key = {x["key"]: x for x in data["checks"]}
    assert by_key["started_on_time"] == {
        "key": "started_on_time", "label": "Started on time", "passed": False,
        "evidence": "Started 20 min late (tolerance: 5 min).",
    }  # fmt: skip
    assert by_key["reports_in"]["passed"] is None
    planned = c.get(f"/api/v1/meetings/{team.meeting(30).pk}/compliance", **auth).json()
    assert planned["measured"] is False and planned["checks"] == []


def test_api_health(team):
    busy(team.meeting(23), team, 1)
    c, auth = api_client(team.chair)
    data = c.get(f"/api/v1/series/{team.series.pk}/health?period=6m", **auth).json()
    assert (data["series"], data["period"], data["unit"], data["held_meetings"]) == (team.series.pk, "6m", "month", 1)
    assert [p["label"] for p in data["periods"]][-1] == "2026年12月"
    measures = {m["key"]: m for m in data["measures"]}
    assert set(measures) == {"compliance", "checks", "actions", "survey", "load", "time", "participation", "silent", "absentees", "kpis"}
    nov = next(r for r in measures["load"]["rows"] if r["period"] == "2026年11月")
    assert nov["person_hours"] == 3.0  # 60 min × 3 present (chair, taker, a late)
    org = c.get("/api/v1/health", **auth).json()
    assert org["series"] is None and org["held_meetings"] == 1 and org["period"] == "12w"


def test_survey_averages_of_few_answers_reach_no_viewer(team):
    """Two answers (minimum 3): a member, who may not open the results, finds no average of
    them on the health page, in its CSV or in the API; a third answer shows them."""
    m16 = team.held(16)
    survey = Survey.objects.create(meeting=m16, opened_at=at(11, 16, 11), closes_at=at(11, 19), invited=5)
    scores = dict(purpose_clear=4, time_well_used=3, outcomes_useful=4, discussion_open=5)
    Response.objects.create(survey=survey, overall=1, **scores)
    Response.objects.create(survey=survey, overall=2, **scores)
    viewer = client_for(team.a)
    csv_url = reverse("insights:series_health", args=[team.series.pk]) + "?format=csv&measure=survey"
    c, auth = api_client(team.a)
    api_url = f"/api/v1/series/{team.series.pk}/health"

    def seen():
        week = next(r for r in _csv(viewer.get(csv_url)) if r[0] == "11月16日")
        rows = next(m for m in c.get(api_url, **auth).json()["measures"] if m["key"] == "survey")["rows"]
        api_week = next(r for r in rows if r["period"] == "11月16日")
        page = viewer.get(reverse("insights:series_health", args=[team.series.pk]))
        assert page.status_code == 200
        return week[1:3], (api_week["responses"], api_week["overall"])

    assert seen() == (["0", ""], (0, None))
    Response.objects.create(survey=survey, overall=3, **scores)
    assert seen() == (["3", "4.0"], (3, 2.0))


def test_api_bad_period_is_422(team):
    c, auth = api_client(team.chair)
    response = c.get(f"/api/v1/series/{team.series.pk}/health?period=2w", **auth)
    assert response.status_code == 422 and "period" in response.json()["fields"]
    assert c.get("/api/v1/health?period=", **auth).status_code == 422


def test_api_hides_private_series(team):
    c, auth = api_client(PersonFactory())
    assert c.get(f"/api/v1/series/{team.series.pk}/health", **auth).status_code == 404
    assert c.get(f"/api/v1/meetings/{team.held(23).pk}/compliance", **auth).status_code == 404


def test_zone_of_the_viewer_cuts_the_periods(team):
    # 30 Nov 07:30 Shanghai is Sunday 29 Nov 23:30 UTC: a Monday meeting in Shanghai's week.
    series = make_series(chair=team.chair, title="早会", start_time=dt.time(7, 30))
    m = series.meetings.get(start=at(11, 30, 7, 30))
    Meeting.objects.filter(pk=m.pk).update(status="held")
    from lihui.insights.health import health_report
    from lihui.regime.models import Series

    rows = {r["period"]: r for r in health_report(series=Series.objects.filter(pk=series.pk), zone=SHANGHAI).measure("load").rows}
    assert rows["11月30日"]["meetings"] == 1 and rows["11月23日"]["meetings"] == 0
