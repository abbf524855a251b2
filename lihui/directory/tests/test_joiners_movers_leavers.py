"""The issue's walk-through, from the WeCom directory on the local vendor server: a weekly
meeting of people synced from WeCom; in WeCom one person moves to head another department
and another leaves; the next sync's report shows both, the department report of the next
meeting follows the new head, and the leaver's open action is offered to the chair."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from lihui.actions.models import ActionItem
from lihui.actions.services import action_create
from lihui.directory.models import SyncChange
from lihui.directory.suites.services import suite_sync
from lihui.meetings.models import AgendaItem, Meeting
from lihui.meetings.services.agenda import agenda_ensure
from lihui.people.models import Department, Person
from lihui.regime.models import Membership, PresenterRole
from lihui.testing.factories import PersonFactory, make_series
from lihui.testing.suites.fixtures import configure_suites, suite_server, suites  # noqa: F401

NOW = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=True):  # ticking: the suite's tokens and codes age as in life
        yield


def by_number(number: str) -> Person:
    return Person.objects.get(employee_number=number)


def test_a_mover_and_a_leaver_in_wecom_reach_the_report_the_agenda_and_the_chair(suites, suite_server, client):
    first = suite_sync(source="wecom", trigger="schedule")
    assert first.status == "done" and first.counts["created"] == 12, first.error
    wang, lixf, zhao, sun, zhang = (by_number(n) for n in ("E1001", "E1002", "E1003", "E1004", "E1005"))
    series = make_series(chair=wang, roster=[(lixf, "minute_taker"), (zhao, "member"), (sun, "member"), (zhang, "member")])
    series.agenda_template.create(position=0, kind="report", title="部门汇报", presenter_role=PresenterRole.DEPARTMENT_HEADS, minutes=10)
    upcoming = Meeting.objects.filter(series=series, start__gt=NOW).order_by("start").first()
    agenda_ensure(meeting=upcoming)
    assert AgendaItem.objects.filter(meeting=upcoming, kind="report", presenter=lixf).exists()  # 客服部's head
    held = Meeting.objects.filter(series=series, start__lt=NOW).order_by("-start").first()
    action = action_create(actor=wang, meeting=held, title="整理本周客诉台账", owner=sun, due=dt.date(2026, 12, 18))

    # In WeCom: 赵雨婷 takes over 客服部 from 李晓芳, who moves to 仓储部; 孙浩明 leaves.
    company = suite_server.directory
    company.departments[3].leaders = ["zhaoyt"]
    company.move("lixf", 4)
    company.mark_left("sunhm")
    report = suite_sync(source="wecom", trigger="schedule")
    assert report.status == "done", report.error
    assert (report.counts["changed"], report.counts["deactivated"]) == (1, 1), report.counts

    # The report says what changed, before → after; an admin reads it.
    moved = SyncChange.objects.get(report=report, person=lixf)
    assert moved.fields["department"] == ["运营中心/客服部", "运营中心/仓储部"]
    assert SyncChange.objects.get(report=report, person=sun).kind == "deactivated"
    admin = PersonFactory(is_staff=True)
    client.force_login(admin)
    html = client.get(reverse("directory:sync_report_detail", args=[report.pk])).content.decode()
    assert "李晓芳" in html and "运营中心/仓储部" in html and "孙浩明" in html

    # The leaver: deactivated, never deleted, off the roster; their name stays on the action.
    sun.refresh_from_db()
    assert not sun.is_active and not Membership.objects.filter(series=series, person=sun).exists()
    assert Department.objects.get(name="客服部").head == zhao

    # The next meeting's department report follows 客服部's new head.
    assert AgendaItem.objects.filter(meeting=upcoming, kind="report", presenter=zhao).exists()
    assert not AgendaItem.objects.filter(meeting=upcoming, kind="report", presenter=lixf).exists()

    # The chair sees the leaver's open action and hands it on in one click (to 李晓芳, the
    # leaver's line manager, who is suggested).
    client.force_login(wang)
    page = client.get(reverse("regime:series_detail", args=[series.pk])).content.decode()
    assert 'data-testid="leaver-actions"' in page and "整理本周客诉台账" in page
    assert f'<option value="{lixf.pk}" selected>' in page
    client.post(reverse("actions:action_reassign", args=[action.pk]), {"owner": lixf.pk})
    assert ActionItem.objects.get(pk=action.pk).owner == lixf

    # A sync with nothing new changes nothing.
    again = suite_sync(source="wecom", trigger="schedule")
    assert again.counts["changed"] == again.counts["deactivated"] == again.counts["created"] == 0, again.counts
