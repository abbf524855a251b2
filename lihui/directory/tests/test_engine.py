"""The directory engine: one snapshot from any source becomes people, departments, their
identities and a sync report — joiners, movers and leavers, idempotent, all or nothing."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from lihui.audit.models import AuditEntry
from lihui.directory.models import SyncChange, SyncReport
from lihui.directory.services import DirectoryDepartment as D
from lihui.directory.services import DirectoryPerson as P
from lihui.directory.services import Snapshot, sync_apply, sync_plan
from lihui.meetings.models import AgendaItem, Meeting
from lihui.meetings.services.agenda import agenda_ensure
from lihui.people.models import ApiToken, Department, Identity, Person
from lihui.regime.models import Membership, PresenterRole
from lihui.regime.selectors import series_with_departed_chairs
from lihui.testing.factories import PersonFactory, make_series

NOW = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def company(**changes) -> Snapshot:
    departments = [
        D("ops", "运营中心", head_keys=("u1",)),
        D("cs", "客服部", parent_key="ops", head_keys=("u2",)),
        D("wh", "仓储部", parent_key="ops", head_keys=("u3",)),
    ]
    people = {
        "u1": P("u1", "王经理", employee_number="E001", email="wang@example.com", title="总监", department_key="ops"),
        "u2": P("u2", "李客服", employee_number="E002", email="li@example.com", department_key="cs", manager_key="u1"),
        "u3": P("u3", "张仓储", employee_number="E003", department_key="wh", manager_key="u1", phone="13800000003"),
        "u4": P("u4", "赵专员", employee_number="E004", department_key="cs", manager_key="u2", language="en"),
    }
    for key, person in changes.items():
        if person is None:
            people.pop(key)
        else:
            people[key] = person
    return Snapshot("wecom", departments, list(people.values()), complete=True)


def test_a_first_sync_creates_the_tree_the_people_and_their_identities(db):
    report = sync_apply(company(), trigger="manual")
    assert report.status == SyncReport.Status.DONE
    assert report.counts["created"] == 4 and report.counts["departments_created"] == 3
    cs = Department.objects.get(name="客服部")
    assert cs.parent.name == "运营中心" and cs.head.name == "李客服" and cs.path == "运营中心/客服部"
    zhao = Person.objects.get(employee_number="E004")
    assert zhao.department == cs and zhao.manager.name == "李客服" and zhao.language == "en"
    assert not zhao.has_usable_password()  # they log in through the directory
    assert zhao.field_sources["department"] == "wecom"
    assert Identity.objects.get(person=zhao).external_id == "u4"
    created = SyncChange.objects.get(report=report, person=zhao)
    assert created.kind == "created" and created.fields["department"] == ["", "运营中心/客服部"]


def test_syncing_the_same_directory_again_changes_nothing(db):
    sync_apply(company(), trigger="manual")
    before = list(Person.objects.order_by("pk").values())
    plan = sync_plan(company())
    assert plan.counts()["unchanged"] == 4 and not plan.has_errors
    report = sync_apply(company(), trigger="manual")
    assert report.counts["created"] == report.counts["changed"] == report.counts["departments_created"] == 0
    assert not report.changes.exists()
    assert [{k: v for k, v in p.items() if k != "last_synced"} for p in Person.objects.order_by("pk").values()] == [
        {k: v for k, v in p.items() if k != "last_synced"} for p in before
    ]


def test_people_already_in_lihui_are_matched_by_employee_number_then_username_then_email(db):
    by_number = PersonFactory(username="wang", name="王经理", employee_number="E001")
    by_email = PersonFactory(username="lisi", name="李客服", email="LI@example.com")
    report = sync_apply(company(), trigger="manual")
    assert report.counts["created"] == 2
    assert Identity.objects.get(source="wecom", external_id="u1").person == by_number
    assert Identity.objects.get(source="wecom", external_id="u2").person == by_email
    assert Person.objects.count() == 4


def test_a_mover_changes_department_and_future_report_items_follow_the_new_head(db):
    sync_apply(company(), trigger="manual")
    li, zhang, zhao = (Person.objects.get(employee_number=n) for n in ("E002", "E003", "E004"))
    series = make_series(chair=Person.objects.get(employee_number="E001"), roster=[(li, "member"), (zhang, "member"), (zhao, "minute_taker")])
    series.agenda_template.create(position=0, kind="report", title="部门汇报", presenter_role=PresenterRole.DEPARTMENT_HEADS, minutes=10)
    meeting = Meeting.objects.filter(series=series, start__gt=NOW).order_by("start").first()
    agenda_ensure(meeting=meeting)
    assert AgendaItem.objects.filter(meeting=meeting, presenter=li).exists()
    # 李客服 moves to 仓储部; 赵专员 becomes head of 客服部.
    moved = company(u2=P("u2", "李客服", employee_number="E002", email="li@example.com", department_key="wh", manager_key="u1"))
    moved.departments[1] = D("cs", "客服部", parent_key="ops", head_keys=("u4",))
    report = sync_apply(moved, trigger="manual")
    change = SyncChange.objects.get(report=report, person=li)
    assert change.kind == "changed" and change.fields == {"department": ["运营中心/客服部", "运营中心/仓储部"]}
    assert Department.objects.get(name="客服部").head == zhao
    assert AgendaItem.objects.filter(meeting=meeting, presenter=zhao, kind="report").exists()
    assert not AgendaItem.objects.filter(meeting=meeting, presenter=li).exists()


def test_a_leaver_is_deactivated_never_deleted_and_leaves_the_rosters(db):
    sync_apply(company(), trigger="manual")
    wang, li, zhang, zhao = (Person.objects.get(employee_number=f"E00{n}") for n in range(1, 5))
    token = ApiToken.objects.create(person=zhao, name="t", digest="x" * 64, hint="lh_x")
    series = make_series(chair=wang, roster=[(li, "minute_taker"), (zhang, "member"), (zhao, "member")])
    Membership.objects.filter(series=series, person=li).update(role="member")
    type(series).objects.filter(pk=series.pk).update(minute_taker_rotates=True)
    series.refresh_from_db()
    for n, person in enumerate([li, zhang, zhao], start=1):
        Membership.objects.filter(series=series, person=person).update(rotation_position=n)
    from lihui.meetings.services.planning import meetings_renumber

    meetings_renumber(series=series, since=NOW)
    assert Meeting.objects.filter(series=series, start__gt=NOW, minute_taker=zhao).exists()
    report = sync_apply(company(u4=None), trigger="schedule")
    zhao.refresh_from_db()
    assert not zhao.is_active and Person.objects.filter(pk=zhao.pk).exists()
    assert report.counts["deactivated"] == 1
    assert SyncChange.objects.get(report=report, person=zhao).kind == "deactivated"
    assert not Membership.objects.filter(series=series, person=zhao).exists()
    assert not Meeting.objects.filter(series=series, start__gt=NOW, minute_taker=zhao).exists()
    assert Meeting.objects.filter(series=series, start__gt=NOW, minute_taker__in=[li, zhang]).exists()
    entry = AuditEntry.objects.filter(series=series, entity="roster", verb="removed").get()
    assert any(c["label"] == "赵专员" for c in entry.changes)
    token.refresh_from_db()
    assert token.revoked is not None


def test_a_chair_who_leaves_stays_chair_and_is_flagged_to_admins(db):
    sync_apply(company(), trigger="manual")
    wang, li = Person.objects.get(employee_number="E001"), Person.objects.get(employee_number="E002")
    series = make_series(chair=wang, roster=[(li, "minute_taker")])
    assert not series_with_departed_chairs().exists()
    sync_apply(company(u1=P("u1", "王经理", employee_number="E001", active=False)), trigger="manual")
    assert Membership.objects.filter(series=series, person=wang, role="chair").exists()
    assert list(series_with_departed_chairs()) == [series]
    assert Department.objects.get(name="运营中心").head is None


def test_someone_back_in_the_directory_is_reactivated(db):
    sync_apply(company(), trigger="manual")
    sync_apply(company(u4=None), trigger="manual")
    report = sync_apply(company(), trigger="manual")
    assert report.counts["reactivated"] == 1 and Person.objects.get(employee_number="E004").is_active


def test_rows_with_errors_are_skipped_in_their_own_words_and_the_rest_lands(db):
    snapshot = company(
        u5=P("u5", "坏邮箱", employee_number="E005", email="not-an-address", department_key="cs"),
        u6=P("u6", "无部门", employee_number="E006", department_key="nowhere"),
        u7=P("u7", "重复工号", employee_number="E001"),
        u8=P("u8", "", employee_number="E008"),
    )
    with translation.override("en"):
        plan = sync_plan(snapshot)
    problems = {row["key"]: " ".join(row["errors"]) for row in plan.problems()}
    assert "not-an-address" in problems["u5"] and "nowhere" in problems["u6"]
    assert "name is empty" in problems["u8"]
    # Two rows with one 工号: which is right is for the directory to say; neither is taken.
    assert "E001" in problems["u7"] and "E001" in problems["u1"]
    report = sync_apply(snapshot, trigger="manual")
    assert report.counts["created"] == 3 and report.counts["skipped"] == 5
    assert {p["key"] for p in report.problems} == {"u1", "u5", "u6", "u7", "u8"}
    assert Person.objects.get(employee_number="E002").manager is None  # their manager's row was skipped


def test_a_sync_that_fails_half_way_changes_nothing_and_says_why(db, monkeypatch):
    from lihui.directory import services

    def boom(*args, **kwargs):
        raise RuntimeError("the directory answered garbage")

    monkeypatch.setattr(services, "_write_heads", boom)
    report = sync_apply(company(), trigger="manual")
    assert report.status == SyncReport.Status.FAILED and "garbage" in report.error
    assert not Person.objects.exists() and not Department.objects.exists() and not Identity.objects.exists()


def test_departments_already_there_by_name_are_linked_not_duplicated(db):
    ops = Department.objects.create(name="运营中心")
    Department.objects.create(name="客服部", parent=ops)
    plan = sync_plan(company())
    assert [d.action for d in plan.departments] == ["unchanged", "unchanged", "created"]
    sync_apply(company(), trigger="manual")
    assert Department.objects.count() == 3


def test_the_queries_of_a_sync_do_not_grow_with_the_directory(db):
    def snapshot(n):
        departments = [D("root", "公司")] + [D(f"d{i}", f"部门{i}", parent_key="root", head_keys=(f"p{i}",)) for i in range(n // 10)]
        people = [P(f"p{i}", f"员工{i}", employee_number=f"N{i:05}", department_key=f"d{i % (n // 10)}", manager_key="p0" if i else None)
                  for i in range(n)]  # fmt: skip
        return Snapshot("ldap", departments, people, complete=True)

    counts = []
    for n in (40, 400):
        Person.objects.all().delete()
        Department.objects.all().delete()
        with CaptureQueriesContext(connection) as first:
            sync_apply(snapshot(n), trigger="manual")
        with CaptureQueriesContext(connection) as again:
            sync_apply(snapshot(n), trigger="manual")
        counts.append((len(first), len(again)))
        assert Person.objects.count() == n
    # No query per person or department: ten times the directory adds only the extra bulk
    # batches (SQLite takes 999 parameters a statement, ~38 people), never one per row.
    (small_first, small_again), (large_first, large_again) = counts
    assert large_first - small_first <= 360 // 10 and large_again - small_again <= 360 // 10, counts


def test_a_login_of_one_person_reads_only_the_people_it_may_mean(db):
    """A partial snapshot (a login, a small file) does not read the whole company."""
    from lihui.directory import services

    sync_apply(company(), trigger="manual")
    PersonFactory.create_batch(30)
    world = services._World("wecom", Snapshot("wecom", [], [P("u4", "赵专员", employee_number="E004")]))
    assert set(world.people) <= set(Person.objects.filter(employee_number__in=["E001", "E002", "E003", "E004"]).values_list("pk", flat=True))
    assert world.identities["u4"] == Person.objects.get(employee_number="E004").pk
    # …and plans exactly as the whole read does.
    one = Snapshot("wecom", [], [P("u4", "赵专员（新）", employee_number="E004", manager_key="u1")])
    narrow = sync_plan(one)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "NARROW_LIMIT", 0)
        whole = sync_plan(one)
    assert [(p.action, p.person_id, p.fields, p.errors) for p in narrow.people] == [
        (p.action, p.person_id, p.fields, p.errors) for p in whole.people
    ]
    assert narrow.people[0].fields == {"name": ["赵专员", "赵专员（新）"], "manager": ["李客服", "王经理"]}


def test_an_import_names_a_manager_entered_by_hand_by_their_employee_number(db):
    boss = PersonFactory(name="手工录入的经理", employee_number="M001")
    report = sync_apply(Snapshot("import", [], [P("E900", "新同事", employee_number="E900", manager_key="M001")]), trigger="import")
    assert report.counts["created"] == 1, report.problems
    assert Person.objects.get(employee_number="E900").manager == boss
    # Another source's keys are its own ids, never 工号: there the same key names nobody.
    with translation.override("en"):
        plan = sync_plan(Snapshot("ldap", [], [P("uid-9", "另一位", employee_number="E901", manager_key="M001")]))
    assert "M001" in " ".join(plan.people[0].errors)


def test_a_row_matched_by_username_to_someone_with_another_employee_number_is_refused(db):
    PersonFactory(username="zhangsan", name="张三", employee_number="E100")
    with translation.override("en"):
        plan = sync_plan(Snapshot("ldap", [], [P("uid-1", "张三", employee_number="E200", username="zhangsan")]))
    assert plan.people[0].action == "skipped"
    assert "whose 工号 is E100, not E200" in " ".join(plan.people[0].errors)
    assert Person.objects.get(username="zhangsan").employee_number == "E100"
