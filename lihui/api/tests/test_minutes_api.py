"""The minutes through the API: the text (assembled draft, then the latest revision),
saving with the conflict check (409 with both texts), submit / approve / publish against the
deadline, revisions and the exports; one error shape for everything refused."""

import datetime as dt
import io
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine
from django.utils import translation

from lihui.actions.services import action_create, decision_record
from lihui.meetings.models import Meeting
from lihui.meetings.services.agenda import agenda_ensure, guest_invite
from lihui.meetings.services.live import meeting_end, meeting_start
from lihui.minutes.documents import minutes_markdown
from lihui.minutes.models import Minutes, MinutesRevision
from lihui.minutes.selectors import minutes_assemble
from lihui.minutes.services import MAX_TEXT
from lihui.testing.factories import PersonFactory, make_series

from .test_api import Api

SH = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 30, 9, 30, tzinfo=SH)
END = START + dt.timedelta(minutes=50)
pytestmark = pytest.mark.django_db


@pytest.fixture
def held():
    """A private series' meeting that took place, with a decision and an action."""
    with time_machine.travel(START, tick=False) as traveller:
        chair, taker, member = PersonFactory(name="周云"), PersonFactory(name="孙丽"), PersonFactory(name="王强")
        outsider = PersonFactory(name="路人甲")
        series = make_series(chair=chair, roster=[(taker, "minute_taker"), (member, "member")], start_date=dt.date(2026, 11, 30))
        meeting = series.meetings.order_by("start").first()
        agenda_ensure(meeting=meeting)
        meeting = meeting_start(actor=chair, meeting=meeting, confirm_early=True)
        item = meeting.items.first()
        decision = decision_record(actor=taker, meeting=meeting, item=item, text="双十二增派客服")
        action_create(actor=taker, meeting=meeting, item=item, decision=decision, title="整理 Q3 退货数据", owner=member, due=dt.date(2026, 12, 4))
        traveller.shift(dt.timedelta(minutes=50))
        meeting = meeting_end(actor=chair, meeting=meeting)
        yield SimpleNamespace(
            chair=chair, taker=taker, member=member, outsider=outsider, series=series, meeting=meeting, item=item,
            traveller=traveller, api={p: Api(p) for p in (chair, taker, member, outsider)},
        )  # fmt: skip


def path(meeting: Meeting, tail: str = "") -> str:
    return f"/meetings/{meeting.pk}/minutes{tail}"


def assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"error", "fields"} and isinstance(body["error"], str) and body["error"]
    assert isinstance(body["fields"], dict)
    if field is not None:
        assert field in body["fields"], body
    return body


def stored(meeting: Meeting) -> tuple:
    return (
        list(Minutes.objects.filter(meeting=meeting).values_list("state", "head", "published_at", "approved_by")),
        list(MinutesRevision.objects.filter(minutes__meeting=meeting).order_by("number").values_list("number", "text", "author")),
        Meeting.objects.values_list("text_changed", flat=True).get(pk=meeting.pk),
    )


