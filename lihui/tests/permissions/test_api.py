"""Who may do what through the API, operation by operation.

The operations come from the OpenAPI document, so a new endpoint without a rule in `API`
fails `test_every_operation_has_a_rule`. Each rule gives the expected status per cast
member on the private series and on the staff-visible one. Requests carry a personal
Bearer token, and write requests a valid body, so the status seen is the permission
outcome and not a validation error.

The client enforces CSRF like any real HTTP client (Django's test client skips it by
default), so the API behaves here as it does for a script.

The cast and the rules are the web pages' (see lihui/tests/permissions/test_web.py and
lihui/testing/permissions.py): anonymous (`test_anonymous_is_401`), outsider, member,
presenter, guest for one topic, minute-taker, chair and admin, made by
lihui.testing.cast.make_cast(matrix=True) and mapped to people by `World.person`. The presenter
(`cast.presenter`) heads a department, so the agenda gives them its report item; the item
operations act on that item, theirs, and they own the action. The member
(`cast.member`) is on both rosters and presents and owns nothing. The guest
(`cast.guest`) is on no roster and is invited as a colleague for the presenter's item of
the meeting under test (`World.meeting`, and `World.sign_in` for operations that need no
meeting): they see that meeting as a participant, neither the private series nor its other
meetings, hence the series-level and meeting-level variants of the rules. The extra two are
made only for the matrices, so the rest of the suite keeps its cast of five.

Time is frozen (`NOW`), so nothing here depends on today's date.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

from lihui.actions.models import ActionItem, ActionUpdate, Decision
from lihui.api.api import api
from lihui.directory.models import SyncReport
from lihui.meetings.models import AgendaItem, Attendance, Guest, Material, Meeting
from lihui.meetings.services.agenda import agenda_ensure, guest_invite, material_add
from lihui.meetings.services.live import meeting_start
from lihui.minutes.models import Minutes, MinutesRevision
from lihui.minutes.services import minutes_save
from lihui.people.models import ApiToken, Department, Person
from lihui.people.services import api_token_create
from lihui.regime.models import AgendaKind, CadenceWindow, Membership, Series
from lihui.regime.services import cadence_window_add
from lihui.reports.models import Kpi, KpiValue, Report
from lihui.surveys.models import AnswerPool, Respondent, Response
from lihui.testing.cast import make_cast
from lihui.testing.permissions import (
    NOW,
    ROLES,
    SEES_PRIVATE,
    SHANGHAI,
    Expect,
    action_manage,
    admins_configure,
    everyone,
    meeting_manage,
    meeting_read,
    minutes_kept,
    own_item,
    participants,
    series_content,
    series_manage,
    series_read,
)

# NOW (frozen), SHANGHAI and SEES_PRIVATE: the matrices' shared vocabulary, lihui/testing/permissions.py.

PUBLIC = {("POST", "/api/v1/auth/token")}  # answers without a token


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The token endpoint's throttle and failure counters live in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cast(frozen, db):
    """The shared cast with the matrices' member and guest, made with the clock already frozen."""
    return make_cast(matrix=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded materials go to a temporary directory (files outlive a rolled-back savepoint)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


# A small real PDF: materials are accepted by their content, not their name.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf(name: str = "预读材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


# --- the world a rule is evaluated in -------------------------------------------------------


class World:
    """The cast plus what an operation needs (a meeting, a window, a token), made on first use."""

    def __init__(self, cast):
        self.cast = cast
        self._meetings: dict[str, Meeting] = {}
        self._windows: dict[str, CadenceWindow] = {}
        self._spare: dict[str, ApiToken] = {}
        self._secrets: dict[str, str] = {}
        self._items: dict[str, AgendaItem] = {}
        self._materials: dict[str, Material] = {}
        self._guests: dict[str, Guest] = {}
        self._started: set[str] = set()
        self._department: Department | None = None
        self._sync_report: SyncReport | None = None

    def sync_report(self) -> SyncReport:
        if self._sync_report is None:
            self._sync_report = SyncReport.objects.create(source="ldap", trigger="manual", counts={"changed": 0})
        return self._sync_report

    def person(self, role: str) -> Person:
        """presenter: cast.presenter; member: cast.member; guest: cast.guest; the rest by name."""
        return self.cast.person(role)

    def sign_in(self, role: str, target: str) -> Person:
        """The person playing `role` on `target` ("-": no series): the guest is a guest only
        once invited, so their invitation to the series' next meeting is made first."""
        if role == "guest":
            self.meeting("private" if target == "-" else target)
        return self.person(role)

    def series(self, target: str) -> Series:
        return self.cast.open_series if target == "open" else self.cast.series

    def meeting(self, target: str) -> Meeting:
        if target not in self._meetings:
            meeting = (
                self.series(target)
                .meetings.filter(status=Meeting.Status.SCHEDULED, start__gt=timezone.now() + dt.timedelta(days=1))
                .order_by("start")
                .first()
            )
            assert meeting is not None, "the cast's series should have planned meetings ahead"
            self.department()  # before the agenda is made, so the presenter has a report item
            agenda_ensure(meeting=meeting)
            # The guest: a colleague invited for the presenter's item, on no roster.
            item = meeting.items.get(presenter=self.cast.presenter)
            guest_invite(actor=self.cast.chair, item=item, person=self.cast.guest, reason="法务意见")
            self._meetings[target] = meeting
        return self._meetings[target]

    def action(self, target: str) -> ActionItem:
        """An action owned by the presenter, from the target series' earlier meeting."""
        self.meeting(target)  # the meeting under review
        # recorded in an earlier meeting of the series, so this meeting reviews it
        meeting = self.series(target).meetings.filter(start__lt=timezone.now()).order_by("-start").first()
        return ActionItem.objects.get_or_create(
            meeting=meeting,
            title="整理 Q3 退货数据",
            defaults={"series": meeting.series, "owner": self.cast.presenter, "due": today() + dt.timedelta(days=10)},
        )[0]

    def department(self) -> Department:
        """A department the presenter heads: the agenda gives its head a report item."""
        if self._department is None:
            self._department = Department.objects.create(name="华东销售部", head=self.cast.presenter)
        return self._department

    def item(self, target: str) -> AgendaItem:
        """The presenter's own item on the meeting (their department's report)."""
        if target not in self._items:
            meeting = self.meeting(target)
            item = meeting.items.filter(presenter=self.cast.presenter).first()
            assert item is not None and item.kind == AgendaKind.REPORT, "the presenter should present their department's report"
            assert meeting.items.filter(position__lt=item.position).exists(), "an item above, so moving it up is a real move"
            item.meeting = meeting
            self._items[target] = item
        return self._items[target]

    def material(self, target: str) -> Material:
        """A pre-read the presenter attached to their item."""
        if target not in self._materials:
            self._materials[target] = material_add(actor=self.cast.presenter, item=self.item(target), upload=pdf())
        return self._materials[target]

    def guest(self, target: str) -> Guest:
        """An outside guest (no account) the chair invited for the presenter's item."""
        if target not in self._guests:
            self._guests[target] = guest_invite(actor=self.cast.chair, item=self.item(target), name="财务老李", reason="预算")
        return self._guests[target]

    def started(self, target: str) -> Meeting:
        """The meeting, started by its chair: its first item is current."""
        if target not in self._started:
            meeting_start(actor=self.cast.chair, meeting=self.meeting(target), confirm_early=True)
            self.meeting(target).refresh_from_db()
            self._started.add(target)
        return self.meeting(target)

    def window(self, target: str) -> CadenceWindow:
        if target not in self._windows:
            data = {k: v for k, v in window_body().items() if k != "weekdays"}
            self._windows[target] = cadence_window_add(actor=self.cast.admin, series=self.series(target), data=data)
        return self._windows[target]

    def spare_token(self, role: str) -> ApiToken:
        """A second token of this person's, to revoke."""
        if role not in self._spare:
            self._spare[role], _secret = api_token_create(person=self.person(role), name="spare")
        return self._spare[role]

    def secret(self, role: str) -> str:
        """The Bearer secret the person's requests carry."""
        if role not in self._secrets:
            _token, self._secrets[role] = api_token_create(person=self.person(role), name="t")
        return self._secrets[role]


def snapshot() -> tuple:
    """What a request may change, to tell a refused request (nothing changed) from a done one."""
    return (
        list(Decision.objects.order_by("pk").values_list("pk", "meeting", "text")),
        list(ActionItem.objects.order_by("pk").values_list("pk", "title", "owner", "due", "status")),
        list(ActionUpdate.objects.order_by("pk").values_list("pk", "action", "kind", "text")),
        list(Series.objects.order_by("pk").values_list("pk", "title", "visibility", "start_time", "duration_minutes")),
        list(
            Meeting.objects.order_by("pk").values_list("pk", "start", "status", "duration_minutes", "location", "cancel_reason")
        ),
        list(CadenceWindow.objects.order_by("pk").values_list("pk", "start_date", "end_date")),
        list(Membership.objects.order_by("pk").values_list("pk", "series_id", "person_id", "role")),
        list(ApiToken.objects.order_by("pk").values_list("pk", "revoked")),
        # the company directory: people and the runs that write them (a preview writes nothing)
        list(Person.objects.order_by("pk").values_list("pk", "employee_number", "department", "is_active")),
        list(SyncReport.objects.exclude(status="preview").order_by("pk").values_list("pk", "status")),
        # preparing and running a meeting
        list(
            Meeting.objects.order_by("pk").values_list(
                "pk", "purpose", "agenda_created", "agenda_published_at",
                "actual_start", "actual_end", "current_item", "live_version",
            )
        ),
        list(
            AgendaItem.objects.order_by("pk").values_list(
                "pk", "meeting", "position", "kind", "title", "description", "presenter", "minutes_allotted",
                "seconds_used", "running_since", "notes", "notes_revision",
            )
        ),
        list(Material.objects.order_by("pk").values_list("pk", "item", "name")),
        list(Guest.objects.order_by("pk").values_list("pk", "item", "person", "name")),
        list(Attendance.objects.order_by("pk").values_list("pk", "meeting", "person", "guest", "status")),
        # Reading a report makes the (empty) report row; what counts is what it says.
        list(
            Report.objects.exclude(progress="", problems="", plan="", feedback="", submitted_at=None)
            .order_by("pk")
            .values_list("pk", "item", "progress", "problems", "plan", "feedback", "submitted_at")
        ),
        list(KpiValue.objects.order_by("pk").values_list("pk", "report", "kpi", "target", "actual")),
        list(Kpi.objects.order_by("pk").values_list("pk", "department", "name")),
        # the minutes: where they stand, and their revisions
        list(
            Minutes.objects.order_by("pk").values_list(
                "pk", "meeting", "state", "head", "submitted_by", "approved_by", "published_at", "published_by"
            )
        ),
        list(MinutesRevision.objects.order_by("pk").values_list("pk", "minutes", "number", "text", "author", "published")),
        # the survey after the meeting: answers, and who answered
        list(Response.objects.order_by("pk").values_list("pk", "survey", "person", "overall", "comment")),
        list(Respondent.objects.order_by("pk").values_list("pk", "survey", "person")),
        list(AnswerPool.objects.order_by("pk").values_list("pk", "answers")),  # anonymous answers not yet written
    )


# --- bodies ---------------------------------------------------------------------------------


def window_body() -> dict:
    return {
        "kind": "peak",
        "name": "双十一",
        "start_date": (today() + dt.timedelta(days=14)).isoformat(),
        "end_date": (today() + dt.timedelta(days=20)).isoformat(),
        "frequency": "daily",
        "interval": 1,
        "weekdays": [],
    }


def series_body(*, title: str, roster: list[tuple[Person, str]], series: Series | None = None) -> dict:
    """A complete, valid SeriesIn."""
    start = series.start_date if series else today() + dt.timedelta(days=7)
    return {
        "title": title,
        "purpose": ["复盘上周", "确定本周策略"],
        "frequency": "weekly",
        "interval": 1,
        "weekdays": [0],
        "start_time": "09:30",
        "duration_minutes": 60,
        "time_zone": "Asia/Shanghai",
        "start_date": start.isoformat(),
        "visibility": series.visibility if series else "roster",
        "roster": [{"person": p.pk, "role": role} for p, role in roster],
    }


def new_series_body(w: World, target: str, role: str) -> dict:
    return series_body(title="新例会", roster=[(w.person(role), "chair")])


def update_series_body(w: World, target: str, role: str) -> dict:
    series = w.series(target)
    roster = [(m.person, m.role) for m in series.memberships.select_related("person")]
    return series_body(title="改过的标题", roster=roster, series=series)


def move_body(w: World, target: str, role: str) -> dict:
    local = w.meeting(target).start.astimezone(SHANGHAI)
    day = (local.date() + dt.timedelta(days=1)).isoformat()
    return {"date": day, "start_time": "14:00", "duration_minutes": 45, "location": "三楼"}


def extra_body(w: World, target: str, role: str) -> dict:
    return {"date": (today() + dt.timedelta(days=3)).isoformat(), "start_time": "16:00", "duration_minutes": 30}


def occurrences_query(w: World, target: str, role: str) -> dict:
    return {"start": today().isoformat(), "end": (today() + dt.timedelta(days=30)).isoformat()}


# --- expectations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    expect: Expect
    path: Callable[[World, str, str], dict] = lambda w, target, role: {}
    body: Callable[[World, str, str], dict] | None = None
    query: Callable[[World, str, str], dict] | None = None
    upload: Callable[[World, str, str], dict] | None = None  # a multipart body (files)
    changes: bool = False  # writes without a body (publish, start, end)
    reads: bool = False  # a POST with a body that only computes (quick capture parsing)

    @property
    def writes(self) -> bool:
        if self.reads:
            return False
        return (
            self.changes
            or self.body is not None
            or self.upload is not None
            or any(s == 204 for by_role in self.expect.values() for s in by_role.values())
        )


def series_path(w: World, target: str, role: str) -> dict:
    return {"series_id": w.series(target).pk}


def meeting_path(w: World, target: str, role: str) -> dict:
    return {"meeting_id": w.meeting(target).pk}


def started_path(w: World, target: str, role: str) -> dict:
    return {"meeting_id": w.started(target).pk}


def action_path(w: World, target: str, role: str) -> dict:
    return {"action_id": w.action(target).pk}


def review_path(w: World, target: str, role: str) -> dict:
    return {"meeting_id": w.meeting(target).pk, "action_id": w.action(target).pk}


def item_path(w: World, target: str, role: str) -> dict:
    return {"item_id": w.item(target).pk}


def material_path(w: World, target: str, role: str) -> dict:
    return {"material_id": w.material(target).pk}


def department_path(w: World, target: str, role: str) -> dict:
    return {"department_id": w.department().pk}


def order_body(w: World, target: str, role: str) -> dict:
    """The agenda with the presenter's item moved up one place."""
    order = list(w.meeting(target).items.order_by("position", "id").values_list("pk", flat=True))
    i = order.index(w.item(target).pk)
    order[i - 1], order[i] = order[i], order[i - 1]
    return {"order": order}


def go_body(w: World, target: str, role: str) -> dict:
    meeting = w.started(target)
    assert meeting.current_item_id is not None
    return {"expected": meeting.current_item_id, "step": 1}


def notes_body(w: World, target: str, role: str) -> dict:
    return {"text": "结论：周五前补货", "revision": AgendaItem.objects.get(pk=w.item(target).pk).notes_revision}


def minutes_saved_path(w: World, target: str, role: str) -> dict:
    """The meeting, taken place, with a first revision of its minutes saved by the chair."""
    meeting = w.started(target)
    if not MinutesRevision.objects.filter(minutes__meeting=meeting).exists():
        minutes_save(actor=w.cast.chair, meeting=meeting, text="# 纪要\n\n双十一备货到位", base_revision=0)
    return {"meeting_id": meeting.pk}


def ended_path(w: World, target: str, role: str) -> dict:
    """The meeting, run and ended by its chair: its survey is open (the roster is asked)."""
    from lihui.meetings.services.live import meeting_end

    meeting = w.started(target)
    if meeting.actual_end is None:
        meeting_end(actor=w.cast.chair, meeting=meeting)
        meeting.refresh_from_db()
    return {"meeting_id": meeting.pk}


def survey_body(w: World, target: str, role: str) -> dict:
    scores = {"purpose_clear": 5, "time_well_used": 4, "outcomes_useful": 4, "discussion_open": 3, "overall": 4}
    return {"scores": scores, "comment": "议程清晰", "suggestion": "提前发材料"}


M_ = "/api/v1/meetings/{meeting_id}"
API: dict[tuple[str, str], Op] = {
    # --- auth and people: about the caller, not about a series
    ("POST", "/api/v1/auth/token"): Op(
        everyone(201), body=lambda w, t, role: {"username": w.person(role).username, "password": "pw", "name": "脚本"}
    ),
    ("GET", "/api/v1/me"): Op(everyone(200)),
    ("GET", "/api/v1/me/tokens"): Op(everyone(200)),
    ("DELETE", "/api/v1/me/tokens/{token_id}"): Op(everyone(204), path=lambda w, t, role: {"token_id": w.spare_token(role).pk}),
    ("GET", "/api/v1/people"): Op(everyone(200)),
    ("GET", "/api/v1/departments"): Op(everyone(200)),
    # --- series
    ("GET", "/api/v1/series"): Op(everyone(200)),
    ("POST", "/api/v1/series"): Op(everyone(201), body=new_series_body),
    ("GET", "/api/v1/series/{series_id}"): Op(series_read(200), path=series_path),
    ("PUT", "/api/v1/series/{series_id}"): Op(series_manage(200), path=series_path, body=update_series_body),
    ("DELETE", "/api/v1/series/{series_id}"): Op(series_manage(204), path=series_path),
    ("POST", "/api/v1/series/{series_id}/windows"): Op(series_manage(201), path=series_path, body=lambda w, t, r: window_body()),
    ("DELETE", "/api/v1/series/{series_id}/windows/{window_id}"): Op(
        series_manage(204), path=lambda w, target, r: {"series_id": w.series(target).pk, "window_id": w.window(target).pk}
    ),
    # --- the regime document: read as the series is
    ("GET", "/api/v1/series/{series_id}/regime"): Op(series_read(200), path=series_path),
    ("GET", "/api/v1/series/{series_id}/regime/versions"): Op(series_read(200), path=series_path),
    ("GET", "/api/v1/series/{series_id}/regime/versions/{number}"): Op(
        series_read(200), path=lambda w, t, r: {**series_path(w, t, r), "number": 1}
    ),
    ("GET", "/api/v1/series/{series_id}/regime/compare"): Op(series_read(200), path=series_path, query=lambda w, t, r: {"a": 1, "b": 1}),
    ("GET", "/api/v1/series/{series_id}/regime.md"): Op(series_read(200), path=series_path),
    ("GET", "/api/v1/series/{series_id}/regime.docx"): Op(series_read(200), path=series_path),
    # --- occurrences
    ("GET", "/api/v1/series/{series_id}/occurrences"): Op(series_read(200), path=series_path, query=occurrences_query),
    ("POST", "/api/v1/series/{series_id}/occurrences"): Op(series_manage(201), path=series_path, body=extra_body),
    ("GET", "/api/v1/meetings/{meeting_id}"): Op(meeting_read(200), path=meeting_path),
    ("POST", "/api/v1/meetings/{meeting_id}/move"): Op(meeting_manage(200), path=meeting_path, body=move_body),
    ("POST", "/api/v1/meetings/{meeting_id}/cancel"): Op(
        meeting_manage(200), path=meeting_path, body=lambda w, t, r: {"reason": "双十一值班，本周暂停"}
    ),
    # --- one meeting: prepare
    ("GET", "/api/v1/meetings/{meeting_id}/agenda"): Op(meeting_read(200), path=meeting_path),
    ("POST", "/api/v1/meetings/{meeting_id}/agenda"): Op(
        meeting_manage(201),
        path=meeting_path,
        body=lambda w, t, r: {"title": "双十一备货", "kind": "discussion", "minutes_allotted": 10},
    ),
    # The presenter presents the item but only the chair orders the agenda.
    ("PUT", "/api/v1/meetings/{meeting_id}/agenda/order"): Op(meeting_manage(200), path=meeting_path, body=order_body),
    ("PUT", "/api/v1/meetings/{meeting_id}/purpose"): Op(
        meeting_manage(200), path=meeting_path, body=lambda w, t, r: {"purpose": "定下双十一排班"}
    ),
    ("POST", "/api/v1/meetings/{meeting_id}/agenda/publish"): Op(meeting_manage(200), path=meeting_path, changes=True),
    # The presenter describes their item; its time and place on the agenda are the chair's.
    ("PATCH", "/api/v1/agenda-items/{item_id}"): Op(own_item(200), path=item_path, body=lambda w, t, r: {"description": "重点：备货"}),
    ("DELETE", "/api/v1/agenda-items/{item_id}"): Op(meeting_manage(204), path=item_path),
    ("POST", "/api/v1/agenda-items/{item_id}/materials"): Op(
        own_item(201), path=item_path, upload=lambda w, t, r: {"file": pdf()}
    ),
    ("GET", "/api/v1/materials/{material_id}"): Op(participants(200), path=material_path),
    # The material is the presenter's upload: its uploader, the chair and admins remove it.
    ("DELETE", "/api/v1/materials/{material_id}"): Op(own_item(204), path=material_path),
    ("POST", "/api/v1/agenda-items/{item_id}/guests"): Op(
        own_item(201), path=item_path, body=lambda w, t, r: {"name": "法务小陈", "email": "chen@example.com", "reason": "合同条款"}
    ),
    ("DELETE", "/api/v1/guests/{guest_id}"): Op(own_item(204), path=lambda w, target, r: {"guest_id": w.guest(target).pk}),
    ("GET", "/api/v1/meetings/{meeting_id}/participants"): Op(meeting_read(200), path=meeting_path),
    # --- decisions and actions
    ("GET", M_ + "/decisions"): Op(meeting_read(200), path=meeting_path),
    ("POST", M_ + "/decisions"): Op(minutes_kept(201), path=meeting_path, body=lambda w, t, r: {"text": "双十二增派客服 6 人"}),
    ("GET", M_ + "/actions"): Op(meeting_read(200), path=meeting_path),
    ("POST", M_ + "/actions"): Op(
        minutes_kept(201),
        path=meeting_path,
        body=lambda w, t, r: {"title": "排班表", "owner": w.cast.presenter.pk, "due": (today() + dt.timedelta(days=30)).isoformat()},
    ),
    ("GET", M_ + "/review"): Op(series_content(200), path=meeting_path),
    ("POST", M_ + "/review/{action_id}"): Op(
        minutes_kept(200), path=review_path, body=lambda w, t, r: {"outcome": "continue", "due": (today() + dt.timedelta(days=40)).isoformat()}
    ),
    ("GET", "/api/v1/actions"): Op(everyone(200)),
    ("GET", "/api/v1/actions/export.xlsx"): Op(everyone(200)),
    ("GET", "/api/v1/search"): Op(everyone(200), query=lambda w, t, r: {"q": "退货"}),
    ("POST", "/api/v1/capture/parse"): Op(everyone(200), body=lambda w, t, r: {"text": "行动：王强 明天 整理数据"}, reads=True),
    ("GET", "/api/v1/actions/{action_id}"): Op(series_read(200), path=action_path),
    ("GET", "/api/v1/actions/{action_id}/history"): Op(series_read(200), path=action_path),
    ("POST", "/api/v1/actions/{action_id}/status"): Op(
        action_manage(200), path=action_path, body=lambda w, t, r: {"status": "in_progress", "comment": "已开始"}
    ),
    ("POST", "/api/v1/actions/{action_id}/comments"): Op(action_manage(201), path=action_path, body=lambda w, t, r: {"text": "进展 50%"}),
    ("POST", "/api/v1/actions/{action_id}/due"): Op(
        action_manage(200), path=action_path, body=lambda w, t, r: {"due": (today() + dt.timedelta(days=20)).isoformat(), "reason": "等数据"}
    ),
    # --- minutes: read as the series is while a draft (here), as the meeting is once published
    # (test_guest_scope.py); written and published by whoever takes its notes, once the
    # meeting has taken place (started, here)
    ("GET", M_ + "/minutes"): Op(series_content(200), path=meeting_path),
    ("PUT", M_ + "/minutes"): Op(
        minutes_kept(201), path=started_path, body=lambda w, t, r: {"text": "# 纪要\n\n周五前补货", "base_revision": 0, "comment": "初稿"}
    ),
    ("POST", M_ + "/minutes/publish"): Op(minutes_kept(200), path=started_path, body=lambda w, t, r: {"action": "publish"}),
    ("GET", M_ + "/minutes/revisions"): Op(series_content(200), path=minutes_saved_path),
    ("GET", M_ + "/minutes/revisions/{number}"): Op(
        series_content(200), path=lambda w, t, r: {**minutes_saved_path(w, t, r), "number": 1}
    ),
    ("GET", M_ + "/minutes.md"): Op(series_content(200), path=meeting_path),
    ("GET", M_ + "/minutes.docx"): Op(series_content(200), path=meeting_path),
    # --- reports and KPIs
    ("GET", "/api/v1/agenda-items/{item_id}/report"): Op(meeting_read(200), path=item_path),
    ("PUT", "/api/v1/agenda-items/{item_id}/report"): Op(
        own_item(200), path=item_path, body=lambda w, t, r: {"progress": "完成 92%", "plan": "补货", "submit": True}
    ),
    ("GET", "/api/v1/departments/{department_id}/kpis"): Op(everyone(200), path=department_path),
    # A department's KPIs are defined by its head (the presenter) and admins.
    ("POST", "/api/v1/departments/{department_id}/kpis"): Op(
        {"-": {"chair": 403, "minute_taker": 403, "presenter": 201, "member": 403, "guest": 403, "outsider": 403, "admin": 201}},
        path=department_path,
        body=lambda w, t, r: {"name": "订单准时发货率", "unit": "%", "higher_is_better": True, "default_target": "98.5"},
    ),
    # --- one meeting: run
    ("GET", "/api/v1/meetings/{meeting_id}/attendance"): Op(meeting_read(200), path=meeting_path),
    ("PUT", "/api/v1/meetings/{meeting_id}/attendance"): Op(
        minutes_kept(200), path=meeting_path, body=lambda w, t, r: {"person": w.cast.presenter.pk, "status": "present"}
    ),
    ("GET", "/api/v1/meetings/{meeting_id}/live"): Op(meeting_read(200), path=meeting_path),
    ("POST", "/api/v1/meetings/{meeting_id}/start"): Op(meeting_manage(200), path=meeting_path, query=lambda w, t, r: {"early": "true"}, changes=True),
    ("POST", "/api/v1/meetings/{meeting_id}/go"): Op(meeting_manage(200), path=started_path, body=go_body),
    ("POST", "/api/v1/meetings/{meeting_id}/end"): Op(meeting_manage(200), path=started_path, changes=True),
    # On a running meeting, resuming changes nothing (the service answers with it as it is).
    ("POST", "/api/v1/meetings/{meeting_id}/resume"): Op(meeting_manage(200), path=started_path),
    # The presenter presents the item, which gives no right to its notes.
    ("PUT", "/api/v1/agenda-items/{item_id}/notes"): Op(minutes_kept(200), path=item_path, body=notes_body),
    ("GET", "/api/v1/meetings/{meeting_id}/recap"): Op(meeting_read(200), path=meeting_path),
    # --- insights: compliance and health are read as the series is
    ("GET", "/api/v1/meetings/{meeting_id}/compliance"): Op(meeting_read(200), path=meeting_path),
    ("GET", "/api/v1/series/{series_id}/health"): Op(series_read(200), path=series_path),
    ("GET", "/api/v1/health"): Op(everyone(200)),
    # --- improvement: recommendations and review reports are read as the series is
    ("GET", "/api/v1/series/{series_id}/recommendations"): Op(series_read(200), path=series_path),
    ("GET", "/api/v1/series/{series_id}/review"): Op(series_read(200), path=series_path),
    ("GET", "/api/v1/series/{series_id}/review.md"): Op(series_read(200), path=series_path),
    ("GET", "/api/v1/series/{series_id}/review.docx"): Op(series_read(200), path=series_path),
    # the audit log: read by the series' chair and admins, as on the page
    ("GET", "/api/v1/series/{series_id}/audit"): Op(series_manage(200), path=series_path),
    # the company directory: admins only
    ("GET", "/api/v1/directory/reports"): Op(admins_configure(200)),
    ("POST", "/api/v1/directory/imports"): Op(
        admins_configure(201), upload=lambda w, t, r: {"file": SimpleUploadedFile("people.csv", "工号,姓名,部门\nE900,新同事,运营中心\n".encode())}
    ),
    ("GET", "/api/v1/directory/reports/{report_id}"): Op(admins_configure(200), path=lambda w, t, r: {"report_id": w.sync_report().pk}),
    ("GET", "/api/v1/people/{person_id}/identities"): Op(admins_configure(200), path=lambda w, t, r: {"person_id": w.person("member").pk}),
    # the survey: seen as the meeting is (results inside for chair, minute-taker, admins);
    # answered by the people asked (no attendance taken: the roster and the staff guests; an
    # admin off the roster is not asked)
    ("GET", M_ + "/survey"): Op(meeting_read(200), path=ended_path),
    ("POST", M_ + "/survey/responses"): Op(
        {
            "private": {"chair": 201, "minute_taker": 201, "presenter": 201, "member": 201, "guest": 201, "outsider": 404,
                        "admin": 403},
            "open": {"chair": 201, "minute_taker": 201, "presenter": 201, "member": 201, "guest": 201, "outsider": 403,
                     "admin": 403},
        },
        path=ended_path,
        body=survey_body,
    ),
}

# Known holes: (method, path, target) -> why. Strict: a fix turns the test red until the
# entry is removed.
XFAIL: dict[tuple[str, str, str], str] = {}


def operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item}


