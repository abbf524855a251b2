"""Who may do what on every web route.

`WEB` holds one rule per named route in the URLconf (admin/ and api/v1/ are covered by
`test_admin_site_is_for_admins_only` and lihui/tests/permissions/test_api.py). A rule
gives the expected status per cast member for GET, and for POST where the view accepts
POST, on the private series and on the staff-visible one. `test_every_route_has_a_rule`
fails when a route is added without a rule, so nothing new ships unjudged.

The cast (lihui.testing.cast.make_cast(matrix=True); `World.person` maps a role to its person):
anonymous (checked apart: `test_anonymous`), outsider, member, presenter, guest for one
topic, minute-taker, chair and admin. The presenter is `cast.presenter`, who heads a
department, so the agenda gives them its report item; they upload its material and own
the action. The member is `cast.member`, on both rosters, presenting and owning
nothing. The guest is `cast.guest`, on no roster, invited as a colleague for the
presenter's item of the meeting under test (`World.meeting`; for a route that needs no
meeting the guest is still invited to the series' next one, `World.sign_in`). The extra
two are made only for the matrices, so the rest of the suite keeps its cast of five.

The product's rules: a series is visible to its roster and admins, or to all staff when
its visibility is "organization"; only its chair and admins change it. Invisible things
answer 404, visible-but-forbidden changes 403. Anonymous people are sent to the login page.

A meeting is seen by whoever sees its series, and by staff invited as guests for one of its
items: the guest sees that meeting's pages (agenda, live view, recap, minutes, survey) but
neither the private series' own pages nor its other meetings (404); on the staff-visible
series they see what any colleague sees. The rules hence come as series-level and
meeting-level variants (lihui/testing/permissions.py). A meeting's chair and admins prepare it
(agenda, purpose, publish, the series' agenda template) and run it (start, next, end); the
minute-taker also takes attendance and notes. A presenter edits, retimes and removes their
own item, attaches its materials, files its report and invites its guests; the member, the
minute-taker, the guest and the outsider stand for everyone else who sees the meeting.
Materials are downloaded by participants only (roster, guests, admins): not by staff who
merely see an open series. The survey after a meeting is answered by the people asked: the
roster and the staff guests (no attendance was taken), not an admin off the roster.

Decisions and actions (follow-up) are recorded in a meeting, and earlier actions reviewed in
the next one, by whoever takes its notes. An action is seen as its series is (and always by
its owner), and updated by its owner (the presenter, in the table), the series' chair and
minute-taker, and admins. The guest's meeting is not the one the action was recorded in.

A series' group robots (delivery) are set up by its chair and admins, like the series
itself. The sent-mail pages (what the file e-mail backend wrote) are for admins only: 404
for everyone else, as if they did not exist.

Time is frozen (`NOW`), so nothing here depends on today's date.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from lihui.actions.models import ActionItem, ActionUpdate, Decision
from lihui.actions.services import action_create
from lihui.directory.models import SuiteApp, SyncChange, SyncReport
from lihui.meetings.models import AgendaItem, Attendance, Guest, Material, Meeting
from lihui.meetings.services.agenda import agenda_ensure, guest_invite, material_add
from lihui.meetings.services.live import meeting_start
from lihui.minutes.models import Minutes, MinutesRevision
from lihui.minutes.services import minutes_save
from lihui.notices.models import Preference
from lihui.notify.models import Channel, Message
from lihui.ops.heartbeat import heartbeat_record
from lihui.people.models import ApiToken, Department, Person
from lihui.people.services import api_token_create
from lihui.regime.models import AgendaKind, AgendaTemplateItem, CadenceWindow, CalendarFeed, Membership, Series
from lihui.regime.services import cadence_window_add, calendar_feed_regenerate
from lihui.reports.models import Kpi, Report
from lihui.surveys.models import AnswerPool, Respondent, Response
from lihui.testing.cast import make_cast
from lihui.testing.permissions import (
    NOW,
    ROLES,
    SEES_PRIVATE,
    SHANGHAI,
    TARGETS,
    Expect,
    action_hand_on,
    action_manage,
    admins_configure,
    admins_only,
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

SKIPPED_PREFIXES = ("admin/", "api/v1/")
PEOPLE_CSV = "工号,姓名,部门\nE900,新同事,运营中心\n".encode()


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
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")  # the sent-mail pages read from here


# A small real PDF: materials are accepted by their content, not their name.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf(name: str = "预读材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- the world a rule is evaluated in -----------------------------------------------


def today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


class World:
    """The cast plus the objects a route needs (its next meeting with its agenda, the
    presenter's item on it with the guest invited for it, a material, an outside guest, a
    window, a token), made on first use so a test only pays for what it touches."""

    def __init__(self, cast):
        self.cast = cast
        self._meetings: dict[str, Meeting] = {}
        self._items: dict[str, AgendaItem] = {}
        self._materials: dict[str, Material] = {}
        self._guests: dict[str, Guest] = {}
        self._started: set[str] = set()
        self._windows: dict[str, CadenceWindow] = {}
        self._tokens: dict[str, ApiToken] = {}
        self._actions: dict[str, ActionItem] = {}
        self._department: Department | None = None
        self._channels: dict[str, Channel] = {}
        self._mail: str | None = None
        self._sync_report: SyncReport | None = None
        self._import_preview: SyncReport | None = None

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
        """The series' next planned meeting (it can be moved and cancelled)."""
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

    def department(self) -> Department:
        """A department the presenter heads: the agenda gives its head a report item."""
        if self._department is None:
            self._department = Department.objects.create(name="华东销售部", head=self.cast.presenter)
        return self._department

    def kpi(self) -> Kpi:
        """A KPI of the presenter's department."""
        return Kpi.objects.get_or_create(department=self.department(), name="订单准时发货率", defaults={"unit": "%"})[0]

    def item(self, target: str) -> AgendaItem:
        """The presenter's own item on the meeting (their department's report)."""
        if target not in self._items:
            meeting = self.meeting(target)
            item = meeting.items.filter(presenter=self.cast.presenter).first()
            assert item is not None and item.kind == AgendaKind.REPORT, "the presenter should present their department's report"
            others = meeting.items.exclude(pk=item.pk)
            assert others.filter(position__lt=item.position).exists(), "an item above, so moving it up is a real move"
            assert not others.filter(presenter=self.cast.presenter).exists()
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
            self._windows[target] = cadence_window_add(actor=self.cast.admin, series=self.series(target), data=window_data())
        return self._windows[target]

    def action(self, target: str) -> ActionItem:
        """An open action the presenter owns, recorded by the chair in the series' last meeting
        before now: it is up for review in the next one (`meeting`)."""
        if target not in self._actions:
            earlier = self.series(target).meetings.filter(start__lt=timezone.now()).order_by("start").last()
            assert earlier is not None, "the cast's series should have past meetings"
            self._actions[target] = action_create(
                actor=self.cast.chair,
                meeting=earlier,
                title="补齐双十一库存",
                owner=self.cast.presenter,
                due=today() + dt.timedelta(days=7),
            )
        return self._actions[target]

    def channel(self, target: str) -> Channel:
        """A WeCom robot of the series."""
        if target not in self._channels:
            self._channels[target] = Channel.objects.create(
                series=self.series(target), kind="wecom", name="运营群",
                url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0a1b2c3d-4e5f-6789-abcd-ef0123456789",
            )  # fmt: skip
        return self._channels[target]

    def mail(self) -> str:
        """A sent e-mail with an .ics attachment, written by the file backend: its file name."""
        if self._mail is None:
            connection = get_connection("django.core.mail.backends.filebased.EmailBackend", file_path=settings.EMAIL_FILE_PATH)
            message = EmailMultiAlternatives("议程：私密例会", "议程见附件", to=["member@example.com"], connection=connection)
            message.attach("invite.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
            message.send()
            self._mail = os.path.basename(connection._fname)
        return self._mail

    def import_preview(self) -> SyncReport:
        """An uploaded people file waiting for its confirm."""
        from lihui.directory import imports

        if self._import_preview is None:
            preview = imports.import_preview(PEOPLE_CSV, file_name="people.csv")
            self._import_preview = imports.import_preview_store(data=PEOPLE_CSV, file_name="people.csv", actor=self.cast.admin, preview=preview)
        return self._import_preview

    def sync_report(self) -> SyncReport:
        """A directory sync that changed the member's title."""
        if self._sync_report is None:
            member = self.person("member")
            self._sync_report = SyncReport.objects.create(source="ldap", trigger="manual", counts={"changed": 1})
            SyncChange.objects.create(report=self._sync_report, person=member, kind="changed", name=member.name, fields={"title": ["", "主管"]})
        return self._sync_report

    def token(self, role: str) -> ApiToken:
        """A token of this person's own, to revoke."""
        if role not in self._tokens:
            self._tokens[role], _secret = api_token_create(person=self.person(role), name="spare")
        return self._tokens[role]


def window_data() -> dict:
    return {
        "kind": CadenceWindow.Kind.PEAK,
        "name": "双十一",
        "start_date": today() + dt.timedelta(days=14),
        "end_date": today() + dt.timedelta(days=20),
        "frequency": "daily",
        "interval": 1,
        "weekdays": "",
    }


def snapshot() -> tuple:
    """What a request may change, to tell a refused request (nothing changed) from a done one."""
    return (
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
        list(SuiteApp.objects.order_by("pk").values_list("pk", "source", "corp_id", "agent_id", "secret")),
        list(CalendarFeed.objects.order_by("pk").values_list("pk", "person", "series", "digest")),
        list(Person.objects.order_by("pk").values_list("pk", "language", "time_zone", "is_active", "password")),
        list(Preference.objects.order_by("pk").values_list("pk", "person", "kind", "transport", "enabled")),
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
        list(
            AgendaTemplateItem.objects.order_by("pk").values_list(
                "pk", "series", "position", "kind", "title", "presenter_role", "presenter", "minutes"
            )
        ),
        # Opening the report page makes the (empty) report row; what counts is what it says.
        list(
            Report.objects.exclude(progress="", problems="", plan="", feedback="", submitted_at=None)
            .order_by("pk")
            .values_list("pk", "item", "progress", "problems", "plan", "feedback", "submitted_at")
        ),
        list(Kpi.objects.order_by("pk").values_list("pk", "department", "name", "active")),
        # follow-up: decisions, actions and their history
        list(Decision.objects.order_by("pk").values_list("pk", "meeting", "item", "text")),
        list(
            ActionItem.objects.order_by("pk").values_list(
                "pk", "series", "meeting", "item", "decision", "title", "owner", "due", "priority", "status", "closed_at"
            )
        ),
        list(ActionUpdate.objects.order_by("pk").values_list("pk", "action", "kind", "author", "meeting", "text", "old", "new")),
        # the minutes: where they stand, and their revisions
        list(
            Minutes.objects.order_by("pk").values_list(
                "pk", "meeting", "state", "head", "submitted_by", "approved_by", "published_at", "published_by"
            )
        ),
        list(MinutesRevision.objects.order_by("pk").values_list("pk", "minutes", "number", "text", "author", "published")),
        # delivery: the series' robots and the outbox
        list(Channel.objects.order_by("pk").values_list("pk", "series", "kind", "name", "url", "secret", "enabled")),
        list(Message.objects.order_by("pk").values_list("pk", "kind", "channel", "recipient", "state")),
        # the survey after the meeting: answers, and who answered
        list(Response.objects.order_by("pk").values_list("pk", "survey", "person", "overall", "comment")),
        list(Respondent.objects.order_by("pk").values_list("pk", "survey", "person")),
        list(AnswerPool.objects.order_by("pk").values_list("pk", "answers")),  # anonymous answers not yet written
    )


# --- expectations -------------------------------------------------------------------


LOGIN = "login"  # anonymous: redirected to the login page


@dataclass(frozen=True)
class Web:
    get: Expect  # every route answers GET, if only with 405
    post: Expect | None = None  # None: the view only reads; POST is not tested
    kwargs: Callable[[World, str, str], dict] = lambda w, target, role: {}
    data: Callable[[World, str, str], dict] = lambda w, target, role: {}
    writes: bool = True  # a successful POST changes the database
    anonymous: tuple[str, int | str] | None = None  # (method, expectation); default: (GET or POST, LOGIN)

    def anonymous_request(self) -> tuple[str, int | str]:
        if self.anonymous:
            return self.anonymous
        serves_get = any(status != 405 for by_role in self.get.values() for status in by_role.values())
        return ("GET" if serves_get else "POST", LOGIN)


def meeting_kwargs(w: World, target: str, role: str) -> dict:
    return {"pk": w.meeting(target).pk}


def started_kwargs(w: World, target: str, role: str) -> dict:
    return {"pk": w.started(target).pk}


def item_kwargs(w: World, target: str, role: str) -> dict:
    return {"item_id": w.item(target).pk}


def meeting_item_kwargs(w: World, target: str, role: str) -> dict:
    return {"pk": w.meeting(target).pk, "item_id": w.item(target).pk}


def material_kwargs(w: World, target: str, role: str) -> dict:
    return {"material_id": w.material(target).pk}


def item_form_data(w: World, target: str, role: str) -> dict:
    """Valid for the chair's form and for the presenter's (which has no kind or presenter)."""
    item = w.item(target)
    return {
        "title": "华东销售部汇报（改）",
        "kind": item.kind,
        "presenter": str(item.presenter_id),
        "minutes_allotted": "7",
        "description": "重点：双十一备货",
    }


def notes_data(w: World, target: str, role: str) -> dict:
    item = w.item(target)
    return {"text": "结论：周五前补货", "revision": str(AgendaItem.objects.get(pk=item.pk).notes_revision)}


def go_data(w: World, target: str, role: str) -> dict:
    meeting = w.started(target)
    assert meeting.current_item_id is not None
    return {"expected": str(meeting.current_item_id), "step": "1"}


def action_kwargs(w: World, target: str, role: str) -> dict:
    return {"pk": w.action(target).pk}


def review_kwargs(w: World, target: str, role: str) -> dict:
    """The next meeting reviews the member's action from the last one."""
    return {"pk": w.meeting(target).pk, "action_id": w.action(target).pk}


def minutes_saved_kwargs(w: World, target: str, role: str) -> dict:
    """The meeting, taken place, with a first revision of its minutes saved by the chair."""
    meeting = w.started(target)
    if not MinutesRevision.objects.filter(minutes__meeting=meeting).exists():
        minutes_save(actor=w.cast.chair, meeting=meeting, text="# 纪要\n\n双十一备货到位", base_revision=0)
    return {"pk": meeting.pk}


def ended_kwargs(w: World, target: str, role: str) -> dict:
    """The meeting, run and ended by its chair: its survey is open (no attendance taken, so
    the roster is asked)."""
    from lihui.meetings.services.live import meeting_end

    meeting = w.started(target)
    if meeting.actual_end is None:
        meeting_end(actor=w.cast.chair, meeting=meeting)
        meeting.refresh_from_db()
    return {"pk": meeting.pk}


def survey_form_data(w: World, target: str, role: str) -> dict:
    return {"purpose_clear": "5", "time_well_used": "4", "outcomes_useful": "4", "discussion_open": "3", "overall": "4",
            "comment": "议程清晰", "suggestion": "提前发材料"}


def minutes_data(w: World, target: str, role: str) -> dict:
    """The minutes' text, saved on the assembled draft (nobody saved before)."""
    return {"text": "# 纪要\n\n- **决议**：周五前补货", "base_revision": "0", "comment": "初稿"}


def record_data(w: World, target: str, role: str) -> dict:
    """A valid action: an owner, and a due date a week after the meeting."""
    day = w.meeting(target).start.astimezone(SHANGHAI).date()
    return {
        "kind": "action",
        "title": "确认双十一排班",
        "owner": str(w.cast.presenter.pk),
        "due": (day + dt.timedelta(days=7)).isoformat(),
        "priority": "high",
    }


def template_form_data(w: World, target: str, role: str) -> dict:
    rows = [("opening", "开场", "chair", "5"), ("report", "部门汇报", "department_heads", "10"), ("discussion", "问题讨论", "", "20")]
    data = {"tpl-TOTAL_FORMS": str(len(rows)), "tpl-INITIAL_FORMS": "0", "tpl-MIN_NUM_FORMS": "0", "tpl-MAX_NUM_FORMS": "60"}
    for i, (kind, title, presenter_role, minutes) in enumerate(rows):
        data.update(
            {
                f"tpl-{i}-kind": kind,
                f"tpl-{i}-title": title,
                f"tpl-{i}-presenter_role": presenter_role,
                f"tpl-{i}-presenter": "",
                f"tpl-{i}-minutes": minutes,
            }
        )
    return data


def channel_kwargs(w: World, target: str, role: str) -> dict:
    return {"series_id": w.series(target).pk, "channel_id": w.channel(target).pk}


def series_kwargs(w: World, target: str, role: str) -> dict:
    return {"pk": w.series(target).pk}


def move_data(w: World, target: str, role: str) -> dict:
    local = w.meeting(target).start.astimezone(SHANGHAI)
    day = (local.date() + dt.timedelta(days=1)).isoformat()
    return {"date": day, "start_time": "14:00", "duration_minutes": 45, "location": "三楼"}


def extra_meeting_data(w: World, target: str, role: str) -> dict:
    day = (today() + dt.timedelta(days=3)).isoformat()
    return {"date": day, "start_time": "16:00", "duration_minutes": 30, "location": ""}


def series_form_data(*, title: str, series: Series | None, roster: list[tuple[Person, str]]) -> dict:
    """A complete, valid POST of the series form with its roster formset."""
    start = series.start_date if series else today() + dt.timedelta(days=7)
    data = {
        "title": title,
        "purpose": "复盘上周\n确定本周策略",
        "department": "",
        "frequency": "weekly",
        "interval": "1",
        "weekdays": ["0"],
        "monthly_mode": "day",
        "month_day": "",
        "week_of_month": "",
        "month_weekday": "",
        "start_time": "09:30",
        "duration_minutes": "60",
        "time_zone": "Asia/Shanghai",
        "start_date": start.isoformat(),
        "end_date": "",
        "count": "",
        "location": "",
        "video_link": "",
        "agenda_lead_hours": "24",
        "minutes_deadline_hours": "24",
        "survey_enabled": "on",
        "survey_anonymous": "on",
        "review_actions": "on",
        "visibility": series.visibility if series else "roster",
        "holiday_policy": "next_workday",
        "roster-TOTAL_FORMS": str(len(roster)),
        "roster-INITIAL_FORMS": "0",
        "roster-MIN_NUM_FORMS": "0",
        "roster-MAX_NUM_FORMS": "200",
    }
    for i, (person, role) in enumerate(roster):
        data[f"roster-{i}-person"] = str(person.pk)
        data[f"roster-{i}-role"] = role
        data[f"roster-{i}-rotation_position"] = ""
    return data


def new_series_data(w: World, target: str, role: str) -> dict:
    return series_form_data(title="新例会", series=None, roster=[(w.person(role), Membership.Role.CHAIR)])


def edit_series_data(w: World, target: str, role: str) -> dict:
    series = w.series(target)
    roster = [(m.person, m.role) for m in series.memberships.select_related("person")]
    return series_form_data(title="改过的标题", series=series, roster=roster)


def window_form_data(w: World, target: str, role: str) -> dict:
    data = window_data()
    return {
        **{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items() if k != "weekdays"},
        "monthly_mode": "day",
        "start_time": "",
        "duration_minutes": "",
    }


WEB: dict[str, Web] = {
    # --- meetings
    "meetings:dashboard": Web(get=everyone(200)),
    "meetings:load": Web(get=everyone(200)),
    # /healthz (lihui/ops): for monitors, no sign-in and nothing private; 200 while a worker's
    # heartbeat is fresh (one is recorded first), so anonymous GETs get 200 too.
    # The old default icon path: a redirect to the static icon, for everyone.
    "favicon": Web(get=everyone(301), anonymous=("GET", 301)),
    "healthz": Web(get=everyone(200), kwargs=lambda w, t, r: heartbeat_record(name="test-worker") or {}, anonymous=("GET", 200)),
    # Calendar feeds: the token is the credential, so a signed-in session adds nothing and a
    # signed-out calendar app gets the feed; each role fetches its own. A bad token: 404
    # (lihui/meetings/tests/test_feeds.py). Regenerating is the owner's POST; a series'
    # feed is for its roster (the admin is not on it): seen but not on the roster is 403.
    "meetings:feed": Web(
        get=everyone(200),
        kwargs=lambda w, t, role: {"token": calendar_feed_regenerate(person=w.person(role))[1]},
        anonymous=("GET", 200),
    ),
    "meetings:feed_regenerate": Web(get=everyone(405), post=everyone(302)),
    "meetings:series_feed_regenerate": Web(
        get=everyone(405, TARGETS),
        post={
            "private": {"chair": 302, "minute_taker": 302, "presenter": 302, "member": 302, "guest": 404, "outsider": 404,
                        "admin": 403},
            "open": {"chair": 302, "minute_taker": 302, "presenter": 302, "member": 302, "guest": 403, "outsider": 403,
                     "admin": 403},
        },
        kwargs=lambda w, target, role: {"series_pk": w.series(target).pk},
    ),
    "meetings:meeting_detail": Web(get=meeting_read(200), kwargs=meeting_kwargs),
    # --- one meeting: prepare
    "meetings:purpose_set": Web(
        get=everyone(405, TARGETS), post=meeting_manage(302), kwargs=meeting_kwargs, data=lambda w, t, r: {"purpose": "定下双十一排班"}
    ),
    "meetings:agenda_add": Web(
        get=everyone(405, TARGETS),
        post=meeting_manage(200),
        kwargs=meeting_kwargs,
        data=lambda w, t, r: {"title": "双十一备货", "kind": "discussion", "minutes_allotted": "10"},
    ),
    # The presenter presents the item but only the chair orders the agenda.
    "meetings:agenda_move": Web(
        get=everyone(405, TARGETS), post=meeting_manage(200), kwargs=meeting_item_kwargs, data=lambda w, t, r: {"direction": "up"}
    ),
    # Its time and its place on the agenda are the chair's too: the presenter describes it.
    "meetings:agenda_retime": Web(
        get=everyone(405, TARGETS), post=meeting_manage(200), kwargs=meeting_item_kwargs, data=lambda w, t, r: {"minutes_allotted": "5"}
    ),
    "meetings:agenda_remove": Web(get=everyone(405, TARGETS), post=meeting_manage(200), kwargs=meeting_item_kwargs),
    "meetings:agenda_publish": Web(get=everyone(405, TARGETS), post=meeting_manage(302), kwargs=meeting_kwargs),
    "meetings:agenda_print": Web(get=meeting_read(200), kwargs=meeting_kwargs),
    "meetings:agenda_docx": Web(get=meeting_read(200), kwargs=meeting_kwargs),
    "meetings:item_edit": Web(get=own_item(200), post=own_item(302), kwargs=item_kwargs, data=item_form_data),
    "reports:report_edit": Web(
        get=own_item(200),
        post=own_item(302),
        kwargs=item_kwargs,
        data=lambda w, t, r: {"progress": "完成 92%", "problems": "", "plan": "补货", "feedback": "", "submit": "1"},
    ),
    "meetings:material_upload": Web(
        get=everyone(405, TARGETS), post=own_item(302), kwargs=item_kwargs, data=lambda w, t, r: {"file": pdf()}
    ),
    "meetings:material_download": Web(get=participants(200), kwargs=material_kwargs),
    # The material is the presenter's upload: its uploader, the chair and admins remove it.
    "meetings:material_delete": Web(get=everyone(405, TARGETS), post=own_item(302), kwargs=material_kwargs),
    "meetings:guest_invite": Web(
        get=everyone(405, TARGETS),
        post=own_item(302),
        kwargs=item_kwargs,
        data=lambda w, t, r: {"name": "法务小陈", "email": "chen@example.com", "reason": "合同条款"},
    ),
    "meetings:guest_remove": Web(
        get=everyone(405, TARGETS), post=own_item(302), kwargs=lambda w, target, role: {"guest_id": w.guest(target).pk}
    ),
    # --- one meeting: run
    "meetings:live": Web(get=meeting_read(200), kwargs=meeting_kwargs),
    "meetings:projector": Web(get=meeting_read(200), kwargs=meeting_kwargs),
    "meetings:state": Web(get=meeting_read(200), kwargs=meeting_kwargs),
    "meetings:recap": Web(get=meeting_read(200), kwargs=meeting_kwargs),
    # The world's meeting lies ahead: starting it is confirmed (confirm=1), as End is.
    "meetings:start": Web(get=everyone(405, TARGETS), post=meeting_manage(302), kwargs=meeting_kwargs, data=lambda w, t, r: {"confirm": "1"}),
    "meetings:go": Web(get=everyone(405, TARGETS), post=meeting_manage(302), kwargs=started_kwargs, data=go_data),
    "meetings:end": Web(get=meeting_manage(200), post=meeting_manage(302), kwargs=started_kwargs, data=lambda w, t, r: {"confirm": "1"}),
    # On a running meeting, resuming changes nothing (the service answers with it as it is).
    "meetings:resume": Web(get=everyone(405, TARGETS), post=meeting_manage(302), kwargs=started_kwargs, writes=False),
    "meetings:attendance": Web(
        get=everyone(405, TARGETS),
        post=minutes_kept(200),
        kwargs=meeting_kwargs,
        data=lambda w, t, r: {"person": str(w.cast.presenter.pk), "status": "present"},
    ),
    # The presenter presents the item, which gives no right to its notes.
    "meetings:notes": Web(get=everyone(405, TARGETS), post=minutes_kept(200), kwargs=item_kwargs, data=notes_data),
    "meetings:meeting_move": Web(get=meeting_manage(200), post=meeting_manage(302), kwargs=meeting_kwargs, data=move_data),
    "meetings:meeting_cancel": Web(
        get=meeting_manage(200), post=meeting_manage(302), kwargs=meeting_kwargs, data=lambda w, t, r: {"reason": "双十一值班"}
    ),
    "meetings:meeting_add": Web(
        get=series_manage(200),
        post=series_manage(302),
        kwargs=lambda w, target, role: {"series_pk": w.series(target).pk},
        data=extra_meeting_data,
    ),
    # --- follow-up: decisions and actions. The list shows each person what they may see.
    "actions:action_index": Web(get=everyone(200)),
    # The board as .xlsx: the same list as the page, so everyone gets what they may see.
    "actions:action_export": Web(get=everyone(200)),
    # One series' board is read as the series is.
    "actions:series_board": Web(get=series_read(200), kwargs=series_kwargs),
    # The archive search page answers everyone; hits come only from series they see
    # (lihui/search/tests).
    "search:search_page": Web(get=everyone(200)),
    # The minutes draft is read as the meeting is.
    # Draft minutes (here) and their revisions are read as the series is; published ones as
    # the meeting is (lihui/api/tests/test_guest_scope.py).
    "minutes:minutes": Web(get=series_content(200), kwargs=meeting_kwargs),
    "minutes:minutes_md": Web(get=series_content(200), kwargs=meeting_kwargs),
    "minutes:minutes_print": Web(get=series_content(200), kwargs=meeting_kwargs),
    "minutes:minutes_docx": Web(get=series_content(200), kwargs=meeting_kwargs),
    "minutes:minutes_revisions": Web(get=series_content(200), kwargs=minutes_saved_kwargs),
    # Writing and publishing them: whoever takes the notes (chair, minute-taker, admins), once
    # the meeting has taken place (started, here). Without approval the minute-taker publishes.
    "minutes:minutes_edit": Web(get=minutes_kept(200), post=minutes_kept(302), kwargs=started_kwargs, data=minutes_data),
    "minutes:minutes_publish": Web(
        get=everyone(405, TARGETS), post=minutes_kept(302), kwargs=started_kwargs, data=lambda w, t, r: {"do": "publish"}
    ),
    # An action is seen as its series is (the guest's meeting is a later one); the presenter
    # owns it and updates it like the chair, the minute-taker and admins.
    "actions:action_detail": Web(
        get=series_read(200),
        post=action_manage(302),
        kwargs=action_kwargs,
        data=lambda w, t, r: {"do": "comment", "text": "已联系供应商，周三到货"},
    ),
    "actions:action_reassign": Web(
        get=everyone(405),
        post=action_hand_on(302),
        kwargs=action_kwargs,
        data=lambda w, t, r: {"owner": w.person("member").pk},
    ),
    # Recording and reviewing in a meeting: whoever takes its notes (chair, minute-taker, admins).
    "actions:record": Web(get=everyone(405, TARGETS), post=minutes_kept(200), kwargs=meeting_kwargs, data=record_data),
    # Quick capture proposes (nothing is created), confirms (creates) and dismisses, for
    # whoever takes the meeting's notes.
    "actions:capture": Web(
        get=everyone(405, TARGETS), post=minutes_kept(200), kwargs=meeting_kwargs, data=lambda w, t, r: {"text": "行动：王强 明天 整理数据"},
        writes=False,
    ),
    "actions:capture_confirm": Web(
        get=everyone(405, TARGETS), post=minutes_kept(200), kwargs=meeting_kwargs, data=lambda w, t, r: {"kind": "decision", "title": "增派客服"}
    ),
    "actions:capture_dismiss": Web(get=everyone(405, TARGETS), post=minutes_kept(200), kwargs=meeting_kwargs, writes=False),
    "actions:review": Web(
        get=everyone(405, TARGETS), post=minutes_kept(200), kwargs=review_kwargs, data=lambda w, t, r: {"outcome": "done"}
    ),
    # The survey after the meeting: seen by whoever sees the meeting, answered by the people
    # asked (no attendance was taken: the roster and the staff guests; an admin off the
    # roster is not asked: 403). Results for the chair, the minute-taker and admins.
    "surveys:survey": Web(
        get=meeting_read(200),
        post={
            "private": {"chair": 302, "minute_taker": 302, "presenter": 302, "member": 302, "guest": 302, "outsider": 404,
                        "admin": 403},
            "open": {"chair": 302, "minute_taker": 302, "presenter": 302, "member": 302, "guest": 302, "outsider": 403,
                     "admin": 403},
        },
        kwargs=ended_kwargs,
        data=survey_form_data,
    ),
    "surveys:results": Web(get=minutes_kept(200), kwargs=ended_kwargs),
    # --- regime
    "regime:series_index": Web(get=everyone(200)),
    "regime:series_new": Web(get=everyone(200), post=everyone(302), data=new_series_data),
    "regime:series_detail": Web(get=series_read(200), kwargs=series_kwargs),
    # --- insights: health is read as the series is; the organisation page shows each
    # person what they see (admins: everything).
    "insights:health": Web(get=everyone(200)),
    "insights:series_health": Web(get=series_read(200), kwargs=series_kwargs),
    # Improvement: the review report is read as the series is; the one-click change a
    # recommendation proposes (make a member optional) is the series' managers'.
    "insights:review_report_page": Web(get=series_read(200), kwargs=series_kwargs),
    "insights:review_report_docx_file": Web(get=series_read(200), kwargs=series_kwargs),
    "insights:review_report_md_file": Web(get=series_read(200), kwargs=series_kwargs),
    # GET without a person goes back to the health page; the POST confirms (do=apply).
    "insights:apply_optional": Web(
        get=series_manage(302), post=series_manage(302), kwargs=series_kwargs,
        data=lambda w, t, r: {"person": w.cast.presenter.pk, "do": "apply"},
    ),
    "regime:series_edit": Web(get=series_manage(200), post=series_manage(302), kwargs=series_kwargs, data=edit_series_data),
    "regime:window_add": Web(get=series_manage(200), post=series_manage(302), kwargs=series_kwargs, data=window_form_data),
    "regime:agenda_template": Web(
        get=series_manage(200), post=series_manage(302), kwargs=series_kwargs, data=template_form_data
    ),
    "regime:agenda_template_move": Web(
        get=everyone(405, TARGETS),
        post=series_manage(302),
        kwargs=series_kwargs,
        data=lambda w, target, role: {"move": f"{w.series(target).agenda_template.first().pk}:down"},
    ),
    "regime:series_archive": Web(get=everyone(405, TARGETS), post=series_manage(302), kwargs=series_kwargs, data=lambda w, t, r: {"do": "archive"}),
    "regime:window_delete": Web(
        get=everyone(405, TARGETS),
        post=series_manage(302),
        kwargs=lambda w, target, role: {"pk": w.series(target).pk, "window_id": w.window(target).pk},
    ),
    # The regime document is read as the series is (reading brings its version up to date).
    "regime:regime_page": Web(get=series_read(200), kwargs=series_kwargs),
    "regime:regime_version_page": Web(get=series_read(200), kwargs=lambda w, target, role: {"pk": w.series(target).pk, "number": 1}),
    "regime:regime_compare": Web(get=series_read(200), kwargs=series_kwargs),
    "regime:regime_docx_file": Web(get=series_read(200), kwargs=series_kwargs),
    "regime:regime_markdown_file": Web(get=series_read(200), kwargs=series_kwargs),
    # The audit log (审计日志) is for those who may change the series: its chair and admins.
    "audit:series_log": Web(get=series_manage(200), kwargs=series_kwargs),
    # --- delivery: a series' group robots are its chair's (and admins'); a test send queues
    # a message. Sent mail (the file e-mail backend) is for admins only.
    "notify:channels": Web(
        get=series_manage(200),
        post=series_manage(302),
        kwargs=lambda w, target, role: {"series_id": w.series(target).pk},
        data=lambda w, t, r: {"kind": "dingtalk", "name": "钉钉群", "url": "https://oapi.dingtalk.com/robot/send?access_token=abc123",
                              "secret": "", "enabled": "on"},
    ),
    "notify:channel_edit": Web(
        get=series_manage(200),
        post=series_manage(302),
        kwargs=channel_kwargs,
        data=lambda w, t, r: {"kind": "wecom", "name": "运营群（改）", "url": "", "secret": "", "enabled": "on"},
    ),
    "notify:channel_delete": Web(get=everyone(405, TARGETS), post=series_manage(302), kwargs=channel_kwargs),
    "notify:channel_test": Web(get=everyone(405, TARGETS), post=series_manage(302), kwargs=channel_kwargs),
    "notify:mail_list": Web(get=admins_only(200)),
    "notify:mail_detail": Web(get=admins_only(200), kwargs=lambda w, t, r: {"name": w.mail(), "index": 0}),
    # the .ics: in walk() order 0 is the multipart/mixed, 1 its text, 2 the attachment
    "notify:mail_part": Web(get=admins_only(200), kwargs=lambda w, t, r: {"name": w.mail(), "index": 0, "part": 2}),
    # --- the company directory: admins only
    "directory:directory_index": Web(get=admins_configure(200)),
    "directory:sync_report_detail": Web(get=admins_configure(200), kwargs=lambda w, t, r: {"pk": w.sync_report().pk}),
    "directory:person_sources": Web(get=admins_configure(200), kwargs=lambda w, t, r: {"pk": w.person("member").pk}),
    "directory:import_upload": Web(
        get=admins_configure(200), post=admins_configure(302),
        data=lambda w, t, r: {"file": SimpleUploadedFile("people.csv", PEOPLE_CSV)},
        writes=False,  # a preview: nothing is written until the confirm
    ),  # fmt: skip
    "directory:import_template": Web(get=admins_configure(200)),
    # the work suites' apps (WeCom, DingTalk, Feishu): set up by admins
    "directory:suites": Web(get=admins_configure(200)),
    "directory:suite_save": Web(
        get=everyone(405), post=admins_configure(302), kwargs=lambda w, t, r: {"source": "wecom"},
        data=lambda w, t, r: {"wecom-corp_id": "ww0123456789abcdef", "wecom-agent_id": "1000002", "wecom-secret": "a-secret-of-the-test",
                              "wecom-sync_every_hours": "24"},
    ),  # fmt: skip
    "directory:suite_test": Web(get=everyone(405), post=admins_configure(302), writes=False, kwargs=lambda w, t, r: {"source": "wecom"}),
    # (not set up: the sync refuses, and its failed report says why)
    "directory:suite_sync": Web(get=everyone(405), post=admins_configure(302), kwargs=lambda w, t, r: {"source": "wecom"}),
    # signing in through a suite: nothing is set up here, so there is nothing to sign in with;
    # the callback without the state the login started refuses (400)
    "directory:suite_login": Web(get=everyone(404), kwargs=lambda w, t, r: {"source": "wecom"}, anonymous=("GET", 404)),
    "directory:suite_inapp": Web(get=everyone(404), kwargs=lambda w, t, r: {"source": "wecom"}, anonymous=("GET", 404)),
    "directory:suite_callback": Web(get=everyone(400), kwargs=lambda w, t, r: {"source": "wecom"}, anonymous=("GET", 400)),
    "directory:import_preview": Web(get=admins_configure(200), kwargs=lambda w, t, r: {"pk": w.import_preview().pk}),
    "directory:import_confirm": Web(get=everyone(405), post=admins_configure(302), kwargs=lambda w, t, r: {"pk": w.import_preview().pk}),
    # --- single sign-on (/sso/): with no provider set up here, every provider URL is 404 for
    # everyone; allauth's own login name sends to ours, its "inactive" page refuses.
    "openid_connect_login": Web(get=everyone(404), post=everyone(404), writes=False, kwargs=lambda w, t, r: {"provider_id": "company"},
                                anonymous=("GET", 404)),
    "openid_connect_callback": Web(get=everyone(404), kwargs=lambda w, t, r: {"provider_id": "company"}, anonymous=("GET", 404)),
    "saml_login": Web(get=everyone(404), post=everyone(404), writes=False, kwargs=lambda w, t, r: {"organization_slug": "company"},
                      anonymous=("GET", 404)),
    "saml_acs": Web(get=everyone(302), post=everyone(302), writes=False, kwargs=lambda w, t, r: {"organization_slug": "company"},
                    anonymous=("POST", 302)),
    "saml_finish_acs": Web(get=everyone(404), kwargs=lambda w, t, r: {"organization_slug": "company"}, anonymous=("GET", 404)),
    "saml_sls": Web(get=everyone(404), post=everyone(404), writes=False, kwargs=lambda w, t, r: {"organization_slug": "company"},
                    anonymous=("GET", 404)),
    "saml_metadata": Web(get=everyone(404), kwargs=lambda w, t, r: {"organization_slug": "company"}, anonymous=("GET", 404)),
    "account_login": Web(get=everyone(302), anonymous=("GET", 302)),
    "account_inactive": Web(get=everyone(403), anonymous=("GET", 403)),
    # --- people
    "people:login": Web(
        get=everyone(302),  # signed in already: on to the dashboard
        post=everyone(302),
        data=lambda w, t, role: {"username": w.person(role).username, "password": "pw"},
        writes=False,
        anonymous=("GET", 200),
    ),
    "people:logout": Web(get=everyone(405), post=everyone(302), writes=False, anonymous=("POST", LOGIN)),
    # --- KPIs: a department's head (the presenter) and admins define them
    "reports:kpi_index": Web(get=everyone(200)),
    "reports:kpi_add": Web(
        get=everyone(405),
        post={"-": {"chair": 404, "minute_taker": 404, "presenter": 302, "member": 404, "guest": 404, "outsider": 404,
                    "admin": 302}},
        kwargs=lambda w, t, r: {"department_id": w.department().pk},
        data=lambda w, t, r: {"name": "客诉数", "unit": "件", "higher_is_better": "", "default_target": "3"},
    ),
    "reports:kpi_toggle": Web(
        get=everyone(405),
        post={"-": {"chair": 404, "minute_taker": 404, "presenter": 302, "member": 404, "guest": 404, "outsider": 404,
                    "admin": 302}},
        kwargs=lambda w, t, r: {"kpi_id": w.kpi().pk},
    ),
    "people:profile": Web(
        get=everyone(200),
        post=everyone(302),
        data=lambda w, t, r: {"save_preferences": "1", "language": "en", "time_zone": "Europe/Berlin"},
    ),
    # Everyone's own password (a change also revokes their API tokens): anyone signed in.
    "people:password_change": Web(
        get=everyone(200),
        post=everyone(302),
        data=lambda w, t, r: {"old_password": "pw", "new_password1": "双十一 backup 2026!", "new_password2": "双十一 backup 2026!"},
    ),
    "people:token_create": Web(get=everyone(405), post=everyone(302), data=lambda w, t, r: {"name": "脚本"}),
    # The person picker's suggestions (names of active colleagues): anyone signed in; a read.
    "people:person_lookup": Web(get=everyone(200)),
    # A person's own notice preferences: anyone signed in, for themselves only.
    "notices:preferences": Web(get=everyone(405), post=everyone(302), data=lambda w, t, r: {"agenda_published:email": "on"}),
    "people:token_revoke": Web(get=everyone(405), post=everyone(302), kwargs=lambda w, target, role: {"pk": w.token(role).pk}),
    "people:set_language": Web(
        get=everyone(405),
        post=everyone(302),
        data=lambda w, t, r: {"language": "en", "next": "/series/"},
        anonymous=("POST", 302),
    ),
}

# Known holes: (route, method, target) -> why. The tests assert the correct behaviour and
# are expected to fail until the code is fixed (strict: a fix turns them red until the
# entry is removed here).
XFAIL: dict[tuple[str, str, str], str] = {}


# --- the URLconf ----------------------------------------------------------------------


def web_routes() -> dict[str, str]:
    """Every URL pattern outside admin/ and api/v1/: its name ("ns:name") -> its route."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if route.startswith(SKIPPED_PREFIXES):
                    continue
                ns = p.namespace if p.namespace else None
                walk(p.url_patterns, route, ":".join(x for x in (namespace, ns) if x) or None)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else p.name
                found[name or f"<unnamed {route}>"] = route

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_route_has_a_rule():
    routes = web_routes()
    assert not [n for n in routes if n.startswith("<unnamed")], "every route needs a name, so it can have a rule"
    missing = sorted(set(routes) - set(WEB))
    assert not missing, f"routes without a permission rule in WEB: {missing}"


def test_every_rule_is_a_route():
    assert sorted(set(WEB) - set(web_routes())) == []


def test_rules_cover_every_cast_member():
    for name, rule in WEB.items():
        for expect in filter(None, (rule.get, rule.post)):
            assert set(expect) in ({"-"}, set(TARGETS)), name
            for by_role in expect.values():
                assert set(by_role) == set(ROLES), name


# --- the table, case by case -----------------------------------------------------------


def _cases():
    for name, rule in WEB.items():
        for method, expect in (("GET", rule.get), ("POST", rule.post)):
            if expect is None:
                continue
            for target in expect:
                reason = XFAIL.get((name, method, target))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(name, method, target, marks=marks, id=f"{name} {method} {target}")


def each_role(act: Callable[[str], tuple[object, object]]) -> tuple[dict, dict]:
    """`act` for every cast member, each in a savepoint rolled back afterwards, so every one
    starts from the same cast: what one did cannot change what the next one sees."""
    seen, notes = {}, {}
    for role in ROLES:
        with transaction.atomic():
            seen[role], notes[role] = act(role)
            transaction.set_rollback(True)
    return seen, notes


@pytest.mark.parametrize("name, method, target", list(_cases()))
def test_route_permission(cast, name, method, target):
    rule = WEB[name]
    expected = (rule.get if method == "GET" else rule.post)[target]

    def act(role: str) -> tuple[int, tuple[str, str]]:
        w = World(cast)
        t = "private" if target == "-" else target
        person = w.sign_in(role, target)
        url = reverse(name, kwargs=rule.kwargs(w, t, role))
        data = rule.data(w, t, role) if method == "POST" else None
        client = Client(raise_request_exception=False)  # a crash is a 500, to compare like any status
        client.force_login(person)
        before = snapshot()
        response = client.get(url) if method == "GET" else client.post(url, data)
        _finish(response)
        changed = snapshot() != before
        if method == "GET" or response.status_code >= 400 or not rule.writes:
            state = "changed the database" if changed else ""
        else:
            state = "" if changed else "answered as done, but nothing changed"
        return response.status_code, (state, _explain(response))

    seen, notes = each_role(act)
    assert seen == expected, {role: notes[role][1] for role in ROLES if seen[role] != expected[role]}
    wrong_state = {role: state for role, (state, _why) in notes.items() if state}
    assert not wrong_state, "a read or a refused request changes nothing; a request answered as done changes something"


def _finish(response) -> None:
    """Read a download to its end, as a server would: the test client then closes its file
    (calling close() directly would also close the database connection on PostgreSQL)."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


def _explain(response) -> str:
    """Enough of the response to see why a status differs: where it redirected, the crash, form errors."""
    if response.status_code in (301, 302):
        return f"redirected to {response.url}"
    if getattr(response, "exc_info", None):
        return f"server error: {response.exc_info[1]!r}"
    context = getattr(response, "context", None)
    if context:
        for key in ("form", "roster"):
            form = context.get(key)
            if form is not None and getattr(form, "errors", None):
                return f"{key} errors: {form.errors!r}"
    return response.content[:300].decode(errors="replace") if response.status_code >= 400 else ""


# --- anonymous ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(WEB))
def test_anonymous(cast, name):
    """Signed out: the request as the chair would send it on the private series."""
    rule = WEB[name]
    w = World(cast)
    method, expected = rule.anonymous_request()
    url = reverse(name, kwargs=rule.kwargs(w, "private", "chair"))
    data = rule.data(w, "private", "chair")
    before = snapshot()

    response = Client().get(url) if method == "GET" else Client().post(url, data)

    if expected == LOGIN:
        assert response.status_code == 302, _explain(response)
        assert urlparse(response.url).path == reverse("people:login")
    else:
        assert response.status_code == expected, _explain(response)
    assert snapshot() == before


def test_anonymous_redirect_comes_back():
    """The login redirect carries the page, so people land where they were going."""
    response = Client().get("/series/")
    assert response.status_code == 302
    assert response.url == f"{reverse('people:login')}?next=/series/"


# --- lists do not leak -----------------------------------------------------------------------




def _series_links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/series/(\d+)/"', html)}


def test_series_list_shows_visible_series_only(cast):
    """The guest is invited to the private series' next meeting: that does not list the series."""

    def act(role):
        client = Client()
        client.force_login(World(cast).sign_in(role, "private"))
        html = client.get(reverse("regime:series_index")).content.decode()
        return _series_links(html), ("私密例会" in html, "全员例会" in html)

    seen, titles = each_role(act)
    assert seen == {role: {cast.open_series.pk} | ({cast.series.pk} if SEES_PRIVATE[role] else set()) for role in ROLES}
    assert titles == {role: (SEES_PRIVATE[role], True) for role in ROLES}


def _meeting_links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/meetings/(\d+)/"', html)}


def test_dashboard_shows_own_meetings_only(cast):
    """My meetings: the series on my roster, this week and next — not every series I may see."""
    monday = today() - dt.timedelta(days=today().weekday())
    lo = dt.datetime.combine(monday, dt.time.min, tzinfo=SHANGHAI)

    def mine(role):
        return Meeting.objects.filter(
            series__memberships__person=cast.person(role), start__gte=lo, start__lt=lo + dt.timedelta(days=14)
        ).exclude(status=Meeting.Status.SKIPPED)

    def act(role):
        client = Client()
        client.force_login(World(cast).sign_in(role, "private"))  # the guest's meeting is not "mine"
        html = client.get(reverse("meetings:dashboard")).content.decode()
        return _meeting_links(html), ("私密例会" in html, "全员例会" in html)

    seen, titles = each_role(act)
    assert seen == {role: set(mine(role).values_list("pk", flat=True)) for role in ROLES}
    on_roster = {role: role in ("chair", "minute_taker", "presenter", "member") for role in ROLES}
    assert titles == {role: (on_roster[role], on_roster[role]) for role in ROLES}
    for role in ("chair", "minute_taker", "presenter", "member"):  # not vacuous: both series have meetings in the fortnight
        assert {m.series_id for m in mine(role)} == {cast.series.pk, cast.open_series.pk}


def test_meeting_load_counts_only_series_the_viewer_may_see(cast):
    """会议负荷 for the outsider: the people are those of series they may see (the open one),
    and so should their hours be — the private series' meetings must not show through."""
    client = Client()
    client.force_login(cast.outsider)
    rows = client.get(reverse("meetings:load")).context["rows"]
    chair = next(r for r in rows if r.person == cast.chair)
    open_meetings = cast.open_series.meetings.filter(
        status__in=(Meeting.Status.SCHEDULED, Meeting.Status.HELD),
        start__gte=timezone.now(),
        start__lt=timezone.now() + dt.timedelta(weeks=4),
    ).count()
    assert chair.meetings == open_meetings


def test_refused_move_shows_the_form_again(cast):
    """The move page once crashed (500) when it rendered: the template needs `series`."""
    meeting = World(cast).meeting("private")
    client = Client(raise_request_exception=False)
    client.force_login(cast.chair)
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    data = {"date": yesterday, "start_time": "09:30", "duration_minutes": 60}
    response = client.post(reverse("meetings:meeting_move", kwargs={"pk": meeting.pk}), data)
    assert response.status_code == 200, _explain(response)
    assert response.context["form"].errors


@pytest.mark.parametrize("how", ["create for someone else", "hand over"])
def test_a_saved_series_lands_on_a_page_one_may_see(cast, how):
    client = Client()
    if how == "create for someone else":
        client.force_login(cast.outsider)
        url = reverse("regime:series_new")
        data = series_form_data(title="替别人建的例会", series=None, roster=[(cast.chair, "chair")])
    else:  # the chair passes the private series to the member and leaves the roster
        client.force_login(cast.chair)
        url = reverse("regime:series_edit", kwargs={"pk": cast.series.pk})
        roster = [(cast.presenter, "chair"), (cast.minute_taker, "minute_taker")]
        data = series_form_data(title="交接", series=cast.series, roster=roster)
    before = snapshot()
    response = client.post(url, data, follow=True)
    assert response.status_code == 200, response.redirect_chain
    if how == "create for someone else":
        # Refused with a form error: the creator must be on the roster (or an admin).
        assert snapshot() == before
        assert response.context["form"].non_field_errors()
    else:
        assert snapshot() != before, "the form should have been valid"
        assert response.redirect_chain[-1][0] == reverse("regime:series_index")


# --- presenters: their own item, nobody else's ----------------------------------------------------


@pytest.mark.parametrize(
    "name, method, data",
    [
        ("meetings:item_edit", "GET", None),
        ("meetings:item_edit", "POST", {"title": "抢来的议题", "minutes_allotted": "30", "description": "抢来的说明"}),
        ("meetings:material_upload", "POST", "pdf"),
        ("meetings:guest_invite", "POST", {"name": "外部顾问", "email": "", "reason": ""}),
    ],
)
def test_a_presenter_changes_only_their_own_item(cast, name, method, data):
    """The member presents their report; the item the chair presents is not theirs to change."""
    w = World(cast)
    mine = w.item("private")
    theirs = w.meeting("private").items.exclude(pk=mine.pk).filter(presenter=cast.chair).order_by("position").last()
    assert theirs is not None
    client = Client(raise_request_exception=False)
    client.force_login(cast.presenter)

    def request(item):
        kwargs = {"pk": item.meeting_id, "item_id": item.pk} if name.startswith("meetings:agenda_") else {"item_id": item.pk}
        body = {"file": pdf()} if data == "pdf" else data
        url = reverse(name, kwargs=kwargs)
        return client.get(url) if method == "GET" else client.post(url, body)

    before = snapshot()
    assert request(theirs).status_code == 403
    assert snapshot() == before
    response = request(mine)
    assert response.status_code in (200, 302), _explain(response)
    assert (snapshot() != before) == (method == "POST"), _explain(response)


# --- staff guests: invited for one item, they see that meeting and change nothing ----------------

# What the outsider gets on the private series' meeting once invited for the presenter's item:
# the meeting's pages and its materials, and 403 for preparing and running it. The series
# itself stays invisible.
GUEST: dict[str, tuple[str, int]] = {
    "meetings:meeting_detail": ("GET", 200),
    "meetings:agenda_print": ("GET", 200),
    "meetings:agenda_docx": ("GET", 200),
    "meetings:live": ("GET", 200),
    "meetings:projector": ("GET", 200),
    "meetings:state": ("GET", 200),
    "meetings:recap": ("GET", 200),
    "meetings:material_download": ("GET", 200),
    "meetings:meeting_move": ("GET", 403),
    "meetings:meeting_cancel": ("GET", 403),
    "meetings:purpose_set": ("POST", 403),
    "meetings:agenda_add": ("POST", 403),
    "meetings:agenda_move": ("POST", 403),
    "meetings:agenda_retime": ("POST", 403),
    "meetings:agenda_remove": ("POST", 403),
    "meetings:agenda_publish": ("POST", 403),
    "meetings:item_edit": ("GET", 403),
    "reports:report_edit": ("GET", 403),
    "meetings:material_upload": ("POST", 403),
    "meetings:material_delete": ("POST", 403),
    "meetings:guest_invite": ("POST", 403),
    "meetings:guest_remove": ("POST", 403),
    "meetings:start": ("POST", 403),
    "meetings:go": ("POST", 403),
    "meetings:end": ("POST", 403),
    "meetings:resume": ("POST", 403),
    "meetings:attendance": ("POST", 403),
    "meetings:notes": ("POST", 403),
    "regime:series_detail": ("GET", 404),
    "regime:agenda_template": ("GET", 404),
}


GUEST_XFAIL: dict[str, str] = {}


def test_guest_rules_are_routes():
    assert sorted(set(GUEST) - set(WEB)) == []


def _guest_cases():
    for name in sorted(GUEST):
        reason = GUEST_XFAIL.get(name)
        yield pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [], id=name)