def test_draft_then_revisions(held):
    taker, member = held.api[held.taker], held.api[held.member]
    first = member.get(path(held.meeting))
    assert first.status_code == 200
    body = first.json()
    with translation.override("zh-hans"):
        expected = minutes_markdown(minutes_assemble(meeting=held.meeting))
    assert body == {
        "meeting": held.meeting.pk,
        "state": "draft",
        "revision": 0,
        "text": expected,
        "deadline": "2026-12-01T02:20:00Z",  # the actual end, 10:20 Shanghai, plus 24 hours
        "published_at": None,
        "published_by": None,
        "approved_by": None,
        "on_time": None,
        "needs_approval": False,
    }
    assert not Minutes.objects.exists()  # reading makes nothing

    saved = taker.put(path(held.meeting), {"text": "# 纪要\n\n第一稿", "base_revision": 0, "comment": "初稿"})
    assert saved.status_code == 201, saved.content
    assert saved.json() == {
        "number": 1, "author": held.taker.pk, "author_name": "孙丽", "created": "2026-11-30T02:20:00Z",
        "comment": "初稿", "published": False,
    }  # fmt: skip
    held.traveller.shift(dt.timedelta(minutes=10))
    second = held.api[held.chair].put(path(held.meeting), {"text": "# 纪要\n\n第二稿", "base_revision": 1})
    assert second.status_code == 201 and second.json()["number"] == 2 and second.json()["author"] == held.chair.pk

    current = member.get(path(held.meeting)).json()
    assert (current["revision"], current["text"], current["state"]) == (2, "# 纪要\n\n第二稿", "draft")
    listed = member.get(path(held.meeting, "/revisions")).json()
    assert [(r["number"], r["author_name"], r["comment"]) for r in listed] == [(2, "周云", ""), (1, "孙丽", "初稿")]
    assert "text" not in listed[0]
    one = member.get(path(held.meeting, "/revisions/1")).json()
    assert (one["number"], one["text"], one["author"]) == (1, "# 纪要\n\n第一稿", held.taker.pk)
    assert_error(member.get(path(held.meeting, "/revisions/3")), 404)
    assert_error(member.get(path(held.meeting, "/revisions/0")), 422)


def test_conflict_is_409_with_both_texts_and_nothing_overwritten(held):
    chair, taker = held.api[held.chair], held.api[held.taker]
    assert taker.put(path(held.meeting), {"text": "底稿", "base_revision": 0}).status_code == 201
    assert chair.put(path(held.meeting), {"text": "主持人的版本", "base_revision": 1}).status_code == 201
    conflict = taker.put(path(held.meeting), {"text": "记录人的版本", "base_revision": 1, "comment": "补充"})
    assert conflict.status_code == 409
    body = conflict.json()
    assert set(body) == {"error", "fields", "current", "yours"}
    assert isinstance(body["error"], str) and body["error"]
    assert list(body["fields"]) == ["base_revision"] and body["fields"]["base_revision"]
    assert set(body["current"]) == {"number", "author", "author_name", "created", "comment", "published", "text"}
    assert (body["current"]["number"], body["current"]["text"], body["current"]["author"]) == (2, "主持人的版本", held.chair.pk)
    assert body["current"]["author_name"] == "周云"
    assert body["yours"] == "记录人的版本"
    assert list(MinutesRevision.objects.order_by("number").values_list("text", flat=True)) == ["底稿", "主持人的版本"]
    merged = taker.put(path(held.meeting), {"text": "主持人的版本\n记录人的版本", "base_revision": 2})
    assert merged.status_code == 201 and merged.json()["number"] == 3
    assert list(MinutesRevision.objects.order_by("number").values_list("number", "author")) == [
        (1, held.taker.pk), (2, held.chair.pk), (3, held.taker.pk),
    ]  # fmt: skip


def test_a_retry_of_the_same_save_is_one_revision(held):
    taker = held.api[held.taker]
    body = {"text": "纪要正文", "base_revision": 0}
    first, again = taker.put(path(held.meeting), body), taker.put(path(held.meeting), body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert MinutesRevision.objects.count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"text": "", "base_revision": 1}, "text"),
        ({"text": "  \n ", "base_revision": 1}, "text"),
        ({"text": "字" * (MAX_TEXT + 1), "base_revision": 1}, "text"),
        ({"text": "正文", "base_revision": "abc"}, "base_revision"),
        ({"text": "正文", "base_revision": -1}, "base_revision"),
        ({"text": "正文", "base_revision": 1.5}, "base_revision"),
        ({"text": "正文", "base_revision": 2}, "base_revision"),  # from the future
        ({"text": "第一稿", "base_revision": 9}, "base_revision"),  # from the future, the current text
        ({"text": "正文"}, "base_revision"),
        ({"base_revision": 1}, "text"),
        ({"text": "正文", "base_revision": 1, "comment": "长" * 201}, "comment"),
        ({"text": "正文", "base_revision": 1, "author": 1}, "author"),  # unknown fields are refused
    ],
    ids=["empty", "blank", "too long", "letters", "negative", "fraction", "next", "far future", "no base", "no text", "long comment", "extra"],
)
def test_bad_input_is_422_in_the_error_shape_and_changes_nothing(held, body, field):
    taker = held.api[held.taker]
    assert taker.put(path(held.meeting), {"text": "第一稿", "base_revision": 0}).status_code == 201
    before = stored(held.meeting)
    assert_error(taker.put(path(held.meeting), body), 422, field)
    assert stored(held.meeting) == before


