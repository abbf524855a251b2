"""Every message kind, rendered in Chinese and in English, compared with the text kept in
snapshots/ (subject, plain text and Markdown). A change in wording shows up as a diff in
review. After an intended change: LIHUI_UPDATE_SNAPSHOTS=1 pytest lihui/notices -k snapshot.
Ids in links differ between databases and runs: they are written as <id>."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from lihui.actions.models import ActionItem, Decision
from lihui.meetings.models import AgendaItem, Meeting
from lihui.notices import render
from lihui.testing.factories import PersonFactory, make_series

SNAPSHOTS = Path(__file__).parent / "snapshots"
SH = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 12, 14)


@pytest.fixture
def world(db):
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=SH), tick=False):
        chair = PersonFactory(username="zhou", name="周云")
        owner = PersonFactory(username="wang", name="王五")
        series = make_series(chair=chair, roster=[(owner, "member")], title="运营周例会", location="3楼大会议室",
                             purpose="回顾上周运营数据\n确定本周重点", video_link="https://meeting.tencent.com/dm/abc")  # fmt: skip
        meeting = Meeting.objects.filter(series=series, start__gt=timezone.now()).order_by("start").first()
        meeting.purpose = "确认双十二备货"
        meeting.cancel_reason = "系统升级"
        items = [
            AgendaItem.objects.create(meeting=meeting, position=0, title="上周行动项回顾", presenter=chair, minutes_allotted=10),
            AgendaItem.objects.create(meeting=meeting, position=1, title="仓储部周报 <script>", presenter=owner, minutes_allotted=15),
            AgendaItem.objects.create(meeting=meeting, position=2, title="开放讨论", minutes_allotted=20),
        ]
        decision = Decision.objects.create(meeting=meeting, text="双十二前完成 **库存** 盘点")
        action = ActionItem.objects.create(series=series, meeting=meeting, decision=decision, title="盘点华东仓库存",
                                           owner=owner, due=dt.date(2026, 12, 10), created_by=chair)  # fmt: skip
    return dict(series=series, meeting=meeting, items=items, decisions=[decision], action=action)


def renderings(w) -> dict[str, render.Rendered]:
    meeting, action, series = w["meeting"], w["action"], w["series"]
    return {
        "agenda": render.agenda(meeting, w["items"]),
        "reminder": render.reminder(meeting),
        "invitation": render.invitation(meeting, method="REQUEST", first=True),
        "invitation_update": render.invitation(meeting, method="REQUEST", first=False),
        "invitation_cancel": render.invitation(meeting, method="CANCEL", first=False),
        "minutes": render.minutes(meeting, w["decisions"], [action]),
        "action_assigned": render.action_assigned(action),
        "action_due_soon": render.action_due_soon(action, dt.date(2026, 12, 8)),
        "action_overdue": render.action_overdue(action, TODAY),
        "action_escalated": render.action_escalated(action, TODAY),
        "overdue_summary": render.overdue_summary(series, [action], 3, TODAY),
        "digest": render.digest(series, meetings=[meeting], overdue=[action], overdue_total=1,
                                missing_reports=[w["items"][1]], today=TODAY),  # fmt: skip
        "survey": render.survey(meeting, "https://lihui.example/surveys/1/", meeting.end + dt.timedelta(days=3)),
    }


def as_text(r: render.Rendered) -> str:
    text = f"Subject: {r.subject}\n\n--- text ---\n{r.text}\n\n--- markdown ---\n{r.markdown}\n"
    return re.sub(r"/\d+/", "/<id>/", text)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_message_matches_its_snapshot(world, language):
    update = os.environ.get("LIHUI_UPDATE_SNAPSHOTS") == "1"
    with translation.override(language), timezone.override(SH):
        rendered = renderings(world)
    mismatched = []
    for name, r in rendered.items():
        path = SNAPSHOTS / f"{name}.{language}.txt"
        text = as_text(r)
        if update:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            continue
        assert path.exists(), f"no snapshot {path.name}: run with LIHUI_UPDATE_SNAPSHOTS=1 and review it"
        if path.read_text(encoding="utf-8") != text:
            mismatched.append(name)
    assert not mismatched, f"messages differ from their snapshots: {mismatched}"


def test_user_text_cannot_become_markup_in_the_markdown(world):
    with translation.override("en"), timezone.override(SH):
        agenda = render.agenda(world["meeting"], world["items"])
        minutes = render.minutes(world["meeting"], world["decisions"], [world["action"]])
    assert "<script>" not in agenda.markdown and "\\<script\\>" in agenda.markdown
    assert "**库存**" not in minutes.markdown and "\\*\\*库存\\*\\*" in minutes.markdown
    assert "<script>" in agenda.text  # plain text stays as typed


def test_the_chinese_messages_are_chinese(world):
    with translation.override("zh-hans"), timezone.override(SH):
        r = render.agenda(world["meeting"], world["items"])
    assert r.subject.startswith("议程") and "12月7日" in r.subject
