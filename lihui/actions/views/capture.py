"""Quick capture in a meeting: typed or pasted notes → proposals the minute-taker confirms,
edits or dismisses. Nothing is created without a confirmation."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lihui.idempotency.http import idempotent
from lihui.meetings.models import AgendaItem
from lihui.meetings.selectors import meeting_can_take_notes
from lihui.meetings.views.agenda import meeting_for
from lihui.people.models import Person
from lihui.ratelimit import rate_limited

from .. import services
from ..capture_people import CAPTURE_RATE, capture_lines
from . import _decision, followup_context


def _taker(request, pk: int):
    meeting = meeting_for(request, pk)
    if not meeting_can_take_notes(person=request.user, meeting=meeting):
        raise PermissionDenied
    return meeting


@login_required
@require_POST
def capture(request, pk: int):
    """Proposals for every line that reads as an action or a decision (htmx partial)."""
    meeting = _taker(request, pk)
    error, proposals, unread = None, [], []
    if rate_limited(f"capture:{request.user.pk}", limit=CAPTURE_RATE):
        error = _("Too many requests: wait a minute and try again.")
    else:
        try:
            read = capture_lines(text=request.POST.get("text", ""), meeting=meeting)
            proposals, unread = read.proposals, read.unread
        except ValueError as exc:
            error = str(exc)
        if not error and not proposals and not unread:
            error = _("No line reads as an action or a decision. Start a line with 行动： or 决议： (Action: / Decision:).")
    context = followup_context(request, meeting)
    proposals, skipped = _not_yet_recorded(proposals, context)
    if skipped and not proposals and not unread and not error:
        error = _("Every action and decision in this text is already recorded.")
    _attach_people(proposals, context["people"])
    _attach_decisions(proposals, context["decisions"])
    context.update(proposals=proposals, unread=unread, capture_error=error, skipped=skipped, item_id=request.POST.get("item", ""))
    return render(request, "actions/_capture_proposals.html", context)


def _squash(text: str) -> str:
    return "".join(text.split()).lower()


def _not_yet_recorded(proposals, context) -> tuple[list, int]:
    """Minutes text lists the meeting's decisions and actions («行动项: … — 李娜, 2026-12-04»);
    proposing them again would make duplicates, so lines holding a recorded title are left out."""
    recorded = [_squash(d.text) for d in context["decisions"]] + [_squash(a.title) for a in context["actions"]]
    keep = [p for p in proposals if not any(r and r in _squash(p.title) for r in recorded)]
    return keep, len(proposals) - len(keep)


def _attach_people(proposals, participants) -> None:
    """Owners and candidates who are not on the meeting's list still appear in the owner
    choice (staff outside the roster can own actions). One query."""
    listed = {p.person.pk for p in participants}
    wanted = {i for p in proposals for i in [p.owner, *p.owner_candidates] if i and i not in listed}
    extra = {person.pk: person for person in Person.objects.filter(pk__in=wanted)} if wanted else {}
    for p in proposals:
        p.candidate_people = [extra[i] for i in dict.fromkeys([p.owner, *p.owner_candidates]) if i in extra]


def _attach_decisions(proposals, decisions) -> None:
    """The decision an action implements, chosen in its form: the decision line above it
    when that is recorded (by its text), else "the decision above" until it is."""
    by_text = {_squash(d.text): d.pk for d in decisions}
    for p in proposals:
        p.decision_choice = ""
        if p.kind == "action" and p.decision_text:
            p.decision_choice = str(by_text.get(_squash(p.decision_text), "above"))


def _decision_for(meeting, value: str, text: str):
    """The chosen decision: one of the meeting's by id, or "above" — the decision line the
    action was written under, which must be recorded first (by its text)."""
    if value != "above":
        return _decision(meeting, value)
    wanted = _squash(text)
    found = [d for d in meeting.decisions.order_by("-id") if wanted and _squash(d.text) == wanted]
    if not found:
        raise ValidationError({"decision": [_("Confirm the decision above first: this action implements it.")]})
    return found[0]


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_POST
@idempotent("capture_confirm")
def capture_confirm(request, pk: int):
    """Create the (possibly edited) proposal; the answer replaces it, and the meeting's list
    of decisions and actions is refreshed out of band."""
    meeting = _taker(request, pk)
    item = None
    if request.POST.get("item", "").isdigit():
        item = AgendaItem.objects.filter(pk=int(request.POST["item"]), meeting=meeting).first()
    kind = request.POST.get("kind")
    proposal = {k: request.POST.get(k, "")[:2000] for k in ("kind", "title", "owner", "due", "line", "decision_text")}
    proposal["decision_choice"] = request.POST.get("decision", "")[:20]
    try:
        if kind == "decision":
            services.decision_record(actor=request.user, meeting=meeting, item=item, text=request.POST.get("title", ""))
        elif kind == "action":
            owner_id = request.POST.get("owner", "")
            owner = Person.objects.filter(pk=int(owner_id), is_active=True).first() if owner_id.isdigit() else None
            due = _date(request.POST.get("due", ""))
            if request.POST.get("due") and due is None:
                raise ValidationError({"due": [_("Enter a valid date (YYYY-MM-DD).")]})
            decision = _decision_for(meeting, request.POST.get("decision", ""), request.POST.get("decision_text", ""))
            services.action_create(
                actor=request.user, meeting=meeting, item=item, title=request.POST.get("title", ""), owner=owner, due=due, decision=decision
            )
        else:
            raise ValidationError({"kind": [_("Choose action or decision.")]})
    except ValidationError as exc:
        context = followup_context(request, meeting)
        # An owner from outside the meeting's list stays offered (and chosen) in the form.
        listed = {p.person.pk for p in context["people"]}
        if proposal["owner"].isdigit() and int(proposal["owner"]) not in listed:
            proposal["candidate_people"] = list(Person.objects.filter(pk=int(proposal["owner"])))
        context.update(p=proposal, p_error=" ".join(exc.messages), item_id=request.POST.get("item", ""))
        return render(request, "actions/_capture_one.html", context, status=422)
    context = followup_context(request, meeting)
    context.update(created=proposal)
    return render(request, "actions/_capture_done.html", context)


@login_required
@require_POST
def capture_dismiss(request, pk: int):
    _taker(request, pk)
    return HttpResponse("")
