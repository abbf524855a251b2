"""A create or publish sent twice happens once: the `Idempotency-Key` header in the API, the
hidden form token on pages — repeated (in sequence and twenty at once), reused for another
request, by another person, after 24 hours, and after a first attempt that failed."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from lihui.actions.models import ActionItem, ActionUpdate, Decision
from lihui.actions.services import action_create
from lihui.api.tests.test_api import Api, series_body
from lihui.api.tests.test_api_meetings import world  # noqa: F401 (fixture)
from lihui.idempotency.models import IdempotencyKey
from lihui.idempotency.services import idempotency_keys_purge
from lihui.meetings.models import AgendaItem, Meeting
from lihui.meetings.services.agenda import agenda_ensure
from lihui.notify import kinds as k
from lihui.notify.models import Message
from lihui.regime.models import Series
from lihui.testing.parallel import in_parallel, needs_parallel_writers

pytestmark = pytest.mark.django_db


def key() -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


def _due(w) -> str:
    return (w["meeting"].start.astimezone(w["meeting"].series_zone).date() + dt.timedelta(days=4)).isoformat()


def _action(w) -> ActionItem:
    return action_create(actor=w["chair"], meeting=w["meeting"], title="排班", owner=w["head"], due=dt.date.fromisoformat(_due(w)))


# operation: (path and body for the world, what one success adds to)
CASES = {
    "decision_create": (lambda w: (f"/meetings/{w['meeting'].pk}/decisions", {"text": "双十二增派客服"}), lambda: Decision.objects.count()),
    "action_create": (lambda w: (f"/meetings/{w['meeting'].pk}/actions", {"title": "整理退货数据", "owner": w["head"].pk, "due": _due(w)}),
                      lambda: ActionItem.objects.count()),
    "action_comment": (lambda w: (f"/actions/{_action(w).pk}/comments", {"text": "完成一半"}), lambda: ActionUpdate.objects.count()),
    "agenda_item_add": (lambda w: (f"/meetings/{w['meeting'].pk}/agenda", {"title": "双十二预案", "minutes_allotted": 10}),
                        lambda: AgendaItem.objects.count()),
    "series_create": (lambda w: ("/series", series_body(w["chair"])), lambda: Series.objects.count()),
    "meeting_add": (lambda w: (f"/series/{w['meeting'].series_id}/occurrences", {"date": "2026-12-02", "start_time": "08:00"}),
                    lambda: Meeting.objects.count()),
    "agenda_publish": (lambda w: (f"/meetings/{w['meeting'].pk}/agenda/publish", {}), lambda: Message.objects.filter(kind=k.AGENDA).count()),
}  # fmt: skip


@pytest.mark.parametrize("operation", list(CASES))
def test_the_same_key_twice_writes_once_and_answers_the_same(world, operation):  # noqa: F811
    where, count = CASES[operation]
    agenda_ensure(meeting=world["meeting"])
    path, body = where(world)
    chair, headers = Api(world["chair"]), key()
    before = count()
    first = chair.post(path, body, **headers)
    assert first.status_code in (200, 201), first.content
    written = count()
    assert written > before
    again = chair.post(path, body, **headers)
    assert count() == written
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert chair.post(path, body, **key()).status_code in (200, 201)  # a new key is a new request
    if operation != "agenda_publish":  # an unchanged agenda is not sent again, key or not
        assert count() > written


def test_minutes_publish_repeated_with_its_key_answers_200_not_already_published(world):  # noqa: F811
    from lihui.meetings.services.live import meeting_end, meeting_start

    meeting = world["meeting"]
    agenda_ensure(meeting=meeting)
    world["traveller"].move_to(meeting.start)
    meeting_start(actor=world["chair"], meeting=meeting, confirm_early=True)
    world["traveller"].shift(dt.timedelta(hours=1))
    meeting_end(actor=world["chair"], meeting=meeting)
    chair, headers = Api(world["chair"]), key()
    first = chair.post(f"/meetings/{meeting.pk}/minutes/publish", {"action": "publish"}, **headers)
    assert first.status_code == 200, first.content
    again = chair.post(f"/meetings/{meeting.pk}/minutes/publish", {"action": "publish"}, **headers)
    assert (again.status_code, again.json()) == (200, first.json())
    assert Message.objects.filter(kind=k.MINUTES).count() == len({m.recipient_id or -m.channel_id for m in Message.objects.filter(kind=k.MINUTES)})
    assert chair.post(f"/meetings/{meeting.pk}/minutes/publish", {"action": "publish"}, **key()).status_code == 422


def test_a_key_reused_for_another_request_is_refused(world):  # noqa: F811
    chair, headers, meeting = Api(world["chair"]), key(), world["meeting"]
    assert chair.post(f"/meetings/{meeting.pk}/decisions", {"text": "甲"}, **headers).status_code == 201
    other = chair.post(f"/meetings/{meeting.pk}/decisions", {"text": "乙"}, **headers)
    assert other.status_code == 422
    assert set(other.json()) == {"error", "fields"} and "Idempotency-Key" in other.json()["fields"]
    assert list(Decision.objects.values_list("text", flat=True)) == ["甲"]


def test_keys_are_per_person_expire_after_a_day_and_a_failed_first_try_keeps_the_key_free(world):  # noqa: F811
    meeting, headers = world["meeting"], key()
    chair = Api(world["chair"])
    other_chair = world["head"]
    meeting.series.memberships.filter(person=other_chair).update(role="chair")
    assert chair.post(f"/meetings/{meeting.pk}/decisions", {"text": "甲"}, **headers).status_code == 201
    assert Api(other_chair).post(f"/meetings/{meeting.pk}/decisions", {"text": "甲"}, **headers).status_code == 201
    assert Decision.objects.count() == 2
    world["traveller"].shift(dt.timedelta(hours=24, seconds=1))
    again = chair.post(f"/meetings/{meeting.pk}/decisions", {"text": "甲"}, **headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Decision.objects.count() == 3
    world["traveller"].shift(dt.timedelta(hours=24, seconds=1))
    assert idempotency_keys_purge() == 2  # the chair's renewed key and the head's
    # a refused first attempt is not remembered: the corrected request with the same key writes
    retry = key()
    assert chair.post(f"/meetings/{meeting.pk}/decisions", {"text": ""}, **retry).status_code == 422
    assert chair.post(f"/meetings/{meeting.pk}/decisions", {"text": "乙"}, **retry).status_code == 201
    assert Decision.objects.count() == 4


@pytest.mark.parametrize("value", ["", " ", "x" * 256, "a\tb"])
def test_a_malformed_key_is_a_clear_422_and_writes_nothing(world, value):  # noqa: F811
    r = Api(world["chair"]).post(f"/meetings/{world['meeting'].pk}/decisions", {"text": "甲"}, HTTP_IDEMPOTENCY_KEY=value,
                                 HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["error"]
    assert not Decision.objects.exists()


@needs_parallel_writers
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_requests_with_one_key_make_one_decision(world, live_server):  # noqa: F811
    """Twenty clients at once against a real server, each its own connection: the first
    insert of the key wins, the others wait for its commit and answer with its response."""
    import urllib.request

    from lihui.people.services import api_token_create

    _token, secret = api_token_create(person=world["chair"], name="parallel")
    url = f"{live_server.url}/api/v1/meetings/{world['meeting'].pk}/decisions"
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json", "Idempotency-Key": "press-1"}
    answers = []

    def press():
        request = urllib.request.Request(url, data=json.dumps({"text": "双十二增派客服"}).encode(), headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            answers.append((response.status, json.loads(response.read())))

    assert in_parallel(20, press) == []
    assert Decision.objects.count() == 1
    assert len(answers) == 20 and {json.dumps(a, sort_keys=True) for a in answers} == {json.dumps(answers[0], sort_keys=True)}
    assert answers[0][0] == 201


# --- pages: the hidden form token --------------------------------------------------------


def _token(html: str) -> str:
    found = re.findall(r'name="idempotency_token" value="([0-9a-f]{32})"', html)
    assert found, "no form token in the page"
    return found[0]


def test_each_create_and_publish_form_carries_a_fresh_token(world):  # noqa: F811
    client = Client()
    client.force_login(world["chair"])
    meeting = world["meeting"]
    agenda_ensure(meeting=meeting)
    pages = [f"/meetings/{meeting.pk}/", f"/series/{meeting.series_id}/meetings/new/", "/series/new/",
             f"/actions/{_action(world).pk}/"]  # fmt: skip
    for page in pages:
        first, second = client.get(page), client.get(page)
        assert first.status_code == 200, page
        assert _token(first.content.decode()) != _token(second.content.decode()), page


def test_a_resubmitted_decision_form_records_one_decision(world):  # noqa: F811
    client = Client()
    client.force_login(world["chair"])
    meeting = world["meeting"]
    agenda_ensure(meeting=meeting)
    form = {"kind": "decision", "text": "双十二增派客服", "idempotency_token": uuid.uuid4().hex}
    first = client.post(f"/meetings/{meeting.pk}/followup/", form)
    again = client.post(f"/meetings/{meeting.pk}/followup/", form)
    assert first.status_code == again.status_code == 200
    assert Decision.objects.count() == 1
    assert again.content == first.content  # the panel as the first answer drew it
    form["idempotency_token"] = uuid.uuid4().hex  # the panel's next form: a new token
    client.post(f"/meetings/{meeting.pk}/followup/", form)
    assert Decision.objects.count() == 2


def test_a_resubmitted_page_form_redirects_to_the_first_result(world):  # noqa: F811
    client = Client()
    client.force_login(world["chair"])
    series = world["meeting"].series
    html = client.get(f"/series/{series.pk}/meetings/new/").content.decode()
    form = {"date": "2026-12-02", "start_time": "08:00", "duration_minutes": 60, "location": "", "idempotency_token": _token(html)}
    first = client.post(f"/series/{series.pk}/meetings/new/", form)
    assert first.status_code == 302
    before = Meeting.objects.count()
    again = client.post(f"/series/{series.pk}/meetings/new/", form)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Meeting.objects.count() == before
    assert any("已经提交过" in str(m) for m in get_messages(again.wsgi_request))
    assert IdempotencyKey.objects.filter(operation="meeting_add", person=world["chair"]).count() == 1


def test_a_resubmitted_comment_and_agenda_publish_do_their_work_once(world):  # noqa: F811
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world["chair"])
    action = _action(world)
    form = {"do": "comment", "text": "完成一半", "idempotency_token": uuid.uuid4().hex}
    first = client.post(f"/actions/{action.pk}/", form)
    again = client.post(f"/actions/{action.pk}/", form)
    assert first.status_code == again.status_code == 302 and again["Location"] == first["Location"]
    assert ActionUpdate.objects.filter(action=action, kind="comment").count() == 1

    meeting = world["meeting"]
    agenda_ensure(meeting=meeting)
    publish = {"idempotency_token": uuid.uuid4().hex}
    client.post(f"/meetings/{meeting.pk}/agenda/publish/", publish)
    sent = Message.objects.filter(kind=k.AGENDA).count()
    assert sent > 0
    client.post(f"/meetings/{meeting.pk}/agenda/publish/", publish)  # the same form twice
    answer = client.post(f"/meetings/{meeting.pk}/agenda/publish/", {"idempotency_token": uuid.uuid4().hex}, follow=True)
    assert "Nothing changed since the agenda went out" in answer.content.decode()  # pressed again later
    assert Message.objects.filter(kind=k.AGENDA).count() == sent
