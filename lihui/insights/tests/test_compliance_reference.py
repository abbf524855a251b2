"""The compliance aggregate against a plain per-meeting Python computation.

A seeded random data set — several series with different rules, meetings held, cancelled
and scheduled, attendance of members, optional members, outsiders and guests, reports on
time, late and never submitted, decisions with and without actions, earlier actions open,
closed and reviewed (twice, in another meeting, from another series), surveys open and
closed, and times that fall exactly on a threshold, a microsecond either side of it — is
checked meeting by meeting (`compliance_table`: every check and every figure it was judged
on) and period by period (`health_report`: the compliance and checks measures) against
`reference`, which reads the rows one by one and applies the rules as the documentation
states them. Whatever SQL computes the aggregate, it must give these results."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest
import time_machine

from lihui.actions.models import ActionItem, ActionUpdate, Decision
from lihui.insights.compliance import CHECK_KEYS, compliance_table
from lihui.insights.health import _rate, health_report, health_scope
from lihui.meetings.models import AgendaItem, Attendance, Guest, Meeting
from lihui.minutes.models import Minutes
from lihui.regime.models import Membership, Series
from lihui.reports.models import Report
from lihui.surveys.models import Respondent, Survey
from lihui.testing.factories import PersonFactory, make_series

from .builders import NOW, SHANGHAI

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
US = dt.timedelta(microseconds=1)
PRESENT = {"present", "late", "remote"}
STATUSES = ["present", "present", "late", "remote", "excused", "absent"]
KINDS = ["opening", "review", "report", "report", "discussion", "decision", "plan", "recap", "other"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _near(rng: random.Random, base: dt.datetime, edge: dt.timedelta, spread: dt.timedelta) -> dt.datetime:
    """A time around `base + edge`: exactly on it, a microsecond either side, or anywhere
    within `spread` of it (with microseconds, which SQLite keeps as text)."""
    r = rng.random()
    if r < 0.2:
        return base + edge
    if r < 0.3:
        return base + edge - US
    if r < 0.4:
        return base + edge + US
    return base + edge + rng.uniform(-1, 1) * spread + rng.randrange(1_000_000) * US


def build(seed: int = 20261202) -> list[Series]:
    rng = random.Random(seed)
    people = [PersonFactory(name=f"成员{i}") for i in range(14)]
    outsiders = [PersonFactory(name=f"旁听{i}") for i in range(3)]
    configs = [
        # (start date, weekday, start time, rules)
        (dt.date(2026, 7, 6), "0", dt.time(9, 30), {}),
        (dt.date(2026, 8, 4), "1", dt.time(23, 30), {"agenda_lead_hours": 48, "start_tolerance_minutes": 0,
                                                     "end_tolerance_minutes": 10, "minutes_deadline_hours": 2,
                                                     "survey_target_percent": 50}),  # fmt: skip
        (dt.date(2026, 9, 2), "2", dt.time(0, 15), {"review_actions": False, "survey_enabled": False}),
        (dt.date(2026, 9, 3), "3", dt.time(14, 0), {"duration_minutes": 90, "minutes_deadline_hours": 72}),
    ]
    all_series = []
    for i, (start_date, weekday, start_time, rules) in enumerate(configs):
        chair, *roster = rng.sample(people, 6)
        roles = ["minute_taker", "member", "member", "optional", "optional"]
        series = make_series(chair=chair, roster=list(zip(roster, roles)), title=f"例会{i}", start_date=start_date,
                             weekdays=weekday, start_time=start_time)  # fmt: skip
        Series.objects.filter(pk=series.pk).update(**rules)
        if i == 3:  # no required members at all
            Membership.objects.filter(series=series).update(role=Membership.Role.OPTIONAL)
        series.refresh_from_db()
        all_series.append(series)
        members = [chair, *roster]
        meetings = list(series.meetings.filter(start__lt=NOW + 14 * 24 * H).order_by("start"))
        # An extra meeting, not from the cadence, in the same week as another.
        extra_start = meetings[len(meetings) // 2].start + 2 * 24 * H + 5 * H
        meetings.append(Meeting.objects.create(series=series, origin="extra", start=extra_start,
                                               duration_minutes=series.duration_minutes))  # fmt: skip
        # Held an hour ago: its minutes are not due yet (unless published already).
        meetings.append(Meeting.objects.create(series=series, origin="extra", start=NOW - H - i * 10 * M, duration_minutes=30))
        meetings.sort(key=lambda m: m.start)
        for m in meetings:
            _meeting(rng, series, m, members, outsiders)
        _actions(rng, series, meetings, members, review_rate=0.9 if i == 0 else 0.4)
    # Reviews recorded in a meeting of another series: never count.
    a = ActionItem.objects.filter(series=all_series[0]).first()
    other = Meeting.objects.filter(series=all_series[1], status="held").last()
    ActionUpdate.objects.create(action=a, kind="review", meeting=other)
    return all_series


def _meeting(rng, series, m, members, outsiders):
    status = "scheduled"
    if m.start < NOW - 2 * H:
        status = rng.choices(["held", "cancelled", "skipped"], weights=[85, 10, 5])[0]
    elif m.start < NOW:
        status = "held"
    fields = {"status": status, "duration_minutes": rng.choice([series.duration_minutes, 30, 45, 120])}
    start, length = m.start, dt.timedelta(minutes=fields["duration_minutes"])
    if rng.random() < 0.85:
        fields["agenda_published_at"] = _near(rng, start, -series.agenda_lead_hours * H, 30 * H)
    if status != "scheduled" and rng.random() < 0.9:
        r = rng.random()
        if r < 0.1:  # run outside its slot: early or ad hoc, judged from its own start
            actual_start = start + rng.choice([-3 * H, -H - US, -H, 3 * H, length + US, length])
            actual_start += rng.choice([dt.timedelta(0), rng.randrange(60_000_000) * US])
        else:
            actual_start = _near(rng, start, series.start_tolerance_minutes * M, 12 * M)
        fields["actual_start"] = actual_start
        if rng.random() < 0.85:
            anchor = actual_start if abs(actual_start - start) > H else start
            fields["actual_end"] = _near(rng, anchor, length + series.end_tolerance_minutes * M, 25 * M)
    elif status != "scheduled" and rng.random() < 0.3:
        fields["actual_end"] = start + length + rng.randrange(-20, 20) * M  # an end without a start
    Meeting.objects.filter(pk=m.pk).update(**fields)
    m.refresh_from_db()
    if status == "scheduled" and rng.random() < 0.7:
        return

    # Attendance: roster members, outsiders, guests.
    if rng.random() < 0.85:
        for p in members + rng.sample(outsiders, rng.randint(0, 2)):
            if rng.random() < 0.85:
                Attendance.objects.create(meeting=m, person=p, status=rng.choice(STATUSES))
    items = [AgendaItem.objects.create(meeting=m, kind=rng.choice(KINDS), title="议题", position=k)
             for k in range(rng.randint(0, 6))]  # fmt: skip
    if items and rng.random() < 0.3:
        guest = Guest.objects.create(item=items[0], name="财务老李")
        Attendance.objects.create(meeting=m, guest=guest, status=rng.choice(STATUSES))
    began = m.actual_start or m.start
    for it in items:
        if it.kind == "report" and rng.random() < 0.85:
            submitted = None if rng.random() < 0.2 else _near(rng, began, dt.timedelta(0), 20 * H)
            Report.objects.create(item=it, submitted_at=submitted)
    # Minutes: none, a draft, or published around the deadline.
    end = m.actual_end or (m.start + dt.timedelta(minutes=m.duration_minutes))
    r = rng.random()
    if r < 0.7:
        published = _near(rng, end, series.minutes_deadline_hours * H, 20 * H)
        Minutes.objects.create(meeting=m, state="published", published_at=published)
    elif r < 0.85:
        Minutes.objects.create(meeting=m, state="draft")
    # Decisions (an action for some of them comes with the actions).
    for _k in range(rng.choice([0, 0, 1, 2, 3])):
        Decision.objects.create(meeting=m, text="决议")
    # A survey: invited none, some; closed, still open; answered by some.
    if rng.random() < 0.5:
        invited = rng.choice([0, 4, 5, 10])
        closes = rng.choice([began + 3 * 24 * H, NOW + 24 * H, NOW - US, NOW + US, NOW])
        survey = Survey.objects.create(meeting=m, opened_at=began, closes_at=closes, invited=invited)
        for p in rng.sample(members + outsiders, rng.randint(0, min(invited + 1, 9))):
            Respondent.objects.create(survey=survey, person=p)


def _actions(rng, series, meetings, members, *, review_rate: float):
    created_actions = []
    for m in meetings:
        began = m.actual_start or m.start
        decisions = list(Decision.objects.filter(meeting=m))
        for _k in range(rng.choice([0, 1, 2, 3])):
            decision = rng.choice(decisions + [None]) if decisions else None
            # Usually recorded in the meeting; sometimes long before or after it.
            created = rng.choice([began + 20 * M, began + 20 * M, began - 5 * 24 * H, began + 10 * 24 * H, began])
            created += rng.randrange(1_000_000) * US
            r = rng.random()
            status, closed = "open", None
            if r < 0.5:
                status = rng.choice(["done", "cancelled"])
                closed = created + rng.choice([H, 3 * 24 * H, 8 * 24 * H, 20 * 24 * H]) + rng.randrange(1_000_000) * US
            elif r < 0.6:
                status = "blocked"
            a = ActionItem.objects.create(series=series, meeting=m, title="行动", owner=rng.choice(members),
                                          due=began.date() + dt.timedelta(days=7), status=status, closed_at=closed,
                                          decision=decision)  # fmt: skip
            ActionItem.objects.filter(pk=a.pk).update(created=created)
            a.refresh_from_db()
            created_actions.append(a)
    held = [m for m in meetings if m.status == "held"]
    for a in created_actions:
        # Reviews in later meetings (sometimes twice), or in the meeting of the action itself;
        # other kinds of update in a meeting are not reviews.
        for m in held:
            if m.start > a.meeting.start and rng.random() < review_rate:
                ActionUpdate.objects.create(action=a, kind="review", meeting=m)
                if rng.random() < 0.1:
                    ActionUpdate.objects.create(action=a, kind="review", meeting=m)
            elif m.pk == a.meeting_id and rng.random() < 0.2:
                ActionUpdate.objects.create(action=a, kind="review", meeting=m)
            elif rng.random() < 0.05:
                ActionUpdate.objects.create(action=a, kind=rng.choice(["comment", "status"]), meeting=m)


# --- the reference: one meeting at a time, in Python ------------------------------------


def reference(m: Meeting, now: dt.datetime) -> tuple[dict, dict]:
    """(check → 1 / 0 / None, figures) of held meeting `m`, from its rows."""
    s = Series.objects.get(pk=m.series_id)
    length = dt.timedelta(minutes=m.duration_minutes)
    began = m.actual_start or m.start
    c: dict = {}

    c["agenda_on_time"] = int(m.agenda_published_at is not None and m.agenda_published_at <= m.start - s.agenda_lead_hours * H)
    # On time: within the tolerance after the slot, and not more than an hour before it.
    c["started_on_time"] = None if m.actual_start is None else int(
        m.start - 60 * M <= m.actual_start <= m.start + s.start_tolerance_minutes * M
    )
    outside = m.actual_start is not None and (m.actual_start < m.start - H or m.actual_start > m.start + length)
    target_end = (m.actual_start if outside else m.start) + length
    c["ended_on_time"] = None if m.actual_end is None else int(m.actual_end <= target_end + s.end_tolerance_minutes * M)

    required = {ms.person_id for ms in Membership.objects.filter(series=s) if ms.role != "optional"}
    rows = list(Attendance.objects.filter(meeting=m))
    attended = sum(1 for a in rows if a.person_id in required and a.status in PRESENT)
    excused = sum(1 for a in rows if a.person_id in required and a.status == "excused")
    c["required_present"] = None if not rows or not required else int(len(required) <= attended + excused)

    reports = [it for it in AgendaItem.objects.filter(meeting=m) if it.kind == "report"]
    reports_in = 0
    for it in reports:
        report = Report.objects.filter(item=it).first()
        reports_in += report is not None and report.submitted_at is not None and report.submitted_at <= began
    c["reports_in"] = None if not reports else int(reports_in >= len(reports))

    deadline = (m.actual_end or m.start + length) + s.minutes_deadline_hours * H
    minutes = Minutes.objects.filter(meeting=m).first()
    published = minutes.published_at if minutes else None
    if published is not None:
        c["minutes_on_time"] = int(published <= deadline)
    else:
        c["minutes_on_time"] = None if deadline > now else 0

    decisions = list(Decision.objects.filter(meeting=m))
    decided = sum(1 for d in decisions if ActionItem.objects.filter(decision=d).exists())
    c["decisions_have_actions"] = None if not decisions else int(decided >= len(decisions))

    due = [
        a for a in ActionItem.objects.filter(series=s).select_related("meeting")
        if a.meeting.start < m.start and a.created < began and (a.closed_at is None or a.closed_at >= began)
    ]  # fmt: skip
    reviewed_ids = set(ActionUpdate.objects.filter(meeting=m, kind="review").values_list("action_id", flat=True))
    reviewed = sum(1 for a in due if a.pk in reviewed_ids)
    c["actions_reviewed"] = None if not s.review_actions or not due else int(reviewed >= len(due))

    survey = Survey.objects.filter(meeting=m).first()
    respondents = Respondent.objects.filter(survey=survey).count() if survey else 0
    if not s.survey_enabled or survey is None or not survey.invited:
        c["survey_response"] = None
    elif respondents * 100 >= survey.invited * s.survey_target_percent:
        c["survey_response"] = 1
    else:
        c["survey_response"] = None if survey.closes_at > now else 0

    figures = {
        "cx_required": len(required), "cx_attendance": len(rows), "cx_attended": attended, "cx_excused": excused,
        "cx_reports": len(reports), "cx_reports_in": reports_in, "cx_decisions": len(decisions), "cx_decided": decided,
        "cx_review_due": len(due), "cx_reviewed": reviewed, "cx_respondents": respondents,
        "cx_minutes_published": published, "cx_invited": survey.invited if survey else None,
    }  # fmt: skip
    return c, figures


@pytest.fixture
def world():
    return build()


def test_every_meeting_as_the_reference_judges_it(world):
    meetings = Meeting.objects.filter(series__in=world)
    held = list(meetings.filter(status="held").order_by("start", "id"))
    assert len(held) > 60
    table = compliance_table(meetings=meetings)
    assert [r.meeting.pk for r in table] == [m.pk for m in held]
    seen = defaultdict(set)
    for row in table:
        expected, figures = reference(row.meeting, NOW)
        got = {c.key: (None if c.passed is None else int(c.passed)) for c in row.checks}
        assert got == expected, row.meeting
        assert {k: getattr(row.meeting, k) for k in figures} == figures, row.meeting
        for key, value in expected.items():
            seen[key].add(value)
    # The data set exercises every outcome of every check.
    assert all(seen[key] == {0, 1, None} for key in CHECK_KEYS if key != "agenda_on_time"), dict(seen)
    assert seen["agenda_on_time"] == {0, 1}


@pytest.mark.parametrize("period", ["12w", "6m", "12m"])
def test_health_rates_as_the_reference_sums_them(world, period):
    series = Series.objects.filter(pk__in=[s.pk for s in world])
    report = health_report(series=series, period=period, zone=SHANGHAI)
    scope = health_scope(series=series, period=period, zone=SHANGHAI)
    assert report.held_meetings > 10

    # Sum the reference's checks per period, as the health page does.
    sums: dict = defaultdict(lambda: defaultdict(int))
    for m in scope.held():
        local = m.start.astimezone(SHANGHAI).date()
        key = local - dt.timedelta(days=local.weekday()) if scope.unit == "week" else local.replace(day=1)
        checks, _figures = reference(m, NOW)
        sums[key]["meetings"] += 1
        for check, value in checks.items():
            if value is not None:
                sums[key][f"{check}__passed"] += value
                sums[key][f"{check}__applicable"] += 1

    expected_rows = []
    totals: dict = defaultdict(int)
    for p in scope.periods:
        r = sums.get(p.start, {})
        row = {"period": p.label, "meetings": r.get("meetings", 0)}
        passed = applicable = 0
        for check in CHECK_KEYS:
            kp, ka = r.get(f"{check}__passed", 0), r.get(f"{check}__applicable", 0)
            row[check] = _rate(kp, ka)
            passed, applicable = passed + kp, applicable + ka
            totals[f"{check}__passed"] += kp
            totals[f"{check}__applicable"] += ka
        row["score"] = _rate(passed, applicable)
        expected_rows.append(row)
    assert report.measure("compliance").rows == expected_rows
    assert sum(r["meetings"] for r in expected_rows) == report.held_meetings
    checks = {r["key"]: (r["passed"], r["applicable"]) for r in report.measure("checks").rows}
    assert checks == {k: (totals[f"{k}__passed"], totals[f"{k}__applicable"]) for k in CHECK_KEYS}
