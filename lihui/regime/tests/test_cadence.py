"""Recurrence: RFC 5545 rules in local wall-clock time, windows, holidays, DST."""

import datetime as dt
from zoneinfo import ZoneInfo

from dateutil import rrule as du
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from lihui.regime import cadence as c
from lihui.regime.holidays import HolidayCalendar

BERLIN = ZoneInfo("Europe/Berlin")


def rule(**kw) -> c.Rule:
    cad = {k: kw.pop(k) for k in list(kw) if k in c.Cadence.__dataclass_fields__}
    defaults = {"start": dt.date(2026, 1, 5), "at": dt.time(9, 30), "minutes": 60}
    defaults.update(kw)
    return c.Rule(cadence=c.Cadence(**cad), **defaults)


def test_weekly_monday():
    r = rule(frequency="weekly", weekdays=(0,))
    got = r.expand(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert [d.day for d in got] == [5, 12, 19, 26]
    assert all(d.time() == dt.time(9, 30) for d in got)


def test_every_two_weeks_on_two_days():
    r = rule(frequency="weekly", interval=2, weekdays=(0, 2))
    got = r.expand(dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert [d.date().isoformat() for d in got] == ["2026-01-05", "2026-01-07", "2026-01-19", "2026-01-21"]


def test_monthly_last_friday_and_day_of_month():
    last_friday = rule(frequency="monthly", monthly_mode="weekday", week_of_month=-1, month_weekday=4)
    assert [d.day for d in last_friday.expand(dt.date(2026, 1, 1), dt.date(2026, 3, 31))] == [30, 27, 27]
    fifteenth = rule(frequency="monthly", month_day=15)
    assert [d.month for d in fifteenth.expand(dt.date(2026, 1, 1), dt.date(2026, 4, 30))] == [1, 2, 3, 4]
    last_day = rule(frequency="monthly", month_day=-1)
    assert [d.day for d in last_day.expand(dt.date(2026, 1, 1), dt.date(2026, 3, 31))] == [31, 28, 31]


def test_quarterly_is_every_three_months():
    r = rule(frequency="quarterly", month_day=10, start=dt.date(2026, 1, 10))
    assert [d.month for d in r.expand(dt.date(2026, 1, 1), dt.date(2026, 12, 31))] == [1, 4, 7, 10]


def test_every_n_days_and_count_and_until():
    r = rule(frequency="daily", interval=3, count=4)
    assert len(r.expand(dt.date(2026, 1, 1), dt.date(2026, 12, 31))) == 4
    r = rule(frequency="daily", interval=1, until=dt.date(2026, 1, 7))
    assert r.expand(dt.date(2026, 1, 1), dt.date(2026, 12, 31))[-1].date() == dt.date(2026, 1, 7)


def test_rfc5545_text():
    cad = c.Cadence(frequency="monthly", monthly_mode="weekday", week_of_month=-1, month_weekday=4)
    assert cad.to_rfc5545(start=dt.date(2026, 1, 1)) == "FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR"
    cad = c.Cadence(frequency="weekly", weekdays=(0, 3))
    assert cad.to_rfc5545(start=dt.date(2026, 1, 1), count=5) == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH;WKST=MO;COUNT=5"
    # The text is a real RFC 5545 rule: dateutil parses it back to the same occurrences.
    text = c.Cadence(frequency="weekly", interval=2, weekdays=(1,)).to_rfc5545(start=dt.date(2026, 1, 6))
    parsed = du.rrulestr(text, dtstart=dt.datetime(2026, 1, 6, 9, 30))
    ours = rule(frequency="weekly", interval=2, weekdays=(1,), start=dt.date(2026, 1, 6))
    assert list(parsed.between(dt.datetime(2026, 1, 1), dt.datetime(2026, 6, 30), inc=True)) == ours.expand(
        dt.date(2026, 1, 1), dt.date(2026, 6, 29)
    )


def test_describe_in_both_languages():
    cad = c.Cadence(frequency="weekly", weekdays=(0,))
    with translation.override("en"):
        assert cad.describe(start=dt.date(2026, 1, 5), at=dt.time(9, 30), minutes=60) == "Every Monday at 09:30 for 60 minutes"
    with translation.override("zh-hans"):
        assert cad.describe(start=dt.date(2026, 1, 5), at=dt.time(9, 30), minutes=60) == "每周一 09:30，时长 60 分钟"


def test_errors_for_bad_cadences():
    assert "interval" in c.Cadence(frequency="weekly", interval=0, weekdays=(0,)).errors()
    assert "weekdays" in c.Cadence(frequency="weekly", weekdays=()).errors()
    assert "weekdays" in c.Cadence(frequency="weekly", weekdays=(9,)).errors()
    assert "month_day" in c.Cadence(frequency="monthly", month_day=32).errors()
    assert "week_of_month" in c.Cadence(frequency="monthly", monthly_mode="weekday", week_of_month=5, month_weekday=0).errors()
    assert "frequency" in c.Cadence(frequency="hourly").errors()
    assert c.Cadence(frequency="weekly", weekdays=(0,)).errors() == {}


def test_impossible_rule_has_no_first_occurrence():
    r = rule(frequency="monthly", interval=12, month_day=30, start=dt.date(2026, 2, 1))
    assert r.first_occurrence() is None


# --- time zones -------------------------------------------------------------------


def test_0930_stays_0930_across_dst_in_berlin():
    r = rule(frequency="weekly", weekdays=(0,), start=dt.date(2026, 3, 16))
    starts = [c.zoned(d, BERLIN) for d in r.expand(dt.date(2026, 3, 16), dt.date(2026, 4, 6))]
    assert [s.astimezone(BERLIN).strftime("%H:%M") for s in starts] == ["09:30"] * 4
    # …which is 08:30 UTC in winter and 07:30 UTC in summer.
    assert [s.strftime("%H:%M") for s in starts] == ["08:30", "08:30", "07:30", "07:30"]


def test_time_in_the_dst_gap_moves_forward_by_the_gap():
    # 2026-03-29 02:30 does not exist in Berlin (clocks jump 02:00 → 03:00).
    utc = c.zoned(dt.datetime(2026, 3, 29, 2, 30), BERLIN)
    assert utc == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    assert utc.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_repeated_time_takes_the_first_instance():
    # 2026-10-25 02:30 happens twice in Berlin; RFC 5545 takes the first (summer time).
    utc = c.zoned(dt.datetime(2026, 10, 25, 2, 30), BERLIN)
    assert utc == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)


# --- windows and holidays ---------------------------------------------------------


def test_peak_window_replaces_base_rule_inside_it():
    base = rule(frequency="weekly", weekdays=(0,), start=dt.date(2026, 10, 5))
    peak = c.Window(
        rule=rule(frequency="daily", interval=2, start=dt.date(2026, 11, 1), at=dt.time(18), until=dt.date(2026, 11, 15), window_id=7),
        first=dt.date(2026, 11, 1),
        last=dt.date(2026, 11, 15),
    )
    out = c.plan(
        base=base, windows=[peak], first=dt.date(2026, 10, 25), last=dt.date(2026, 11, 30),
        calendar=HolidayCalendar(), holiday_policy=c.KEEP,
    )  # fmt: skip
    inside = [p for p in out if dt.date(2026, 11, 1) <= p.start.date() <= dt.date(2026, 11, 15)]
    assert all(p.window_id == 7 and p.start.time() == dt.time(18) for p in inside)
    assert [p.start.day for p in inside] == [1, 3, 5, 7, 9, 11, 13, 15]
    outside = [p.start.date().isoformat() for p in out if p.window_id is None]
    assert outside == ["2026-10-26", "2026-11-16", "2026-11-23", "2026-11-30"]


def test_holiday_policies_on_national_day():
    base = rule(frequency="weekly", weekdays=(0,), start=dt.date(2026, 9, 28))
    args = {"base": base, "windows": [], "first": dt.date(2026, 9, 28), "last": dt.date(2026, 10, 12), "calendar": HolidayCalendar()}
    keep = c.plan(holiday_policy=c.KEEP, **args)
    assert [p.start.date().isoformat() for p in keep] == ["2026-09-28", "2026-10-05", "2026-10-12"]
    skip = c.plan(holiday_policy=c.SKIP, **args)
    assert [(p.start.day, p.skipped, p.holiday) for p in skip] == [(28, False, ""), (5, True, "National Day"), (12, False, "")]
    move = c.plan(holiday_policy=c.NEXT_WORKDAY, **args)
    moved = move[1]
    # 2026's National Day holiday runs 1–7 October; the 8th is the next working day.
    assert (moved.start.date(), moved.moved_from, moved.skipped) == (dt.date(2026, 10, 8), dt.date(2026, 10, 5), False)


def test_next_workday_counts_makeup_workdays_and_company_days_off():
    cal = HolidayCalendar({dt.date(2026, 10, 8): "公司年会"})
    # 8 October is a company day off; 9 October (Friday) is the next working day.
    assert cal.next_workday(dt.date(2026, 10, 5)) == dt.date(2026, 10, 9)
    assert cal.holiday_name(dt.date(2026, 10, 8)) == "公司年会"
    # A weekend is not a holiday; a 调休 Saturday is a working day.
    assert cal.holiday_name(dt.date(2026, 11, 28)) == ""
    assert cal.is_makeup_workday(dt.date(2026, 10, 10))
    assert cal.is_workday(dt.date(2026, 10, 10))


def test_unknown_year_falls_back_to_fixed_holidays():
    cal = HolidayCalendar()
    assert cal.holiday_name(dt.date(2031, 10, 1)) == "National Day"
    assert cal.is_workday(dt.date(2031, 10, 6))  # a Monday, no data: a working day
    assert not cal.is_workday(dt.date(2031, 10, 4))  # a Saturday


# --- properties -------------------------------------------------------------------

cadences = st.builds(
    c.Cadence,
    frequency=st.sampled_from(c.FREQUENCIES),
    interval=st.integers(1, 6),
    weekdays=st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True).map(tuple),
    monthly_mode=st.sampled_from([c.BY_DAY, c.BY_WEEKDAY]),
    month_day=st.one_of(st.none(), st.integers(1, 28), st.just(-1)),
    week_of_month=st.sampled_from([1, 2, 3, 4, -1]),
    month_weekday=st.integers(0, 6),
)
dates = st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31))
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@settings(max_examples=150, deadline=None)
@given(cadences, dates, times)
def test_every_occurrence_satisfies_its_rule(cad, start, at):
    r = c.Rule(cadence=cad, start=start, at=at, minutes=60)
    got = r.expand(start, start + dt.timedelta(days=400))
    assert all(d.time() == at and d.date() >= start for d in got)
    assert got == sorted(set(got))
    for d in got:
        if cad.frequency == c.WEEKLY:
            assert d.weekday() in cad.weekdays
            weeks = ((d.date() - d.date().weekday() * dt.timedelta(days=1)) - (start - dt.timedelta(days=start.weekday()))).days // 7
            assert weeks % cad.interval == 0
        elif cad.frequency == c.DAILY:
            assert (d.date() - start).days % cad.interval == 0
        else:
            months = (d.year - start.year) * 12 + d.month - start.month
            assert months % (cad.interval * (3 if cad.frequency == c.QUARTERLY else 1)) == 0
            if cad.monthly_mode == c.BY_WEEKDAY:
                assert d.weekday() == cad.month_weekday
                if cad.week_of_month == -1:
                    assert (d + dt.timedelta(days=7)).month != d.month
                else:
                    assert (d.day - 1) // 7 + 1 == cad.week_of_month
            elif cad.month_day and cad.month_day > 0:
                assert d.day == cad.month_day


