"""审计日志: every hooked change leaves one entry (who, when, before → after), a refused or
rolled-back change none; the page and the API are for the series' chair and admins."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from lihui.actions import services as actions
from lihui.audit.models import AuditEntry
from lihui.audit.selectors import audit_change_lines
from lihui.audit.services import E, V, audit_record
from lihui.meetings.models import Meeting
from lihui.meetings.services.agenda import agenda_ensure
from lihui.meetings.services.live import attendance_set, meeting_start
from lihui.minutes.services import minutes_publish, minutes_save
from lihui.people.models import Person
from lihui.regime.services import RosterEntry, membership_role_set, series_update

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)  # half an hour into today's 09:30 meeting
DAY = NOW.date()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _english(cast):
    """Everyone reads English, so labels can be checked."""
    Person.objects.update(language="en")
    for person in cast.all().values():
        person.refresh_from_db()


@pytest.fixture
def meeting(cast) -> Meeting:
    meeting = cast.series.meetings.select_related("series").get(start=dt.datetime.combine(DAY, dt.time(9, 30), tzinfo=SH))
    agenda_ensure(meeting=meeting)
    return meeting


def entries(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def last(**filters) -> AuditEntry:
    found = entries(**filters)
    assert found, f"no audit entry for {filters}"
    return found[-1]


def changes(entry: AuditEntry) -> dict[str, tuple]:
    return {c["field"]: (c["before"], c["after"]) for c in entry.changes}


def client_for(person: Person) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(person)
    return client


# --- series rules and roster ---------------------------------------------------------------------


def test_creating_a_series_logs_its_rules_and_roster(cast):
    created = last(series=cast.series, entity=E.SERIES, verb=V.CREATED)
    assert created.actor == cast.chair and created.actor_name == "周云"
    assert changes(created)["duration_minutes"] == (None, 60)
    assert changes(created)["weekdays"] == (None, ["Monday"])
    roster = last(series=cast.series, entity=E.ROSTER, verb=V.CREATED)
    assert {c["label"]: c["after"] for c in roster.changes} == {"周云": "Chair", "孙丽": "Minute-taker", "王强": "Member"}


def test_a_rule_change_is_logged_with_before_and_after(cast):
    AuditEntry.objects.all().delete()
    series_update(actor=cast.chair, series=cast.series, data={"duration_minutes": 90, "weekdays": [0, 2], "visibility": "organization"})
    entry = last(series=cast.series, entity=E.SERIES)
    assert (entry.verb, entry.actor, entry.actor_name, entry.meeting) == (V.CHANGED, cast.chair, "周云", None)
    assert changes(entry) == {
        "duration_minutes": (60, 90),
        "weekdays": (["Monday"], ["Monday", "Wednesday"]),
        "visibility": ("Roster only", "All staff"),
    }
    for language, shown in (("en", ("weekdays", "Monday", "Monday, Wednesday")), ("zh-hans", ("星期", "周一", "周一, 周三"))):
        with translation.override(language):
            line = next(line for line in audit_change_lines(entry=entry) if line.field == "weekdays")
        assert (line.label, line.before, line.after) == shown


def test_a_rule_change_through_the_form_is_logged_against_the_stored_rules(cast):
    """The form puts the new values on the series before the service runs: the 'before'
    must come from the database, not from that instance."""
    from lihui.tests.permissions.test_web import series_form_data

    AuditEntry.objects.all().delete()
    roster = [(m.person, m.role) for m in cast.series.memberships.select_related("person")]
    data = series_form_data(title="私密例会", series=cast.series, roster=roster)
    data["duration_minutes"] = "45"
    response = client_for(cast.chair).post(reverse("regime:series_edit", kwargs={"pk": cast.series.pk}), data)
    assert response.status_code == 302
    entry = last(series=cast.series, entity=E.SERIES)
    assert changes(entry)["duration_minutes"] == (60, 45)
    assert not entries(entity=E.ROSTER), "the same roster is no roster change"


def test_an_unchanged_save_logs_nothing(cast):
    AuditEntry.objects.all().delete()
    series_update(actor=cast.chair, series=cast.series, data={"duration_minutes": 60})
    assert entries() == []


def test_roster_changes_are_logged_by_name(cast):
    AuditEntry.objects.all().delete()
    roster = [RosterEntry(m.person, m.role) for m in cast.series.memberships.select_related("person")]
    series_update(actor=cast.admin, series=cast.series, data={}, roster=[*roster, RosterEntry(cast.outsider, "optional")])
    entry = last(series=cast.series, entity=E.ROSTER)
    assert (entry.actor_name, entry.verb) == ("管理员", V.CHANGED)
    assert [(c["label"], c["before"], c["after"]) for c in entry.changes] == [("路人甲", None, "Optional member")]

    membership_role_set(actor=cast.chair, series=cast.series, person=cast.presenter, role="optional")
    entry = last(series=cast.series, entity=E.ROSTER)
    assert [(c["label"], c["before"], c["after"]) for c in entry.changes] == [("王强", "Member", "Optional member")]


def test_windows_and_the_agenda_template_are_rules_too(cast):
    from lihui.regime.services import agenda_template_save, cadence_window_add, cadence_window_remove

    AuditEntry.objects.all().delete()
    window = cadence_window_add(actor=cast.chair, series=cast.series, data={
        "kind": "peak", "name": "双十一", "start_date": DAY + dt.timedelta(days=7), "end_date": DAY + dt.timedelta(days=10),
        "frequency": "daily", "interval": 1, "weekdays": ""})  # fmt: skip
    added = last(entity=E.SERIES)
    assert (added.verb, added.changes[0]["label"], added.changes[0]["before"]) == (V.ADDED, "cadence window", None)
    assert added.changes[0]["after"].startswith("双十一 (2026-12-07 – 2026-12-10)")
    cadence_window_remove(actor=cast.chair, window=window)
    removed = last(entity=E.SERIES)
    assert (removed.verb, removed.changes[0]["after"]) == (V.REMOVED, None)

    agenda_template_save(actor=cast.admin, series=cast.series, items=[{"kind": "other", "title": "只谈问题", "minutes": 30}])
    entry = last(entity=E.SERIES)
    assert (entry.verb, entry.actor, entry.changes[0]["field"], entry.changes[0]["after"]) == (
        V.CHANGED, cast.admin, "agenda_template", ["只谈问题 (30′)"])  # fmt: skip
    assert len(entry.changes[0]["before"]) == 6


def test_an_invalid_rule_change_logs_nothing(cast):
    AuditEntry.objects.all().delete()
    with pytest.raises(ValidationError):
        series_update(actor=cast.chair, series=cast.series, data={"duration_minutes": 0})
    with pytest.raises(ValidationError):
        membership_role_set(actor=cast.chair, series=cast.series, person=cast.presenter, role="chair")
    assert entries() == []


# --- attendance -------------------------------------------------------------------------------------


def test_attendance_is_logged_when_taken_and_when_changed(cast, meeting):
    AuditEntry.objects.all().delete()
    attendance_set(actor=cast.minute_taker, meeting=meeting, person=cast.presenter, status="present")
    created = last(entity=E.ATTENDANCE)
    assert (created.verb, created.actor, created.meeting, created.subject) == (V.CREATED, cast.minute_taker, meeting, "王强")
    assert changes(created) == {"status": (None, "Present")}

    attendance_set(actor=cast.chair, meeting=meeting, person=cast.presenter, status="late")
    changed = last(entity=E.ATTENDANCE)
    assert (changed.verb, changed.actor) == (V.CHANGED, cast.chair)
    assert changes(changed)["status"] == ("Present", "Late")
    assert changes(changed)["arrived_at"] == (None, "2026-11-30T02:00+00:00")

    attendance_set(actor=cast.chair, meeting=meeting, person=cast.presenter, status="late", arrived_at=NOW)
    assert len(entries(entity=E.ATTENDANCE)) == 2, "the same mark again changes nothing"


def test_refused_attendance_logs_nothing(cast, meeting):
    AuditEntry.objects.all().delete()
    with pytest.raises(ValidationError):
        attendance_set(actor=cast.chair, meeting=meeting, person=cast.presenter, status="excused")  # no reason
    assert entries() == []


# --- minutes ----------------------------------------------------------------------------------------


def test_publishing_and_later_edits_of_the_minutes_are_logged(cast, meeting):
    meeting_start(actor=cast.chair, meeting=meeting, confirm_early=True)
    meeting.refresh_from_db()
    AuditEntry.objects.all().delete()
    minutes_save(actor=cast.minute_taker, meeting=meeting, text="# 纪要\n\n初稿", base_revision=0)
    assert entries() == [], "drafts are not logged"

    minutes_publish(actor=cast.minute_taker, meeting=meeting)
    published = last(entity=E.MINUTES)
    assert (published.verb, published.actor, published.meeting) == (V.PUBLISHED, cast.minute_taker, meeting)
    assert changes(published) == {"state": ("Draft", "Published"), "revision": (None, 1)}

    minutes_save(actor=cast.chair, meeting=meeting, text="# 纪要\n\n初稿，补充了结论", base_revision=1, comment="补结论")
    edited = last(entity=E.MINUTES)
    assert (edited.verb, edited.actor) == (V.EDITED, cast.chair)
    assert changes(edited) == {"revision": (1, 2), "length": (len("# 纪要\n\n初稿"), len("# 纪要\n\n初稿，补充了结论")),
                               "comment": (None, "补结论")}  # fmt: skip


# --- decisions and actions ----------------------------------------------------------------------------


def test_decisions_and_actions_are_logged(cast, meeting):
    AuditEntry.objects.all().delete()
    decision = actions.decision_record(actor=cast.chair, meeting=meeting, text="双十二增派客服")
    entry = last(entity=E.DECISION)
    assert (entry.verb, entry.object_id, entry.meeting, entry.subject) == (V.CREATED, decision.pk, meeting, "双十二增派客服")
    assert changes(entry) == {"text": (None, "双十二增派客服")}

    action = actions.action_create(actor=cast.chair, meeting=meeting, title="补齐库存", owner=cast.presenter, due=DAY + dt.timedelta(days=7))
    entry = last(entity=E.ACTION)
    assert (entry.verb, entry.object_id, entry.subject) == (V.CREATED, action.pk, "补齐库存")
    assert changes(entry) == {"title": (None, "补齐库存"), "owner": (None, "王强"), "due": (None, "2026-12-07"),
                              "priority": (None, "Normal"), "status": (None, "Open")}  # fmt: skip

    actions.action_set_status(actor=cast.presenter, action=action, status="in_progress", comment="开始了")
    entry = last(entity=E.ACTION)
    assert (entry.verb, entry.actor) == (V.CHANGED, cast.presenter)
    assert changes(entry) == {"status": ("Open", "In progress"), "comment": (None, "开始了")}

    actions.action_move_due(actor=cast.presenter, action=action, due=DAY + dt.timedelta(days=14), reason="等供应商")
    assert changes(last(entity=E.ACTION)) == {"due": ("2026-12-07", "2026-12-14"), "comment": (None, "等供应商")}

    actions.action_comment(actor=cast.chair, action=action, text="加油")
    assert (last(entity=E.ACTION).verb, changes(last(entity=E.ACTION))) == (V.COMMENTED, {"comment": (None, "加油")})


def test_a_review_is_logged_with_the_reviewing_meeting(cast, meeting):
    earlier = cast.series.meetings.get(start=dt.datetime.combine(DAY - dt.timedelta(days=7), dt.time(9, 30), tzinfo=SH))
    action = actions.action_create(actor=cast.chair, meeting=earlier, title="核对退货单", owner=cast.presenter, due=DAY)
    actions.action_review(actor=cast.chair, meeting=meeting, action=action, outcome="done", comment="已完成")
    entry = last(entity=E.ACTION)
    assert (entry.verb, entry.meeting) == (V.REVIEWED, meeting)
    assert changes(entry) == {"outcome": (None, "Done"), "status": ("Open", "Done"), "comment": (None, "已完成")}


def test_refused_or_rolled_back_follow_up_logs_nothing(cast, meeting):
    action = actions.action_create(actor=cast.chair, meeting=meeting, title="补齐库存", owner=cast.presenter, due=DAY + dt.timedelta(days=7))
    AuditEntry.objects.all().delete()
    with pytest.raises(ValidationError):
        actions.action_create(actor=cast.chair, meeting=meeting, title="", owner=cast.presenter, due=DAY)
    with pytest.raises(ValidationError):
        actions.action_set_status(actor=cast.presenter, action=action, status="nonsense")
    with pytest.raises(ValidationError):
        actions.action_move_due(actor=cast.presenter, action=action, due=DAY - dt.timedelta(days=1), reason="x")
    with pytest.raises(ValidationError):
        actions.decision_record(actor=cast.chair, meeting=meeting, text="  ")
    assert entries() == []

    with pytest.raises(RuntimeError), transaction.atomic():
        actions.action_set_status(actor=cast.presenter, action=action, status="done")
        assert entries(entity=E.ACTION), "written in the change's transaction"
        raise RuntimeError("the caller's transaction fails after the change")
    assert entries() == []


def test_an_entry_keeps_its_author_name_when_the_person_is_gone(cast, meeting):
    someone = Person.objects.create(username="temp", name="临时工")
    entry = audit_record(actor=someone, series=cast.series, entity=E.ACTION, object_id=None, verb=V.COMMENTED, changes=[])
    someone.delete()
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_name) == (None, "临时工")


# --- the page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [("chair", 200), ("admin", 200), ("minute_taker", 403), ("presenter", 403), ("outsider", 404)])
def test_the_page_is_for_the_chair_and_admins(cast, role, status):
    response = client_for(getattr(cast, role)).get(reverse("audit:series_log", kwargs={"pk": cast.series.pk}))
    assert response.status_code == status


def test_the_series_page_links_to_the_log_for_those_who_may_read_it(cast):
    url = reverse("audit:series_log", kwargs={"pk": cast.series.pk})
    page = reverse("regime:series_detail", kwargs={"pk": cast.series.pk})
    assert url in client_for(cast.chair).get(page).content.decode()
    assert url not in client_for(cast.presenter).get(page).content.decode()


def test_the_page_shows_who_what_and_before_after_newest_first(cast, meeting):
    series_update(actor=cast.chair, series=cast.series, data={"duration_minutes": 90})
    attendance_set(actor=cast.minute_taker, meeting=meeting, person=cast.presenter, status="remote")
    response = client_for(cast.admin).get(reverse("audit:series_log", kwargs={"pk": cast.series.pk}))
    html = response.content.decode()
    rows = response.context["rows"]
    assert [e.entity for e, _lines in rows[:2]] == [E.ATTENDANCE, E.SERIES]
    assert "duration (minutes)" in html and "<del>60</del> → <ins>90</ins>" in html
    assert "孙丽" in html and "<ins>Remote</ins>" in html
    assert "10:00" in html, "the time in the reader's zone (Shanghai)"
    Person.objects.filter(pk=cast.admin.pk).update(time_zone="Europe/Berlin")
    berlin = client_for(Person.objects.get(pk=cast.admin.pk)).get(reverse("audit:series_log", kwargs={"pk": cast.series.pk}))
    assert "03:00" in berlin.content.decode() and "10:00" not in berlin.content.decode()

    only = client_for(cast.admin).get(reverse("audit:series_log", kwargs={"pk": cast.series.pk}), {"kind": "attendance"})
    assert {e.entity for e, _lines in only.context["rows"]} == {E.ATTENDANCE}
    by_meeting = client_for(cast.admin).get(reverse("audit:series_log", kwargs={"pk": cast.series.pk}), {"meeting": meeting.pk})
    assert {e.meeting_id for e, _lines in by_meeting.context["rows"]} == {meeting.pk}
    assert meeting in by_meeting.context["meetings"]


def test_the_page_speaks_the_readers_language(cast):
    series_update(actor=cast.chair, series=cast.series, data={"visibility": "organization"})
    Person.objects.filter(pk=cast.chair.pk).update(language="zh-hans")
    html = client_for(Person.objects.get(pk=cast.chair.pk)).get(reverse("audit:series_log", kwargs={"pk": cast.series.pk})).content.decode()
    assert "<strong>可见范围</strong>: <del>仅参会人员名单</del> → <ins>全体员工</ins>" in html, "labels and choices are translated when shown"


def _fill(cast, n: int) -> None:
    meetings = list(cast.series.meetings.order_by("start")[:5])
    people = [cast.chair, cast.minute_taker, cast.presenter, cast.admin]
    AuditEntry.objects.bulk_create(
        AuditEntry(series=cast.series, meeting=meetings[i % len(meetings)], actor=people[i % len(people)],
                   actor_name=str(people[i % len(people)]), entity=E.ATTENDANCE, object_id=i, verb=V.CHANGED,
                   changes=[{"field": "status", "label": "attendance", "before": "Present", "after": "Late", "i18n": ["label", "values"]}])
        for i in range(n)
    )  # fmt: skip


@pytest.mark.parametrize("filters", [{}, {"kind": "attendance"}])
def test_the_page_costs_the_same_queries_however_long_the_log(cast, filters):
    client = client_for(cast.chair)
    url = reverse("audit:series_log", kwargs={"pk": cast.series.pk})
    counts = []
    for n in (3, 40):
        _fill(cast, n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, filters).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- the API --------------------------------------------------------------------------------------------


def test_an_api_write_is_logged_and_the_api_reads_the_log(cast, meeting):
    AuditEntry.objects.all().delete()
    chair = client_for(cast.chair)
    chair.get("/me/")  # the CSRF cookie, for the session's write
    response = chair.put(
        f"/api/v1/meetings/{meeting.pk}/attendance",
        json.dumps({"person": cast.presenter.pk, "status": "absent"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=chair.cookies["csrftoken"].value,
    )
    assert response.status_code == 200, response.content
    assert changes(last(entity=E.ATTENDANCE)) == {"status": (None, "Absent")}

    read = chair.get(f"/api/v1/series/{cast.series.pk}/audit", {"kind": "attendance", "limit": 10})
    assert read.status_code == 200, read.content
    assert read["X-Total-Count"] == "1"
    [entry] = read.json()
    assert (entry["actor"], entry["actor_name"], entry["entity"], entry["verb"], entry["meeting"]) == (
        cast.chair.pk, "周云", "attendance", "created", meeting.pk)  # fmt: skip
    assert entry["changes"] == [{"field": "status", "label": "attendance", "before": None, "after": "Absent",
                                 "before_text": "—", "after_text": "Absent"}]  # fmt: skip

    assert client_for(cast.presenter).get(f"/api/v1/series/{cast.series.pk}/audit").status_code == 403
    refused = client_for(cast.outsider).get(f"/api/v1/series/{cast.series.pk}/audit")
    assert refused.status_code == 404 and "error" in refused.json()


def test_robot_changes_are_in_the_log_and_the_api(cast):
    """Group robots (hostile review #14): added, changed and removed, each with its entry,
    readable on the page and through the API (whose entity list must know robots)."""
    from lihui.notify.models import Channel
    from lihui.notify.services import channel_create, channel_delete, channel_update

    AuditEntry.objects.all().delete()
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0a1b2c3d-secret-key"
    channel = channel_create(actor=cast.chair, channel=Channel(series=cast.series, kind="wecom", name="运营群", url=url,
                                                               kinds=["agenda_published"]))  # fmt: skip
    channel.enabled = False
    channel_update(actor=cast.chair, channel=channel)
    channel_delete(actor=cast.chair, channel=channel)
    read = client_for(cast.chair).get(f"/api/v1/series/{cast.series.pk}/audit", {"kind": "channel"})
    assert read.status_code == 200, read.content
    removed, changed, added = read.json()
    assert [e["verb"] for e in (added, changed, removed)] == ["added", "changed", "removed"]
    assert {e["entity"] for e in (added, changed, removed)} == {"channel"}
    assert [(c["field"], c["before"], c["after"]) for c in changed["changes"]] == [("enabled", True, False)]
    assert "0a1b2c3d-secret-key" not in read.content.decode()
    assert {"field": "kinds", "label": "messages", "before": None, "after": ["Agenda published"], "before_text": "—",
            "after_text": "Agenda published"} in added["changes"]  # fmt: skip
    page = client_for(cast.chair).get(reverse("audit:series_log", kwargs={"pk": cast.series.pk}), {"kind": "channel"})
    assert page.status_code == 200 and page.content.decode().count('data-entity="channel"') == 3
