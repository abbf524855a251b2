"""The API for preparing and running a meeting, end to end, and its bad input."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lihui.meetings.models import AgendaItem, Material
from lihui.people.services import api_token_create
from lihui.reports.models import Kpi
from lihui.testing.factories import DepartmentFactory, PersonFactory, make_series

from .test_api import Api

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=SH)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=False) as traveller:
        ops = DepartmentFactory(name="运营部")
        cs = DepartmentFactory(name="客服部")
        chair = PersonFactory(department=ops, name="周云")
        head = PersonFactory(department=cs, name="李娜")
        cs.head = head
        cs.save()
        member = PersonFactory(name="王强")
        Kpi.objects.create(department=cs, name="首次响应时长", unit="分钟", higher_is_better=False, default_target=2)
        series = make_series(chair=chair, roster=[(head, "member"), (member, "member")], department=ops)
        meeting = series.meetings.filter(start__gt=NOW).first()
        yield {"chair": chair, "head": head, "member": member, "meeting": meeting, "traveller": traveller}


def test_prepare_and_run_through_the_api(world):
    chair, head, meeting = Api(world["chair"]), Api(world["head"]), world["meeting"]
    agenda = chair.get(f"/meetings/{meeting.pk}/agenda").json()
    titles = [i["title"] for i in agenda["items"]]
    assert len(titles) == 6 and agenda["reports_total"] == 1 and agenda["reports_in"] == 0
    report_item = next(i for i in agenda["items"] if i["kind"] == "report")
    assert report_item["presenter"] == world["head"].pk

    # the head files the report; a bad number changes nothing
    kpi = Kpi.objects.get()
    bad = head.put(f"/agenda-items/{report_item['id']}/report", {"progress": "好", "kpis": [{"kpi": kpi.pk, "actual": "abc"}]})
    assert bad.status_code == 422 and "kpis.0.actual" in bad.json()["fields"]
    good = head.put(
        f"/agenda-items/{report_item['id']}/report",
        {"progress": "咨询量增长", "kpis": [{"kpi": kpi.pk, "target": "2", "actual": "2.5"}], "submit": True},
    )
    assert good.status_code == 200, good.content
    assert good.json()["kpis"][0]["achievement"] == "80.0"
    assert chair.get(f"/meetings/{meeting.pk}/agenda").json()["reports_in"] == 1

    # the chair adds an item, retimes, reorders, publishes
    added = chair.post(f"/meetings/{meeting.pk}/agenda", {"title": "年货节备货", "kind": "discussion", "minutes_allotted": 10})
    assert added.status_code == 201
    assert chair.patch(f"/agenda-items/{added.json()['id']}", {"minutes_allotted": 0}).status_code == 422
    assert chair.patch(f"/agenda-items/{added.json()['id']}", {"minutes_allotted": 7}).json()["minutes_allotted"] == 7
    ids = [i["id"] for i in chair.get(f"/meetings/{meeting.pk}/agenda").json()["items"]]
    reordered = chair.put(f"/meetings/{meeting.pk}/agenda/order", {"order": [ids[-1], *ids[:-1]]}).json()
    assert reordered["items"][0]["title"] == "年货节备货"
    assert chair.post(f"/meetings/{meeting.pk}/agenda/publish").json()["published_at"]

    # run it
    state = chair.post(f"/meetings/{meeting.pk}/start?early=true").json()
    first = state["current"]
    assert state["started"] and first == reordered["items"][0]["id"]
    world["traveller"].shift(dt.timedelta(minutes=9))
    moved = chair.post(f"/meetings/{meeting.pk}/go", {"expected": first, "step": 1}).json()
    again = chair.post(f"/meetings/{meeting.pk}/go", {"expected": first, "step": 1}).json()
    assert moved["current"] == again["current"] != first  # pressed twice, advanced once
    used = {i["id"]: i["used"] for i in again["items"]}
    assert used[first] == 9 * 60
    att = chair.put(f"/meetings/{meeting.pk}/attendance", {"person": world["member"].pk, "status": "excused"})
    assert att.status_code == 422 and "reason" in att.json()["fields"]
    assert chair.put(f"/meetings/{meeting.pk}/attendance", {"person": world["member"].pk, "status": "excused", "reason": "出差"}).status_code == 200
    assert chair.put(f"/meetings/{meeting.pk}/attendance", {"person": world["head"].pk, "status": "late"}).json()["arrived_at"]
    assert chair.put(f"/meetings/{meeting.pk}/attendance", {"person": world["chair"].pk, "status": "present"}).status_code == 200

    notes = chair.put(f"/agenda-items/{first}/notes", {"text": "决定：增加客服", "revision": 0})
    assert notes.json() == {"revision": 1}
    stale = chair.put(f"/agenda-items/{first}/notes", {"text": "旧的标签页", "revision": 0})
    assert stale.status_code == 409 and stale.json()["server_text"] == "决定：增加客服"
    assert AgendaItem.objects.get(pk=first).notes == "决定：增加客服"

    world["traveller"].shift(dt.timedelta(minutes=30))
    ended = chair.post(f"/meetings/{meeting.pk}/end").json()
    assert ended["ended"] and ended["current"] is None
    recap = chair.get(f"/meetings/{meeting.pk}/recap").json()
    assert [a["name"] for a in recap["absentees"]] == ["王强"]
    assert recap["reports"][0]["kpis"][0]["actual"] == "2.5000"
    second = next(i for i in recap["items"] if i["id"] == moved["current"])
    assert second["seconds_used"] == 30 * 60


def test_member_may_read_but_not_run(world):
    member, meeting = Api(world["member"]), world["meeting"]
    assert member.get(f"/meetings/{meeting.pk}/agenda").status_code == 200
    assert member.post(f"/meetings/{meeting.pk}/start").status_code == 403
    assert member.post(f"/meetings/{meeting.pk}/agenda", {"title": "x"}).status_code == 403
    outsider = Api(PersonFactory())
    assert outsider.get(f"/meetings/{meeting.pk}/agenda").status_code == 404
    assert outsider.get(f"/meetings/{meeting.pk}/live").status_code == 404


def test_material_upload_rules(world, settings):
    chair, meeting = world["chair"], world["meeting"]
    api = Api(chair)
    item = api.get(f"/meetings/{meeting.pk}/agenda").json()["items"][0]["id"]
    _token, secret = api_token_create(person=chair, name="upload")
    client = Client()

    def upload(name, content):
        return client.post(
            f"/api/v1/agenda-items/{item}/materials",
            {"file": SimpleUploadedFile(name, content)},
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    ok = upload("退货数据.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    assert ok.status_code == 201, ok.content
    assert upload("empty.txt", b"").status_code == 422
    assert upload("evil.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100).status_code == 422
    settings.LIHUI_MATERIAL_MAX_BYTES = 10
    assert upload("big.txt", ("很长的文字" * 10).encode()).status_code == 422
    assert Material.objects.count() == 1
    download = client.get(ok.json()["url"], HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    outsider_secret = api_token_create(person=PersonFactory(), name="x")[1]
    assert client.get(ok.json()["url"], HTTP_AUTHORIZATION=f"Bearer {outsider_secret}").status_code == 404


def test_guest_for_one_topic(world):
    chair, meeting = Api(world["chair"]), world["meeting"]
    item = chair.get(f"/meetings/{meeting.pk}/agenda").json()["items"][-1]["id"]
    assert chair.post(f"/agenda-items/{item}/guests", {"reason": "预算"}).status_code == 422
    finance = PersonFactory(name="赵磊")
    assert chair.post(f"/agenda-items/{item}/guests", {"person": finance.pk, "reason": "预算议题"}).status_code == 201
    assert chair.post(f"/agenda-items/{item}/guests", {"name": "外部顾问", "email": "a@example.com"}).status_code == 201
    people = chair.get(f"/meetings/{meeting.pk}/participants").json()
    guests = [p for p in people if p["role"] == "guest"]
    assert [(g["name"], g["reason"]) for g in guests][0] == ("赵磊", "预算议题")
    # the staff guest now sees the meeting, though the series is private
    assert Api(finance).get(f"/meetings/{meeting.pk}/agenda").status_code == 200