@settings(max_examples=100, deadline=None)
@given(cadences, dates, st.integers(0, 60), st.integers(0, 20), st.sampled_from([c.SKIP, c.NEXT_WORKDAY, c.KEEP]))
def test_windows_own_their_dates_and_holidays_are_respected(cad, start, offset, length, policy):
    base = c.Rule(cadence=c.Cadence(frequency="weekly", weekdays=(0, 3)), start=start, at=dt.time(9, 30), minutes=60)
    w_first = start + dt.timedelta(days=offset)
    w_last = w_first + dt.timedelta(days=length)
    window = c.Window(rule=c.Rule(cadence=cad, start=w_first, at=dt.time(18), minutes=30, until=w_last, window_id=1), first=w_first, last=w_last)
    cal = HolidayCalendar()
    out = c.plan(base=base, windows=[window], first=start, last=start + dt.timedelta(days=120), calendar=cal, holiday_policy=policy)
    for p in out:
        in_window = w_first <= p.rule_start.date() <= w_last
        assert (p.window_id == 1) == in_window
        if policy == c.KEEP:
            assert p.start == p.rule_start
        elif cal.holiday_name(p.rule_start.date()):
            # On a holiday: skipped, or moved to a working day that is not a holiday.
            assert p.skipped or (p.start.date() > p.rule_start.date() and cal.is_workday(p.start.date()))
        else:
            assert not p.skipped and p.start == p.rule_start
    if policy == c.SKIP:
        assert not any(cal.holiday_name(p.start.date()) and not p.skipped for p in out)