def test_publish_on_time_then_edits_are_published_revisions(held):
    taker = held.api[held.taker]
    held.traveller.shift(dt.timedelta(hours=3))
    published = taker.post(path(held.meeting, "/publish"), {"action": "publish"})
    assert published.status_code == 200, published.content
    body = published.json()
    assert (body["state"], body["revision"], body["published_by"], body["approved_by"], body["on_time"]) == (
        "published", 1, held.taker.pk, None, True,
    )  # fmt: skip
    assert body["published_at"] == "2026-11-30T05:20:00Z"
    with translation.override("zh-hans"):
        assert body["text"] == minutes_markdown(minutes_assemble(meeting=held.meeting))  # revision 1 is the assembled draft
    assert_error(taker.post(path(held.meeting, "/publish"), {"action": "publish"}), 422)  # published once

    held.traveller.shift(dt.timedelta(days=2))
    edit = taker.put(path(held.meeting), {"text": "更正后的纪要", "base_revision": 1, "comment": "更正"})
    assert edit.status_code == 201 and edit.json()["published"] is True
    after = held.api[held.member].get(path(held.meeting)).json()
    assert (after["state"], after["revision"], after["published_at"], after["on_time"]) == ("published", 2, body["published_at"], True)
    assert [r["published"] for r in held.api[held.member].get(path(held.meeting, "/revisions")).json()] == [True, False]


@pytest.mark.parametrize("late", [dt.timedelta(seconds=1), dt.timedelta(hours=5)])
def test_published_after_the_deadline_is_not_on_time(held, late):
    held.traveller.move_to(END + dt.timedelta(hours=24) + late)
    body = held.api[held.chair].post(path(held.meeting, "/publish"), {"action": "publish"}).json()
    assert body["on_time"] is False and body["state"] == "published"


def test_approval_flow(held):
    held.series.minutes_need_approval = True
    held.series.save()
    chair, taker, member = held.api[held.chair], held.api[held.taker], held.api[held.member]
    assert taker.get(path(held.meeting)).json()["needs_approval"] is True
    before = stored(held.meeting)
    assert_error(taker.post(path(held.meeting, "/publish"), {"action": "publish"}), 422, "__all__")
    assert_error(member.post(path(held.meeting, "/publish"), {"action": "submit"}), 403)
    assert stored(held.meeting) == before
    submitted = taker.post(path(held.meeting, "/publish"), {"action": "submit"})
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted" and submitted.json()["revision"] == 1
    assert_error(taker.post(path(held.meeting, "/publish"), {"action": "submit"}), 422)
    approved = chair.post(path(held.meeting, "/publish"), {"action": "publish"})
    assert approved.status_code == 200
    body = approved.json()
    assert (body["state"], body["approved_by"], body["published_by"]) == ("published", held.chair.pk, held.chair.pk)
    record = Minutes.objects.get()
    assert (record.submitted_by, record.approved_by) == (held.taker, held.chair)


def test_submit_without_approval_and_unknown_actions_are_refused(held):
    taker = held.api[held.taker]
    assert_error(taker.post(path(held.meeting, "/publish"), {"action": "submit"}), 422)
    assert_error(taker.post(path(held.meeting, "/publish"), {"action": "approve"}), 422, "action")
    assert not Minutes.objects.exists()