def test_every_operation_has_a_rule():
    missing = sorted(operations() - set(API))
    assert not missing, f"API operations without a permission rule in API: {missing}"


def test_every_rule_is_an_operation():
    assert sorted(set(API) - operations()) == []


def test_openapi_declares_authentication_on_every_operation_but_the_token_exchange():
    schema = api.get_openapi_schema()
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if (method.upper(), path) in PUBLIC:
                assert not op.get("security"), path
            else:
                assert {"BearerAuth": []} in op.get("security", []), (method, path)


# --- calling ----------------------------------------------------------------------------------


def call(
    client: Client,
    method: str,
    path: str,
    *,
    query: dict | None = None,
    body: dict | None = None,
    secret: str = "",
    upload: dict | None = None,
):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    if method == "GET":
        response = client.get(path, query or {}, **headers)
    elif upload is not None:
        assert method == "POST"
        response = client.post(path, upload, **headers)  # multipart
    else:
        data = json.dumps(body) if body is not None else ""
        if query:
            path = f"{path}?{urlencode(query)}"
        response = client.generic(method, path, data, content_type="application/json", **headers)
    if getattr(response, "streaming", False):
        # Read a download to its end, as a server would: the client then closes its file
        # (close() called directly would also close the database connection on PostgreSQL).
        response.streamed = b"".join(response.streaming_content)
    return response