@pytest.mark.parametrize("name", list(_guest_cases()))
def test_a_staff_guest_sees_the_meeting_but_changes_nothing(cast, name):
    w = World(cast)
    guest_invite(actor=cast.chair, item=w.item("private"), person=cast.outsider, reason="法务意见")
    rule = WEB[name]
    method, expected = GUEST[name]
    url = reverse(name, kwargs=rule.kwargs(w, "private", "outsider"))
    data = rule.data(w, "private", "outsider") if method == "POST" else None
    client = Client(raise_request_exception=False)
    client.force_login(cast.outsider)
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, data)
    _finish(response)
    assert response.status_code == expected, _explain(response)
    assert snapshot() == before


MEETING_PAGES = ["meetings:meeting_detail", "meetings:agenda_print", "meetings:agenda_docx", "meetings:live", "meetings:projector",
                 "meetings:state", "meetings:recap"]


@pytest.mark.parametrize("name", MEETING_PAGES)
def test_a_guest_sees_only_the_meeting_they_are_invited_to(cast, name):
    """Invited for next week's meeting of the private series: the one after stays invisible."""
    w = World(cast)
    guest_invite(actor=cast.chair, item=w.item("private"), person=cast.outsider)
    following = cast.series.meetings.filter(start__gt=w.meeting("private").start).order_by("start").first()
    client = Client()
    client.force_login(cast.outsider)
    assert client.get(reverse(name, kwargs={"pk": w.meeting("private").pk})).status_code == 200
    assert client.get(reverse(name, kwargs={"pk": following.pk})).status_code == 404


