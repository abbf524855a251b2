"""The API: tokens, series CRUD, occurrences, one error shape, 422s that change nothing."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from lihui.meetings.models import Meeting
from lihui.people.models import ApiToken
from lihui.people.services import api_token_create
from lihui.regime.models import Series
from lihui.testing.factories import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=SH)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


class Api:
    def __init__(self, person=None):
        self.client = Client()
        self.headers = {}
        if person is not None:
            _token, secret = api_token_create(person=person, name="test")
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"

    def __getattr__(self, method):
        def call(path, body=None, **extra):
            kwargs = {**self.headers, **extra}
            if body is not None:
                kwargs.update(data=json.dumps(body) if not isinstance(body, str) else body, content_type="application/json")
            return getattr(self.client, method)("/api/v1" + path, **kwargs)

        return call


def series_body(chair, **over):
    body = {
        "title": "运营周例会",
        "purpose": ["回顾上周", "确定下周重点"],
        "frequency": "weekly",
        "weekdays": [0],
        "start_time": "09:30",
        "duration_minutes": 60,
        "start_date": "2026-11-30",
        "roster": [{"person": chair.pk, "role": "chair"}],
    }
    body.update(over)
    return body


def test_token_from_password_then_bearer_works_and_revoke_stops_it():
    person = PersonFactory(username="zhang")
    client = Client()
    r = client.post("/api/v1/auth/token", json.dumps({"username": "zhang", "password": "pw"}), content_type="application/json")
    assert r.status_code == 201
    secret = r.json()["token"]
    assert ApiToken.objects.get(person=person).digest != secret  # only the hash is stored
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.status_code == 200 and me.json()["username"] == "zhang"
    assert client.delete(f"/api/v1/me/tokens/{r.json()['id']}", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 204
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_wrong_password_and_throttling():
    PersonFactory(username="zhang")
    client = Client()
    statuses = [
        client.post("/api/v1/auth/token", json.dumps({"username": "zhang", "password": "nope"}), content_type="application/json").status_code
        for _ in range(12)
    ]
    assert statuses[0] == 401
    assert 429 in statuses
    body = client.post("/api/v1/auth/token", json.dumps({"username": "zhang", "password": "pw"}), content_type="application/json").json()
    assert "error" in body  # still refused while throttled


def test_unauthenticated_gets_401_error_shape():
    r = Client().get("/api/v1/series")
    assert r.status_code == 401
    assert set(r.json()) == {"error", "fields"}


def test_series_create_get_update_and_occurrences():
    chair = PersonFactory()
    api = Api(chair)
    r = api.post("/series", series_body(chair))
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["rrule"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;WKST=MO"
    assert data["purpose"] == ["回顾上周", "确定下周重点"]
    sid = data["id"]
    occ = api.get(f"/series/{sid}/occurrences?start=2026-11-30&end=2026-12-31").json()
    assert [o["local_start"][:16] for o in occ] == [f"2026-{d}T09:30" for d in ("11-30", "12-07", "12-14", "12-21", "12-28")]
    assert occ[0]["number"] == 1 and occ[0]["projected"] is False

    r = api.put(f"/series/{sid}", series_body(chair, weekdays=[2], start_time="10:00"))
    assert r.status_code == 200
    assert r.json()["description"]


def test_occurrences_beyond_the_horizon_are_projected():
    chair = PersonFactory()
    series = make_series(chair=chair)
    occ = Api(chair).get(f"/series/{series.pk}/occurrences?start=2027-06-01&end=2027-06-30").json()
    assert len(occ) == 4 and all(o["projected"] and o["id"] is None for o in occ)
    assert not Meeting.objects.filter(start__year=2027, start__month=6).exists()


def test_move_cancel_add_through_the_api():
    chair = PersonFactory()
    series = make_series(chair=chair)
    api = Api(chair)
    meeting = series.meetings.filter(start__gt=NOW).first()
    r = api.post(f"/meetings/{meeting.pk}/move", {"date": "2026-12-01", "start_time": "15:00", "location": "305"})
    assert r.status_code == 200 and r.json()["local_start"].startswith("2026-12-01T15:00") and r.json()["is_exception"]
    r = api.post(f"/meetings/{meeting.pk}/cancel", {"reason": "临时停会"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = api.post(f"/series/{series.pk}/occurrences", {"date": "2026-12-02", "start_time": "08:00"})
    assert r.status_code == 201 and r.json()["origin"] == "extra"


@pytest.mark.parametrize(
    "over, field",
    [
        ({"interval": 0}, "interval"),
        ({"weekdays": []}, "weekdays"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 1441}, "duration_minutes"),
        ({"end_date": "2026-11-01"}, "end_date"),
        ({"time_zone": "Asia/Nowhere"}, "time_zone"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_time": "25:00"}, "start_time"),
        ({"frequency": "hourly"}, "frequency"),
        ({"surprise": 1}, "surprise"),
        ({"department": 999999}, "department"),
        ({"roster": [{"person": 999999, "role": "chair"}]}, "roster"),
        ({"interval": 10**12}, "interval"),
        ({"weekdays": [0], "start_date": "2026-11-30", "end_date": "2026-11-30", "frequency": "monthly", "month_day": 31}, "__all__"),
    ],
)
def test_bad_series_input_gives_422_with_field_errors_and_saves_nothing(over, field):
    chair = PersonFactory()
    r = Api(chair).post("/series", series_body(chair, **over))
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["error"] and field in body["fields"], body
    assert not Series.objects.exists() and not Meeting.objects.exists()


def test_chair_outside_roster_rule_and_translated_errors():
    chair, other = PersonFactory(), PersonFactory()
    api = Api(chair)
    r = api.post("/series", series_body(chair, roster=[{"person": other.pk, "role": "member"}]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 422 and "roster" in r.json()["fields"]
    r = api.post("/series", series_body(chair, interval=0), HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422


@pytest.mark.parametrize("body", ["{not json", "[]", '"text"', "null"])
def test_malformed_bodies_are_422(body):
    chair = PersonFactory()
    r = Api(chair).post("/series", body)
    assert r.status_code in (400, 422)
    assert "error" in r.json()


def test_bad_occurrence_ranges():
    chair = PersonFactory()
    series = make_series(chair=chair)
    api = Api(chair)
    assert api.get(f"/series/{series.pk}/occurrences?start=2026-12-31&end=2026-12-01").status_code == 422
    assert api.get(f"/series/{series.pk}/occurrences?start=2026-01-01&end=2036-01-01").status_code == 422
    assert api.get(f"/series/{series.pk}/occurrences?start=yesterday&end=2026-12-01").status_code == 422
    assert api.get(f"/series/{series.pk}/occurrences").status_code == 422
    assert api.get("/series/99999999/occurrences?start=2026-12-01&end=2026-12-31").status_code == 404


def test_window_overlap_is_422():
    chair = PersonFactory()
    series = make_series(chair=chair)
    api = Api(chair)
    window = {"kind": "peak", "name": "双十二", "start_date": "2026-12-08", "end_date": "2026-12-14", "frequency": "daily", "interval": 2}
    assert api.post(f"/series/{series.pk}/windows", window).status_code == 201
    r = api.post(f"/series/{series.pk}/windows", {**window, "start_date": "2026-12-10", "end_date": "2026-12-20"})
    assert r.status_code == 422 and "__all__" in r.json()["fields"]


def test_openapi_declares_422_and_docs_are_local():
    client = Client()
    schema = client.get("/api/v1/openapi.json").json()
    post = schema["paths"]["/api/v1/series"]["post"]
    assert "422" in post["responses"]
    chair = PersonFactory()
    client.force_login(chair)
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower() and "/static/" in docs
