"""Syncing the directory from WeCom, DingTalk and Feishu through the engine: the tree and the
people with their suite ids, idempotent, movers, leavers (WeCom status 5, Feishu
status.is_resigned, DingTalk gone from the lists, anyone deleted), a suite that answers
garbage or too late changes nothing, and the worker's scheduled pass."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone, translation

from lihui.directory.models import SuiteApp, SyncReport
from lihui.directory.suites.base import SuiteError
from lihui.directory.suites.services import suite_sync, suites_sync_due
from lihui.directory.suites.sync import read_dingtalk, read_feishu, read_snapshot, read_wecom
from lihui.ops.management.commands.worker import PASSES
from lihui.people.models import Department, Identity, Person
from lihui.testing.suites.fixtures import configure_suites, suite_server, suites  # noqa: F401


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the source language); a test that wants Chinese says so."""
    with translation.override("en"):
        yield

SUITES = ("wecom", "dingtalk", "feishu")


def people_state():
    return sorted(Person.objects.values_list("username", "name", "department__name", "is_active", "title", "employee_number", "phone"))


@pytest.mark.parametrize("source", SUITES)
def test_a_first_sync_creates_the_tree_and_the_people_with_their_suite_ids(suites, source):
    report = suite_sync(source=source, trigger="manual")
    assert report.status == SyncReport.Status.DONE, report.error
    assert report.counts["created"] == 12 and report.counts["departments_created"] == 5
    cs = Department.objects.get(name="客服部")
    assert cs.path == "运营中心/客服部" and cs.head.name == "李晓芳"
    lixf = Identity.objects.get(source=source, external_id="lixf").person
    assert (lixf.employee_number, lixf.title, lixf.department, lixf.phone) == ("E1002", "客服经理", cs, "13800000002")
    if source != "dingtalk":
        assert Person.objects.get(employee_number="E1003").manager == lixf
    assert Identity.objects.filter(source=source).count() == 12


def test_three_suites_describe_one_company_once(suites):
    """The same people in all three suites: the second and third sync link them by 工号 and
    change nothing."""
    first = suite_sync(source="wecom", trigger="manual")
    before = people_state()
    for source in ("dingtalk", "feishu"):
        report = suite_sync(source=source, trigger="manual")
        assert report.status == "done" and report.counts["created"] == 0 and report.counts["changed"] == 0, report.counts
    assert people_state() == before and first.counts["created"] == 12
    assert Person.objects.get(employee_number="E1002").identities.count() == 3


@pytest.mark.parametrize("source", SUITES)
def test_syncing_again_changes_nothing(suites, source):
    suite_sync(source=source, trigger="manual")
    before = people_state()
    report = suite_sync(source=source, trigger="manual")
    assert report.status == "done" and report.counts["unchanged"] == 12 and not report.changes.exists()
    assert people_state() == before


@pytest.mark.parametrize("source", SUITES)
def test_a_mover_and_a_renamed_title(suites, suite_server, source):
    suite_sync(source=source, trigger="manual")
    suite_server.directory.move("zhaoyt", 4)
    suite_server.directory.users["zhaoyt"].title = "仓管主管"
    report = suite_sync(source=source, trigger="manual")
    assert report.counts["changed"] == 1
    zhao = Person.objects.get(employee_number="E1003")
    assert zhao.department.name == "仓储部" and zhao.title == "仓管主管"
    change = report.changes.get(person=zhao)
    assert change.fields["department"] == ["运营中心/客服部", "运营中心/仓储部"]


@pytest.mark.parametrize("source", SUITES)
def test_a_leaver_is_deactivated(suites, suite_server, source):
    """WeCom still lists them with status 5, Feishu with status.is_resigned, DingTalk no longer."""
    suite_sync(source=source, trigger="manual")
    suite_server.directory.mark_left("xujw")
    report = suite_sync(source=source, trigger="manual")
    assert report.counts["deactivated"] == 1, report.counts
    assert not Person.objects.get(employee_number="E1012").is_active


@pytest.mark.parametrize("source", SUITES)
def test_someone_deleted_from_the_directory_is_deactivated(suites, suite_server, source):
    suite_sync(source=source, trigger="manual")
    suite_server.directory.remove("huangyq")
    report = suite_sync(source=source, trigger="manual")
    assert report.counts["deactivated"] == 1
    assert not Person.objects.get(employee_number="E1011").is_active


