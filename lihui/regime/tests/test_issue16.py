"""Issue 16, list 6: the series form's own length messages, the time-zone choices, the
agenda template's total and order, idempotent creation and archiving of a series."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from lihui.regime.models import Series
from lihui.regime.services import series_create
from lihui.testing import PersonFactory

from .test_views import form_data

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=SH)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# --- 3. lengths in our words ------------------------------------------------------------------


@pytest.mark.parametrize("language, expected", [
    ("zh-hans", "标题最多 200 个字符（现有 201 个）。"),
    ("en", "Title can be at most 200 characters long (this has 201)."),
])  # fmt: skip
def test_a_too_long_title_names_the_field_and_its_limit(language, expected):
    chair = PersonFactory(language=language)
    client = Client()
    client.force_login(chair)
    page = client.get("/series/new/").content.decode()
    assert 'maxlength="200"' in page  # the browser stops typing at the limit
    r = client.post("/series/new/", form_data(chair, title="例" * 201))
    html = r.content.decode()
    assert r.status_code == 200 and not Series.objects.exists()
    assert "确保该变量" not in html and "Ensure this value" not in html
    if language == "en":
        assert expected in html
    else:
        assert "201" in html and "200" in html and "标题" in html.split('id="field-title"')[1][:2000]


def test_the_service_answers_a_too_long_location_in_the_same_words():
    chair = PersonFactory()
    data = {"title": "周会", "location": "x" * 201, "start_date": dt.date(2026, 11, 30), "start_time": dt.time(9, 30),
            "duration_minutes": 60, "weekdays": "0", "time_zone": "Asia/Shanghai"}  # fmt: skip
    from lihui.regime.services import RosterEntry

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        series_create(actor=chair, data=data, roster=[RosterEntry(person=chair, role="chair")])
    assert caught.value.message_dict == {"location": ["Location can be at most 200 characters long (this has 201)."]}


# --- 4. the time-zone select --------------------------------------------------------------------


def _options(html: str, select_name: str = "time_zone") -> list[str]:
    import re

    select = html.split(f'name="{select_name}"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"', select)


@pytest.mark.parametrize("url", ["/series/new/", "/me/"])
def test_the_time_zone_select_has_china_first_and_no_aliases(url):
    person = PersonFactory(language="en", time_zone="Asia/Shanghai")
    client = Client()
    client.force_login(person)
    html = client.get(url).content.decode()
    options = _options(html)
    assert options[:5] == ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo"]
    assert "China Standard Time (Asia/Shanghai)</option>" in html
    assert '<optgroup label="Asia">' in html and '<optgroup label="Europe">' in html
    for alias in ("Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC", "Etc/GMT+8", "US/Pacific", "Asia/Calcutta", "GB"):
        assert alias not in options
    assert {"Asia/Urumqi", "Europe/London", "America/New_York", "UTC", "Asia/Kolkata"} <= set(options)
    assert len(options) == len(set(options)) < 460


def test_a_saved_alias_stays_choosable_and_others_are_refused():
    person = PersonFactory(language="en", time_zone="Asia/Chongqing")
    client = Client()
    client.force_login(person)
    assert "Asia/Chongqing" in _options(client.get("/me/").content.decode())
    r = client.post("/me/", {"save_preferences": "1", "language": "en", "time_zone": "Asia/Harbin"})
    assert r.status_code == 200
    person.refresh_from_db()
    assert person.time_zone == "Asia/Chongqing"
    r = client.post("/me/", {"save_preferences": "1", "language": "en", "time_zone": "Asia/Shanghai"})
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.time_zone == "Asia/Shanghai"


def test_the_choices_are_one_function_in_chinese_too():
    from lihui.people.forms import PreferencesForm
    from lihui.people.timezones import time_zone_choices
    from lihui.regime.forms import SeriesForm

    with translation.override("en"):
        assert SeriesForm().fields["time_zone"].choices == PreferencesForm(instance=PersonFactory()).fields["time_zone"].choices
        assert time_zone_choices()[0][1][0] == ("Asia/Shanghai", "China Standard Time (Asia/Shanghai)")
