"""Follow-up pages: my actions and the board, one action with its history, recording
decisions and actions in a meeting (htmx), and the review of previous actions.
Minutes pages live in `minutes.py`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lihui.meetings.models import AgendaItem
from lihui.meetings.selectors import meeting_can_take_notes, meeting_participants
from lihui.meetings.views.agenda import meeting_for
from lihui.people.models import Person
from lihui.meetings.selectors import meeting_visible_to_person
from lihui.regime.selectors import series_can_view, series_visible_to

from .. import services
from ..models import ActionItem
from ..selectors import action_can_manage, action_history, action_list, actions_visible_to, meeting_actions, meeting_decisions, review_actions


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def action_index(request):
    """「我的行动项」 by default; the board of everything visible with ?all=1 and filters."""
    show_all = request.GET.get("all") == "1"
    status = request.GET.get("status", "open")
    series_id = request.GET.get("series")
    series_id = int(series_id) if series_id and series_id.isdigit() else None
    actions = action_list(
        person=request.user,
        owner=None if show_all else request.user,
        series_id=series_id,
        status=status if status in ("open", *ActionItem.Status.values) else None,
    )[:500]
    return render(
        request,
        "actions/action_list.html",
        {
            "actions": actions,
            "show_all": show_all,
            "status": status,
            "series_id": series_id,
            "series_choices": series_visible_to(person=request.user).only("id", "title"),
            "statuses": ActionItem.Status.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
def action_detail(request, pk: int):
    action = get_object_or_404(actions_visible_to(person=request.user).select_related("owner", "series", "meeting"), pk=pk)
    if request.method == "POST":
        if not action_can_manage(person=request.user, action=action):
            raise PermissionDenied
        try:
            what = request.POST.get("do")
            if what == "status":
                services.action_set_status(actor=request.user, action=action, status=request.POST.get("status", ""), comment=request.POST.get("comment", ""))
            elif what == "comment":
                services.action_comment(actor=request.user, action=action, text=request.POST.get("text", ""))
            elif what == "due":
                due = _date(request.POST.get("due"))
                if due is None:
                    raise ValidationError({"due": [_("Enter a valid date (YYYY-MM-DD).")]})
                services.action_move_due(actor=request.user, action=action, due=due, reason=request.POST.get("reason", ""))
            else:
                raise ValidationError({"do": [_("Unknown action.")]})
            messages.success(request, _("The action was updated."))
            return redirect("actions:detail", pk=action.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    labels = {**dict(ActionItem.Status.choices), "continue": _("Continues")}
    history = list(action_history(action=action))
    for u in history:
        u.old_label, u.new_label = labels.get(u.old, u.old), labels.get(u.new, u.new)
    return render(
        request,
        "actions/action_detail.html",
        {
            "action": action,
            "history": history,
            "can_manage": action_can_manage(person=request.user, action=action),
            "sees_meeting": meeting_visible_to_person(person=request.user, pk=action.meeting_id) is not None,
            "statuses": ActionItem.Status.choices,
            "today": timezone.localdate(),
        },
    )


def followup_context(request, meeting, item=None) -> dict:
    return {
        "sees_series": series_can_view(person=request.user, series=meeting.series),
        "meeting": meeting,
        "followup_item": item,
        "decisions": meeting_decisions(meeting=meeting),
        "actions": meeting_actions(meeting=meeting),
        "people": [p for p in meeting_participants(meeting=meeting) if p.person is not None],
        "can_take_notes": meeting_can_take_notes(person=request.user, meeting=meeting),
        "priorities": ActionItem.Priority.choices,
    }


@login_required
@require_POST
def record(request, pk: int):
    """Record a decision or an action on an agenda item (htmx): returns the follow-up panel."""
    meeting = meeting_for(request, pk)
    item = None
    if request.POST.get("item", "").isdigit():
        item = AgendaItem.objects.filter(pk=int(request.POST["item"]), meeting=meeting).first()
    error = None
    try:
        if request.POST.get("kind") == "decision":
            services.decision_record(actor=request.user, meeting=meeting, item=item, text=request.POST.get("text", ""))
        else:
            owner_id = request.POST.get("owner", "")
            owner = Person.objects.filter(pk=int(owner_id)).first() if owner_id.isdigit() else None
            services.action_create(
                actor=request.user,
                meeting=meeting,
                item=item,
                title=request.POST.get("title", ""),
                owner=owner,
                due=_date(request.POST.get("due")),
                priority=request.POST.get("priority", "normal"),
            )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    context = followup_context(request, meeting, item)
    context["followup_error"] = error
    return render(request, "actions/_followup.html", context)


@login_required
@require_POST
def review(request, pk: int, action_id: int):
    """跟进 in a meeting: done, continue (new due date) or cancelled. Returns the review panel."""
    meeting = meeting_for(request, pk)
    action = ActionItem.objects.filter(pk=action_id, series_id=meeting.series_id).first()
    if action is None:
        raise Http404
    error = None
    try:
        services.action_review(
            actor=request.user,
            meeting=meeting,
            action=action,
            outcome=request.POST.get("outcome", ""),
            due=_date(request.POST.get("due")),
            comment=request.POST.get("comment", ""),
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    return render(
        request,
        "actions/_review.html",
        {"meeting": meeting, "review": review_actions(meeting=meeting), "review_error": error,
         "sees_series": series_can_view(person=request.user, series=meeting.series),
         "can_take_notes": meeting_can_take_notes(person=request.user, meeting=meeting), "today": timezone.localdate()},
    )