def test_a_department_head_who_leaves_is_no_longer_head(suites, suite_server):
    suite_sync(source="feishu", trigger="manual")
    suite_server.directory.mark_left("liucw")
    suite_sync(source="feishu", trigger="manual")
    assert Department.objects.get(name="财务部").head is None


@pytest.mark.parametrize("kind", ["garbage", "slow", "500"])
@pytest.mark.parametrize("source, endpoint", [
    ("wecom", "wecom:user/list"), ("dingtalk", "dingtalk:topapi/v2/user/list"), ("feishu", "feishu:contact/v3/users/find_by_department"),
])  # fmt: skip
def test_a_suite_that_answers_garbage_or_too_late_changes_nothing(suites, suite_server, settings, source, endpoint, kind):
    suite_sync(source=source, trigger="manual")
    suite_server.directory.move("zhaoyt", 4)
    suite_server.directory.mark_left("xujw")
    before = people_state()
    settings.LIHUI_SUITES_HTTP_TIMEOUT = 0.3
    suite_server.inject(endpoint, kind, seconds=1.0)
    report = suite_sync(source=source, trigger="manual")
    assert report.status == SyncReport.Status.FAILED and report.error
    assert not report.changes.exists() and people_state() == before


def test_a_suite_not_set_up_is_a_failed_report(db, suite_server):
    report = suite_sync(source="wecom", trigger="manual")
    assert report.status == "failed" and "not set up" in report.error
    with pytest.raises(SuiteError):
        read_snapshot("ldap")


def test_people_sync_reads_a_suite_snapshot(suites, suite_server):
    """What `manage.py people_sync wecom` runs (lihui/directory/sources.py names
    read_wecom / read_dingtalk / read_feishu); a suite that cannot be read raises the
    registry's error."""
    for source, read in (("wecom", read_wecom), ("dingtalk", read_dingtalk), ("feishu", read_feishu)):
        snapshot = read()
        assert snapshot.source == source and snapshot.complete and len(snapshot.people) == 12
    suite_server.inject("feishu:contact/v3/departments/children", "garbage")
    with pytest.raises(Exception, match="not its API's JSON"):
        read_feishu()


# --- the worker ----------------------------------------------------------------------------------


def test_the_worker_syncs_a_suite_when_due_and_only_once(suites):
    assert [p.name for p in PASSES].count("suite sync") == 1
    SuiteApp.objects.filter(source="dingtalk").update(sync_enabled=True, sync_every_hours=6)
    now = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        assert suites_sync_due() == {"dingtalk": "done"}
        assert suites_sync_due() == {}  # not due again
    with time_machine.travel(now + dt.timedelta(hours=6, minutes=1), tick=False):
        assert suites_sync_due() == {"dingtalk": "done"}
    reports = SyncReport.objects.filter(source="dingtalk", trigger="schedule")
    assert reports.count() == 2 and SuiteApp.objects.get(source="dingtalk").last_sync == now + dt.timedelta(hours=6, minutes=1)


@pytest.mark.django_db(transaction=True)  # the worker closes connections left in a transaction (PostgreSQL)
def test_the_worker_pass_skips_suites_not_set_up_or_not_scheduled(suite_server):
    configure_suites(suite_server, sources=("feishu",))
    SuiteApp.objects.create(source="wecom", sync_enabled=True)  # no ids, no secret
    assert suites_sync_due() == {}
    call_command("worker", "--once")
    assert not SyncReport.objects.exists()


def test_a_worker_that_lost_the_claim_does_not_sync(suites):
    SuiteApp.objects.filter(source="wecom").update(sync_enabled=True)
    app = SuiteApp.objects.get(source="wecom")
    SuiteApp.objects.filter(pk=app.pk).update(last_sync=timezone.now())  # another worker claimed it just now
    assert suites_sync_due(now=timezone.now() + dt.timedelta(hours=25)) == {"wecom": "done"}
    assert suites_sync_due(now=timezone.now() + dt.timedelta(hours=25)) == {}
