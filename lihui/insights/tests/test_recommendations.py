"""Each recommendation rule fires on its fixture, with its figure and evidence, and stays
silent on a healthy series; the one-click change (make an absentee optional) works and is
for the series' managers only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from lihui.actions.models import ActionItem
from lihui.insights.selectors import series_recommendations
from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.regime.models import AgendaKind, Membership
from lihui.surveys.models import Respondent, Response, Survey
from lihui.testing.factories import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=SH)  # a Saturday; the series meets on Mondays


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        chair = PersonFactory(username="chair", name="周云")
        wang = PersonFactory(username="wangwu", name="王五")
        li = PersonFactory(username="li", name="李四")
        series = make_series(chair=chair, roster=[(wang, "member"), (li, "member")], start_date=dt.date(2026, 9, 7),
                             duration_minutes=60)  # fmt: skip
        held = list(Meeting.objects.filter(series=series, start__lt=timezone.now()).order_by("start"))
        for m in held:
            m.status = Meeting.Status.HELD
            m.actual_start, m.actual_end = m.start, m.start + dt.timedelta(minutes=60)
        Meeting.objects.bulk_update(held, ["status", "actual_start", "actual_end"])
        for m in held:
            AgendaItem.objects.create(meeting=m, kind=AgendaKind.REPORT, title="汇报", minutes_allotted=20, seconds_used=20 * 60)
            AgendaItem.objects.create(meeting=m, kind=AgendaKind.DISCUSSION, title="讨论", minutes_allotted=40, seconds_used=40 * 60)
            for p in (chair, wang, li):
                Attendance.objects.create(meeting=m, person=p, status="present")
        yield dict(series=series, held=held, chair=chair, wang=wang, li=li)


def keys(series):
    with time_machine.travel(NOW, tick=False), translation.override("zh-hans"):
        return {r.key: r for r in series_recommendations(series=series)}


def test_a_healthy_series_gets_no_recommendation(world):
    assert keys(world["series"]) == {}


def test_overrun_fires_on_the_average_of_the_last_four_meetings(world):
    for m, over in zip(world["held"][-4:], (10, 20, 22, 20)):  # average 18
        Meeting.objects.filter(pk=m.pk).update(actual_end=m.start + dt.timedelta(minutes=60 + over))
    found = keys(world["series"])
    assert set(found) == {"overrun"}
    assert found["overrun"].figures == {"average_overrun_minutes": 18}
    assert "18" in found["overrun"].text and len(found["overrun"].evidence) == 4
    # Within the tolerance (5 minutes) it stays silent.
    for m in world["held"][-4:]:
        Meeting.objects.filter(pk=m.pk).update(actual_end=m.start + dt.timedelta(minutes=64))
    assert "overrun" not in keys(world["series"])


def make_actions(world, *, on_time: int, late: int, open_overdue: int):
    meeting = world["held"][-6]
    due = dt.date(2026, 11, 1)
    for n in range(on_time + late + open_overdue):
        closed = None
        if n < on_time:
            closed = dt.datetime(2026, 10, 31, 17, 0, tzinfo=SH)
        elif n < on_time + late:
            closed = dt.datetime(2026, 11, 5, 17, 0, tzinfo=SH)
        ActionItem.objects.create(series=world["series"], meeting=meeting, title=f"事{n}", owner=world["li"], due=due,
                                  status="done" if closed else "open", closed_at=closed)  # fmt: skip


def test_action_on_time_rate_fires_below_seventy_percent(world):
    make_actions(world, on_time=13, late=7, open_overdue=5)  # 13 of 25 = 52 %
    found = keys(world["series"])
    assert set(found) == {"action_on_time"}
    assert found["action_on_time"].figures == {"on_time_percent": 52, "actions": 25}
    assert "52%" in found["action_on_time"].text


def test_action_on_time_rate_stays_silent_at_seventy_percent(world):
    make_actions(world, on_time=7, late=2, open_overdue=1)
    assert keys(world["series"]) == {}


def test_an_absentee_three_times_running_can_be_made_optional_after_a_confirmation_and_undone(world):
    """Issue 16, list 6: applying happened in one click, with no confirmation and no undo. The
    button opens a page that shows what will change; only its Confirm changes the roster
    (through membership_role_set, audited); the page then offers an undo that restores the
    member through the same service."""
    from lihui.audit.models import AuditEntry

    for m in world["held"][-3:]:
        Attendance.objects.filter(meeting=m, person=world["wang"]).update(status="absent")
    found = keys(world["series"])
    key = f"absentee:{world['wang'].pk}"
    assert set(found) == {key}
    assert "王五" in found[key].text and "3" in found[key].text
    apply = found[key].apply
    role = lambda: Membership.objects.get(series=world["series"], person=world["wang"]).role  # noqa: E731
    outsider = Client()
    outsider.force_login(world["li"])
    assert outsider.get(apply.url, apply.fields).status_code == 403
    assert outsider.post(apply.url, {**apply.fields, "do": "apply"}).status_code == 403
    chair = Client()
    chair.force_login(world["chair"])
    # the health page's button asks first: nothing changes until Confirm
    health = chair.get(f"/series/{world['series'].pk}/health/").content.decode()
    assert f'action="{apply.url}"' in health and 'method="get"' in health
    for ask in (chair.get(apply.url, apply.fields), chair.post(apply.url, apply.fields)):
        assert ask.status_code == 200 and 'data-testid="confirm"' in ask.content.decode()
        assert 'value="apply"' in ask.content.decode()
    assert role() == Membership.Role.MEMBER
    # Confirm: the change, then the same page with an undo
    response = chair.post(apply.url, {**apply.fields, "do": "apply", "next": "//evil.example/"})
    assert response.status_code == 302 and "evil" not in response["Location"]
    assert role() == Membership.Role.OPTIONAL
    assert keys(world["series"]) == {}  # an optional member is not expected
    page = chair.get(response["Location"])
    assert 'data-testid="undo"' in page.content.decode() and 'value="undo"' in page.content.decode()
    entries = AuditEntry.objects.count()
    back = chair.post(apply.url, {**apply.fields, "do": "undo", "next": f"/series/{world['series'].pk}/health/"})
    assert (back.status_code, back["Location"]) == (302, f"/series/{world['series'].pk}/health/")
    assert role() == Membership.Role.MEMBER
    assert AuditEntry.objects.count() == entries + 1  # the undo is audited like the change
    assert set(keys(world["series"])) == {key}
    # a second undo, bad people and bad steps change nothing and never fail
    assert chair.post(apply.url, {**apply.fields, "do": "undo"}).status_code == 302
    for bad in ({"person": "x"}, {"person": "9" * 40}, {"person": world["chair"].pk}, {}):
        assert chair.get(apply.url, bad).status_code == 302
        assert chair.post(apply.url, {**bad, "do": "apply"}).status_code == 302
    assert chair.post(apply.url, {**apply.fields, "do": "explode"}).status_code == 200
    assert role() == Membership.Role.MEMBER


def test_absent_twice_or_excused_does_not_fire(world):
    for m in world["held"][-2:]:
        Attendance.objects.filter(meeting=m, person=world["wang"]).update(status="absent")
    Attendance.objects.filter(meeting=world["held"][-3], person=world["wang"]).update(status="excused")
    assert keys(world["series"]) == {}


def test_reporting_share_fires_at_sixty_percent_over_six_weeks(world):
    AgendaItem.objects.filter(meeting__in=world["held"][-6:], kind=AgendaKind.REPORT).update(seconds_used=48 * 60)
    AgendaItem.objects.filter(meeting__in=world["held"][-6:], kind=AgendaKind.DISCUSSION).update(seconds_used=12 * 60)
    found = keys(world["series"])
    assert set(found) == {"reporting"}
    assert found["reporting"].figures == {"report_share_percent": 80}


def answer(meeting, scores):
    survey = Survey.objects.create(meeting=meeting, opened_at=meeting.end, closes_at=meeting.end + dt.timedelta(days=3), invited=3)
    for s in scores:
        Response.objects.create(survey=survey, purpose_clear=4, time_well_used=4, outcomes_useful=4, discussion_open=4, overall=s)
    Respondent.objects.bulk_create([Respondent(survey=survey, person=p) for p in [PersonFactory() for _ in scores]])


def test_satisfaction_falling_three_times_in_a_row_fires(world, settings):
    settings.LIHUI_SURVEY_MIN_ANSWERS = 2  # two answers a meeting count here
    for m, scores in zip(world["held"][-4:], ([5, 4], [4, 4], [4, 3], [3, 3])):  # 4.5 → 4.0 → 3.5 → 3.0
        answer(m, scores)
    found = keys(world["series"])
    assert set(found) == {"satisfaction"}
    assert found["satisfaction"].figures == {"overall": [4.5, 4.0, 3.5, 3.0]}


def test_satisfaction_from_fewer_answers_than_the_minimum_is_no_evidence(world):
    """Its evidence is each meeting's average: with 2 answers a meeting (minimum 3) it would
    tell what the two answered, so the rule does not see them."""
    for m, scores in zip(world["held"][-4:], ([5, 4], [4, 4], [4, 3], [3, 3])):
        answer(m, scores)
    assert keys(world["series"]) == {}


def test_satisfaction_that_recovers_once_does_not_fire(world):
    for m, scores in zip(world["held"][-4:], ([5, 4], [4, 4], [4, 5], [3, 3])):
        answer(m, scores)
    assert keys(world["series"]) == {}


def test_recommendations_cost_five_queries_with_or_without_findings(world, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(5):
        series_recommendations(series=world["series"])
    for m in world["held"][-3:]:
        Attendance.objects.filter(meeting=m, person=world["wang"]).update(status="absent")
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(5):
        assert series_recommendations(series=world["series"])