def test_a_meeting_that_has_not_taken_place(held):
    upcoming = held.series.meetings.filter(start__gt=held.meeting.start).order_by("start").first()
    chair = held.api[held.chair]
    assert chair.get(path(upcoming)).json()["state"] == "draft"  # what the minutes would say now
    assert_error(chair.put(path(upcoming), {"text": "提前写", "base_revision": 0}), 422, "__all__")
    assert_error(chair.post(path(upcoming, "/publish"), {"action": "publish"}), 422, "__all__")
    assert not Minutes.objects.exists()


def test_who_may_not(held):
    member, outsider = held.api[held.member], held.api[held.outsider]
    assert held.api[held.taker].put(path(held.meeting), {"text": "第一稿", "base_revision": 0}).status_code == 201
    before = stored(held.meeting)
    assert_error(member.put(path(held.meeting), {"text": "越权", "base_revision": 1}), 403)
    assert_error(member.post(path(held.meeting, "/publish"), {"action": "publish"}), 403)
    for method, tail, body in [
        ("get", "", None), ("put", "", {"text": "越权", "base_revision": 1}), ("post", "/publish", {"action": "publish"}),
        ("get", "/revisions", None), ("get", "/revisions/1", None), ("get", ".md", None), ("get", ".docx", None),
    ]:  # fmt: skip
        assert_error(getattr(outsider, method)(path(held.meeting, tail), body), 404)
    assert_error(Api().get(path(held.meeting)), 401)
    assert stored(held.meeting) == before


def test_a_staff_guest_reads_the_published_minutes_but_does_not_write(held):
    guest_invite(actor=held.chair, item=held.item, person=held.outsider, reason="法务意见")
    outsider = held.api[held.outsider]
    # The draft reviews the private series' open actions: the series' business (test_guest_scope.py).
    assert_error(outsider.get(path(held.meeting)), 404)
    assert_error(outsider.get(path(held.meeting, ".docx")), 404)
    assert_error(outsider.put(path(held.meeting), {"text": "越权", "base_revision": 0}), 403)
    assert_error(outsider.post(path(held.meeting, "/publish"), {"action": "publish"}), 403)
    assert not Minutes.objects.exists()
    assert held.api[held.taker].post(path(held.meeting, "/publish"), {"action": "publish"}).status_code == 200
    assert outsider.get(path(held.meeting)).status_code == 200
    assert outsider.get(path(held.meeting, ".docx")).status_code == 200


def test_exports(held):
    member = held.api[held.member]
    assert held.api[held.taker].put(path(held.meeting), {"text": "# 纪要\n\n| 行动 | 负责人 |\n| --- | --- |\n| 整理 | 王强 |\n", "base_revision": 0}).status_code == 201
    md = member.get(path(held.meeting, ".md"))
    assert md.status_code == 200 and md["Content-Type"] == "text/markdown; charset=utf-8"
    assert md.content.decode() == "# 纪要\n\n| 行动 | 负责人 |\n| --- | --- |\n| 整理 | 王强 |\n"
    assert md["Content-Disposition"] == f'attachment; filename="minutes-{held.series.pk}-1.md"'
    word = member.get(path(held.meeting, ".docx"))
    assert word.status_code == 200
    assert word["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = docx.Document(io.BytesIO(word.content))
    assert document.paragraphs[0].text == "纪要"
    assert [[c.text for c in r.cells] for r in document.tables[0].rows] == [["行动", "负责人"], ["整理", "王强"]]


def test_openapi_describes_the_minutes(held):
    schema = held.api[held.member].get("/openapi.json").json()
    put = schema["paths"]["/api/v1/meetings/{meeting_id}/minutes"]["put"]
    assert {"201", "409", "422", "403", "404"} <= set(put["responses"])
    docx_op = schema["paths"]["/api/v1/meetings/{meeting_id}/minutes.docx"]["get"]
    assert "application/vnd.openxmlformats-officedocument.wordprocessingml.document" in docx_op["responses"]["200"]["content"]