def fill(path: str, params: dict) -> str:
    names = set(re.findall(r"{(\w+)}", path))
    assert names == set(params), f"{path}: the rule gives {sorted(params)}, the path needs {sorted(names)}"
    return path.format(**params)


def assert_error_shape(response) -> None:
    body = response.json()
    assert set(body) == {"error", "fields"}, body
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["fields"], dict)


# --- the table, case by case -------------------------------------------------------------------


def _cases():
    for (method, path), op in API.items():
        for target in op.expect:
            reason = XFAIL.get((method, path, target))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(method, path, target, marks=marks, id=f"{method} {path} {target}")


def each_role(act: Callable[[str], tuple[object, object]]) -> tuple[dict, dict]:
    """`act` for every cast member, each in a savepoint rolled back afterwards, so every one
    starts from the same cast: what one did cannot change what the next one sees."""
    seen, notes = {}, {}
    for role in ROLES:
        with transaction.atomic():
            seen[role], notes[role] = act(role)
            transaction.set_rollback(True)
    return seen, notes


@pytest.mark.parametrize("method, path, target", list(_cases()))
def test_operation_permission(cast, method, path, target):
    op = API[(method, path)]
    expected = op.expect[target]
    t = "private" if target == "-" else target

    def act(role: str) -> tuple[int, tuple[str, str]]:
        w = World(cast)
        w.sign_in(role, target)
        url = fill(path, op.path(w, t, role))
        body = op.body(w, t, role) if op.body else None
        query = op.query(w, t, role) if op.query else None
        upload = op.upload(w, t, role) if op.upload else None
        secret = "" if (method, path) in PUBLIC else w.secret(role)
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        before = snapshot()
        response = call(client, method, url, query=query, body=body, secret=secret, upload=upload)
        changed = snapshot() != before
        if response.status_code >= 400 or not op.writes:
            state = "changed the database" if changed else ""
        else:
            state = "" if changed else "answered as done, but nothing changed"
        if response.status_code >= 400:
            try:
                assert_error_shape(response)
            except (AssertionError, ValueError):
                state = f"{state}; not the error shape".lstrip("; ")
        why = response.content[:300].decode(errors="replace") if response.status_code >= 400 else ""
        return response.status_code, (state, why)

    seen, notes = each_role(act)
    assert seen == expected, {role: notes[role][1] for role in ROLES if seen[role] != expected[role]}
    wrong = {role: state for role, (state, _why) in notes.items() if state}
    assert not wrong, "refusals use the error shape and change nothing; a request answered as done changes something"


