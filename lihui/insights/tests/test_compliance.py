"""Each compliance check against hand-worked meetings (series rules: agenda 24 h ahead,
start/end tolerance 5 min, minutes 24 h after the end, survey target 60 %)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lihui.actions.models import Decision
from lihui.insights.compliance import CHECK_KEYS, compliance_table
from lihui.insights.selectors import meeting_compliance
from lihui.meetings.models import Guest, Meeting
from lihui.reports.models import Report
from lihui.surveys.models import Respondent, Survey
from lihui.testing.factories import PersonFactory

from .builders import NOW, Team, action, at, attend, item, minutes, review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team():
    return Team()


def checks(meeting: Meeting) -> dict:
    return {c.key: c for c in meeting_compliance(meeting=meeting).checks}


def passed(meeting: Meeting) -> dict:
    return {k: c.passed for k, c in checks(meeting).items()}


def test_only_held_meetings_are_measured(team):
    assert meeting_compliance(meeting=team.meeting(23)) is None
    assert compliance_table(meetings=team.series.meetings.all()) == []


def test_a_held_meeting_with_nothing_recorded(team):
    m = team.held(23)
    result = passed(m)
    # Nothing recorded: start, end, attendance, reports, decisions, review, survey do not apply;
    # the agenda was never published and the minutes are past their deadline.
    assert result == {
        "agenda_on_time": False, "started_on_time": None, "ended_on_time": None, "required_present": None,
        "reports_in": None, "minutes_on_time": False, "decisions_have_actions": None, "actions_reviewed": None,
        "survey_response": None,
    }  # fmt: skip
    assert meeting_compliance(meeting=m).score == 0
    assert list(checks(m)) == CHECK_KEYS


@pytest.mark.parametrize(
    "published, expected, evidence",
    [
        (at(11, 23) - 30 * H, True, "30 h before"),
        (at(11, 23) - 24 * H, True, "24 h before"),
        (at(11, 23) - 10 * H, False, "10 h before"),
        (at(11, 23) + 2 * H, False, "2 h after the start"),
        (None, False, "not published"),
    ],
)
def test_agenda_lead_time(team, published, expected, evidence):
    m = team.held(23, agenda_published_at=published)
    c = checks(m)["agenda_on_time"]
    assert c.passed is expected
    assert evidence in c.evidence and "24 h" in c.evidence


@pytest.mark.parametrize(
    "late, expected, evidence",
    [(-3, True, "on time"), (0, True, "on time"), (5, True, "5 min late"), (6, False, "6 min late")],
)
def test_start_within_tolerance(team, late, expected, evidence):
    m = team.held(23, actual_start=at(11, 23) + late * M)
    c = checks(m)["started_on_time"]
    assert (c.passed, evidence in c.evidence) == (expected, True), c.evidence


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (at(11, 23), at(11, 23, 10, 30), True),
        (at(11, 23), at(11, 23, 10, 35), True),  # + 5 min tolerance
        (at(11, 23), at(11, 23, 10, 36), False),
        (at(11, 23, 9, 40), at(11, 23, 10, 40), False),  # started late, still judged by the slot
        # Run outside its slot (ad hoc, 3 h later): judged from its own start plus its length.
        (at(11, 23, 12, 30), at(11, 23, 13, 30), True),
        (at(11, 23, 12, 30), at(11, 23, 13, 40), False),
    ],
)
def test_end_within_slot(team, start, end, expected):
    m = team.held(23, actual_start=start, actual_end=end)
    assert checks(m)["ended_on_time"].passed is expected


def test_required_members_present(team):
    m = team.held(23)
    attend(m, team.chair, "present")
    attend(m, team.taker, "late")
    attend(m, team.a, "remote")
    attend(m, team.b, "excused")
    attend(m, team.c, "absent")  # optional: not required
    guest = Guest.objects.create(item=item(m, "discussion"), name="财务老李")
    from lihui.meetings.models import Attendance

    Attendance.objects.create(meeting=m, guest=guest, status="present")  # guests are not counted
    c = checks(m)["required_present"]
    assert c.passed is True
    assert c.evidence == "3 of 4 required members present, 1 excused, 0 absent."
    Attendance.objects.filter(meeting=m, person=team.b).update(status="absent")
    c = checks(m)["required_present"]
    assert c.passed is False and "2 of 4" not in c.evidence and "3 of 4" in c.evidence and "1 absent" in c.evidence


def test_a_required_member_without_a_record_counts_as_missing(team):
    m = team.held(23)
    for p in (team.chair, team.taker, team.a):
        attend(m, p, "present")
    assert checks(m)["required_present"].passed is False


def test_reports_in_before_the_start(team):
    m = team.held(23, actual_start=at(11, 23, 9, 35))
    first, second = item(m, "report"), item(m, "report")
    item(m, "discussion")
    Report.objects.create(item=first, submitted_at=at(11, 22, 18))
    Report.objects.create(item=second, submitted_at=at(11, 23, 9, 40))  # after the meeting began
    c = checks(m)["reports_in"]
    assert (c.passed, c.evidence) == (False, "1 of 2 reports submitted before the meeting.")
    Report.objects.filter(item=second).update(submitted_at=at(11, 23, 9, 34))
    assert checks(m)["reports_in"].passed is True


def test_reports_not_submitted_do_not_count(team):
    m = team.held(23)
    Report.objects.create(item=item(m, "report"), progress="草稿")  # saved, never submitted
    assert checks(m)["reports_in"].passed is False


@pytest.mark.parametrize(
    "published, expected, evidence",
    [
        (at(11, 24, 10, 20), True, "23.9 h after the end"),  # 23 h 52 min after 10:28
        (at(11, 24, 10, 28), True, "24 h after the end"),  # exactly at the deadline
        (at(11, 24, 10, 40), False, "24.2 h after the end"),  # 24 h 12 min
        (None, False, "not published within 24 h"),
    ],
)
def test_minutes_deadline_from_the_actual_end(team, published, expected, evidence):
    # Ended at 10:28 (not the planned 10:30): the deadline is 24 h later, 10:28 next day.
    m = team.held(23, actual_start=at(11, 23), actual_end=at(11, 23, 10, 28))
    if published is not None:
        minutes(m, published)
    c = checks(m)["minutes_on_time"]
    assert c.passed is expected and evidence in c.evidence, c.evidence


def test_minutes_not_due_yet_do_not_apply(team):
    m = team.held(30, actual_start=at(11, 30), actual_end=at(11, 30, 10, 30))
    with time_machine.travel(at(12, 1, 9), tick=False):  # the deadline is 1 Dec 10:30
        c = checks(m)["minutes_on_time"]
        assert c.passed is None and "not published yet" in c.evidence
    assert checks(m)["minutes_on_time"].passed is False  # now (2 Dec) it is late


def test_every_decision_needs_an_action(team):
    m = team.held(23)
    d1 = Decision.objects.create(meeting=m, text="双十二增派客服")
    Decision.objects.create(meeting=m, text="暂停新品上架")
    action(m, team.a, due=dt.date(2026, 11, 30), decision=d1)
    action(m, team.a, due=dt.date(2026, 11, 30))  # not tied to a decision
    c = checks(m)["decisions_have_actions"]
    assert (c.passed, c.evidence) == (False, "1 of 2 decisions have an action with an owner and a due date.")
    Decision.objects.exclude(pk=d1.pk).delete()
    assert checks(m)["decisions_have_actions"].passed is True


def test_previous_actions_reviewed(team):
    earlier, m = team.held(16), team.held(23)
    a1 = action(earlier, team.a, due=dt.date(2026, 11, 20))
    a2 = action(earlier, team.b, due=dt.date(2026, 11, 20))
    # Closed before the meeting: nothing to review.
    action(earlier, team.b, due=dt.date(2026, 11, 20), status="done", closed_at=at(11, 18))
    # Recorded in this very meeting: not an earlier action.
    action(m, team.b, due=dt.date(2026, 12, 20))
    review(a1, m)
    c = checks(m)["actions_reviewed"]
    assert (c.passed, c.evidence) == (False, "1 of 2 earlier open actions reviewed.")
    review(a2, m)
    assert checks(m)["actions_reviewed"].passed is True
    # Closed in the review (after the meeting began) still counts as due and reviewed.
    type(a2).objects.filter(pk=a2.pk).update(status="done", closed_at=at(11, 23, 9, 45))
    assert checks(m)["actions_reviewed"].passed is True


def test_review_not_applicable_when_the_series_does_not_review(team):
    earlier, m = team.held(16), team.held(23)
    action(earlier, team.a, due=dt.date(2026, 11, 20))
    assert checks(m)["actions_reviewed"].passed is False
    type(team.series).objects.filter(pk=team.series.pk).update(review_actions=False)
    c = checks(m)["actions_reviewed"]
    assert c.passed is None and "does not review" in c.evidence


def _survey(meeting, *, invited, answered, closes):
    survey = Survey.objects.create(meeting=meeting, opened_at=at(11, 23, 10, 30), closes_at=closes, invited=invited)
    for _i in range(answered):
        Respondent.objects.create(survey=survey, person=PersonFactory())
    return survey


@pytest.mark.parametrize(
    "answered, closes, expected",
    [
        (6, at(11, 26), True),  # 60 % of 10 = target
        (5, at(11, 26), False),
        (5, at(12, 5), None),  # still open, target not reached yet
        (7, at(12, 5), True),  # still open, target already reached
    ],
)
def test_survey_response_rate(team, answered, closes, expected):
    m = team.held(23)
    _survey(m, invited=10, answered=answered, closes=closes)
    c = checks(m)["survey_response"]
    assert c.passed is expected
    assert f"{answered} of 10" in c.evidence and "target 60%" in c.evidence


def test_survey_not_applicable_when_off_or_not_opened(team):
    m = team.held(23)
    assert checks(m)["survey_response"].evidence == "No survey was opened."
    _survey(m, invited=10, answered=1, closes=at(11, 26))
    type(team.series).objects.filter(pk=team.series.pk).update(survey_enabled=False)
    c = checks(m)["survey_response"]
    assert c.passed is None and c.evidence == "This series runs no survey."


def test_thresholds_are_series_settings(team):
    type(team.series).objects.filter(pk=team.series.pk).update(
        agenda_lead_hours=48, start_tolerance_minutes=10, end_tolerance_minutes=0, minutes_deadline_hours=2, survey_target_percent=50
    )
    m = team.held(23, agenda_published_at=at(11, 23) - 30 * H, actual_start=at(11, 23, 9, 39), actual_end=at(11, 23, 10, 31))
    minutes(m, at(11, 23, 12, 0))
    _survey(m, invited=10, answered=5, closes=at(11, 26))
    assert passed(m) | {} == {
        "agenda_on_time": False, "started_on_time": True, "ended_on_time": False, "required_present": None,
        "reports_in": None, "minutes_on_time": True, "decisions_have_actions": None, "actions_reviewed": None,
        "survey_response": True,
    }  # fmt: skip
    assert meeting_compliance(meeting=m).score == 60  # 3 of 5 applicable


def test_score_is_passed_over_applicable(team):
    m = team.held(23, agenda_published_at=at(11, 22), actual_start=at(11, 23), actual_end=at(11, 23, 10, 50))
    minutes(m, at(11, 23, 15))
    result = meeting_compliance(meeting=m)
    # agenda ✓ (33.5 h), start ✓, end ✗ (20 min over), minutes ✓ → 3 of 4
    assert (result.passed, result.applicable, result.score) == (3, 4, 75)


def test_the_table_takes_one_query_for_any_number_of_meetings(team):
    for day in (2, 9, 16, 23, 30):
        m = team.held(day, actual_start=at(11, day), actual_end=at(11, day, 10, 30))
        attend(m, team.a, "present")
        Decision.objects.create(meeting=m, text="决议")
    with CaptureQueriesContext(connection) as queries:
        rows = compliance_table(meetings=team.series.meetings.all())
    assert len(queries) == 1
    assert len(rows) == 5 and all(r.checks[1].passed for r in rows)
    assert [r.meeting.start for r in rows] == [at(11, d) for d in (2, 9, 16, 23, 30)]
