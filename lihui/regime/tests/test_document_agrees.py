"""The written regime and the running system are one thing (issue 16, part 5): each statement
of the document that has a number or a list — the reporting departments, the agenda total,
the lead time and deadlines, the roles — is compared with what the planner and the meeting
pages do for the same configuration."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lihui.meetings.models import Meeting
from lihui.meetings.services.agenda import agenda_ensure
from lihui.regime.documents import regime_document, regime_markdown
from lihui.regime.services import RosterEntry, series_create
from lihui.testing.factories import DepartmentFactory, PersonFactory

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 7, 21, 0, tzinfo=SH)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world():
    """The chair heads 运营部 (the series' own department), three members head 客服部, 物流部 and
    市场部, an optional member heads 财务部, and one member heads nothing; a deputy chair."""
    chair = PersonFactory(name="周云", language="en")
    heads = {name: PersonFactory(name=person) for name, person in
             [("客服部", "李娜"), ("物流部", "王强"), ("市场部", "陈静"), ("财务部", "高鑫")]}  # fmt: skip
    ops = DepartmentFactory(name="运营部", head=chair, sort_key="0")
    departments = {name: DepartmentFactory(name=name, head=person, sort_key=str(i + 1)) for i, (name, person) in enumerate(heads.items())}
    for name, person in heads.items():
        person.department = departments[name]
        person.save()
    taker, deputy = PersonFactory(name="郑爽"), PersonFactory(name="孙悦")
    roster = [
        RosterEntry(chair, "chair"), RosterEntry(deputy, "deputy_chair"), RosterEntry(taker, "minute_taker"),
        RosterEntry(heads["客服部"], "member"), RosterEntry(heads["物流部"], "member"), RosterEntry(heads["市场部"], "member"),
        RosterEntry(heads["财务部"], "optional"),
    ]  # fmt: skip
    with translation.override("en"):  # created by someone reading English
        series = series_create(actor=chair, roster=roster, data={
            "title": "South China weekly ops review", "department": ops, "frequency": "weekly", "weekdays": "0",
            "start_time": dt.time(9, 30), "duration_minutes": 75, "time_zone": "Asia/Shanghai", "start_date": NOW.date(),
            "agenda_lead_hours": 30, "minutes_deadline_hours": 20,
        })  # fmt: skip
    meeting = Meeting.objects.filter(series=series).order_by("start").first()
    agenda_ensure(meeting=meeting)
    return series, meeting, chair, deputy, taker


def document_text(series) -> str:
    with translation.override("zh-hans"):
        return regime_markdown(regime_document(series=series))


def test_the_reporting_departments_are_the_ones_that_get_report_items(world):
    series, meeting, *_ = world
    reports = [i.presenter.department.name for i in meeting.items.filter(kind="report").order_by("position")]
    assert sorted(reports) == sorted(["客服部", "物流部", "市场部"]), "not the chair's own department, not the optional member's"
    text = document_text(series)
    listed = re.search(r"汇报部门[^：:]*[：:](.+?)。", text)
    assert listed, text
    assert [part.split("（")[0] for part in listed.group(1).split("、")] == reports, "the same departments, in the same order"


def test_the_agenda_total_and_the_report_rows_match_the_planned_meeting(world):
    series, meeting, *_ = world
    items = list(meeting.items.order_by("position"))
    text = document_text(series)
    planned = re.search(r"议程模板（会议时长 (\d+) 分钟，已安排 (\d+) 分钟）", text)
    assert planned, text
    length, total = int(planned.group(1)), int(planned.group(2))
    assert total == sum(i.minutes_allotted for i in items)
    assert length == meeting.duration_minutes == 75
    per_report = {i.minutes_allotted for i in items if i.kind == "report"}
    assert len(per_report) == 1
    assert f"{per_report.pop()} × {len([i for i in items if i.kind == 'report'])}" in text


def test_lead_time_deadline_and_roles_are_what_the_system_enforces(world):
    series, meeting, chair, deputy, taker = world
    text = document_text(series)
    assert re.search(r"会前\s*30\s*小时", text), "the agenda lead time the worker publishes by"
    assert re.search(r"20\s*小时内", text), "the minutes deadline compliance checks"
    assert series.agenda_lead_hours == 30 and series.minutes_deadline_hours == 20
    assert "孙悦" in text and "代主持人" in text, "the deputy chair, who may run the meeting"
    client = Client()
    client.force_login(deputy)
    assert client.post(reverse("meetings:start", args=[meeting.pk]), {"confirm": "1"}).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).started_by_id == deputy.pk
    assert f"记录人为{taker.name}" in text.replace(" ", "") or taker.name in text
    assert meeting.minute_taker_id == taker.pk


def test_an_english_created_series_reads_as_chinese_in_the_official_document(world):
    series, meeting, *_ = world
    text = document_text(series)
    assert "「South China weekly ops review」" in text and "review制度" not in text
    table = text[text.index("议程模板"):]
    assert "Opening" not in table and "开场" in table or "会议开场" in table, table[:400]
    # The meeting's items come from the same template: in the company's language too.
    assert not meeting.items.filter(title__icontains="opening").exists()
