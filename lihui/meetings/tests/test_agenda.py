"""Preparing a meeting: the agenda from the template, item changes and who may make them,
the planned total against the slot, the htmx partial, publishing, purpose, materials,
guests, and query counts of the meeting, live, state and recap pages."""

import datetime as dt
import struct
import zlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from lihui.meetings.models import AgendaItem, Guest, Material, Meeting
from lihui.meetings.selectors import meeting_participants
from lihui.meetings.services import agenda as services
from lihui.meetings.services import live as live_services
from lihui.people.models import Department, Person
from lihui.regime.models import Membership, PresenterRole, Series
from lihui.regime.services import DEFAULT_AGENDA, agenda_template_save
from lihui.reports.models import Kpi
from lihui.reports.services import report_save
from lihui.testing.factories import DepartmentFactory, PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=SH)  # a Wednesday; the next meeting is Monday 30 Nov 09:30

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def english():
    """Service messages are compared in English (the pages follow each person's language)."""
    with translation.override("en"):
        yield


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def next_meeting(series: Series) -> Meeting:
    return series.meetings.filter(start__gt=NOW, status=Meeting.Status.SCHEDULED).order_by("start").first()


def agenda_rows(meeting: Meeting) -> list[tuple]:
    return list(meeting.items.order_by("position", "id").values_list("kind", "title", "presenter_id", "minutes_allotted"))


@dataclass
class Board:
    chair: Person
    taker: Person
    member: Person
    finance_head: Person  # heads 财务部, on the roster
    sales_head: Person  # heads 销售部, on the roster
    off_roster_head: Person  # heads 采购部, not on the roster
    optional_head: Person  # heads 物流部, an optional member
    own: Department  # the series' own department, headed by the chair
    finance: Department
    sales: Department
    series: Series
    meeting: Meeting


def make_board(**series_data) -> Board:
    chair = PersonFactory(name="周云", language="en")
    taker = PersonFactory(name="孙丽", language="en")
    member = PersonFactory(name="王强", language="en")
    finance_head = PersonFactory(name="陈静", language="en")
    sales_head = PersonFactory(name="李娜", language="en")
    off_roster_head = PersonFactory(name="赵敏", language="en")
    optional_head = PersonFactory(name="吴芳", language="en")
    own = DepartmentFactory(name="运营部", head=chair)
    finance = DepartmentFactory(name="财务部", head=finance_head)
    sales = DepartmentFactory(name="销售部", head=sales_head)
    DepartmentFactory(name="采购部", head=off_roster_head)
    DepartmentFactory(name="物流部", head=optional_head)
    for person, department in [(chair, own), (finance_head, finance), (sales_head, sales), (member, own), (taker, own)]:
        person.department = department
        person.save()
    roster = [(taker, "minute_taker"), (member, "member"), (sales_head, "member"), (finance_head, "member"), (optional_head, "optional")]
    series = make_series(chair=chair, roster=roster, department=own, **series_data)
    return Board(chair, taker, member, finance_head, sales_head, off_roster_head, optional_head, own, finance, sales, series, next_meeting(series))


@pytest.fixture
def board() -> Board:
    return make_board()


@pytest.fixture
def ready(board) -> Board:
    """The board with the next meeting's agenda made."""
    services.agenda_ensure(meeting=board.meeting)
    return board


def item_of(meeting: Meeting, kind: str, presenter: Person | None = None) -> AgendaItem:
    qs = meeting.items.filter(kind=kind)
    if presenter is not None:
        qs = qs.filter(presenter=presenter)
    return qs.order_by("position", "id").first()


# --- the agenda from the template -------------------------------------------------------------


def test_default_agenda_expands_department_heads_and_resolves_the_chair(board):
    services.agenda_ensure(meeting=board.meeting)
    rows = agenda_rows(board.meeting)
    kinds = [kind for kind, _title, _presenter, _minutes in rows]
    assert kinds == ["opening", "review", "report", "report", "discussion", "decision", "recap"]
    # one report per department head on the roster, in pinyin order of the department (财 cai < 销 xiao);
    # not the series' own department (the chair's), not a head off the roster, not an optional member
    reports = [(title, presenter) for kind, title, presenter, _m in rows if kind == "report"]
    assert [p for _t, p in reports] == [board.finance_head.pk, board.sales_head.pk]
    assert "财务部" in reports[0][0] and "销售部" in reports[1][0]
    assert all(board.own.name not in t for t, _p in reports)
    # every other line of the seed agenda is the chair's, with the seed's minutes
    assert all(p == board.chair.pk for kind, _t, p, _m in rows if kind != "report")
    seed_minutes = {str(kind): minutes for kind, _title, _role, minutes in DEFAULT_AGENDA}
    assert [m for _k, _t, _p, m in rows] == [seed_minutes[k] for k in kinds]
    assert sum(m for _k, _t, _p, m in rows) == 3 + 8 + 6 + 6 + 12 + 8 + 5
    assert list(board.meeting.items.order_by("position", "id").values_list("position", flat=True)) == list(range(7))
    board.meeting.refresh_from_db()
    assert board.meeting.agenda_created


