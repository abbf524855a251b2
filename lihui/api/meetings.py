"""API for preparing and running one meeting: agenda, purpose, materials, guests, reports
and KPIs, attendance, the live state, notes, and the recap. Same services as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, File, Router, Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.responses import Status

from lihui.idempotency.http import idempotent
from lihui.meetings.models import AgendaItem, Attendance, Guest, Material, Meeting
from lihui.meetings.revisions import RevisionConflict
from lihui.meetings.selectors import (
    agenda_item_visible_or_404,
    live_state,
    material_downloadable_or_404,
    meeting_agenda,
    meeting_can_prepare,
    meeting_participants,
    meeting_visible_or_404,
)
from lihui.meetings.services import agenda as agenda_services
from lihui.meetings.services import live as live_services
from lihui.people.models import Department, Person
from lihui.regime.models import AgendaKind
from lihui.reports import services as report_services
from lihui.reports.models import Kpi
from lihui.reports.selectors import agenda_overview, reports_attach
from lihui.web import file_response

from .errors import ERRORS, error_body
from .schemas import Id, StrictIn

router = Router(tags=["meetings"])
Kind = Literal["opening", "review", "report", "discussion", "decision", "plan", "recap", "other"]
Minutes = Annotated[int, Field(ge=-(2**31), le=2**31)]


# --- shapes -----------------------------------------------------------------------------


class MaterialOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str


class GuestOut(Schema):
    id: int
    person: int | None
    name: str
    email: str
    reason: str


class KpiRowOut(Schema):
    kpi: int
    name: str
    unit: str
    higher_is_better: bool
    target: Decimal | None
    actual: Decimal | None
    achievement: Decimal | None = Field(description="percent; ≥ 100 means the target was met in the KPI's direction")
    previous: Decimal | None = Field(description="last meeting's actual")
    change: Decimal | None


class ReportOut(Schema):
    item: int
    department: int | None
    progress: str
    problems: str
    plan: str
    feedback: str
    submitted_at: dt.datetime | None
    kpis: list[KpiRowOut]


class ItemOut(Schema):
    id: int
    position: int
    kind: Kind
    title: str
    description: str
    presenter: int | None
    minutes_allotted: int
    seconds_used: int
    notes: str
    notes_revision: int
    materials: list[MaterialOut]
    guests: list[GuestOut]


class AgendaOut(Schema):
    meeting: int
    purpose: list[str]
    standing_purpose: list[str]
    planned_minutes: int
    slot_minutes: int
    overrun_minutes: int
    published_at: dt.datetime | None
    reports_in: int
    reports_total: int
    items: list[ItemOut]


class ItemIn(StrictIn):
    title: Annotated[str, Field(max_length=200)]
    kind: Kind = "other"
    minutes_allotted: Minutes = 10
    description: Annotated[str, Field(max_length=10000)] = ""
    presenter: Id | None = None


class ItemPatch(StrictIn):
    title: Annotated[str, Field(max_length=200)] | None = None
    kind: Kind | None = None
    minutes_allotted: Minutes | None = None
    description: Annotated[str, Field(max_length=10000)] | None = None
    presenter: Id | None = None


class OrderIn(StrictIn):
    order: Annotated[list[Id], Field(max_length=500)]


class PurposeIn(StrictIn):
    purpose: Annotated[str, Field(max_length=2000)]


class GuestIn(StrictIn):
    person: Id | None = None
    name: Annotated[str, Field(max_length=100)] = ""
    email: Annotated[str, Field(max_length=254)] = ""
    reason: Annotated[str, Field(max_length=200)] = ""


class KpiValueIn(StrictIn):
    kpi: Id
    target: Annotated[str, Field(max_length=40)] | Decimal | None = None
    actual: Annotated[str, Field(max_length=40)] | Decimal | None = None


class ReportIn(StrictIn):
    progress: Annotated[str, Field(max_length=20000)] = ""
    problems: Annotated[str, Field(max_length=20000)] = ""
    plan: Annotated[str, Field(max_length=20000)] = ""
    feedback: Annotated[str, Field(max_length=20000)] = ""
    kpis: Annotated[list[KpiValueIn], Field(max_length=200)] = []
    submit: bool = False


class KpiIn(StrictIn):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    unit: Annotated[str, Field(max_length=20)] = ""
    higher_is_better: bool = True
    default_target: Decimal | None = Field(default=None, max_digits=14, decimal_places=4)


class KpiOut(Schema):
    id: int
    department: int
    name: str
    unit: str
    higher_is_better: bool
    default_target: Decimal | None


class ParticipantOut(Schema):
    person: int | None
    guest: int | None
    name: str
    role: Literal["chair", "minute_taker", "member", "optional", "guest"]
    reason: str


class AttendanceIn(StrictIn):
    person: Id | None = None
    guest: Id | None = None
    status: Literal["present", "late", "remote", "excused", "absent"]
    arrived_at: dt.datetime | None = None
    reason: Annotated[str, Field(max_length=200)] = ""


class AttendanceOut(Schema):
    person: int | None
    guest: int | None
    status: str
    arrived_at: dt.datetime | None
    reason: str


class LiveItemOut(Schema):
    id: int
    title: str
    presenter: str
    allotted: int = Field(description="seconds")
    used: int = Field(description="seconds, including the running segment")
    running: bool


class LiveOut(Schema):
    version: int
    now: dt.datetime
    started: dt.datetime | None
    ended: dt.datetime | None
    scheduled_end: dt.datetime
    current: int | None
    items: list[LiveItemOut]


class GoIn(StrictIn):
    expected: Id | None = Field(default=None, description="the item the caller saw as current")
    step: Literal[1, -1] = 1


class NotesIn(StrictIn):
    text: Annotated[str, Field(max_length=100000)]
    revision: Annotated[int, Field(ge=0, le=2**31)]


class NotesOut(Schema):
    revision: int


class NotesConflictOut(Schema):
    error: str
    fields: dict[str, list[str]] = {}
    server_text: str
    server_revision: int


class RecapItemOut(Schema):
    id: int
    title: str
    minutes_allotted: int
    seconds_used: int
    overrun_seconds: int


class RecapOut(Schema):
    meeting: int
    actual_start: dt.datetime | None
    actual_end: dt.datetime | None
    slot_minutes: int
    purposes: list[str]
    items: list[RecapItemOut]
    attendance: list[AttendanceOut]
    absentees: list[ParticipantOut]
    reports: list[ReportOut]


# --- lookups ------------------------------------------------------------------------------


def _person(person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    person = Person.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError({"presenter": [_("No such person.")]})
    return person


def _material_out(m: Material) -> dict:
    return {"id": m.id, "name": m.name, "size": m.size, "content_type": m.content_type, "url": f"/api/v1/materials/{m.id}"}


def _report_out(item: AgendaItem) -> dict | None:
    report = getattr(item, "report_obj", None)
    if report is None:
        return None if item.kind != AgendaKind.REPORT else {
            "item": item.pk, "department": None, "progress": "", "problems": "", "plan": "", "feedback": "",
            "submitted_at": None, "kpis": [],
        }  # fmt: skip
    return {
        "item": item.pk,
        "department": report.department_id,
        "progress": report.progress,
        "problems": report.problems,
        "plan": report.plan,
        "feedback": report.feedback,
        "submitted_at": report.submitted_at,
        "kpis": [
            {
                "kpi": r.kpi.pk,
                "name": r.kpi.name,
                "unit": r.kpi.unit,
                "higher_is_better": r.kpi.higher_is_better,
                "target": r.target,
                "actual": r.actual,
                "achievement": r.achievement,
                "previous": r.previous,
                "change": r.change,
            }
            for r in item.kpi_rows
        ],
    }


def _agenda_out(meeting: Meeting, viewer: Person) -> dict:
    agenda = agenda_overview(meeting=meeting, viewer=viewer)
    prepares = meeting_can_prepare(person=viewer, meeting=meeting)
    return {
        "meeting": meeting.pk,
        "purpose": meeting.purposes,
        "standing_purpose": meeting.series.purposes,
        "planned_minutes": agenda.planned_minutes,
        "slot_minutes": agenda.slot_minutes,
        "overrun_minutes": agenda.overrun_minutes,
        "published_at": meeting.agenda_published_at,
        "reports_in": agenda.reports_done,
        "reports_total": agenda.reports_total,
        "items": [
            {
                "id": i.pk,
                "position": i.position,
                "kind": i.kind,
                "title": i.title,
                "description": i.description,
                "presenter": i.presenter_id,
                "minutes_allotted": i.minutes_allotted,
                "seconds_used": i.used_seconds(),
                "notes": i.notes,
                "notes_revision": i.notes_revision,
                "materials": [_material_out(m) for m in i.materials.all()],
                # An outside guest's e-mail is for those who prepare the item, as on the pages.
                "guests": [
                    {
                        "id": g.id,
                        "person": g.person_id,
                        "name": str(g),
                        "email": g.email if prepares or i.presenter_id == viewer.pk else "",
                        "reason": g.reason,
                    }
                    for g in i.guests.all()
                ],
            }
            for i in agenda.items
        ],
    }


# --- agenda ---------------------------------------------------------------------------------


@router.get("/meetings/{meeting_id}/agenda", response={200: AgendaOut, **ERRORS})
def agenda_get(request, meeting_id: Id):
    """The meeting's agenda (made from the series' template the first time the chair or an
    admin asks for it; until then others see it empty)."""
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    if meeting_can_prepare(person=request.user, meeting=meeting):  # a reader's GET writes nothing
        agenda_services.agenda_ensure(meeting=meeting)
    return _agenda_out(meeting, request.user)


@router.post("/meetings/{meeting_id}/agenda", response={201: ItemOut, **ERRORS})
@decorate_view(idempotent("agenda_item_add"))
def agenda_item_add(request, meeting_id: Id, payload: ItemIn):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    agenda_services.agenda_ensure(meeting=meeting)
    data = payload.dict()
    data["presenter"] = _person(data["presenter"])
    item = agenda_services.agenda_item_add(actor=request.user, meeting=meeting, data=data)
    return Status(201, next(i for i in _agenda_out(meeting, request.user)["items"] if i["id"] == item.pk))


@router.patch("/agenda-items/{item_id}", response={200: ItemOut, **ERRORS})
def agenda_item_update(request, item_id: Id, payload: ItemPatch):
    item = agenda_item_visible_or_404(person=request.user, pk=item_id)
    data = payload.dict(exclude_unset=True)
    if "presenter" in data:
        data["presenter"] = _person(data["presenter"])
    agenda_services.agenda_item_update(actor=request.user, item=item, data=data)
    return next(i for i in _agenda_out(item.meeting, request.user)["items"] if i["id"] == item.pk)


@router.delete("/agenda-items/{item_id}", response={204: None, **ERRORS})
def agenda_item_remove(request, item_id: Id):
    agenda_services.agenda_item_remove(actor=request.user, item=agenda_item_visible_or_404(person=request.user, pk=item_id))
    return Status(204, None)


@router.put("/meetings/{meeting_id}/agenda/order", response={200: AgendaOut, **ERRORS})
def agenda_order(request, meeting_id: Id, payload: OrderIn):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    agenda_services.agenda_reorder(actor=request.user, meeting=meeting, order=payload.order)
    return _agenda_out(meeting, request.user)


@router.put("/meetings/{meeting_id}/purpose", response={200: AgendaOut, **ERRORS})
def purpose_set(request, meeting_id: Id, payload: PurposeIn):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    agenda_services.meeting_purpose_set(actor=request.user, meeting=meeting, purpose=payload.purpose)
    return _agenda_out(meeting, request.user)


@router.post("/meetings/{meeting_id}/agenda/publish", response={200: AgendaOut, **ERRORS})
@decorate_view(idempotent("agenda_publish"))
def agenda_publish(request, meeting_id: Id):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    agenda_services.agenda_ensure(meeting=meeting)
    agenda_services.agenda_publish(actor=request.user, meeting=meeting)
    return _agenda_out(meeting, request.user)


# --- materials and guests -----------------------------------------------------------------


@router.post("/agenda-items/{item_id}/materials", response={201: MaterialOut, **ERRORS})
def material_upload(request, item_id: Id, file: File[UploadedFile]):
    item = agenda_item_visible_or_404(person=request.user, pk=item_id)
    material = agenda_services.material_add(actor=request.user, item=item, upload=file)
    return Status(201, _material_out(material))


@router.get("/materials/{material_id}", response={200: None, **ERRORS})
def material_download(request, material_id: Id):
    material = material_downloadable_or_404(person=request.user, pk=material_id)
    return file_response(material.file.open("rb"), filename=material.name, content_type=material.content_type, sandbox=True)


@router.delete("/materials/{material_id}", response={204: None, **ERRORS})
def material_remove(request, material_id: Id):
    material = get_object_or_404(Material.objects.select_related("item"), pk=material_id)
    agenda_item_visible_or_404(person=request.user, pk=material.item_id)
    agenda_services.material_remove(actor=request.user, material=material)
    return Status(204, None)


@router.post("/agenda-items/{item_id}/guests", response={201: GuestOut, **ERRORS})
def guest_invite(request, item_id: Id, payload: GuestIn):
    item = agenda_item_visible_or_404(person=request.user, pk=item_id)
    guest = agenda_services.guest_invite(
        actor=request.user, item=item, person=_person(payload.person), name=payload.name, email=payload.email, reason=payload.reason
    )
    return Status(201, {"id": guest.id, "person": guest.person_id, "name": str(guest), "email": guest.email, "reason": guest.reason})


@router.delete("/guests/{guest_id}", response={204: None, **ERRORS})
def guest_remove(request, guest_id: Id):
    guest = get_object_or_404(Guest, pk=guest_id)
    agenda_item_visible_or_404(person=request.user, pk=guest.item_id)
    agenda_services.guest_remove(actor=request.user, guest=guest)
    return Status(204, None)


@router.get("/meetings/{meeting_id}/participants", response={200: list[ParticipantOut], **ERRORS})
def participants(request, meeting_id: Id):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    return [
        {"person": p.person.pk if p.person else None, "guest": p.guest_id, "name": p.name, "role": p.role, "reason": p.reason}
        for p in meeting_participants(meeting=meeting)
    ]


# --- reports and KPIs ---------------------------------------------------------------------


@router.get("/agenda-items/{item_id}/report", response={200: ReportOut, **ERRORS})
def report_get(request, item_id: Id):
    item = agenda_item_visible_or_404(person=request.user, pk=item_id)
    if item.kind != AgendaKind.REPORT:
        raise Http404
    reports_attach(items=[item], meeting=item.meeting, viewer=request.user)  # reading never creates a report
    return _report_out(item)


@router.put("/agenda-items/{item_id}/report", response={200: ReportOut, **ERRORS})
def report_put(request, item_id: Id, payload: ReportIn):
    item = agenda_item_visible_or_404(person=request.user, pk=item_id)
    data = payload.dict()
    kpis = data.pop("kpis")
    submit = data.pop("submit")
    report_services.report_save(actor=request.user, item=item, data=data, kpis=kpis, submit=submit)
    reports_attach(items=[item], meeting=item.meeting, viewer=request.user)
    return _report_out(item)


@router.get("/departments/{department_id}/kpis", response={200: list[KpiOut], **ERRORS}, tags=["people"])
def kpis_list(request, department_id: Id):
    department = get_object_or_404(Department, pk=department_id)
    return [
        {"id": k.id, "department": k.department_id, "name": k.name, "unit": k.unit, "higher_is_better": k.higher_is_better, "default_target": k.default_target}
        for k in Kpi.objects.filter(department=department, active=True)
    ]


@router.post("/departments/{department_id}/kpis", response={201: KpiOut, **ERRORS}, tags=["people"])
def kpi_create(request, department_id: Id, payload: KpiIn):
    department = get_object_or_404(Department, pk=department_id)
    k = report_services.kpi_define(actor=request.user, department=department, data=payload.dict())
    return Status(
        201,
        {"id": k.id, "department": k.department_id, "name": k.name, "unit": k.unit, "higher_is_better": k.higher_is_better, "default_target": k.default_target},
    )


# --- running the meeting ------------------------------------------------------------------


def _attendance_out(a: Attendance) -> dict:
    return {"person": a.person_id, "guest": a.guest_id, "status": a.status, "arrived_at": a.arrived_at, "reason": a.reason}


@router.get("/meetings/{meeting_id}/attendance", response={200: list[AttendanceOut], **ERRORS})
def attendance_list(request, meeting_id: Id):
    return [_attendance_out(a) for a in meeting_visible_or_404(person=request.user, pk=meeting_id).attendance.all()]


@router.put("/meetings/{meeting_id}/attendance", response={200: AttendanceOut, **ERRORS})
def attendance_set(request, meeting_id: Id, payload: AttendanceIn):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    person = Person.objects.filter(pk=payload.person).first() if payload.person else None
    guest = Guest.objects.filter(pk=payload.guest).select_related("item").first() if payload.guest else None
    if (payload.person and person is None) or (payload.guest and guest is None):
        raise Http404
    row = live_services.attendance_set(
        actor=request.user,
        meeting=meeting,
        person=person,
        guest=guest,
        status=payload.status,
        arrived_at=payload.arrived_at,
        reason=payload.reason,
    )
    return _attendance_out(row)


@router.get("/meetings/{meeting_id}/live", response={200: LiveOut, **ERRORS})
def live_get(request, meeting_id: Id):
    """The live state every screen shows: poll it every couple of seconds."""
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    return live_state(meeting, meeting_agenda(meeting=meeting, light=True))


@router.post("/meetings/{meeting_id}/start", response={200: LiveOut, **ERRORS})
def live_start(request, meeting_id: Id, early: bool = False):
    """Start the meeting. More than an hour before its slot, only with `early=true` (the
    answer without it is a 422 that says when the meeting is planned)."""
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    agenda_services.agenda_ensure(meeting=meeting)
    meeting = live_services.meeting_start(actor=request.user, meeting=meeting, confirm_early=early)
    return live_state(meeting, meeting_agenda(meeting=meeting, light=True))


@router.post("/meetings/{meeting_id}/go", response={200: LiveOut, **ERRORS})
def live_go(request, meeting_id: Id, payload: GoIn):
    """Next (step 1) or previous (step -1). Send the item you saw as current: if someone
    else moved on meanwhile, nothing moves twice."""
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    meeting = live_services.meeting_go_to(actor=request.user, meeting=meeting, expected_item_id=payload.expected, step=payload.step)
    return live_state(meeting, meeting_agenda(meeting=meeting, light=True))


@router.post("/meetings/{meeting_id}/end", response={200: LiveOut, **ERRORS})
def live_end(request, meeting_id: Id):
    meeting = live_services.meeting_end(actor=request.user, meeting=meeting_visible_or_404(person=request.user, pk=meeting_id))
    return live_state(meeting, meeting_agenda(meeting=meeting, light=True))


@router.post("/meetings/{meeting_id}/resume", response={200: LiveOut, **ERRORS})
def live_resume(request, meeting_id: Id):
    """Undo End within the grace period (LIHUI_RESUME_GRACE_MINUTES), timings kept."""
    meeting = live_services.meeting_resume(actor=request.user, meeting=meeting_visible_or_404(person=request.user, pk=meeting_id))
    return live_state(meeting, meeting_agenda(meeting=meeting, light=True))


@router.put("/agenda-items/{item_id}/notes", response={200: NotesOut, 409: NotesConflictOut, **ERRORS})
def notes_put(request, item_id: Id, payload: NotesIn):
    """Save notes based on `revision`; a stale revision is a 409 with the newer text."""
    from django.utils.translation import gettext as _

    item = agenda_item_visible_or_404(person=request.user, pk=item_id)
    try:
        revision = live_services.notes_save(actor=request.user, item=item, text=payload.text, base_revision=payload.revision)
    except RevisionConflict as conflict:
        return Status(
            409,
            {
                **error_body(_("Someone else changed these notes. Both texts are shown: keep what you need.")),
                "server_text": conflict.theirs.text,
                "server_revision": conflict.theirs.number,
            },
        )
    return {"revision": revision}


@router.get("/meetings/{meeting_id}/recap", response={200: RecapOut, **ERRORS})
def recap(request, meeting_id: Id):
    meeting = meeting_visible_or_404(person=request.user, pk=meeting_id)
    items = meeting_agenda(meeting=meeting)
    reports_attach(items=items, meeting=meeting, viewer=request.user)
    marks = list(meeting.attendance.all())
    present = {(a.person_id, a.guest_id) for a in marks if a.status in ("present", "late", "remote")}
    absentees = [
        {"person": p.person.pk if p.person else None, "guest": p.guest_id, "name": p.name, "role": p.role, "reason": p.reason}
        for p in meeting_participants(meeting=meeting)
        if (p.person.pk if p.person else None, None if p.person else p.guest_id) not in present
    ]
    return {
        "meeting": meeting.pk,
        "actual_start": meeting.actual_start,
        "actual_end": meeting.actual_end,
        "slot_minutes": meeting.duration_minutes,
        "purposes": meeting.series.purposes + meeting.purposes,
        "items": [
            {"id": i.pk, "title": i.title, "minutes_allotted": i.minutes_allotted, "seconds_used": i.used_seconds(), "overrun_seconds": i.overrun_seconds}
            for i in items
        ],
        "attendance": [_attendance_out(a) for a in marks],
        "absentees": absentees,
        "reports": [r for r in (_report_out(i) for i in items if i.kind == AgendaKind.REPORT) if r is not None],
    }

