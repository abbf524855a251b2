"""Materializing occurrences, exceptions that survive re-planning, numbering, load."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from lihui.meetings.models import Meeting
from lihui.meetings.selectors import people_load, series_load
from lihui.meetings.services import planning as services
from lihui.people.models import Person
from lihui.regime import services as regime
from lihui.regime.models import CadenceWindow, CompanyDayOff
from lihui.testing.factories import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=SH)  # a Wednesday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def assert_numbers_consistent(series) -> None:
    """Numbers count the meetings that take place, 1, 2, 3 … in time order; the others have none."""
    rows = list(series.meetings.order_by("start", "id").values_list("status", "number"))
    counted = [n for status, n in rows if status in ("scheduled", "held")]
    assert counted == list(range(1, len(counted) + 1))
    assert all(n is None for status, n in rows if status not in ("scheduled", "held"))


def local(m: Meeting) -> str:
    return m.start.astimezone(SH).strftime("%Y-%m-%d %H:%M")


def test_series_create_plans_from_first_date_to_horizon(settings):
    settings.LIHUI_PLAN_HORIZON_DAYS = 30
    chair = PersonFactory()
    series = make_series(chair=chair, start_date=dt.date(2026, 11, 2))
    starts = [local(m) for m in series.meetings.all()]
    assert starts[0] == "2026-11-02 09:30"
    assert starts[-1] == "2026-12-21 09:30"  # the last Monday within now + 30 days
    assert [m.number for m in series.meetings.all()] == list(range(1, len(starts) + 1))
    series.refresh_from_db()
    assert series.planned_until == dt.date(2026, 12, 25)


def test_move_cancel_add_survive_a_rule_change():
    chair = PersonFactory()
    series = make_series(chair=chair)
    future = list(series.meetings.filter(start__gt=NOW))
    moved = services.meeting_move(actor=chair, meeting=future[0], date=dt.date(2026, 12, 1), start_time=dt.time(14), location="301")
    cancelled = services.meeting_cancel(actor=chair, meeting=future[1], reason="双十二值班")
    extra = services.meeting_add(actor=chair, series=series, date=dt.date(2026, 12, 3), start_time=dt.time(10))
    past_ids = set(series.meetings.filter(start__lt=NOW).values_list("id", flat=True))

    # The chair changes the rule: Tuesdays at 10:00 instead of Mondays at 09:30.
    regime.series_update(actor=chair, series=series, data={"weekdays": "1", "start_time": dt.time(10)})

    assert set(series.meetings.filter(start__lt=NOW).values_list("id", flat=True)) == past_ids
    moved.refresh_from_db(), cancelled.refresh_from_db(), extra.refresh_from_db()
    assert local(moved) == "2026-12-01 14:00" and moved.location == "301"
    assert cancelled.status == Meeting.Status.CANCELLED and cancelled.cancel_reason == "双十二值班"
    assert local(extra) == "2026-12-03 10:00"
    assert_numbers_consistent(series)
    rule_future = series.meetings.filter(start__gt=NOW, is_exception=False)
    assert rule_future.exists()
    assert all(m.start.astimezone(SH).weekday() == 1 and local(m).endswith("10:00") for m in rule_future)


def test_numbers_skip_cancelled_meetings_and_past_numbers_stay():
    chair = PersonFactory()
    series = make_series(chair=chair)
    past_numbers = list(series.meetings.filter(start__lt=NOW).values_list("number", flat=True))
    future = list(series.meetings.filter(start__gt=NOW))
    services.meeting_cancel(actor=chair, meeting=future[0], reason="停会")
    future = list(series.meetings.filter(start__gt=NOW).order_by("start"))
    assert future[0].number is None
    assert future[1].number == past_numbers[-1] + 1
    assert_numbers_consistent(series)
    assert list(series.meetings.filter(start__lt=NOW).values_list("number", flat=True)) == past_numbers


def test_rotating_minute_taker_takes_turns():
    chair, a, b = PersonFactory(), PersonFactory(), PersonFactory()
    series = regime.series_create(
        actor=chair,
        data={
            "title": "轮值", "frequency": "weekly", "weekdays": "0", "start_time": dt.time(9, 30), "duration_minutes": 60,
            "start_date": dt.date(2026, 11, 30), "time_zone": "Asia/Shanghai", "minute_taker_rotates": True,
        },
        roster=[regime.RosterEntry(chair, "chair"), regime.RosterEntry(a, "member", 1), regime.RosterEntry(b, "member", 2)],
    )  # fmt: skip
    takers = list(series.meetings.order_by("start").values_list("minute_taker_id", flat=True)[:4])
    assert takers == [a.pk, b.pk, a.pk, b.pk]


def test_window_add_and_remove_replans_future():
    chair = PersonFactory()
    series = make_series(chair=chair)
    window = regime.cadence_window_add(
        actor=chair,
        series=series,
        data={"kind": "peak", "name": "双十二", "start_date": dt.date(2026, 12, 8), "end_date": dt.date(2026, 12, 14),
              "frequency": "daily", "interval": 2, "start_time": dt.time(18)},
    )  # fmt: skip
    inside = series.meetings.filter(window=window)
    assert [local(m) for m in inside] == ["2026-12-08 18:00", "2026-12-10 18:00", "2026-12-12 18:00", "2026-12-14 18:00"]
    # The Monday inside the window (14 Dec) gave way to the window's cadence; 7 Dec is outside it.
    base_starts = [local(m) for m in series.meetings.filter(window=None, start__gt=NOW)][:4]
    assert base_starts == ["2026-11-30 09:30", "2026-12-07 09:30", "2026-12-21 09:30", "2026-12-28 09:30"]
    window_id = window.pk
    regime.cadence_window_remove(actor=chair, window=window)
    assert not series.meetings.filter(window_id=window_id).exists()
    assert not series.meetings.filter(start__hour=10).exists()  # 18:00 Shanghai is 10:00 UTC
    assert local(series.meetings.get(start__date=dt.date(2026, 12, 14))) == "2026-12-14 09:30"


def test_overlapping_windows_are_refused_and_nothing_saved():
    chair = PersonFactory()
    series = make_series(chair=chair)
    data = {"kind": "peak", "start_date": dt.date(2026, 12, 8), "end_date": dt.date(2026, 12, 14), "frequency": "daily"}
    regime.cadence_window_add(actor=chair, series=series, data=data)
    count = series.meetings.count()
    with pytest.raises(ValidationError) as err:
        regime.cadence_window_add(actor=chair, series=series, data={**data, "start_date": dt.date(2026, 12, 14), "end_date": dt.date(2026, 12, 20)})
    assert "overlaps" in str(err.value) or "重叠" in str(err.value)
    assert CadenceWindow.objects.filter(series=series).count() == 1
    assert series.meetings.count() == count


def test_holiday_rule_marks_skipped_and_moved_meetings():
    chair = PersonFactory()
    with time_machine.travel(dt.datetime(2026, 9, 1, tzinfo=SH), tick=False):
        skip = make_series(chair=chair, start_date=dt.date(2026, 9, 7), holiday_policy="skip")
        move = make_series(chair=chair, start_date=dt.date(2026, 9, 7), holiday_policy="next_workday")
    s = skip.meetings.get(rule_start__date=dt.date(2026, 10, 5))
    assert (s.status, s.holiday, s.number) == (Meeting.Status.SKIPPED, "National Day", None)
    m = move.meetings.get(rule_start__date=dt.date(2026, 10, 5))
    assert (local(m), m.moved_from, m.holiday) == ("2026-10-08 09:30", dt.date(2026, 10, 5), "National Day")


def test_company_day_off_replans_every_series():
    admin = PersonFactory(is_staff=True)
    chair = PersonFactory()
    series = make_series(chair=chair, holiday_policy="skip")
    regime.company_day_off_add(actor=admin, date=dt.date(2026, 12, 7), name="公司年会")
    m = series.meetings.get(rule_start__date=dt.date(2026, 12, 7))
    assert (m.status, m.holiday) == (Meeting.Status.SKIPPED, "公司年会")
    with pytest.raises(PermissionDenied):
        regime.company_day_off_add(actor=chair, date=dt.date(2026, 12, 8), name="x")
    assert CompanyDayOff.objects.count() == 1


def test_worker_extends_horizon_once(settings):
    settings.LIHUI_PLAN_HORIZON_DAYS = 30
    chair = PersonFactory()
    series = make_series(chair=chair)
    last = series.meetings.order_by("start").last().start
    with time_machine.travel(NOW + dt.timedelta(days=14), tick=False):
        assert services.meetings_extend_horizon() == 1
        assert services.meetings_extend_horizon() == 0  # nothing left to claim
    assert series.meetings.order_by("start").last().start == last + dt.timedelta(weeks=2)
    assert list(series.meetings.values_list("number", flat=True)) == list(range(1, series.meetings.count() + 1))


def test_only_chair_and_admin_change_occurrences():
    chair, member = PersonFactory(), PersonFactory()
    series = make_series(chair=chair, roster=[(member, "member")])
    meeting = series.meetings.filter(start__gt=NOW).first()
    with pytest.raises(PermissionDenied):
        services.meeting_cancel(actor=member, meeting=meeting, reason="x")
    with pytest.raises(PermissionDenied):
        regime.series_update(actor=member, series=series, data={"title": "x"})
    admin = PersonFactory(is_staff=True)
    services.meeting_cancel(actor=admin, meeting=meeting, reason="管理员取消")


@pytest.mark.parametrize(
    "data, field",
    [
        ({"interval": 0}, "interval"),
        ({"weekdays": ""}, "weekdays"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes"),
        ({"end_date": dt.date(2026, 10, 1)}, "end_date"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"frequency": "monthly", "month_day": 32}, "month_day"),
        ({"end_date": dt.date(2026, 11, 3), "weekdays": "6", "start_date": dt.date(2026, 11, 2)}, "__all__"),
        ({"end_date": dt.date(2026, 12, 1), "count": 3}, "count"),
    ],
)
def test_bad_series_input_is_refused_and_nothing_saved(data, field):
    chair = PersonFactory()
    with pytest.raises(ValidationError) as err:
        make_series(chair=chair, **data)
    assert field in err.value.error_dict
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    "roster",
    [
        [],  # no chair
        ["chair"],  # two chairs
        ["minute_taker", "minute_taker"],
    ],
)
def test_bad_roster_is_refused(roster):
    chair = PersonFactory()
    with pytest.raises(ValidationError) as err:
        make_series(chair=chair, roster=[(PersonFactory(), role) for role in roster]) if roster else regime.series_create(
            actor=chair, data={"title": "x", "start_time": dt.time(9), "duration_minutes": 60, "start_date": dt.date(2026, 12, 1),
                               "weekdays": "1", "time_zone": "Asia/Shanghai"}, roster=[regime.RosterEntry(chair, "member")]
        )  # fmt: skip
    assert "roster" in err.value.error_dict
    assert not Meeting.objects.exists()


def test_move_refuses_past_and_bad_duration():
    chair = PersonFactory()
    series = make_series(chair=chair)
    meeting = series.meetings.filter(start__gt=NOW).first()
    with pytest.raises(ValidationError):
        services.meeting_move(actor=chair, meeting=meeting, date=dt.date(2026, 11, 1), start_time=dt.time(9))
    with pytest.raises(ValidationError):
        services.meeting_move(actor=chair, meeting=meeting, date=dt.date(2026, 12, 9), start_time=dt.time(9), duration_minutes=0)
    past = series.meetings.filter(start__lt=NOW).first()
    with pytest.raises(ValidationError):
        services.meeting_move(actor=chair, meeting=past, date=dt.date(2026, 12, 9), start_time=dt.time(9))
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=chair, meeting=meeting, reason="  ")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED and not meeting.is_exception


def test_meeting_load_counts_required_people():
    chair, a, opt = PersonFactory(), PersonFactory(), PersonFactory()
    series = make_series(chair=chair, roster=[(a, "member"), (opt, "optional")])
    load = series_load(series=series)
    assert load.attendees == 2
    assert load.hours_per_week == pytest.approx(1.0)
    assert load.person_hours_per_week == pytest.approx(2.0)
    rows = {r.person.pk: r.hours_per_week for r in people_load(people=Person.objects.all())}
    assert rows == {chair.pk: pytest.approx(1.0), a.pk: pytest.approx(1.0)}


class ReplanProperty(HypothesisTestCase):
    """Whatever rule change follows, a person's exceptions survive and no rule meeting
    lands on a skipped holiday."""

    @settings(max_examples=15, deadline=None)
    @given(
        weekdays=st.lists(st.integers(0, 6), min_size=1, max_size=3, unique=True),
        hour=st.integers(7, 20),
        interval=st.integers(1, 3),
    )
    def test_exceptions_survive_replanning(self, weekdays, hour, interval):
        with time_machine.travel(dt.datetime(2026, 9, 20, 12, tzinfo=SH), tick=False):
            chair = PersonFactory()
            series = make_series(chair=chair, start_date=dt.date(2026, 9, 21), holiday_policy="skip")
            future = list(series.meetings.filter(status="scheduled").order_by("start")[:3])
            services.meeting_move(actor=chair, meeting=future[0], date=dt.date(2026, 10, 30), start_time=dt.time(15))
            services.meeting_cancel(actor=chair, meeting=future[1], reason="r")
            extra = services.meeting_add(actor=chair, series=series, date=dt.date(2026, 10, 31), start_time=dt.time(8))
            before = {m.pk: (m.start, m.status) for m in series.meetings.filter(is_exception=True)}
            regime.series_update(
                actor=chair,
                series=series,
                data={"weekdays": ",".join(map(str, weekdays)), "start_time": dt.time(hour), "interval": interval},
            )
            after = {m.pk: (m.start, m.status) for m in series.meetings.filter(is_exception=True)}
            assert after == before and extra.pk in after
            assert_numbers_consistent(series)
            for m in series.meetings.filter(is_exception=False):
                if m.holiday:
                    assert m.status == Meeting.Status.SKIPPED
