"""The series form, windows form, language and locale formatting, query counts."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lihui.meetings.models import Meeting
from lihui.people.models import Person
from lihui.regime.models import CadenceWindow, Series
from lihui.testing.factories import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=SH)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def form_data(chair: Person, **over) -> dict:
    data = {
        "title": "运营周例会",
        "purpose": "回顾上周\n确定下周重点",
        "frequency": "weekly",
        "interval": "1",
        "weekdays": ["0"],
        "monthly_mode": "day",
        "start_time": "09:30",
        "duration_minutes": "60",
        "time_zone": "Asia/Shanghai",
        "start_date": "2026-11-30",
        "holiday_policy": "next_workday",
        "agenda_lead_hours": "24",
        "minutes_deadline_hours": "24",
        "review_actions": "on",
        "visibility": "roster",
        "roster-TOTAL_FORMS": "3",
        "roster-INITIAL_FORMS": "0",
        "roster-MIN_NUM_FORMS": "0",
        "roster-MAX_NUM_FORMS": "200",
        "roster-0-person": str(chair.pk),
        "roster-0-role": "chair",
        "roster-1-person": "",
        "roster-1-role": "member",
        "roster-2-person": "",
        "roster-2-role": "member",
    }
    data.update(over)
    return data


def test_create_series_through_the_form():
    chair = PersonFactory(language="en")
    member = PersonFactory()
    client = Client()
    client.force_login(chair)
    assert client.get("/series/new/").status_code == 200
    r = client.post("/series/new/", form_data(chair, **{"roster-1-person": str(member.pk)}))
    assert r.status_code == 302, r.content.decode()[:3000]
    series = Series.objects.get()
    assert series.memberships.count() == 2
    page = client.get(r.url).content.decode()
    assert "Every Monday at 09:30 for 60 minutes" in page
    assert series.meetings.count() > 5


@pytest.mark.parametrize(
    "over, field",
    [
        ({"duration_minutes": "0"}, "duration_minutes"),
        ({"interval": "0"}, "interval"),
        ({"weekdays": []}, "weekdays"),
        ({"time_zone": "Mars/Base"}, "time_zone"),
        ({"start_date": "2026-13-45"}, "start_date"),
        ({"end_date": "2026-11-01"}, "end_date"),
        ({"roster-0-role": "member"}, None),  # no chair
    ],
)
def test_form_errors_keep_input_and_save_nothing(over, field):
    chair = PersonFactory(language="zh-hans")
    client = Client()
    client.force_login(chair)
    r = client.post("/series/new/", form_data(chair, **over))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'lang="zh-CN"' in html
    if field:
        assert f'id="field-{field}"' in html and "has-error" in html
    else:
        assert 'role="alert"' in html
    assert 'value="运营周例会"' in html  # what the user typed is still there
    assert not Series.objects.exists() and not Meeting.objects.exists()


def test_edit_replans_and_window_form_refuses_overlap():
    chair = PersonFactory(language="en")
    series = make_series(chair=chair)
    client = Client()
    client.force_login(chair)
    r = client.get(f"/series/{series.pk}/edit/")
    assert r.status_code == 200 and 'value="运营周例会"' in r.content.decode()
    data = form_data(chair, weekdays=["2"], **{"roster-INITIAL_FORMS": "1", "start_date": "2026-11-02"})
    assert client.post(f"/series/{series.pk}/edit/", data).status_code == 302
    assert all(m.start.astimezone(SH).weekday() == 2 for m in series.meetings.filter(start__gt=NOW, is_exception=False))

    window = {"kind": "peak", "name": "双十二", "start_date": "2026-12-08", "end_date": "2026-12-14", "frequency": "daily", "interval": "2",
              "monthly_mode": "day", "start_time": "18:00", "duration_minutes": ""}  # fmt: skip
    assert client.post(f"/series/{series.pk}/windows/new/", window).status_code == 302
    r = client.post(f"/series/{series.pk}/windows/new/", {**window, "start_date": "2026-12-01"})
    assert r.status_code == 200 and "overlaps" in r.content.decode()
    assert CadenceWindow.objects.count() == 1


def test_language_switch_is_remembered_and_dates_follow_locale():
    person = PersonFactory()
    make_series(chair=person)
    client = Client()
    client.force_login(person)
    client.post("/language/", {"language": "en", "next": "/"})
    person.refresh_from_db()
    assert person.language == "en"
    html = client.get("/").content.decode()
    assert 'lang="en"' in html and "Mon 30 Nov" in html
    client.post("/language/", {"language": "zh-hans", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="zh-CN"' in html and "11月30日 周一" in html
    # an outside redirect target is refused
    r = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert r.url == "/"


def test_browser_language_when_the_person_has_none():
    person = PersonFactory(language="")
    client = Client()
    client.force_login(person)
    assert 'lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-CN"' in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()


def test_people_sort_by_pinyin():
    for name in ["张三", "陈静", "王强", "安娜"]:
        PersonFactory(name=name)
    assert list(Person.objects.values_list("name", flat=True)) == ["安娜", "陈静", "王强", "张三"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_query_counts_do_not_grow_with_data():
    chair = PersonFactory()
    others = [PersonFactory() for _ in range(3)]
    first = make_series(chair=chair, roster=[(p, "member") for p in others])
    client = Client()
    client.force_login(chair)
    urls = ["/", f"/series/{first.pk}/", "/series/", "/load/"]
    small = {u: _queries(client, u) for u in urls}
    more = [PersonFactory() for _ in range(12)]
    for i in range(6):
        make_series(chair=chair, roster=[(p, "member") for p in more], title=f"例会{i}", weekdays=str(i % 5))
    for p in more[:3]:
        make_series(chair=p, roster=[(chair, "member")], title=f"{p.name}的会")
    big = {u: _queries(client, u) for u in urls}
    assert big == small