def test_template_roles_minute_taker_and_person_are_resolved(board):
    agenda_template_save(
        actor=board.chair,
        series=board.series,
        items=[
            {"kind": "opening", "title": "开场", "presenter_role": PresenterRole.CHAIR, "minutes": 2},
            {"kind": "review", "title": "上次纪要", "presenter_role": PresenterRole.MINUTE_TAKER, "minutes": 4},
            {"kind": "other", "title": "安全提示", "presenter_role": PresenterRole.PERSON, "presenter": board.member, "minutes": 1},
            {"kind": "other", "title": "自由发言", "presenter_role": PresenterRole.PERSON, "minutes": 5},
        ],
    )
    meeting = board.meeting
    assert meeting.minute_taker_id == board.taker.pk  # planned from the series' minute-taker
    services.agenda_ensure(meeting=meeting)
    assert agenda_rows(meeting) == [
        ("opening", "开场", board.chair.pk, 2),
        ("review", "上次纪要", board.taker.pk, 4),
        ("other", "安全提示", board.member.pk, 1),
        ("other", "自由发言", None, 5),
    ]
    # This meeting's own minute-taker wins over the series'.
    later = board.series.meetings.filter(start__gt=meeting.start, status="scheduled").order_by("start").first()
    later.minute_taker = board.member
    later.save()
    services.agenda_ensure(meeting=later)
    assert item_of(later, "review").presenter_id == board.member.pk


def test_agenda_ensure_is_idempotent(board):
    services.agenda_ensure(meeting=board.meeting)
    first = list(board.meeting.items.order_by("position").values_list("id", "kind", "title", "presenter_id", "minutes_allotted"))
    services.agenda_ensure(meeting=board.meeting)
    # a fresh copy of the row, and a stale copy loaded before the agenda was made
    services.agenda_ensure(meeting=Meeting.objects.get(pk=board.meeting.pk))
    stale = Meeting.objects.get(pk=board.meeting.pk)
    stale.agenda_created = False
    services.agenda_ensure(meeting=stale)
    again = list(board.meeting.items.order_by("position").values_list("id", "kind", "title", "presenter_id", "minutes_allotted"))
    assert again == first and len(first) == 7


def test_an_emptied_agenda_is_not_refilled(ready):
    for item in ready.meeting.items.all():
        services.agenda_item_remove(actor=ready.chair, item=item)
    services.agenda_ensure(meeting=Meeting.objects.get(pk=ready.meeting.pk))
    assert not ready.meeting.items.exists()


GOOD_LINE = {"kind": "discussion", "title": "问题讨论", "presenter_role": PresenterRole.CHAIR, "minutes": 15}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": -5}, "minutes"),
        ({"minutes": 601}, "minutes"),
        ({"minutes": "10"}, "minutes"),
        ({"minutes": "abc"}, "minutes"),
        ({"minutes": None}, "minutes"),
        ({"minutes": 1.5}, "minutes"),
        ({"kind": "party"}, "kind"),
        ({"presenter_role": "boss"}, "presenter_role"),
    ],
)
def test_template_save_refuses_bad_lines_and_changes_nothing(board, change, field):
    before = list(board.series.agenda_template.values_list("id", "position", "kind", "title", "presenter_role", "minutes"))
    with pytest.raises(ValidationError) as exc:
        agenda_template_save(actor=board.chair, series=board.series, items=[GOOD_LINE, {**GOOD_LINE, **change}])
    assert f"items.1.{field}" in exc.value.message_dict
    assert "items.0.title" not in exc.value.message_dict and "items.0.minutes" not in exc.value.message_dict
    after = list(board.series.agenda_template.values_list("id", "position", "kind", "title", "presenter_role", "minutes"))
    assert after == before and len(after) == len(DEFAULT_AGENDA)


def test_template_save_boundaries_and_permission(board):
    saved = agenda_template_save(
        actor=board.chair, series=board.series, items=[{**GOOD_LINE, "minutes": 1}, {**GOOD_LINE, "title": "长议题", "minutes": 600}],
        over_slot_confirmed=True,  # 601 of the slot's 60: saved only when the chair confirms (issue 16)
    )
    assert [(t.position, t.title, t.minutes) for t in saved] == [(0, "问题讨论", 1), (1, "长议题", 600)]
    with pytest.raises(PermissionDenied):
        agenda_template_save(actor=board.member, series=board.series, items=[GOOD_LINE])
    assert board.series.agenda_template.count() == 2


# --- items: add, update, remove, reorder, and who may ------------------------------------------