# --- anonymous, and tokens that no longer work ---------------------------------------------------


def _anonymous_cases():
    for method, path in sorted(operations() - PUBLIC):
        yield pytest.param(method, path, id=f"{method} {path}")


def _any_request(w: World, method: str, path: str) -> tuple[str, dict | None, dict | None]:
    """The operation as the chair would send it on the private series, or, for an operation
    with no rule yet, with every id set to 1 and no body."""
    op = API.get((method, path))
    if op is None:
        return path.format(**dict.fromkeys(re.findall(r"{(\w+)}", path), 1)), None, None
    t = "private" if "private" in op.expect else "-"
    return (
        fill(path, op.path(w, "private", "chair")),
        op.body(w, t, "chair") if op.body else None,
        op.query(w, t, "chair") if op.query else None,
    )


@pytest.mark.parametrize("method, path", list(_anonymous_cases()))
def test_anonymous_is_401(cast, method, path):
    w = World(cast)
    url, body, query = _any_request(w, method, path)
    before = snapshot()
    response = call(Client(enforce_csrf_checks=True), method, url, query=query, body=body)
    assert response.status_code == 401, response.content[:300]
    assert_error_shape(response)
    assert snapshot() == before


@pytest.mark.parametrize("method, path", sorted(operations() - PUBLIC), ids=" ".join)
def test_token_that_does_not_work_is_401(cast, method, path):
    """An unknown token, a revoked one, and one of a deactivated person: 401, nothing done."""
    w = World(cast)
    url, body, query = _any_request(w, method, path)
    client = Client(enforce_csrf_checks=True)
    unknown = "lh_" + "x" * 43
    token, revoked = api_token_create(person=cast.chair, name="old")
    token.revoked = timezone.now()
    token.save()
    _token, deactivated = api_token_create(person=cast.presenter, name="t")
    Person.objects.filter(pk=cast.presenter.pk).update(is_active=False)
    before = snapshot()

    for why, secret in (("unknown", unknown), ("revoked", revoked), ("deactivated", deactivated)):
        response = call(client, method, url, query=query, body=body, secret=secret)
        assert response.status_code == 401, (why, response.content[:300])
        assert_error_shape(response)
    assert snapshot() == before


