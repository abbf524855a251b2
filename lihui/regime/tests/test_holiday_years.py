"""Holiday calendars that know what they don't know (issue 16, part 1): a year the
chinesecalendar package does not carry is flagged on the series page, the meeting page and
the admin's dashboard; the admin enters it from a paste of the State Council's notice, and
every series re-plans around it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from lihui.regime import holidays
from lihui.regime.holidays import HolidayCalendar, official_notice_parse
from lihui.regime.models import OfficialDay, OfficialYear, holiday_calendar
from lihui.regime.selectors import holiday_years_unknown
from lihui.regime.services import official_year_enter

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=SH)

# 国办发明电〔2024〕12号, the 2025 schedule as the State Council published it; chinesecalendar
# carries 2025, so what we read from the text can be checked against it day by day.
NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
"""

# A schedule for 2027 in the notice's format (made up for the tests: the package has no 2027).
NOTICE_2027 = """一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月6日（农历除夕、周六）至13日（周六）放假调休，共8天。2月20日（周六）上班。
"""

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_the_notice_read_from_its_text_is_the_calendar_the_package_has(monkeypatch):
    days = official_notice_parse(NOTICE_2025, year=2025)
    assert (dt.date(2025, 1, 28), True, "Spring Festival") in days
    assert (dt.date(2025, 2, 8), False, "Spring Festival") in days
    assert (dt.date(2025, 6, 2), True, "Dragon Boat Festival") in days  # a range across two months
    # As if the package did not know 2025: the entered days alone must give its calendar.
    monkeypatch.setattr(holidays, "library_knows", lambda year: False)
    entered = HolidayCalendar(official_days={d: (off, name) for d, off, name in days}, official_years={2025})
    day = dt.date(2025, 1, 1)
    while day.year == 2025:
        assert entered.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_one_line_per_day_or_range_reads_too():
    days = official_notice_parse("2027-02-06 至 2027-02-08 春节\n2027-02-20 上班 春节\n", year=2027)
    assert days == [
        (dt.date(2027, 2, 6), True, "Spring Festival"),
        (dt.date(2027, 2, 7), True, "Spring Festival"),
        (dt.date(2027, 2, 8), True, "Spring Festival"),
        (dt.date(2027, 2, 20), False, "Spring Festival"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "明年春节放假",
        "二、春节：放假调休，共8天。",
        "一、元旦：2月30日放假。",
        "一、春节：2月13日至6日放假。",
        "2027-02-06 至 2027-02-01 春节",
        "2027-02-06 春节\n2027-02-06 上班 春节",
        "2028-02-06 春节",
    ],
)
def test_text_that_cannot_be_read_is_refused_whole(text):
    with pytest.raises(ValidationError):
        official_notice_parse(text, year=2027)


def test_only_the_years_nobody_knows_are_unknown():
    assert holiday_years_unknown(first=dt.date(2026, 1, 1), last=dt.date(2026, 12, 31)) == []
    assert holiday_years_unknown(first=dt.date(2026, 12, 1), last=dt.date(2028, 3, 1)) == [2027, 2028]


def _client(person) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(person)
    return client


def _meeting_on(series, day: dt.date):
    return series.meetings.filter(start__date=day).first()