def test_chair_adds_updates_removes_and_reorders(ready):
    meeting, chair = ready.meeting, ready.chair
    item = services.agenda_item_add(actor=chair, meeting=meeting, data={"title": "  预算  ", "kind": "decision", "minutes_allotted": 7})
    assert (item.title, item.kind, item.minutes_allotted) == ("预算", "decision", 7)
    assert list(meeting.items.order_by("position", "id"))[-1] == item  # added at the end
    services.agenda_item_update(
        actor=chair, item=item, data={"title": "年度预算", "description": "见附件", "kind": "discussion", "presenter": ready.member, "minutes_allotted": 9}
    )
    item.refresh_from_db()
    assert (item.title, item.description, item.kind, item.presenter_id, item.minutes_allotted) == ("年度预算", "见附件", "discussion", ready.member.pk, 9)

    ids = list(meeting.items.order_by("position", "id").values_list("id", flat=True))
    services.agenda_reorder(actor=chair, meeting=meeting, order=list(reversed(ids)))
    assert list(meeting.items.order_by("position", "id").values_list("id", flat=True)) == list(reversed(ids))
    with pytest.raises(ValidationError):
        services.agenda_reorder(actor=chair, meeting=meeting, order=ids[:-1])  # one missing
    with pytest.raises(ValidationError):
        services.agenda_reorder(actor=chair, meeting=meeting, order=[*ids, ids[0]])  # one twice
    assert list(meeting.items.order_by("position", "id").values_list("id", flat=True)) == list(reversed(ids))

    services.agenda_item_remove(actor=chair, item=item)
    assert not AgendaItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"minutes_allotted": 0}, "minutes_allotted"),
        ({"minutes_allotted": -5}, "minutes_allotted"),
        ({"minutes_allotted": 601}, "minutes_allotted"),
        ({"minutes_allotted": "10"}, "minutes_allotted"),
        ({"minutes_allotted": True}, "minutes_allotted"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_item_update_refuses_bad_values(ready, data, field):
    item = item_of(ready.meeting, "discussion")
    before = agenda_rows(ready.meeting)
    with pytest.raises(ValidationError) as exc:
        services.agenda_item_update(actor=ready.chair, item=item, data=data)
    assert field in exc.value.message_dict
    assert agenda_rows(ready.meeting) == before


def test_presenter_must_be_a_participant(ready):
    stranger = PersonFactory()
    item = item_of(ready.meeting, "discussion")
    with pytest.raises(ValidationError) as exc:
        services.agenda_item_update(actor=ready.chair, item=item, data={"presenter": stranger})
    assert "presenter" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.agenda_item_add(actor=ready.chair, meeting=ready.meeting, data={"title": "外人", "minutes_allotted": 5, "presenter": stranger})
    assert item_of(ready.meeting, "discussion").presenter_id == ready.chair.pk


def test_presenter_describes_own_item_only(ready):
    """A presenter edits their report and the item's description; its title, kind, time and
    place on the chair's agenda are the chair's (issue 16: the agenda's structure)."""
    own = item_of(ready.meeting, "report", ready.sales_head)
    other = item_of(ready.meeting, "report", ready.finance_head)
    presenter = ready.sales_head
    allotted = own.minutes_allotted
    services.agenda_item_update(actor=presenter, item=own, data={"description": "Q4 销售"})
    own.refresh_from_db()
    assert own.description == "Q4 销售"
    for data in ({"kind": "discussion"}, {"presenter": ready.member}, {"minutes_allotted": 9}, {"title": "改名"},
                 {"minutes_allotted": 9, "description": "x"}):  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.agenda_item_update(actor=presenter, item=own, data=data)
    with pytest.raises(PermissionDenied):
        services.agenda_item_update(actor=presenter, item=other, data={"description": "不是我的"})
    with pytest.raises(PermissionDenied):
        services.agenda_item_remove(actor=presenter, item=own)
    ids = list(ready.meeting.items.order_by("position", "id").values_list("id", flat=True))
    with pytest.raises(PermissionDenied):
        services.agenda_reorder(actor=presenter, meeting=ready.meeting, order=list(reversed(ids)))
    with pytest.raises(PermissionDenied):
        services.agenda_item_add(actor=presenter, meeting=ready.meeting, data={"title": "加塞", "minutes_allotted": 5})
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.kind, own.presenter_id, own.minutes_allotted, own.description) == ("report", presenter.pk, allotted, "Q4 销售")
    assert other.minutes_allotted == 6
    assert list(ready.meeting.items.order_by("position", "id").values_list("id", flat=True)) == ids


def test_member_may_not_change_the_agenda(ready):
    member, meeting = ready.member, ready.meeting
    before = agenda_rows(meeting)
    item = item_of(meeting, "discussion")
    ids = list(meeting.items.order_by("position", "id").values_list("id", flat=True))
    with pytest.raises(PermissionDenied):
        services.agenda_item_add(actor=member, meeting=meeting, data={"title": "x", "minutes_allotted": 5})
    with pytest.raises(PermissionDenied):
        services.agenda_item_update(actor=member, item=item, data={"minutes_allotted": 5})
    with pytest.raises(PermissionDenied):
        services.agenda_item_remove(actor=member, item=item)
    with pytest.raises(PermissionDenied):
        services.agenda_reorder(actor=member, meeting=meeting, order=list(reversed(ids)))
    with pytest.raises(PermissionDenied):
        services.agenda_publish(actor=member, meeting=meeting)
    with pytest.raises(PermissionDenied):
        services.meeting_purpose_set(actor=member, meeting=meeting, purpose="x")
    assert agenda_rows(meeting) == before


def test_a_discussed_item_cannot_be_removed(ready):
    item = item_of(ready.meeting, "discussion")
    AgendaItem.objects.filter(pk=item.pk).update(notes="已讨论")
    with pytest.raises(ValidationError):
        services.agenda_item_remove(actor=ready.chair, item=AgendaItem.objects.get(pk=item.pk))
    assert AgendaItem.objects.filter(pk=item.pk).exists()


# --- the planned total against the slot (the meeting page) ---------------------------------------


