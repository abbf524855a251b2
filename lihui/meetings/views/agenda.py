"""Preparing a meeting: the meeting page with its agenda (htmx), items, materials, guests,
reports, publishing and the printable / Word agenda."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lihui.idempotency.http import idempotent
from lihui.people.models import Person
from lihui.regime.models import Membership
from lihui.regime.selectors import meeting_holiday_year_unknown, series_can_view, series_page_can_view
from lihui.reports.selectors import agenda_overview
from lihui.web import DOCX, add_service_errors, file_response

from ..forms import AddItemForm, CancelForm, GuestForm, ItemForm, MaterialForm, MoveForm, PurposeForm
from ..models import AgendaItem, Guest, Material, Meeting
from ..selectors import (
    agenda_item_visible_or_404,
    material_downloadable_or_404,
    meeting_agenda,
    meeting_can_prepare,
    meeting_can_take_notes,
    meeting_chair_id,
    meeting_is_participant,
    meeting_neighbours,
    meeting_participants,
    meeting_series_content_visible,
    meeting_visible_or_404,
)
from ..services import agenda as agenda_services


def meeting_for(request, pk: int) -> Meeting:
    """Kept for lihui/actions/views/minutes.py (being moved; not edited in issue 15): use
    lihui.meetings.selectors.meeting_visible_or_404."""
    return meeting_visible_or_404(person=request.user, pk=pk)


def participants_queryset(meeting: Meeting):
    roster = Membership.objects.filter(series_id=meeting.series_id).values("person")
    guests = Guest.objects.filter(item__meeting=meeting, person__isnull=False).values("person")
    return Person.objects.filter(is_active=True).filter(Q(pk__in=roster) | Q(pk__in=guests))


def agenda_context(request, meeting: Meeting) -> dict:
    agenda = agenda_overview(meeting=meeting, viewer=request.user)
    return {
        "meeting": meeting,
        "series": meeting.series,
        "items": agenda.items,
        "planned_minutes": agenda.planned_minutes,
        "overrun_minutes": agenda.overrun_minutes,
        "report_items": agenda.report_items,
        "reports_done": agenda.reports_done,
        "reports_total": agenda.reports_total,
        "can_prepare": meeting_can_prepare(person=request.user, meeting=meeting),
        "can_download": meeting_is_participant(person=request.user, meeting=meeting),
        "add_form": AddItemForm(),
        "is_record": agenda_services.meeting_is_record(meeting),
    }


@login_required
def meeting_detail(request, pk: int):
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    # Only who may shape the agenda makes it by looking (the worker makes it before the
    # invitations): a reader's GET writes nothing.
    if meeting.status in (Meeting.Status.SCHEDULED, Meeting.Status.HELD) and meeting_can_prepare(
        person=request.user, meeting=meeting
    ):
        agenda_services.agenda_ensure(meeting=meeting)
    context = agenda_context(request, meeting)
    context["chair_id"] = meeting_chair_id(meeting=meeting) if meeting.started_by_id else None
    can_prepare = context["can_prepare"]
    # A guest invited for one topic sees this meeting, not the series and its other meetings.
    sees_series = series_can_view(person=request.user, series=meeting.series)
    previous, following = meeting_neighbours(meeting=meeting) if sees_series else (None, None)
    context.update(
        {
            "sees_series": sees_series,
            # the series page, read-only, also for an action's owner outside the series
            "sees_series_page": sees_series or series_page_can_view(person=request.user, series=meeting.series),
            "previous": previous,
            "following": following,
            "participants": meeting_participants(meeting=meeting),
            "can_manage": can_prepare,
            # Running follows the same rule as preparing (chair, admins); the minute-taker also takes notes.
            "can_run": can_prepare,
            "can_take_notes": can_prepare or meeting_can_take_notes(person=request.user, meeting=meeting),
            "purpose_form": PurposeForm(initial={"purpose": meeting.purpose}) if can_prepare else None,
            **_followup(request, meeting),
            "move_form": MoveForm() if can_prepare else None,
            "cancel_form": CancelForm() if can_prepare else None,
            "holiday_years_unknown": [y for y in [meeting_holiday_year_unknown(meeting=meeting)] if y],
        }
    )
    if meeting.status == Meeting.Status.HELD:
        from lihui.insights.selectors import meeting_compliance

        context["compliance"] = meeting_compliance(meeting=meeting)  # one query
    if context["can_take_notes"]:
        from lihui.notices.selectors import delivery_log

        context["delivery_log"] = delivery_log(meeting=meeting)
    return render(request, "meetings/meeting_detail.html", context)


def _followup(request, meeting: Meeting) -> dict:
    from lihui.actions.selectors import meeting_actions, meeting_decisions, review_actions
    from lihui.minutes.selectors import minutes_can_read

    # The review of the series' open actions is the series' business: a guest of one item
    # does not get it, not even handed to the template (lihui/meetings/selectors.py, meeting_series_content_or_404).
    sees_series = meeting_series_content_visible(person=request.user, meeting=meeting)
    return {
        "decisions": meeting_decisions(meeting=meeting),
        "actions": meeting_actions(meeting=meeting),
        "review": review_actions(meeting=meeting) if sees_series else [],
        "can_read_minutes": meeting.actual_start is not None and minutes_can_read(person=request.user, meeting=meeting),
        "today": timezone.localdate(),
    }


def _agenda_partial(request, meeting: Meeting, *, error: str | None = None):
    context = agenda_context(request, meeting)
    context["agenda_error"] = error
    return render(request, "meetings/_agenda.html", context)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _form_errors(form) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors)


def _submit(request, form, action, success: str) -> None:
    """Validate `form`, call `action(cleaned_data)`, and say how it went."""
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return
    try:
        action(form.cleaned_data)
        messages.success(request, success)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))


@login_required
@require_POST
@idempotent("agenda_item_add")
def agenda_add(request, pk: int):
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    form = AddItemForm(request.POST)
    error = None
    if form.is_valid():
        try:
            agenda_services.agenda_item_add(actor=request.user, meeting=meeting, data=form.cleaned_data)
        except ValidationError as exc:
            error = _error_text(exc)
    else:
        error = _form_errors(form)
    return _agenda_partial(request, meeting, error=error)


@login_required
@require_POST
def agenda_move(request, pk: int, item_id: int):
    """Move an item up or down one place (htmx)."""
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    order = list(meeting.items.order_by("position", "id").values_list("pk", flat=True))
    if item_id not in order:
        raise Http404
    i = order.index(item_id)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
        agenda_services.agenda_reorder(actor=request.user, meeting=meeting, order=order)
    return _agenda_partial(request, meeting)


@login_required
@require_POST
def agenda_retime(request, pk: int, item_id: int):
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    item = get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)
    error = None
    try:
        minutes = int(request.POST.get("minutes_allotted", ""))
    except ValueError:
        minutes = -1
    try:
        agenda_services.agenda_item_update(actor=request.user, item=item, data={"minutes_allotted": minutes})
    except ValidationError as exc:
        error = _error_text(exc)
    return _agenda_partial(request, meeting, error=error)


@login_required
@require_POST
def agenda_remove(request, pk: int, item_id: int):
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    item = get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)
    error = None
    try:
        agenda_services.agenda_item_remove(actor=request.user, item=item)
    except ValidationError as exc:
        error = _error_text(exc)
    return _agenda_partial(request, meeting, error=error)


@login_required
@require_POST
def purpose_set(request, pk: int):
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    _submit(
        request,
        PurposeForm(request.POST),
        lambda data: agenda_services.meeting_purpose_set(actor=request.user, meeting=meeting, purpose=data["purpose"]),
        _("This meeting's purpose was saved."),
    )
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
@idempotent("agenda_publish")
def agenda_publish(request, pk: int):
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    try:
        sent_before = meeting.agenda_published_at
        agenda_services.agenda_publish(actor=request.user, meeting=meeting)
        if sent_before and meeting.agenda_published_at == sent_before:
            messages.info(request, _("Nothing changed since the agenda went out, so it was not sent again."))
        else:
            messages.success(request, _("The agenda was published."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@login_required
def item_edit(request, item_id: int):
    item = agenda_item_visible_or_404(person=request.user, pk=item_id)
    meeting = item.meeting
    can_prepare = meeting_can_prepare(person=request.user, meeting=meeting)
    own = item.presenter_id == request.user.pk
    if not (can_prepare or own):
        raise PermissionDenied
    amend = agenda_services.meeting_is_record(meeting)
    if amend and not can_prepare:
        raise PermissionDenied  # the record is amended by the chair only
    people = participants_queryset(meeting)
    initial = {
        "title": item.title,
        "kind": item.kind,
        "presenter": item.presenter_id,
        "minutes_allotted": item.minutes_allotted,
        "description": item.description,
        "minutes_used": round(item.seconds_used / 60),
    }
    form = ItemForm(request.POST or None, initial=initial, people=people, presenter_only=not can_prepare, amend=amend)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason", "")
        if amend:
            used = data.pop("minutes_used")
            if used != round(item.seconds_used / 60):  # only a changed figure replaces the timer's seconds
                data["seconds_used"] = used * 60
        try:
            agenda_services.agenda_item_update(actor=request.user, item=item, data=data, reason=reason)
            messages.success(request, _("The amendment was recorded.") if amend else _("The agenda item was saved."))
            return redirect("meetings:meeting_detail", pk=meeting.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(
        request,
        "meetings/item_edit.html",
        {
            "item": item,
            "meeting": meeting,
            "form": form,
            "amend": amend,
            "material_form": MaterialForm(),
            "guest_form": GuestForm(item=item),
            "materials": item.materials.all(),
            "guests": item.guests.select_related("person"),
        },
    )


@login_required
@require_POST
def material_upload(request, item_id: int):
    item = agenda_item_visible_or_404(person=request.user, pk=item_id)
    _submit(
        request,
        MaterialForm(request.POST, request.FILES),
        lambda data: agenda_services.material_add(actor=request.user, item=item, upload=data["file"]),
        _("The material was attached."),
    )
    return redirect("meetings:item_edit", item_id=item.pk)


@login_required
@require_POST
def material_delete(request, material_id: int):
    material = get_object_or_404(Material.objects.select_related("item"), pk=material_id)
    item = agenda_item_visible_or_404(person=request.user, pk=material.item_id)
    agenda_services.material_remove(actor=request.user, material=material)
    return redirect("meetings:item_edit", item_id=item.pk)


@login_required
def material_download(request, material_id: int):
    """Only the meeting's participants download materials; always as an attachment."""
    material = material_downloadable_or_404(person=request.user, pk=material_id)
    return file_response(material.file.open("rb"), filename=material.name, content_type=material.content_type, sandbox=True)


