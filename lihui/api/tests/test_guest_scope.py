"""A guest invited for one item of a private series' meeting sees that meeting, not the
series' business: not the review of the series' open actions (each of which is 404 to
them), not the minutes while they are a draft, nor their revisions — through the API and
the pages alike. Once published, the minutes are theirs to read like any participant's.
The cast is the permission matrices' (lihui.testing.cast.make_cast(matrix=True))."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lihui.actions.models import ActionItem
from lihui.meetings.services.agenda import agenda_ensure, guest_invite
from lihui.meetings.services.live import meeting_start
from lihui.minutes.services import minutes_publish, minutes_save
from lihui.testing.cast import make_cast

from .test_api import Api

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SH)  # the matrices' Wednesday

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(frozen, db):
    cast = make_cast(matrix=True)
    meeting = cast.series.meetings.filter(start__gt=timezone.now() + dt.timedelta(days=1)).order_by("start").first()
    agenda_ensure(meeting=meeting)
    guest_invite(actor=cast.chair, item=meeting.items.first(), person=cast.guest, reason="法务意见")
    earlier = cast.series.meetings.filter(start__lt=timezone.now()).order_by("-start").first()
    action = ActionItem.objects.create(
        meeting=earlier, series=cast.series, title="整理 Q3 退货数据", owner=cast.presenter, due=NOW.date() + dt.timedelta(days=10)
    )
    meeting_start(actor=cast.chair, meeting=meeting, confirm_early=True)
    meeting.refresh_from_db()
    minutes_save(actor=cast.chair, meeting=meeting, text="# 纪要\n\n整理 Q3 退货数据（跟进）", base_revision=0)
    return cast, meeting, action


def web(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_review_is_for_those_who_see_the_series(world):
    cast, meeting, action = world
    review = f"/meetings/{meeting.pk}/review"
    assert Api(cast.guest).get(f"/actions/{action.pk}").status_code == 404  # each action: not theirs
    assert Api(cast.guest).get(review).status_code == 404  # nor the list of them
    assert Api(cast.guest).get(f"/meetings/{meeting.pk}").status_code == 200  # the meeting is
    listed = Api(cast.member).get(review)
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [action.pk]


def test_draft_minutes_and_revisions_are_for_those_who_see_the_series(world):
    cast, meeting, _action = world
    guest, member = Api(cast.guest), Api(cast.member)
    for tail in ("", ".md", ".docx", "/revisions", "/revisions/1"):
        assert guest.get(f"/meetings/{meeting.pk}/minutes{tail}").status_code == 404, tail
        assert member.get(f"/meetings/{meeting.pk}/minutes{tail}").status_code == 200, tail
    pages = ("minutes:minutes", "minutes:minutes_md", "minutes:minutes_print", "minutes:minutes_docx", "minutes:minutes_revisions")
    for name in pages:
        url = reverse(name, kwargs={"pk": meeting.pk})
        assert web(cast.guest).get(url).status_code == 404, name
        assert web(cast.member).get(url).status_code == 200, name
    # The meeting page offers the guest no link to minutes they may not read yet.
    detail = web(cast.guest).get(reverse("meetings:meeting_detail", kwargs={"pk": meeting.pk})).content.decode()
    assert reverse("minutes:minutes", kwargs={"pk": meeting.pk}) not in detail


def test_published_minutes_are_read_by_the_guest_too(world):
    cast, meeting, _action = world
    minutes_publish(actor=cast.chair, meeting=meeting)
    guest = Api(cast.guest)
    for tail in ("", ".md", ".docx"):
        assert guest.get(f"/meetings/{meeting.pk}/minutes{tail}").status_code == 200, tail
    assert guest.get(f"/meetings/{meeting.pk}/minutes/revisions").status_code == 404  # the drafts stay the roster's
    for name in ("minutes:minutes", "minutes:minutes_md", "minutes:minutes_print", "minutes:minutes_docx"):
        assert web(cast.guest).get(reverse(name, kwargs={"pk": meeting.pk})).status_code == 200, name
    assert web(cast.guest).get(reverse("minutes:minutes_revisions", kwargs={"pk": meeting.pk})).status_code == 404
    detail = web(cast.guest).get(reverse("meetings:meeting_detail", kwargs={"pk": meeting.pk})).content.decode()
    assert reverse("minutes:minutes", kwargs={"pk": meeting.pk}) in detail