def _dead_links(client: Client, html: str) -> list[tuple[str, int]]:
    """The page's links (same site) that answer this viewer with an error."""
    links = sorted(url for url in set(re.findall(r'href="(/[^"]*)"', html)) if not url.startswith("/static/"))
    answers = [(url, client.get(url)) for url in links]
    for _url, response in answers:
        _finish(response)
    return [(url, response.status_code) for url, response in answers if response.status_code >= 400]


@pytest.mark.parametrize("who", ["guest", "staff"])
def test_meeting_pages_link_only_to_what_the_viewer_may_open(cast, who):
    """The outsider invited as a guest to the private meeting, or merely seeing the open one."""
    w = World(cast)
    target = "private" if who == "guest" else "open"
    w.material(target)
    if who == "guest":
        guest_invite(actor=cast.chair, item=w.item(target), person=cast.outsider)
    client = Client(raise_request_exception=False)
    client.force_login(cast.outsider)
    dead = {}
    for name in ("meetings:meeting_detail", "meetings:agenda_print", "meetings:live", "meetings:projector", "meetings:recap"):
        response = client.get(reverse(name, kwargs={"pk": w.meeting(target).pk}))
        assert response.status_code == 200, _explain(response)
        dead[name] = _dead_links(client, response.content.decode())
    assert dead == dict.fromkeys(dead, [])