@login_required
@require_POST
def guest_invite(request, item_id: int):
    item = agenda_item_visible_or_404(person=request.user, pk=item_id)
    _submit(
        request,
        GuestForm(request.POST, item=item),
        lambda data: agenda_services.guest_invite(actor=request.user, item=item, **data),
        _("The guest was invited for this item."),
    )
    return redirect("meetings:item_edit", item_id=item.pk)


@login_required
@require_POST
def guest_remove(request, guest_id: int):
    guest = get_object_or_404(Guest.objects.select_related("item"), pk=guest_id)
    item = agenda_item_visible_or_404(person=request.user, pk=guest.item_id)
    agenda_services.guest_remove(actor=request.user, guest=guest)
    return redirect("meetings:item_edit", item_id=item.pk)


@login_required
def agenda_print(request, pk: int):
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    context = agenda_context(request, meeting)
    context["participants"] = meeting_participants(meeting=meeting)
    return render(request, "meetings/agenda_print.html", context)


@login_required
def agenda_docx(request, pk: int):
    from ..documents import agenda_docx as render_docx

    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    items = meeting_agenda(meeting=meeting)
    data = render_docx(meeting=meeting, items=items, participants=meeting_participants(meeting=meeting))
    filename = f"agenda-{meeting.series_id}-{meeting.number or meeting.pk}.docx"
    return file_response(data, filename=filename, content_type=DOCX)
