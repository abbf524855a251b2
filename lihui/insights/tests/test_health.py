"""Each health measure against hand-worked fixtures. Periods are weeks (Mondays) in
Shanghai time; "now" is Wednesday 2 Dec 2026, so the 12 weeks run from 14 Sep to 6 Dec
and the series' meetings of 16, 23 and 30 Nov fall in the last three of them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from lihui.insights.health import PeriodError, health_report, health_scope, period_buckets
from lihui.people.models import Department
from lihui.regime.models import Series
from lihui.reports.models import Kpi, KpiValue, Report
from lihui.surveys.models import Response, Survey

from .builders import NOW, SHANGHAI, Team, action, at, attend, item, minutes

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team():
    return Team()


def report(team, key, period="12w"):
    r = health_report(series=Series.objects.filter(pk=team.series.pk), period=period, zone=SHANGHAI)
    return r.measure(key)


def by_period(measure) -> dict:
    return {row["period"]: row for row in measure.rows}


# Week labels in the active language (Chinese in tests).
W16, W23, W30 = "11月16日", "11月23日", "11月30日"
NOV, DEC = "2026年11月", "2026年12月"


def test_periods():
    unit, weeks = period_buckets("12w", today=dt.date(2026, 12, 2))
    assert unit == "week" and len(weeks) == 12
    assert (weeks[0].start, weeks[-1].start, weeks[-1].end) == (dt.date(2026, 9, 14), dt.date(2026, 11, 30), dt.date(2026, 12, 7))
    unit, months = period_buckets("6m", today=dt.date(2026, 12, 2))
    assert unit == "month" and [m.start for m in months] == [dt.date(2026, m, 1) for m in range(7, 13)]
    unit, months = period_buckets("12m", today=dt.date(2026, 1, 15))
    assert (months[0].start, months[-1].end) == (dt.date(2025, 2, 1), dt.date(2026, 2, 1))
    with pytest.raises(PeriodError):
        period_buckets("3y", today=dt.date(2026, 12, 2))


def test_an_empty_period_has_no_measures(team):
    r = health_report(series=Series.objects.filter(pk=team.series.pk), zone=SHANGHAI)
    assert r.empty and r.held_meetings == 0 and r.measures == []
    # A single table (CSV) still has its twelve periods.
    only = health_report(series=Series.objects.filter(pk=team.series.pk), zone=SHANGHAI, only="actions")
    assert len(only.measure("actions").rows) == 12 and only.measure("actions").rows[-1]["created"] == 0


def test_compliance_rates_per_week(team):
    # 16 Nov: agenda ✓, start ✓, end ✓, minutes ✓ → 4/4
    m16 = team.held(16, agenda_published_at=at(11, 15), actual_start=at(11, 16), actual_end=at(11, 16, 10, 30))
    minutes(m16, at(11, 16, 15))
    # 23 Nov: agenda ✗ (never), start ✗ (10 min late), end ✓, minutes ✗ (never) → 1/4
    team.held(23, actual_start=at(11, 23, 9, 40), actual_end=at(11, 23, 10, 30))
    # 30 Nov: agenda ✓, no times recorded, minutes ✗ (past the 1 Dec 10:30 deadline) → 1/2
    team.held(30, agenda_published_at=at(11, 28))
    rows = by_period(report(team, "compliance"))
    assert rows[W16] | {} == rows[W16] and rows[W16]["score"] == 100.0 and rows[W16]["meetings"] == 1
    assert (rows[W23]["score"], rows[W23]["started_on_time"], rows[W23]["ended_on_time"], rows[W23]["agenda_on_time"]) == (25.0, 0.0, 100.0, 0.0)
    assert (rows[W30]["score"], rows[W30]["started_on_time"], rows[W30]["minutes_on_time"]) == (50.0, None, 0.0)
    assert rows["11月9日"]["meetings"] == 0 and rows["11月9日"]["score"] is None
    checks = {r["key"]: r for r in report(team, "checks").rows}
    assert (checks["agenda_on_time"]["passed"], checks["agenda_on_time"]["applicable"], checks["agenda_on_time"]["rate"]) == (2, 3, 66.7)
    assert (checks["started_on_time"]["passed"], checks["started_on_time"]["applicable"]) == (1, 2)
    assert (checks["minutes_on_time"]["passed"], checks["minutes_on_time"]["applicable"], checks["minutes_on_time"]["rate"]) == (1, 3, 33.3)
    assert checks["survey_response"]["rate"] is None


def test_monthly_periods_group_the_same_meetings(team):
    team.held(16, actual_start=at(11, 16))
    team.held(23, actual_start=at(11, 23, 9, 40))
    rows = by_period(report(team, "compliance", period="6m"))
    assert rows[NOV]["meetings"] == 2 and rows[NOV]["started_on_time"] == 50.0
    assert rows[DEC]["meetings"] == 0


def test_actions(team):
    m9 = team.meeting(9)  # not held: its actions count only in "overdue now"
    m16, m23 = team.held(16), team.held(23)
    created16 = at(11, 16, 10)
    action(m16, team.a, due=dt.date(2026, 11, 20), created=created16, status="done", closed_at=at(11, 19, 10))  # 3 d, on time
    action(m16, team.a, due=dt.date(2026, 11, 20), created=created16, status="done", closed_at=at(11, 25, 10))  # 9 d, late
    action(m16, team.b, due=dt.date(2026, 11, 20), created=created16, status="cancelled", closed_at=at(11, 17))
    action(m16, team.b, due=dt.date(2026, 11, 25), created=created16)  # overdue
    action(m16, team.b, due=dt.date(2026, 12, 10), created=created16, status="in_progress")
    created23 = at(11, 23, 10)
    action(m23, team.a, due=dt.date(2026, 11, 30), created=created23, status="done", closed_at=at(11, 24, 10))  # 1 d
    action(m23, team.a, due=dt.date(2026, 11, 30), created=created23, status="done", closed_at=at(11, 25, 10))  # 2 d
    # Due 24 Nov, closed 25 Nov 01:00 Shanghai (still 24 Nov in UTC): late, judged in local time. 1.625 d.
    action(m23, team.b, due=dt.date(2026, 11, 24), created=created23, status="done", closed_at=at(11, 25, 1, 0))
    action(m9, team.b, due=dt.date(2026, 11, 10))
    measure = report(team, "actions")
    rows = by_period(measure)
    assert rows[W16] == {
        "period": W16, "created": 5, "done": 2, "completion": 50.0, "on_time": 50.0, "median_days": 6.0, "open": 2, "overdue": 1,
    }  # fmt: skip
    assert rows[W23] == {
        "period": W23, "created": 3, "done": 3, "completion": 100.0, "on_time": 66.7, "median_days": 1.6, "open": 0, "overdue": 0,
    }  # fmt: skip
    assert rows[W30]["created"] == 0 and rows[W30]["median_days"] is None and rows[W30]["completion"] is None
    assert measure.summary == {"overdue_now": 2}


def test_median_of_an_odd_and_an_even_count(team):
    m16, m23 = team.held(16), team.held(23)
    for days in (5, 1, 3, 10, 2):  # sorted 1 2 3 5 10 → 3
        action(m16, team.a, due=dt.date(2026, 12, 30), created=at(11, 16, 10), status="done", closed_at=at(11, 16, 10) + days * 24 * H)
    for days in (4, 1, 2, 7):  # sorted 1 2 4 7 → 3
        action(m23, team.a, due=dt.date(2026, 12, 30), created=at(11, 23, 10), status="done", closed_at=at(11, 23, 10) + days * 12 * H)
    rows = by_period(report(team, "actions"))
    assert rows[W16]["median_days"] == 3.0
    assert rows[W23]["median_days"] == 1.5  # half days: (1 + 2) / 2


def test_survey_scores(team, settings):
    settings.LIHUI_SURVEY_MIN_ANSWERS = 1  # the averages by hand; the minimum: the next test
    m16, m23 = team.held(16), team.held(23)
    s16 = Survey.objects.create(meeting=m16, opened_at=at(11, 16, 11), closes_at=at(11, 19), invited=5)
    s23 = Survey.objects.create(meeting=m23, opened_at=at(11, 23, 11), closes_at=at(11, 26), invited=5)
    answers = ["purpose_clear", "time_well_used", "outcomes_useful", "discussion_open", "overall"]
    Response.objects.create(survey=s16, **dict(zip(answers, (5, 4, 3, 2, 1))))
    Response.objects.create(survey=s16, **dict(zip(answers, (3, 4, 5, 4, 2))))
    Response.objects.create(survey=s23, **dict.fromkeys(answers, 5))
    rows = by_period(report(team, "survey"))
    assert rows[W16] == {"period": W16, "responses": 2, "purpose_clear": 4.0, "time_well_used": 4.0, "outcomes_useful": 4.0,
                         "discussion_open": 3.0, "overall": 1.5}  # fmt: skip
    assert rows[W23]["overall"] == 5.0 and rows[W30]["responses"] == 0 and rows[W30]["overall"] is None


def test_survey_scores_leave_out_surveys_below_the_minimum(team):
    """A week's averages come only from surveys with 3 answers or more: the 2 answers of the
    16th and the 1 of the 23rd are not shown to any viewer of the series, even summed up."""
    m16, m23 = team.held(16), team.held(23)
    s16 = Survey.objects.create(meeting=m16, opened_at=at(11, 16, 11), closes_at=at(11, 19), invited=5)
    s23 = Survey.objects.create(meeting=m23, opened_at=at(11, 23, 11), closes_at=at(11, 26), invited=5)
    answers = ["purpose_clear", "time_well_used", "outcomes_useful", "discussion_open", "overall"]
    for overall in (1, 2):
        Response.objects.create(survey=s16, **dict.fromkeys(answers, overall))
    Response.objects.create(survey=s23, **dict.fromkeys(answers, 5))
    measure = report(team, "survey")
    rows = by_period(measure)
    assert (rows[W16]["responses"], rows[W16]["overall"], rows[W23]["responses"], rows[W23]["overall"]) == (0, None, 0, None)
    Response.objects.create(survey=s16, **dict.fromkeys(answers, 3))
    rows = by_period(report(team, "survey"))
    assert (rows[W16]["responses"], rows[W16]["overall"], rows[W23]["overall"]) == (3, 2.0, None)


def test_meeting_load(team):
    m16 = team.held(16)  # 60 min
    for person, status in [(team.chair, "present"), (team.taker, "late"), (team.a, "remote"), (team.c, "present"), (team.b, "absent")]:
        attend(m16, person, status)
    m23 = team.held(23)
    type(m23).objects.filter(pk=m23.pk).update(duration_minutes=90)  # no attendance: the 4 required people
    rows = by_period(report(team, "load"))
    assert rows[W16] == {"period": W16, "meetings": 1, "hours": 1.0, "person_hours": 4.0, "per_week": 4.0}
    assert rows[W23] == {"period": W23, "meetings": 1, "hours": 1.5, "person_hours": 6.0, "per_week": 6.0}
    assert rows[W30] == {"period": W30, "meetings": 0, "hours": 0.0, "person_hours": 0.0, "per_week": 0.0}
    monthly = by_period(report(team, "load", period="6m"))
    assert monthly[NOV]["person_hours"] == 10.0 and monthly[NOV]["per_week"] == round(10 / (30 / 7), 1)


def test_time_by_agenda_kind(team):
    m16 = team.held(16)
    for kind, seconds in [("report", 600), ("report", 300), ("discussion", 600), ("decision", 200), ("plan", 100),
                          ("opening", 100), ("review", 100)]:  # fmt: skip
        item(m16, kind, seconds=seconds)
    item(team.meeting(9), "report", seconds=5000)  # not held
    rows = by_period(report(team, "time"))
    assert rows[W16] == {"period": W16, "hours": 0.6, "report": 45.0, "discussion": 30.0, "decision": 15.0, "other": 10.0}
    assert rows[W23]["report"] is None


def test_participation_and_never_contributes(team):
    for day in (16, 23, 30):
        m = team.held(day)
        attend(m, team.chair, "present")  # never presents, owns nothing: silent after 3
        attend(m, team.taker, "remote")
        if day == 16:
            attend(m, team.a, "present")
            attend(m, team.b, "late")
            attend(m, team.c, "absent")  # absent people are not counted
            item(m, "report", presenter=team.a)
            action(m, team.b, due=dt.date(2026, 11, 30))
    rows = by_period(report(team, "participation"))
    assert rows[W16] == {"period": W16, "attendances": 4, "contributions": 2, "share": 50.0}
    assert rows[W23] == {"period": W23, "attendances": 2, "contributions": 0, "share": 0.0}
    silent = report(team, "silent").rows
    # The chair and the minute-taker attended all three and did neither (pinyin order: Sun, Zhou).
    assert silent == [{"person": "孙丽", "department": "", "attendances": 3}, {"person": "周云", "department": "", "attendances": 3}]


def test_chronic_absentees(team):
    days = (2, 9, 16, 23, 30)
    meetings = {d: team.held(d) for d in days}
    pattern = {
        team.b: ["absent", "absent", "absent", "present", "absent"],  # one run of 3
        team.a: ["present", "absent", "absent", "absent", "absent"],  # a run of 4, ongoing
        team.taker: ["absent", "excused", "absent", "absent", "present"],  # excused breaks the run
    }
    for person, statuses in pattern.items():
        for d, status in zip(days, statuses):
            attend(meetings[d], person, status)
    rows = report(team, "absentees").rows
    assert [(r["person"], r["absences"], r["last"]) for r in rows] == [("王强", 4, "2026-11-30"), ("李娜", 3, "2026-11-16")]
    assert rows[0]["series"] == team.series.title


def test_absences_in_other_series_do_not_join_a_run(team):
    other = Team(title="另一个例会")
    for d in (16, 23):
        attend(team.held(d), team.a, "absent")
    attend(other.held(30), team.a, "absent")
    r = health_report(series=Series.objects.all(), zone=SHANGHAI)
    assert r.measure("absentees").rows == []


def test_kpi_trends(team):
    dept = Department.objects.create(name="华东销售部", head=team.a)
    on_time = Kpi.objects.create(department=dept, name="订单准时发货率", unit="%")
    complaints = Kpi.objects.create(department=dept, name="客诉数", higher_is_better=False, position=1)
    for day, target, actual, c_target, c_actual in [(16, 100, 90, 10, 20), (23, 100, 105, 10, 8)]:
        rep = Report.objects.create(item=item(team.held(day), "report", presenter=team.a), department=dept)
        KpiValue.objects.create(report=rep, kpi=on_time, target=target, actual=actual)
        KpiValue.objects.create(report=rep, kpi=complaints, target=c_target, actual=c_actual)
    measure = report(team, "kpis")
    rows = [(r["kpi"], r["period"], r["target"], r["actual"], r["achievement"]) for r in measure.rows]
    assert rows == [
        ("订单准时发货率", W16, Decimal("100"), Decimal("90"), 90.0),
        ("订单准时发货率", W23, Decimal("100"), Decimal("105"), 105.0),
        ("客诉数", W16, Decimal("10"), Decimal("20"), 50.0),
        ("客诉数", W23, Decimal("10"), Decimal("8"), 125.0),
    ]
    assert len(measure.charts) == 2 and measure.charts[0].title == "华东销售部 · 订单准时发货率 (%)"


def test_the_organisation_sees_only_visible_series(team):
    other = Team(title="别人的例会")
    team.held(16)
    other.held(23)
    from lihui.regime.selectors import series_visible_to

    mine = health_report(series=series_visible_to(person=team.a), zone=SHANGHAI)
    assert mine.held_meetings == 1
    admin = type(team.a).objects.create(username="root", name="管理员", is_staff=True, is_superuser=True)
    assert health_report(series=series_visible_to(person=admin), zone=SHANGHAI).held_meetings == 2


def test_scope_zone_defaults_to_the_active_time_zone(team):
    from django.utils import timezone

    with timezone.override(SHANGHAI):
        assert health_scope(series=Series.objects.all()).zone == SHANGHAI
