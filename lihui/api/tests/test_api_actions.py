"""Decisions and actions through the API: record, list with filters, update, review."""

import datetime as dt

import pytest

from lihui.actions.models import ActionItem

from .test_api import Api
from .test_api_meetings import world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_record_update_and_review(world):  # noqa: F811
    chair, head, meeting = Api(world["chair"]), Api(world["head"]), world["meeting"]
    chair.get(f"/meetings/{meeting.pk}/agenda")
    d = chair.post(f"/meetings/{meeting.pk}/decisions", {"text": "双十二增派客服"})
    assert d.status_code == 201
    day = meeting.start.astimezone(meeting.series_zone).date()
    bad = chair.post(f"/meetings/{meeting.pk}/actions", {"title": "排班", "due": (day - dt.timedelta(days=1)).isoformat()})
    assert bad.status_code == 422 and {"owner", "due"} <= set(bad.json()["fields"])
    a = chair.post(
        f"/meetings/{meeting.pk}/actions",
        {"title": "整理 Q3 退货数据", "owner": world["head"].pk, "due": (day + dt.timedelta(days=4)).isoformat(), "decision": d.json()["id"]},
    )
    assert a.status_code == 201, a.content
    aid = a.json()["id"]
    assert [x["id"] for x in head.get("/actions").json()] == [aid]
    assert head.get("/actions?status=done").json() == []
    assert head.post(f"/actions/{aid}/status", {"status": "in_progress", "comment": "开始"}).json()["status"] == "in_progress"
    assert head.post(f"/actions/{aid}/due", {"due": (day + dt.timedelta(days=9)).isoformat(), "reason": ""}).status_code == 422
    assert head.post(f"/actions/{aid}/comments", {"text": "完成一半"}).status_code == 201
    kinds = [u["kind"] for u in head.get(f"/actions/{aid}/history").json()]
    assert kinds == ["status", "comment"]
    assert Api(world["member"]).post(f"/actions/{aid}/status", {"status": "done"}).status_code == 403

    # the next meeting reviews it: continue with a new date, then it is still open there
    nxt = meeting.series.meetings.filter(start__gt=meeting.start).order_by("start").first()
    assert [x["id"] for x in chair.get(f"/meetings/{nxt.pk}/review").json()] == [aid]
    r = chair.post(f"/meetings/{nxt.pk}/review/{aid}", {"outcome": "continue"})
    assert r.status_code == 422 and "due" in r.json()["fields"]
    new_due = (day + dt.timedelta(days=20)).isoformat()
    assert chair.post(f"/meetings/{nxt.pk}/review/{aid}", {"outcome": "continue", "due": new_due}).json()["due"] == new_due
    assert ActionItem.objects.get(pk=aid).is_open
    assert chair.post(f"/meetings/{nxt.pk}/review/{aid}", {"outcome": "done"}).json()["status"] == "done"


def test_the_same_status_or_due_date_through_the_api_records_nothing(world):  # noqa: F811
    """Issue 16, list 6, through the API: 422 and nothing recorded; a comment sent with the
    same status is kept as a comment."""
    chair, head, meeting = Api(world["chair"]), Api(world["head"]), world["meeting"]
    day = meeting.start.astimezone(meeting.series_zone).date()
    due = (day + dt.timedelta(days=4)).isoformat()
    aid = chair.post(f"/meetings/{meeting.pk}/actions", {"title": "排班", "owner": world["head"].pk, "due": due}).json()["id"]
    same = head.post(f"/actions/{aid}/status", {"status": "open"})
    assert same.status_code == 422 and "status" in same.json()["fields"]
    same = head.post(f"/actions/{aid}/due", {"due": due, "reason": "再确认"})
    assert same.status_code == 422 and "due" in same.json()["fields"]
    assert head.get(f"/actions/{aid}/history").json() == []
    assert head.post(f"/actions/{aid}/status", {"status": "open", "comment": "仍在整理"}).status_code == 200
    assert [(u["kind"], u["text"]) for u in head.get(f"/actions/{aid}/history").json()] == [("comment", "仍在整理")]