def test_overrun_warning_only_when_the_plan_exceeds_the_slot(board):
    client = client_for(board.chair)
    page = client.get(f"/meetings/{board.meeting.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "48 of 60 minutes planned" in html
    assert 'data-testid="overrun"' not in html

    services.agenda_item_add(actor=board.chair, meeting=board.meeting, data={"title": "补充", "minutes_allotted": 12})
    html = client.get(f"/meetings/{board.meeting.pk}/").content.decode()
    assert "60 of 60 minutes planned" in html
    assert 'data-testid="overrun"' not in html  # exactly the slot is fine

    services.agenda_item_add(actor=board.chair, meeting=board.meeting, data={"title": "再补充", "minutes_allotted": 1})
    html = client.get(f"/meetings/{board.meeting.pk}/").content.decode()
    assert "61 of 60 minutes planned" in html
    assert 'data-testid="overrun"' in html and "1 minutes longer" in html


# --- the htmx endpoints return the #agenda partial --------------------------------------------


def is_agenda_partial(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="agenda"')
    assert "<html" not in html and "<body" not in html
    return html


def test_htmx_add_move_retime_remove(ready):
    client = client_for(ready.chair)
    meeting = ready.meeting
    base = f"/meetings/{meeting.pk}/agenda"
    html = is_agenda_partial(client.post(f"{base}/add/", {"title": "临时议题", "kind": "discussion", "minutes_allotted": "4"}, HTTP_HX_REQUEST="true"))
    added = meeting.items.get(title="临时议题")
    assert f'data-item="{added.pk}"' in html and "52 of 60 minutes planned" in html

    ids = lambda: list(meeting.items.order_by("position", "id").values_list("id", flat=True))  # noqa: E731
    before = ids()
    is_agenda_partial(client.post(f"{base}/{added.pk}/move/", {"direction": "up"}))
    assert ids() == before[:-2] + [before[-1], before[-2]]
    is_agenda_partial(client.post(f"{base}/{added.pk}/move/", {"direction": "down"}))
    assert ids() == before
    is_agenda_partial(client.post(f"{base}/{added.pk}/move/", {"direction": "down"}))  # already last
    assert ids() == before
    first = before[0]
    is_agenda_partial(client.post(f"{base}/{first}/move/", {"direction": "up"}))  # already first
    assert ids() == before

    html = is_agenda_partial(client.post(f"{base}/{added.pk}/retime/", {"minutes_allotted": "8"}))
    assert AgendaItem.objects.get(pk=added.pk).minutes_allotted == 8 and "56 of 60 minutes planned" in html

    html = is_agenda_partial(client.post(f"{base}/{added.pk}/remove/"))
    assert not AgendaItem.objects.filter(pk=added.pk).exists()
    assert f'data-item="{added.pk}"' not in html and "48 of 60 minutes planned" in html


@pytest.mark.parametrize("value", ["abc", "0", "-5", "601", "", "7.5"])
def test_htmx_retime_with_a_bad_value_shows_an_error_and_changes_nothing(ready, value):
    client = client_for(ready.chair)
    item = item_of(ready.meeting, "discussion")
    html = is_agenda_partial(client.post(f"/meetings/{ready.meeting.pk}/agenda/{item.pk}/retime/", {"minutes_allotted": value}))
    assert 'role="alert"' in html and "from 1 to 600" in html
    assert AgendaItem.objects.get(pk=item.pk).minutes_allotted == 12


def test_htmx_add_with_a_bad_form_shows_an_error(ready):
    client = client_for(ready.chair)
    before = agenda_rows(ready.meeting)
    html = is_agenda_partial(client.post(f"/meetings/{ready.meeting.pk}/agenda/add/", {"title": "", "kind": "discussion", "minutes_allotted": "0"}))
    assert 'class="errors" role="alert"' in html
    assert agenda_rows(ready.meeting) == before


def test_htmx_endpoints_refuse_a_member_and_an_outsider(ready):
    meeting = ready.meeting
    item = item_of(meeting, "discussion")
    base = f"/meetings/{meeting.pk}/agenda"
    before = agenda_rows(meeting)
    member = client_for(ready.member)
    assert member.post(f"{base}/add/", {"title": "x", "kind": "other", "minutes_allotted": "5"}).status_code == 403
    assert member.post(f"{base}/{item.pk}/move/", {"direction": "up"}).status_code == 403
    assert member.post(f"{base}/{item.pk}/retime/", {"minutes_allotted": "5"}).status_code == 403
    assert member.post(f"{base}/{item.pk}/remove/").status_code == 403
    outsider = client_for(PersonFactory())
    assert outsider.post(f"{base}/{item.pk}/remove/").status_code == 404  # a private series
    assert member.get(f"{base}/add/").status_code == 405
    assert agenda_rows(meeting) == before


def test_htmx_presenter_cannot_retime_or_move_their_item(ready):
    own = item_of(ready.meeting, "report", ready.sales_head)
    client = client_for(ready.sales_head)
    allotted = own.minutes_allotted
    assert client.post(f"/meetings/{ready.meeting.pk}/agenda/{own.pk}/retime/", {"minutes_allotted": "10"}).status_code == 403
    assert client.post(f"/meetings/{ready.meeting.pk}/agenda/{own.pk}/move/", {"direction": "up"}).status_code == 403
    assert client.post(f"/meetings/{ready.meeting.pk}/agenda/{own.pk}/remove/").status_code == 403
    assert AgendaItem.objects.get(pk=own.pk).minutes_allotted == allotted
    page = client.get(f"/meetings/{ready.meeting.pk}/").content.decode()
    assert f"/agenda/{own.pk}/retime/" not in page and f"/agenda/{own.pk}/remove/" not in page


def test_item_edit_page_opens(ready):
    own = item_of(ready.meeting, "report", ready.sales_head)
    chair = Client(raise_request_exception=False)
    chair.force_login(ready.chair)
    assert chair.get(f"/items/{own.pk}/").status_code == 200
    presenter = Client(raise_request_exception=False)
    presenter.force_login(ready.sales_head)
    r = presenter.get(f"/items/{own.pk}/")
    page = r.content.decode()
    assert r.status_code == 200 and 'name="kind"' not in page and 'name="minutes_allotted"' not in page  # a presenter describes only


def test_item_edit_page_refuses_a_member(ready):
    item = item_of(ready.meeting, "discussion")
    assert client_for(ready.member).get(f"/items/{item.pk}/").status_code == 403
    assert client_for(PersonFactory()).get(f"/items/{item.pk}/").status_code == 404


# --- publishing, purpose ---------------------------------------------------------------------


def test_publish_records_when_the_agenda_went_out(ready, frozen):
    client = client_for(ready.chair)
    assert ready.meeting.agenda_published_at is None
    response = client.post(f"/meetings/{ready.meeting.pk}/agenda/publish/")
    assert response.status_code == 302
    ready.meeting.refresh_from_db()
    assert ready.meeting.agenda_published_at == NOW
    html = client.get(f"/meetings/{ready.meeting.pk}/").content.decode()
    assert "published" in html and "Publish again" in html
    frozen.shift(dt.timedelta(hours=2))
    services.agenda_publish(actor=ready.chair, meeting=ready.meeting)  # nothing changed: not sent again
    ready.meeting.refresh_from_db()
    assert ready.meeting.agenda_published_at == NOW
    services.meeting_purpose_set(actor=ready.chair, meeting=ready.meeting, purpose="双十二备战")
    services.agenda_publish(actor=ready.chair, meeting=ready.meeting)
    ready.meeting.refresh_from_db()
    assert ready.meeting.agenda_published_at == NOW + dt.timedelta(hours=2)
    assert client_for(ready.member).post(f"/meetings/{ready.meeting.pk}/agenda/publish/").status_code == 403


def test_an_empty_agenda_cannot_be_published(ready):
    for item in ready.meeting.items.all():
        services.agenda_item_remove(actor=ready.chair, item=item)
    with pytest.raises(ValidationError):
        services.agenda_publish(actor=ready.chair, meeting=ready.meeting)
    ready.meeting.refresh_from_db()
    assert ready.meeting.agenda_published_at is None


def test_this_meetings_purpose(ready):
    client = client_for(ready.chair)
    r = client.post(f"/meetings/{ready.meeting.pk}/purpose/", {"purpose": "  确定双十二备货\n\n  复盘退货率  "})
    assert r.status_code == 302
    ready.meeting.refresh_from_db()
    assert ready.meeting.purposes == ["确定双十二备货", "复盘退货率"]
    html = client.get(f"/meetings/{ready.meeting.pk}/").content.decode()
    assert 'data-testid="meeting-purposes"' in html and "<li>确定双十二备货</li>" in html and "<li>复盘退货率</li>" in html
    with pytest.raises(ValidationError):
        services.meeting_purpose_set(actor=ready.chair, meeting=ready.meeting, purpose="长" * 2001)
    client.post(f"/meetings/{ready.meeting.pk}/purpose/", {"purpose": "长" * 2001})
    ready.meeting.refresh_from_db()
    assert ready.meeting.purposes == ["确定双十二备货", "复盘退货率"]
    assert client_for(ready.member).post(f"/meetings/{ready.meeting.pk}/purpose/", {"purpose": "x"}).status_code == 403


# --- materials --------------------------------------------------------------------------------

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def flashed(client: Client, response) -> str:
    """The messages a POST left for the next page, read here and then dropped (the item page
    they are shown on is covered by test_item_edit_page_opens)."""
    assert response.status_code == 302, response.status_code
    text = " | ".join(str(m) for m in get_messages(response.wsgi_request))
    client.cookies.pop("messages", None)
    return text


def upload(client: Client, item: AgendaItem, name: str, content: bytes, content_type: str = "application/octet-stream") -> str:
    response = client.post(f"/items/{item.pk}/materials/", {"file": SimpleUploadedFile(name, content, content_type=content_type)})
    assert response.url == f"/items/{item.pk}/"
    return flashed(client, response)


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("议程.pdf", PDF, "application/pdf"),
        ("chart.png", tiny_png(), "image/png"),
        ("纪要.txt", "会议纪要：第一季度销售额同比增长 12%。\n下一步：双十二备货。\n".encode(), "text/plain"),
        # a 8192-byte sample cut in a two-byte character: still text
        ("русский.txt", ("отчёт " * 1500).encode(), "text/plain"),
        # a text file named .pdf is stored as what it is
        ("notes.pdf", b"just plain text", "application/pdf"),
    ],
)
def test_material_upload_accepts_real_files(ready, media, name, content, content_type):
    item = item_of(ready.meeting, "discussion")
    assert upload(client_for(ready.chair), item, name, content, content_type) == "The material was attached."
    material = Material.objects.get()
    # the download name ends in the type of the content: a text file named .pdf gets .txt
    served = "notes.pdf.txt" if name == "notes.pdf" else name
    assert (material.item_id, material.name, material.size, material.uploaded_by_id) == (item.pk, served, len(content), ready.chair.pk)
    expected = {"pdf": "application/pdf", "png": "image/png"}.get(name.rsplit(".", 1)[1], "text/plain")
    if name == "notes.pdf":
        expected = "text/plain"
    assert material.content_type == expected
    files = stored_files(media)
    assert len(files) == 1 and files[0].read_bytes() == content
    assert name not in str(files[0])  # the stored name is generated