def test_a_removed_guest_no_longer_sees_the_meeting(cast):
    w = World(cast)
    guest = guest_invite(actor=cast.chair, item=w.item("private"), person=cast.outsider)
    client = Client()
    client.force_login(cast.outsider)
    url = reverse("meetings:meeting_detail", kwargs={"pk": w.meeting("private").pk})
    assert client.get(url).status_code == 200
    guest.delete()
    assert client.get(url).status_code == 404
    assert client.get(reverse("meetings:material_download", kwargs={"material_id": w.material("private").pk})).status_code == 404


def test_an_outside_guest_by_name_gives_nobody_access(cast):
    """A guest without an account (name and e-mail) must not open the meeting to anyone."""
    w = World(cast)
    w.guest("private")
    client = Client()
    client.force_login(cast.outsider)
    assert client.get(reverse("meetings:meeting_detail", kwargs={"pk": w.meeting("private").pk})).status_code == 404


# --- objects of one series through another's URL ------------------------------------------------


@pytest.fixture
def outsider_series(cast):
    """A series the outsider chairs, so they manage *something*."""
    from lihui.testing.factories import make_series

    return make_series(chair=cast.outsider, title="路人甲的例会")


def test_window_of_another_series_is_not_found(cast, outsider_series):
    window = World(cast).window("private")
    client = Client()
    client.force_login(cast.outsider)
    url = reverse("regime:window_delete", kwargs={"pk": outsider_series.pk, "window_id": window.pk})
    assert client.post(url).status_code == 404
    assert CadenceWindow.objects.filter(pk=window.pk).exists()


