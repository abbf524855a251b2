"""Running a meeting: the chair's live page, the projector view, the shared live state,
attendance, live notes, and the recap on End."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lihui.people.models import Person
from lihui.reports.selectors import reports_attach

from ..models import Attendance, Guest, Meeting
from ..revisions import RevisionConflict
from ..selectors import (
    agenda_item_visible_or_404,
    live_state,
    meeting_agenda,
    meeting_can_run,
    meeting_can_take_notes,
    meeting_participants,
    meeting_series_content_visible,
    meeting_visible_or_404,
)
from ..services import agenda as agenda_services
from ..services import live as live_services


def _attendance_rows(meeting: Meeting) -> list[dict]:
    marks = {(a.person_id, a.guest_id): a for a in meeting.attendance.all()}
    rows = []
    for p in meeting_participants(meeting=meeting):
        key = (p.person.pk if p.person else None, p.guest_id if p.person is None else None)
        rows.append({"p": p, "mark": marks.get(key)})
    return rows


def _minutes_can_read(request, meeting: Meeting) -> bool:
    from lihui.minutes.selectors import minutes_can_read

    return minutes_can_read(person=request.user, meeting=meeting)


def _followup(request, meeting: Meeting, current=None) -> dict:
    from lihui.actions.selectors import followup_panel, review_actions

    # A guest for one topic sees this meeting's actions, but not the series' action pages
    # nor the review of its open actions: not even handed to the template.
    sees_series = meeting_series_content_visible(person=request.user, meeting=meeting)
    return {
        **followup_panel(person=request.user, meeting=meeting, item=current),
        "review": review_actions(meeting=meeting) if sees_series else [],
        "today": timezone.localdate(),
        "sees_series": sees_series,
    }


def _live_context(request, meeting: Meeting) -> dict:
    items = meeting_agenda(meeting=meeting)
    current = next((i for i in items if i.pk == meeting.current_item_id), None)
    return {
        **_followup(request, meeting, current),
        "meeting": meeting,
        "series": meeting.series,
        "items": items,
        "current": current,
        "state": live_state(meeting, items),
        "attendance": _attendance_rows(meeting),
        "statuses": Attendance.Status.choices,
        "can_run": meeting_can_run(person=request.user, meeting=meeting),
        "can_take_notes": meeting_can_take_notes(person=request.user, meeting=meeting),
        "grace": settings.LIHUI_RESUME_GRACE_MINUTES,
    }


@login_required
def live(request, pk: int):
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    if meeting_can_run(person=request.user, meeting=meeting):  # a reader's GET writes nothing
        agenda_services.agenda_ensure(meeting=meeting)
    if meeting.actual_end is not None:
        return redirect("meetings:recap", pk=meeting.pk)
    return render(request, "meetings/live.html", _live_context(request, meeting))


@login_required
def projector(request, pk: int):
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    return render(request, "meetings/projector.html", _live_context(request, meeting))


@login_required
def state(request, pk: int):
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    return JsonResponse(live_state(meeting, meeting_agenda(meeting=meeting, light=True)))


def _after_action(request, meeting: Meeting):
    """`meeting` is the fresh row a live service returned."""
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(live_state(meeting, meeting_agenda(meeting=meeting, light=True)))
    return redirect("meetings:live", pk=meeting.pk)


def _confirm_needed(message: str, items: list | None = None) -> JsonResponse:
    """409: the caller must confirm (the live page shows the question and what it concerns)."""
    return JsonResponse({"error": message, "fields": {}, "confirm": message, "items": items or []}, status=409)


@login_required
@require_POST
def start(request, pk: int):
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    agenda_services.agenda_ensure(meeting=meeting)
    try:
        meeting = live_services.meeting_start(actor=request.user, meeting=meeting, confirm_early=request.POST.get("confirm") == "1")
    except ValidationError as exc:
        if getattr(exc, "code", None) == "early":
            return _confirm_needed(" ".join(exc.messages))
        return JsonResponse({"error": " ".join(exc.messages), "fields": {}}, status=422)
    return _after_action(request, meeting)


@login_required
@require_POST
def go(request, pk: int):
    """Next or previous item. The client sends the item it saw as current."""
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    try:
        expected = int(request.POST["expected"]) if request.POST.get("expected") else None
        step = int(request.POST.get("step", "1"))
    except ValueError:
        return JsonResponse({"error": _("Some fields are not valid."), "fields": {"step": [_("Enter a whole number.")]}}, status=422)
    try:
        meeting = live_services.meeting_go_to(actor=request.user, meeting=meeting, expected_item_id=expected, step=step)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages), "fields": {}}, status=422)
    return _after_action(request, meeting)


@login_required
def end(request, pk: int):
    """End, confirmed: a GET (or a POST without `confirm`) shows what is still undiscussed
    and asks; only a confirmed POST ends the meeting."""
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    if not meeting_can_run(person=request.user, meeting=meeting):
        raise PermissionDenied
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            meeting = live_services.meeting_end(actor=request.user, meeting=meeting)
        except ValidationError as exc:
            return JsonResponse({"error": " ".join(exc.messages), "fields": {}}, status=422)
        if wants_json:
            return _after_action(request, meeting)
        return redirect("meetings:recap", pk=meeting.pk)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if meeting.actual_end is not None:
        return redirect("meetings:recap", pk=meeting.pk)
    undiscussed = live_services.meeting_undiscussed(meeting=meeting)
    question = _("End the meeting now? Ended, the agenda and timings become the record.")
    if request.method == "POST":
        if wants_json:
            return _confirm_needed(question, [i.title for i in undiscussed])
        return redirect("meetings:end", pk=meeting.pk)
    return render(request, "meetings/end_confirm.html", {
        "meeting": meeting, "series": meeting.series, "undiscussed": undiscussed, "question": question,
        "grace": settings.LIHUI_RESUME_GRACE_MINUTES,
    })  # fmt: skip


@login_required
@require_POST
def resume(request, pk: int):
    """Undo End within the grace period (the recap offers it)."""
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    try:
        meeting = live_services.meeting_resume(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("meetings:recap", pk=meeting.pk)
    messages.success(request, _("The meeting runs again; the time used so far is kept."))
    return redirect("meetings:live", pk=meeting.pk)


@login_required
@require_POST
def attendance(request, pk: int):
    """Check one participant in (htmx): returns the attendance panel."""
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    person = guest = None
    error = None
    try:
        if request.POST.get("person"):
            person = Person.objects.filter(pk=int(request.POST["person"])).first() if request.POST["person"].isdigit() else None
        elif request.POST.get("guest"):
            guest = Guest.objects.filter(pk=int(request.POST["guest"])).first() if request.POST["guest"].isdigit() else None
        arrived_at = None
        if request.POST.get("arrived_at"):
            t = dt.time.fromisoformat(request.POST["arrived_at"])
            # On the meeting's own day (in its zone), not today's: a record filled in later stays right.
            local = timezone.localtime(meeting.actual_start or meeting.start, meeting.series_zone)
            arrived_at = local.replace(hour=t.hour, minute=t.minute, second=0, microsecond=0)
        live_services.attendance_set(
            actor=request.user,
            meeting=meeting,
            person=person,
            guest=guest,
            status=request.POST.get("status", ""),
            arrived_at=arrived_at,
            reason=request.POST.get("reason", ""),
        )
    except ValueError:
        error = _("Enter a valid time (HH:MM).")
    except ValidationError as exc:
        error = " ".join(exc.messages)
    return render(
        request,
        "meetings/_attendance.html",
        {"meeting": meeting, "attendance": _attendance_rows(meeting), "statuses": Attendance.Status.choices, "attendance_error": error,
         "can_take_notes": meeting_can_take_notes(person=request.user, meeting=meeting)},
    )


@login_required
@require_POST
def notes(request, item_id: int):
    """Autosave of an item's notes, with the revision the text was based on. A stale tab
    gets 409 with the newer text; nothing is overwritten."""
    item = agenda_item_visible_or_404(person=request.user, pk=item_id)
    try:
        base = int(request.POST.get("revision", ""))
    except ValueError:
        return JsonResponse({"error": _("Some fields are not valid."), "fields": {"revision": [_("Enter a whole number.")]}}, status=422)
    try:
        revision = live_services.notes_save(actor=request.user, item=item, text=request.POST.get("text", ""), base_revision=base)
    except PermissionDenied:
        return JsonResponse({"error": _("You may not do this."), "fields": {}}, status=403)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages), "fields": {}}, status=422)
    except RevisionConflict as conflict:
        return JsonResponse(
            {
                "error": _("Someone else changed these notes. Both texts are shown: keep what you need."),
                "fields": {},
                "server_text": conflict.theirs.text,
                "server_revision": conflict.theirs.number,
            },
            status=409,
        )
    return JsonResponse({"revision": revision})


@login_required
def recap(request, pk: int):
    """总结: read aloud at the close — purposes, time per item, attendance, report highlights."""
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
    items = meeting_agenda(meeting=meeting)
    reports_attach(items=items, meeting=meeting, viewer=request.user)
    rows = _attendance_rows(meeting)
    used = sum(i.used_seconds() for i in items)
    actual_minutes = None
    if meeting.actual_start and meeting.actual_end:
        actual_minutes = round((meeting.actual_end - meeting.actual_start).total_seconds() / 60)
    return render(
        request,
        "meetings/recap.html",
        {
            "meeting": meeting,
            "series": meeting.series,
            "items": items,
            "used_minutes": round(used / 60),
            "actual_minutes": actual_minutes,
            "over_minutes": max(0, (actual_minutes or 0) - meeting.duration_minutes),
            "present": [r for r in rows if r["mark"] and r["mark"].status in ("present", "late", "remote")],
            "absent": [r for r in rows if not r["mark"] or r["mark"].status in ("excused", "absent")],
            "participants_count": len(rows),
            "report_items": [i for i in items if i.kind == "report"],
            "can_read_minutes": _minutes_can_read(request, meeting),
            "can_resume": live_services.meeting_can_resume(person=request.user, meeting=meeting),
            "grace": settings.LIHUI_RESUME_GRACE_MINUTES,
            "amendments": list(meeting.amendments.all()),
            **_followup(request, meeting),
        },
    )