@pytest.mark.parametrize("text", ["汇报" * 3000, "a" + "汇报" * 3000, "会议纪要：" + "第一季度销售额同比增长。" * 800])
def test_material_upload_accepts_a_long_chinese_text(ready, media, text):
    content = text.encode()
    assert len(content) > 8192
    item = item_of(ready.meeting, "discussion")
    assert upload(client_for(ready.chair), item, "纪要.txt", content, "text/plain") == "The material was attached."
    assert Material.objects.get().content_type == "text/plain"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", b"", "The file is empty."),
        ("report.pdf", EXE, "This type of file is not accepted."),
        ("report.pdf", ELF, "This type of file is not accepted."),
        ("setup.exe", EXE, "This type of file is not accepted."),
        ("data.bin", b"\x00\x01\x02\x03binary\x00", "This type of file is not accepted."),
        ("gbk.txt", "会议纪要".encode("gbk") * 10, "This type of file is not accepted."),
    ],
)
def test_material_upload_refuses_and_stores_nothing(ready, media, name, content, message):
    item = item_of(ready.meeting, "discussion")
    assert message in upload(client_for(ready.chair), item, name, content)
    assert not Material.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    "name, content",
    [
        ("setup.bat", b"@echo off\r\ndel /q /s C:\\Users\\*\r\n"),
        ("invoice.html", b"<!doctype html><script>alert(document.cookie)</script>"),
        ("report.exe", PDF),
    ],
)
def test_a_file_is_never_served_under_a_name_of_another_type(ready, media, settings, name, content):
    """The content decides: what is stored is either refused or offered under an accepted extension."""
    item = item_of(ready.meeting, "discussion")
    upload(client_for(ready.chair), item, name, content)
    material = Material.objects.first()
    if material is not None:
        response = client_for(ready.member).get(f"/materials/{material.pk}/")
        served = response["Content-Disposition"].rsplit("filename=", 1)[1].strip('"')
        assert served.rsplit(".", 1)[-1].lower() in settings.LIHUI_MATERIAL_TYPES