def test_pages_warn_until_the_admin_enters_the_year_then_the_series_replans(cast):
    series = cast.series  # weekly on Monday, next working day on a holiday, planned 90 days ahead
    assert series.holiday_policy == "next_workday"
    in_festival = _meeting_on(series, dt.date(2027, 2, 8))  # a Monday inside the 2027 春节 of the notice
    assert in_festival is not None, "planned as an ordinary Monday while 2027 is unknown"
    this_month = _meeting_on(series, dt.date(2026, 12, 14))

    chair, admin = _client(cast.chair), _client(cast.admin)
    warning = 'data-testid="holiday-years-unknown"'
    page = chair.get(reverse("regime:series_detail", args=[series.pk])).content.decode()
    assert warning in page and "2027" in page
    assert 'data-testid="holiday-years-enter"' not in page, "only admins are offered the entry"
    assert warning in chair.get(reverse("meetings:meeting_detail", args=[in_festival.pk])).content.decode()
    assert warning not in chair.get(reverse("meetings:meeting_detail", args=[this_month.pk])).content.decode()
    assert warning not in chair.get(reverse("meetings:dashboard")).content.decode(), "the dashboard warns admins"
    dashboard = admin.get(reverse("meetings:dashboard")).content.decode()
    assert warning in dashboard and 'data-testid="holiday-years-enter"' in dashboard

    response = admin.post(reverse("admin:regime_officialyear_add"), {
        "year": "2027", "source": NOTICE_2027,
        "days-TOTAL_FORMS": "0", "days-INITIAL_FORMS": "0", "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = OfficialYear.objects.get(year=2027)
    assert entry.entered_by == cast.admin and entry.days.count() == 12

    in_festival.refresh_from_db()
    # The next working day (Monday 15th) has its own meeting already: this one is skipped.
    assert (in_festival.status, in_festival.holiday) == ("skipped", "Spring Festival")
    assert _meeting_on(series, dt.date(2027, 2, 15)).status == "scheduled"
    assert _meeting_on(series, dt.date(2027, 1, 4)).status == "scheduled", "元旦 ends on the 3rd"
    assert warning not in chair.get(reverse("regime:series_detail", args=[series.pk])).content.decode()
    assert holiday_calendar(dt.date(2027, 1, 1), dt.date(2027, 12, 31)).is_workday(dt.date(2027, 2, 20)), "the 调休 Saturday"


def test_a_notice_that_cannot_be_read_changes_nothing(cast):
    before = list(cast.series.meetings.values_list("start", flat=True))
    response = _client(cast.admin).post(reverse("admin:regime_officialyear_add"), {
        "year": "2027", "source": "二、春节：放假调休。",
        "days-TOTAL_FORMS": "0", "days-INITIAL_FORMS": "0", "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000",
    })  # fmt: skip
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not OfficialYear.objects.exists() and not OfficialDay.objects.exists()
    assert list(cast.series.meetings.values_list("start", flat=True)) == before


def test_only_admins_enter_a_year_and_never_one_the_package_has(cast):
    with pytest.raises(PermissionDenied):
        official_year_enter(actor=cast.chair, year=2027, text=NOTICE_2027)
    with pytest.raises(ValidationError) as refused:
        official_year_enter(actor=cast.admin, year=2025, text=NOTICE_2025)
    assert "year" in refused.value.message_dict
    assert not OfficialYear.objects.exists()


def test_a_series_that_keeps_its_meetings_on_holidays_is_not_warned(cast):
    from lihui.testing.factories import make_series

    keep = make_series(chair=cast.chair, title="保留", holiday_policy="keep")
    page = _client(cast.chair).get(reverse("regime:series_detail", args=[keep.pk])).content.decode()
    assert 'data-testid="holiday-years-unknown"' not in page


@pytest.mark.parametrize("view", ["move", "add"])
def test_moving_or_adding_a_meeting_onto_a_holiday_asks_first(cast, view):
    chair = _client(cast.chair)
    meeting = _meeting_on(cast.series, dt.date(2026, 12, 28))
    url = reverse("meetings:meeting_move", args=[meeting.pk]) if view == "move" else reverse("meetings:meeting_add", args=[cast.series.pk])
    data = {"date": "2027-01-01", "start_time": "09:30", "duration_minutes": "60", "location": ""}
    count = cast.series.meetings.count()
    first = chair.post(url, data)
    assert first.status_code == 200
    html = first.content.decode()
    assert 'data-testid="move-onto-holiday"' in html and ("New Year" in html or "元旦" in html)
    assert 'name="holiday_ok"' in html and 'value="on"' in html
    assert not cast.series.meetings.filter(start__date=dt.date(2027, 1, 1)).exists(), "nothing changed yet"
    assert cast.series.meetings.count() == count
    second = chair.post(url, {**data, "holiday_ok": "on"})
    assert second.status_code == 302
    assert cast.series.meetings.filter(start__date=dt.date(2027, 1, 1), status="scheduled").exists()
    # An ordinary day goes through at once.
    other = _meeting_on(cast.series, dt.date(2027, 1, 11))
    url = reverse("meetings:meeting_move", args=[other.pk]) if view == "move" else url
    assert chair.post(url, {**data, "date": "2027-01-12"}).status_code == 302