def test_token_exchange_is_open_but_checks_the_password(cast):
    client = Client(enforce_csrf_checks=True)
    ok = call(client, "POST", "/api/v1/auth/token", body={"username": "member", "password": "pw"})
    assert ok.status_code == 201
    assert call(client, "GET", "/api/v1/me", secret=ok.json()["token"]).json()["username"] == "member"
    wrong = call(client, "POST", "/api/v1/auth/token", body={"username": "member", "password": "nope"})
    assert wrong.status_code == 401
    assert_error_shape(wrong)


# --- a session works, but only with its CSRF token -------------------------------------------------


def test_session_reads_without_csrf_but_writes_only_with_it(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.chair)
    assert client.get("/api/v1/me").json()["username"] == "chair"

    url = f"/api/v1/series/{cast.series.pk}/occurrences"
    body = json.dumps(extra_body(World(cast), "private", "chair"))
    before = snapshot()
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403  # a cross-site form cannot write through the API
    assert_error_shape(refused)
    assert snapshot() == before

    client.get("/me/")  # the profile page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token).status_code == 201


# --- lists do not leak -------------------------------------------------------------------------------



def test_series_list_shows_visible_series_only(cast):
    """The guest is invited to the private series' next meeting: that does not list the series."""
    def act(role):
        w = World(cast)
        w.sign_in(role, "private")
        response = call(Client(), "GET", "/api/v1/series", secret=w.secret(role))
        return {s["id"] for s in response.json()}, response.status_code

    seen, statuses = each_role(act)
    assert statuses == dict.fromkeys(ROLES, 200)
    assert seen == {role: {cast.open_series.pk} | ({cast.series.pk} if SEES_PRIVATE[role] else set()) for role in ROLES}