def test_material_upload_refuses_a_file_over_the_limit(ready, media, settings):
    settings.LIHUI_MATERIAL_MAX_BYTES = 1024 * 1024
    item = item_of(ready.meeting, "discussion")
    client = client_for(ready.chair)
    assert upload(client, item, "big.txt", b"a" * (1024 * 1024 + 1)) == "The file is too large (1 MB at most)."
    assert not Material.objects.exists() and stored_files(media) == []
    # exactly the limit is fine
    assert upload(client, item, "ok.txt", b"a" * (1024 * 1024)) == "The material was attached."
    assert Material.objects.get().size == 1024 * 1024


class RawNameUpload(SimpleUploadedFile):
    """An upload whose name reaches the service as sent (Django's parser would strip the path)."""

    def __init__(self, name: str, content: bytes):
        super().__init__("placeholder.txt", content, content_type="text/plain")
        self._name = name


@pytest.mark.parametrize("name", ["../../etc/passwd.txt", "a/b.txt", "..\\x.txt", "/abs.txt", "..", "C:\\temp\\x.txt"])
def test_material_with_a_path_in_its_name_is_refused_by_the_service(ready, media, name):
    item = item_of(ready.meeting, "discussion")
    with pytest.raises(ValidationError) as exc:
        services.material_add(actor=ready.chair, item=item, upload=RawNameUpload(name, b"hello"))
    assert exc.value.message_dict["file"] == ["The file name must not contain a path."]
    assert not Material.objects.exists() and stored_files(media) == []


@pytest.mark.parametrize("name, kept", [("../../etc/passwd.txt", "passwd.txt"), ("a/b.txt", "b.txt"), ("..\\x.txt", "x.txt")])
def test_material_view_never_lets_a_path_reach_the_disk(ready, media, name, kept):
    """Through the web form Django's multipart parser keeps only the last part of the name
    before the service sees it: the file is stored under a generated name inside MEDIA_ROOT."""
    item = item_of(ready.meeting, "discussion")
    assert upload(client_for(ready.chair), item, name, b"hello") == "The material was attached."
    for material in Material.objects.all():
        assert "/" not in material.name and "\\" not in material.name and material.name == kept
    files = stored_files(media)
    assert all(media in f.resolve().parents for f in files)
    assert not (media.parent / "etc").exists()


def test_material_upload_permissions(ready, media):
    own = item_of(ready.meeting, "report", ready.sales_head)
    assert upload(client_for(ready.sales_head), own, "销售.txt", "销售数据".encode()) == "The material was attached."
    assert Material.objects.filter(item=own).count() == 1
    member = client_for(ready.member)
    assert member.post(f"/items/{own.pk}/materials/", {"file": SimpleUploadedFile("x.txt", b"x")}).status_code == 403
    assert Material.objects.count() == 1 and len(stored_files(media)) == 1


def material_on(meeting: Meeting, by: Person, name: str = "议程 v2.pdf") -> Material:
    item = meeting.items.order_by("position").first()
    return services.material_add(actor=by, item=item, upload=SimpleUploadedFile(name, PDF, content_type="application/pdf"))


