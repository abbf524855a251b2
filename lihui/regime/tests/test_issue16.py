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