def test_my_tokens_are_mine_only(cast):
    w = World(cast)
    for role in ROLES:
        w.spare_token(role)
        w.secret(role)

    def act(role):
        response = call(Client(), "GET", "/api/v1/me/tokens", secret=w.secret(role))
        return {t["id"] for t in response.json()}, None

    seen, _ = each_role(act)
    assert seen == {role: set(ApiToken.objects.filter(person=w.person(role)).values_list("pk", flat=True)) for role in ROLES}
    assert all(len(ids) == 2 for ids in seen.values())


def test_meetings_of_an_invisible_series_are_not_found_by_id(cast):
    """Every meeting of the private series, not just the next one, is a 404 for the outsider."""
    w = World(cast)
    client = Client()
    for meeting in cast.series.meetings.all():
        assert call(client, "GET", f"/api/v1/meetings/{meeting.pk}", secret=w.secret("outsider")).status_code == 404
    for meeting in cast.open_series.meetings.all():
        assert call(client, "GET", f"/api/v1/meetings/{meeting.pk}", secret=w.secret("outsider")).status_code == 200


def test_not_found_looks_the_same_whether_it_exists_or_not(cast):
    """A private series and one that never existed answer alike, so ids cannot be probed."""
    w = World(cast)
    client = Client()
    secret = w.secret("outsider")
    hidden = call(client, "GET", f"/api/v1/series/{cast.series.pk}", secret=secret)
    absent = call(client, "GET", f"/api/v1/series/{10**9}", secret=secret)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json() == absent.json()


