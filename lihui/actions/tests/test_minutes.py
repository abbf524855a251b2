"""The minutes draft assembles itself from the meeting; Markdown keeps user text inert."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lihui.actions.minutes import minutes_assemble, minutes_markdown
from lihui.actions.services import action_create, decision_record
from lihui.meetings.services.agenda import agenda_ensure
from lihui.meetings.services.live import attendance_set, meeting_end, meeting_go_to, meeting_start, notes_save
from lihui.testing import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture
def ran():
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 30, tzinfo=SH), tick=False) as t:
        chair, member, away = PersonFactory(name="周云", language="en"), PersonFactory(name="王强"), PersonFactory(name="高欣")
        series = make_series(chair=chair, roster=[(member, "member"), (away, "member")], start_date=dt.date(2026, 11, 30))
        meeting = series.meetings.first()
        agenda_ensure(meeting=meeting)
        meeting = meeting_start(actor=chair, meeting=meeting)
        first = meeting.current_item_id
        notes_save(actor=chair, item=meeting.items.get(pk=first), text="**粗体** <script>alert(1)</script>", base_revision=0)
        attendance_set(actor=chair, meeting=meeting, person=chair, status="present")
        attendance_set(actor=chair, meeting=meeting, person=member, status="late")
        attendance_set(actor=chair, meeting=meeting, person=away, status="excused", reason="出差")
        item = meeting.items.get(pk=first)
        d = decision_record(actor=chair, meeting=meeting, item=item, text="双十二增派客服")
        action_create(actor=chair, meeting=meeting, item=item, decision=d, title="整理 Q3 退货数据", owner=member, due=dt.date(2026, 12, 4))
        t.shift(dt.timedelta(minutes=7))
        meeting = meeting_go_to(actor=chair, meeting=meeting, expected_item_id=first, step=1)
        meeting = meeting_end(actor=chair, meeting=meeting)
        yield {"chair": chair, "meeting": meeting}


def test_assembled_contents(ran):
    m = minutes_assemble(meeting=ran["meeting"])
    assert [p.name for p, _ in m.attendees] == ["周云", "王强"]
    assert [p.name for p, _ in m.late] == ["王强"]
    assert [(p.name, mark.reason) for p, mark in m.absent] == [("高欣", "出差")]
    first = m.items[0]
    assert [d.text for d in first.decisions] == ["双十二增派客服"]
    assert [a.title for a in first.actions] == ["整理 Q3 退货数据"]
    assert first.item.used_seconds() == 7 * 60


def test_markdown_keeps_user_text_inert(ran):
    md = minutes_markdown(minutes_assemble(meeting=ran["meeting"]))
    assert "\\*\\*粗体\\*\\*" in md and "\\<script\\>" in md and "<script>" not in md
    assert "整理 Q3 退货数据 — 王强, 2026-12-04" in md
    assert "高欣（" in md and "出差" in md


def test_pages(ran):
    client = Client()
    client.force_login(ran["chair"])
    html = client.get(f"/meetings/{ran['meeting'].pk}/minutes/").content.decode()
    assert "双十二增派客服" in html and "&lt;script&gt;" in html and "<script>alert" not in html
    r = client.get(f"/meetings/{ran['meeting'].pk}/minutes.md")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/markdown")
    assert Client().get(f"/meetings/{ran['meeting'].pk}/minutes/").status_code == 302


def test_minutes_page_queries_do_not_grow(ran):
    client = Client()
    client.force_login(ran["chair"])
    url = f"/meetings/{ran['meeting'].pk}/minutes/"
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    meeting, chair = ran["meeting"], ran["chair"]
    item = meeting.items.first()
    for i in range(15):
        decision_record(actor=chair, meeting=meeting, item=item, text=f"决议 {i}")
        action_create(actor=chair, meeting=meeting, item=item, title=f"行动 {i}", owner=chair, due=dt.date(2026, 12, 31))
    with CaptureQueriesContext(connection) as big:
        client.get(url)
    assert len(big) == len(small)