def test_material_download_only_for_participants(cast, media):
    series = cast.open_series  # visible to all staff: the outsider sees the meeting, not its files
    meeting = next_meeting(series)
    services.agenda_ensure(meeting=meeting)
    material = material_on(meeting, cast.chair)
    guest = PersonFactory(name="财务小刘")
    services.guest_invite(actor=cast.chair, item=meeting.items.order_by("position").last(), person=guest, reason="预算")
    url = f"/materials/{material.pk}/"
    for person in (cast.chair, cast.minute_taker, cast.presenter, cast.admin, guest):
        response = client_for(person).get(url)
        assert response.status_code == 200, person
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF
    assert client_for(cast.outsider).get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client_for(cast.outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    assert client_for(cast.outsider).get("/materials/999999/").status_code == 404


def test_material_download_on_a_private_series(cast, media):
    meeting = next_meeting(cast.series)
    services.agenda_ensure(meeting=meeting)
    material = material_on(meeting, cast.chair, name="预算 (终稿).pdf")
    response = client_for(cast.presenter).get(f"/materials/{material.pk}/")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert client_for(cast.outsider).get(f"/materials/{material.pk}/").status_code == 404


# --- guests ---------------------------------------------------------------------------------


def test_the_guest_picker_offers_active_colleagues_off_the_roster_by_department(ready):
    """Issue 16: the picker was a <select> of every account, the admin too."""
    import re

    from lihui.testing.factories import DepartmentFactory

    item = item_of(ready.meeting, "discussion")
    legal = DepartmentFactory(name="法务部")
    lawyer = PersonFactory(name="钱律", department=legal)
    loner = PersonFactory(name="孤鸿")
    admin = PersonFactory(name="系统管理员", is_staff=True, is_superuser=True)
    gone = PersonFactory(name="已离职", is_active=False)
    invited = PersonFactory(name="已邀请", department=legal)
    services.guest_invite(actor=ready.chair, item=item, person=invited)
    html = client_for(ready.chair).get(f"/items/{item.pk}/").content.decode()
    select = html.split('name="person"')[1].split("</select>")[0]
    offered = {int(pk) for pk in re.findall(r'<option value="(\d+)"', select)}
    assert lawyer.pk in offered and loner.pk in offered
    assert not offered & {admin.pk, gone.pk, invited.pk, ready.chair.pk, ready.member.pk, ready.finance_head.pk}
    assert '<optgroup label="法务部">' in select
    # the server checks too: a roster member or an admin typed into the request is refused
    client = client_for(ready.chair)
    for person in (ready.member, admin, gone):
        client.post(f"/items/{item.pk}/guests/", {"person": str(person.pk)})
    assert not Guest.objects.filter(person__in=[ready.member, admin, gone]).exists()
    with pytest.raises(ValidationError):
        services.guest_invite(actor=ready.chair, item=item, person=ready.member)


def test_invite_a_colleague_and_an_outside_guest(ready):
    client = client_for(ready.chair)
    item = item_of(ready.meeting, "discussion")
    colleague = PersonFactory(name="刘洋")
    r = client.post(f"/items/{item.pk}/guests/", {"person": str(colleague.pk), "reason": "财务，预算议题"})
    assert flashed(client, r) == "The guest was invited for this item."
    r = client.post(f"/items/{item.pk}/guests/", {"name": "  张律师  ", "email": "zhang@law.example", "reason": "合同审查"})
    assert flashed(client, r) == "The guest was invited for this item."
    guests = list(Guest.objects.order_by("id").values_list("item_id", "person_id", "name", "email", "reason"))
    assert guests == [(item.pk, colleague.pk, "", "", "财务，预算议题"), (item.pk, None, "张律师", "zhang@law.example", "合同审查")]

    participants = meeting_participants(meeting=ready.meeting)
    invited = [(p.name, p.role, p.reason, p.person) for p in participants if p.role == "guest"]
    assert invited == [("刘洋", "guest", "财务，预算议题", colleague), ("张律师", "guest", "合同审查", None)]
    # the roster comes first: chair, minute-taker, then the others
    assert [p.role for p in participants][:2] == ["chair", "minute_taker"]
    html = client.get(f"/meetings/{ready.meeting.pk}/").content.decode()
    assert "刘洋" in html and "财务，预算议题" in html and "张律师" in html


def test_a_colleague_invited_for_two_items_is_one_participant(ready):
    colleague = PersonFactory(name="刘洋")
    services.guest_invite(actor=ready.chair, item=item_of(ready.meeting, "discussion"), person=colleague, reason="预算")
    services.guest_invite(actor=ready.chair, item=item_of(ready.meeting, "decision"), person=colleague, reason="采购决策")
    people = [p.person.pk for p in meeting_participants(meeting=ready.meeting) if p.person is not None]
    assert len(people) == len(set(people))
    assert people.count(colleague.pk) == 1


def test_a_guest_without_a_reason_is_shown_with_the_item(ready):
    item = item_of(ready.meeting, "decision")
    services.guest_invite(actor=ready.chair, item=item, name="外部顾问")
    guest = next(p for p in meeting_participants(meeting=ready.meeting) if p.role == "guest")
    assert guest.reason == item.title


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "email": "a@b.example", "reason": "x"}, "Give the guest's name, or choose a colleague."),
        ({"name": "   ", "reason": "x"}, "Give the guest's name, or choose a colleague."),
        ({"name": "张三", "email": "not-an-email"}, "e-mail"),
        ({"name": "张三", "reason": "长" * 201}, "200"),
    ],
)
def test_guest_invite_refuses_bad_input(ready, data, message):
    item = item_of(ready.meeting, "discussion")
    r = client_for(ready.chair).post(f"/items/{item.pk}/guests/", data)
    [shown] = list(get_messages(r.wsgi_request))
    assert shown.level_tag == "error"
    if message == "e-mail":
        assert "valid email" in str(shown)
    else:
        assert message in str(shown)
    assert not Guest.objects.exists()


def test_guest_invite_service_errors(ready):
    item = item_of(ready.meeting, "discussion")
    with pytest.raises(ValidationError) as exc:
        services.guest_invite(actor=ready.chair, item=item, name="", reason="预算")
    assert "name" in exc.value.message_dict
    colleague = PersonFactory()
    services.guest_invite(actor=ready.chair, item=item, person=colleague)
    with pytest.raises(ValidationError):
        services.guest_invite(actor=ready.chair, item=item, person=colleague)  # twice for the same item
    with pytest.raises(PermissionDenied):
        services.guest_invite(actor=ready.member, item=item, name="某人")
    assert Guest.objects.count() == 1


def test_a_staff_guest_opens_the_meeting_but_not_the_private_series(cast):
    meeting = next_meeting(cast.series)
    services.agenda_ensure(meeting=meeting)
    guest = PersonFactory(name="财务小刘")
    client = client_for(guest)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    services.guest_invite(actor=cast.chair, item=meeting.items.order_by("position").first(), person=guest, reason="预算")
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/series/{cast.series.pk}/").status_code == 404
    other = cast.series.meetings.exclude(pk=meeting.pk).filter(status="scheduled").first()
    assert client.get(f"/meetings/{other.pk}/").status_code == 404  # only the meeting they are invited to


# --- query counts -------------------------------------------------------------------------------


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