# --- staff guests: invited for one item, they see that meeting and change nothing -----------------

M = "/api/v1/meetings/{meeting_id}"
# What the outsider gets on the private series' meeting once invited for the presenter's item.
GUEST: dict[tuple[str, str], int] = {
    ("GET", M): 200,
    ("GET", M + "/agenda"): 200,
    ("GET", M + "/participants"): 200,
    ("GET", M + "/attendance"): 200,
    ("GET", M + "/live"): 200,
    ("GET", M + "/recap"): 200,
    ("GET", "/api/v1/agenda-items/{item_id}/report"): 200,
    ("GET", "/api/v1/materials/{material_id}"): 200,
    ("POST", M + "/move"): 403,
    ("POST", M + "/cancel"): 403,
    ("POST", M + "/agenda"): 403,
    ("PUT", M + "/agenda/order"): 403,
    ("PUT", M + "/purpose"): 403,
    ("POST", M + "/agenda/publish"): 403,
    ("PATCH", "/api/v1/agenda-items/{item_id}"): 403,
    ("DELETE", "/api/v1/agenda-items/{item_id}"): 403,
    ("POST", "/api/v1/agenda-items/{item_id}/materials"): 403,
    ("DELETE", "/api/v1/materials/{material_id}"): 403,
    ("POST", "/api/v1/agenda-items/{item_id}/guests"): 403,
    ("DELETE", "/api/v1/guests/{guest_id}"): 403,
    ("PUT", "/api/v1/agenda-items/{item_id}/report"): 403,
    ("PUT", M + "/attendance"): 403,
    ("POST", M + "/start"): 403,
    ("POST", M + "/go"): 403,
    ("POST", M + "/end"): 403,
    ("POST", M + "/resume"): 403,
    ("PUT", "/api/v1/agenda-items/{item_id}/notes"): 403,
    ("GET", "/api/v1/series/{series_id}"): 404,
    ("GET", "/api/v1/series/{series_id}/occurrences"): 404,
}
GUEST_XFAIL: dict[tuple[str, str], str] = {}