@pytest.mark.parametrize("name", ["meetings:agenda_move", "meetings:agenda_retime", "meetings:agenda_remove"])
def test_item_of_another_meeting_is_not_found(cast, outsider_series, name):
    """The outsider chairs their own series; the private meeting's item through their meeting's URL."""
    w = World(cast)
    own = outsider_series.meetings.filter(start__gt=timezone.now()).order_by("start").first()
    agenda_ensure(meeting=own)
    item = w.item("private")
    client = Client()
    client.force_login(cast.outsider)
    before = snapshot()
    url = reverse(name, kwargs={"pk": own.pk, "item_id": item.pk})
    response = client.post(url, {"direction": "up", "minutes_allotted": "5"})
    assert response.status_code == 404
    assert snapshot() == before


def test_notes_of_an_invisible_item_are_not_found(cast, outsider_series):
    """The outsider is a chair (of their own series) but not of this item's meeting."""
    item = World(cast).item("private")
    client = Client()
    client.force_login(cast.outsider)
    before = snapshot()
    response = client.post(reverse("meetings:notes", kwargs={"item_id": item.pk}), {"text": "x", "revision": "0"})
    assert response.status_code == 404
    assert snapshot() == before


def test_attendance_only_for_the_meetings_participants(cast):
    """The minute-taker may check people in, but only the meeting's participants."""
    meeting = World(cast).meeting("private")
    client = Client()
    client.force_login(cast.minute_taker)
    url = reverse("meetings:attendance", kwargs={"pk": meeting.pk})
    response = client.post(url, {"person": cast.outsider.pk, "status": "present"})
    assert response.status_code == 200
    assert response.context["attendance_error"]
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_token_of_another_person_cannot_be_revoked(cast):
    token = World(cast).token("member")
    client = Client()
    client.force_login(cast.chair)
    client.post(reverse("people:token_revoke", kwargs={"pk": token.pk}))
    token.refresh_from_db()
    assert token.revoked is None


def test_inactive_person_is_signed_out(cast):
    client = Client()
    client.force_login(cast.presenter)
    Person.objects.filter(pk=cast.presenter.pk).update(is_active=False)
    response = client.get(reverse("regime:series_detail", kwargs={"pk": cast.series.pk}))
    assert response.status_code == 302
    assert urlparse(response.url).path == reverse("people:login")


# --- Django admin ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/", "/admin/regime/series/", "/admin/people/apitoken/"])
def test_admin_site_is_for_admins_only(cast, path):
    def act(role):
        client = Client()
        if role != "anonymous":
            client.force_login(cast.person(role))
        response = client.get(path)
        return response.status_code, urlparse(response.url).path if response.status_code == 302 else ""

    seen, where = each_role(act)
    seen["anonymous"], where["anonymous"] = act("anonymous")
    assert seen == {**dict.fromkeys(ROLES, 302), "admin": 200, "anonymous": 302}
    assert {r: w for r, w in where.items() if r != "admin"} == dict.fromkeys(("anonymous",) + tuple(set(ROLES) - {"admin"}), "/admin/login/")
