"""A leaver's open actions are offered to each chair on the series page, with a one-click
hand-on to the leaver's line manager (or the chair); a chair who leaves is flagged to admins."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from lihui.actions.models import ActionItem, ActionUpdate
from lihui.actions.services import action_create, action_reassign
from lihui.audit.models import AuditEntry
from lihui.directory.services import DirectoryPerson as P
from lihui.directory.services import Snapshot, sync_apply
from lihui.meetings.models import Meeting
from lihui.people.models import Person
from lihui.testing.factories import PersonFactory, make_series

NOW = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def directory(*, leaver_active=True, chair_active=True):
    return Snapshot(
        "ldap",
        [],
        [
            P("chair", "周主持", employee_number="C1", active=chair_active),
            P("boss", "吴经理", employee_number="B1"),
            P("leaver", "郑离职", employee_number="L1", manager_key="boss", active=leaver_active),
        ],
        complete=True,
    )


@pytest.fixture
def world(db):
    sync_apply(directory(), trigger="manual")
    chair, boss, leaver = (Person.objects.get(employee_number=n) for n in ("C1", "B1", "L1"))
    for p in (chair, boss, leaver):
        p.set_password("pw")
        p.save()
    series = make_series(chair=chair, roster=[(boss, "minute_taker"), (leaver, "member")])
    meeting = Meeting.objects.filter(series=series, start__lt=NOW).order_by("-start").first()
    action = action_create(actor=chair, meeting=meeting, title="整理客诉台账", owner=leaver, due=dt.date(2026, 12, 20))
    done = action_create(actor=chair, meeting=meeting, title="已完成的事", owner=leaver, due=dt.date(2026, 12, 20))
    ActionItem.objects.filter(pk=done.pk).update(status=ActionItem.Status.DONE)
    return {"chair": chair, "boss": boss, "leaver": leaver, "series": series, "action": action}


def test_the_chair_sees_a_leavers_open_actions_and_hands_them_on_in_one_click(world, client):
    page = reverse("regime:series_detail", args=[world["series"].pk])
    client.force_login(world["chair"])
    assert b'data-testid="leaver-actions"' not in client.get(page).content
    sync_apply(directory(leaver_active=False), trigger="schedule")
    html = client.get(page).content.decode()
    assert 'data-testid="leaver-actions"' in html and "整理客诉台账" in html and "已完成的事" not in html
    # The line manager is suggested (selected) as the new owner.
    assert f'<option value="{world["boss"].pk}" selected>' in html
    response = client.post(reverse("actions:action_reassign", args=[world["action"].pk]), {"owner": world["boss"].pk})
    assert response.status_code == 302
    action = ActionItem.objects.get(pk=world["action"].pk)
    assert action.owner == world["boss"]
    update = ActionUpdate.objects.get(action=action, kind=ActionUpdate.Kind.OWNER)
    assert (update.old, update.new, update.author) == ("郑离职", "吴经理", world["chair"])
    assert AuditEntry.objects.filter(series=world["series"], entity="action", object_id=action.pk, verb="changed").exists()
    assert 'data-testid="leaver-actions"' not in client.get(page).content.decode()


def test_handing_on_is_for_the_chair_minute_taker_and_admins_only_and_to_active_people(world, client):
    sync_apply(directory(leaver_active=False), trigger="schedule")
    outsider = PersonFactory()
    url = reverse("actions:action_reassign", args=[world["action"].pk])
    client.force_login(outsider)
    assert client.post(url, {"owner": outsider.pk}).status_code == 404  # not their series: not even seen
    client.force_login(world["chair"])
    client.post(url, {"owner": world["leaver"].pk})
    client.post(url, {"owner": "garbage"})
    assert ActionItem.objects.get(pk=world["action"].pk).owner == world["leaver"]
    left = Person.objects.get(pk=world["leaver"].pk)
    other = Person.objects.get(pk=world["boss"].pk)
    other.is_active = False
    other.save()
    with translation.override("en"), pytest.raises(ValidationError, match="has left"):
        action_reassign(actor=world["chair"], action=ActionItem.objects.get(pk=world["action"].pk), owner=other)
    with translation.override("en"), pytest.raises(ValidationError, match="has left"):
        action_reassign(actor=world["chair"], action=ActionItem.objects.get(pk=world["action"].pk), owner=left)
    with pytest.raises(PermissionDenied):
        action_reassign(actor=outsider, action=ActionItem.objects.get(pk=world["action"].pk), owner=world["chair"])


def test_a_chair_who_leaves_is_flagged_on_the_directory_page(world, client):
    admin = PersonFactory(is_staff=True)
    client.force_login(admin)
    page = reverse("directory:directory_index")
    assert 'data-testid="departed-chairs"' not in client.get(page).content.decode()
    sync_apply(directory(chair_active=False), trigger="schedule")
    html = client.get(page).content.decode()
    assert 'data-testid="departed-chairs"' in html and world["series"].title in html
    client.force_login(world["boss"])
    assert client.get(page).status_code == 403


def test_the_report_and_person_pages_show_before_and_after(world, client):
    report = sync_apply(directory(leaver_active=False), trigger="schedule")
    admin = PersonFactory(is_staff=True)
    client.force_login(admin)
    html = client.get(reverse("directory:sync_report_detail", args=[report.pk])).content.decode()
    assert "郑离职" in html
    html = client.get(reverse("directory:person_sources", args=[world["leaver"].pk])).content.decode()
    assert "L1" in html and "leaver" in html  # the 工号 and the LDAP id