def _grow(board: Board, *, items: int, guests: int, kpis: int, start_index: int) -> None:
    meeting = board.meeting
    for n in range(items):
        item = services.agenda_item_add(
            actor=board.chair, meeting=meeting, data={"title": f"议题{start_index + n}", "kind": "discussion", "minutes_allotted": 1}
        )
        if n % 3 == 0:
            services.material_add(actor=board.chair, item=item, upload=SimpleUploadedFile(f"m{n}.txt", b"materials"))
    report_item = item_of(meeting, "report", board.sales_head)
    targets = list(meeting.items.order_by("position", "id"))
    for n in range(guests):
        item = targets[n % len(targets)]
        if n % 2:
            services.guest_invite(actor=board.chair, item=item, name=f"外宾{start_index + n}", reason="顾问")
        else:
            services.guest_invite(actor=board.chair, item=item, person=PersonFactory(), reason="同事")
    existing = Kpi.objects.filter(department=board.sales).count()
    for n in range(kpis):
        Kpi.objects.create(department=board.sales, name=f"指标{existing + n}", unit="%", position=existing + n, default_target=95)
    values = [{"kpi": k.pk, "target": "95", "actual": str(90 + i % 10)} for i, k in enumerate(Kpi.objects.filter(department=board.sales))]
    report_save(actor=board.sales_head, item=report_item, data={"problems": "备货不足", "plan": "加急补货"}, kpis=values, submit=True)
    for p in meeting_participants(meeting=meeting):
        kwargs = {"person": p.person} if p.person is not None else {"guest": Guest.objects.get(pk=p.guest_id)}
        live_services.attendance_set(actor=board.chair, meeting=meeting, status="excused", reason="出差", **kwargs)


def test_query_counts_do_not_grow_with_items_people_and_kpis(media):
    board = make_board()
    meeting = board.meeting
    # three items: opening, one department report, recap; three on the roster
    Membership.objects.filter(series=board.series).exclude(person__in=[board.chair, board.taker, board.sales_head]).delete()
    agenda_template_save(
        actor=board.chair,
        series=board.series,
        items=[
            {"kind": "opening", "title": "开场", "presenter_role": "chair", "minutes": 5},
            {"kind": "report", "title": "汇报", "presenter_role": "department_heads", "minutes": 10},
            {"kind": "recap", "title": "总结", "presenter_role": "chair", "minutes": 5},
        ],
    )
    services.agenda_ensure(meeting=meeting)
    assert meeting.items.count() == 3 and len(meeting_participants(meeting=meeting)) == 3
    previous = board.series.meetings.filter(start__lt=meeting.start).order_by("-start").first()
    services.agenda_ensure(meeting=previous)
    for k in range(2):
        Kpi.objects.create(department=board.sales, name=f"基础指标{k}", position=k, default_target=95)
    prev_report = item_of(previous, "report", board.sales_head)
    report_save(actor=board.sales_head, item=prev_report, data={}, kpis=[{"kpi": k.pk, "actual": "90"} for k in Kpi.objects.all()])
    _grow(board, items=0, guests=0, kpis=0, start_index=0)
    services.material_add(actor=board.chair, item=item_of(meeting, "opening"), upload=SimpleUploadedFile("a.txt", b"a"))
    live_services.meeting_start(actor=board.chair, meeting=meeting, confirm_early=True)

    client = client_for(board.chair)
    urls = [f"/meetings/{meeting.pk}/", f"/meetings/{meeting.pk}/live/", f"/meetings/{meeting.pk}/live/state/", f"/meetings/{meeting.pk}/recap/"]
    for url in urls:
        client.get(url)  # warm caches (content types, sessions)
    small = {url: _count(client, url) for url in urls}

    _grow(board, items=27, guests=37, kpis=18, start_index=100)
    assert meeting.items.count() == 30
    assert len(meeting_participants(meeting=meeting)) == 40
    assert Kpi.objects.filter(department=board.sales).count() == 20
    big = {url: _count(client, url) for url in urls}
    page = client.get(f"/meetings/{meeting.pk}/recap/").content.decode()
    assert page.count("指标") >= 20
    assert big == small


def test_an_oversized_upload_is_never_spooled_to_disk_beyond_the_limit(ready, media, settings, monkeypatch):
    """The size is enforced while the bytes arrive (lihui/uploads.py): a file 20× the limit
    is refused with the usual message, and no temporary file ever grew past the limit."""
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    settings.LIHUI_MATERIAL_MAX_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # spool to a temporary file, as big uploads do
    written: list[int] = []
    original = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        written.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    item = item_of(ready.meeting, "discussion")
    client = client_for(ready.chair)
    assert upload(client, item, "huge.txt", b"a" * (20 * 1024 * 1024)) == "The file is too large (1 MB at most)."
    assert not Material.objects.exists() and stored_files(media) == []
    assert 0 < sum(written) <= 1024 * 1024
    # through the API too: the same refusal, as a 422
    from lihui.people.services import api_token_create

    _token, secret = api_token_create(person=ready.chair, name="t")
    response = Client().post(
        f"/api/v1/agenda-items/{item.pk}/materials",
        {"file": SimpleUploadedFile("huge.txt", b"a" * (20 * 1024 * 1024))},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 422 and "too large" in str(response.json()["fields"])
    assert not Material.objects.exists()


def test_opening_a_meeting_writes_nothing_for_who_cannot_prepare_it(board):
    """The agenda is made from the template by the first visit of someone who may shape it
    (the chair, an admin) or by the worker before invitations go out; a member's GET only reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    meeting = board.meeting
    member = client_for(board.member)
    for url in (f"/meetings/{meeting.pk}/", f"/meetings/{meeting.pk}/live/", f"/api/v1/meetings/{meeting.pk}/agenda"):
        with CaptureQueriesContext(connection) as queries:
            assert member.get(url).status_code == 200, url
        writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
        assert writes == [], url
    meeting.refresh_from_db()
    assert not meeting.agenda_created and not meeting.items.exists()
    assert client_for(board.chair).get(f"/meetings/{meeting.pk}/").status_code == 200
    meeting.refresh_from_db()
    assert meeting.agenda_created and meeting.items.exists()