def test_guest_rules_are_operations():
    assert sorted(set(GUEST) - set(API)) == []


def _guest_cases():
    for method, path in sorted(GUEST):
        reason = GUEST_XFAIL.get((method, path))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(method, path, marks=marks, id=f"{method} {path}")


@pytest.mark.parametrize("method, path", list(_guest_cases()))
def test_a_staff_guest_sees_the_meeting_but_changes_nothing(cast, method, path):
    w = World(cast)
    guest_invite(actor=cast.chair, item=w.item("private"), person=cast.outsider, reason="法务意见")
    op = API[(method, path)]
    url = fill(path, op.path(w, "private", "outsider"))
    body = op.body(w, "private", "outsider") if op.body else None
    query = op.query(w, "private", "outsider") if op.query else None
    upload = op.upload(w, "private", "outsider") if op.upload else None
    secret = w.secret("outsider")
    before = snapshot()
    response = call(Client(raise_request_exception=False), method, url, query=query, body=body, secret=secret, upload=upload)
    assert response.status_code == GUEST[(method, path)], response.content[:300]
    if response.status_code >= 400:
        assert_error_shape(response)
    assert snapshot() == before


def test_a_guest_sees_only_the_meeting_they_are_invited_to(cast):
    w = World(cast)
    guest_invite(actor=cast.chair, item=w.item("private"), person=cast.outsider)
    following = cast.series.meetings.filter(start__gt=w.meeting("private").start).order_by("start").first()
    client = Client()
    secret = w.secret("outsider")
    for meeting, status in ((w.meeting("private"), 200), (following, 404)):
        for tail in ("/agenda", "/participants", "/attendance", "/live", "/recap"):
            assert call(client, "GET", f"/api/v1/meetings/{meeting.pk}{tail}", secret=secret).status_code == status, tail


def test_an_outside_guests_email_is_for_those_who_manage_the_item(cast):
    w = World(cast)
    w.guest("open")  # 财务老李, invited by the chair for the presenter's item
    Guest.objects.filter(pk=w.guest("open").pk).update(email="laoli@partner.example")
    url = f"/api/v1/meetings/{w.meeting('open').pk}/agenda"

    def act(role):
        response = call(Client(), "GET", url, secret=w.secret(role))
        return response.status_code, "laoli@partner.example" in response.content.decode()

    statuses, shown = each_role(act)
    assert statuses == dict.fromkeys(ROLES, 200)
    assert shown == {"chair": True, "minute_taker": False, "presenter": True, "member": False, "guest": False, "outsider": False,
                     "admin": True}


# --- objects of one series through another's URL ---------------------------------------------------


@pytest.fixture
def outsider_series(cast):
    """A series the outsider chairs, so they manage *something*."""
    from lihui.testing.factories import make_series

    return make_series(chair=cast.outsider, title="路人甲的例会")


def test_window_of_another_series_is_not_found(cast, outsider_series):
    w = World(cast)
    window = w.window("private")
    url = f"/api/v1/series/{outsider_series.pk}/windows/{window.pk}"
    response = call(Client(enforce_csrf_checks=True), "DELETE", url, secret=w.secret("outsider"))
    assert response.status_code == 404
    assert CadenceWindow.objects.filter(pk=window.pk).exists()


def test_token_of_another_person_is_not_found(cast):
    w = World(cast)
    token = w.spare_token("member")
    response = call(Client(enforce_csrf_checks=True), "DELETE", f"/api/v1/me/tokens/{token.pk}", secret=w.secret("chair"))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked is None


@pytest.mark.parametrize("how", ["create for someone else", "hand over"])
def test_a_saved_change_is_answered_truthfully(cast, how):
    w = World(cast)
    if how == "create for someone else":
        role, method, url = "outsider", "POST", "/api/v1/series"
        body = series_body(title="替别人建的例会", roster=[(cast.chair, "chair"), (cast.presenter, "member")])
        ok = 201
    else:  # the chair passes the private series to the member and leaves the roster
        role, method, url = "chair", "PUT", f"/api/v1/series/{cast.series.pk}"
        roster = [(cast.presenter, "chair"), (cast.minute_taker, "minute_taker")]
        body = series_body(title="交接", roster=roster, series=cast.series)
        ok = 200
    secret = w.secret(role)  # before the snapshot: making the token is not the change under test
    before = snapshot()
    response = call(Client(enforce_csrf_checks=True), method, url, body=body, secret=secret)
    changed = snapshot() != before
    # Either it is done and said so, or it is refused and nothing is saved.
    assert (response.status_code, changed) in ((ok, True), (403, False), (422, False)), (response.status_code, changed)
