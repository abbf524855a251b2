"""Quick capture in a meeting: typed or pasted notes → proposals the minute-taker confirms,
edits or dismisses. Nothing is created without a confirmation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lihui.idempotency.http import idempotent
from lihui.meetings.selectors import meeting_note_taker_or_404
from lihui.people.models import Person
from lihui.ratelimit import rate_limited

from ..capture_people import CAPTURE_RATE, capture_lines
from ..forms import followup_entry, followup_item, squash_text
from . import followup_context


@login_required
@require_POST
def capture(request, pk: int):
    """Proposals for every line that reads as an action or a decision (htmx partial)."""
    meeting = meeting_note_taker_or_404(person=request.user, pk=pk)
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


def _not_yet_recorded(proposals, context) -> tuple[list, int]:
    """Minutes text lists the meeting's decisions and actions («行动项: … — 李娜, 2026-12-04»);
    proposing them again would make duplicates, so lines holding a recorded title are left out."""
    recorded = [squash_text(d.text) for d in context["decisions"]] + [squash_text(a.title) for a in context["actions"]]
    keep = [p for p in proposals if not any(r and r in squash_text(p.title) for r in recorded)]
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
    by_text = {squash_text(d.text): d.pk for d in decisions}
    for p in proposals:
        p.decision_choice = ""
        if p.kind == "action" and p.decision_text:
            p.decision_choice = str(by_text.get(squash_text(p.decision_text), "above"))


@login_required
@require_POST
@idempotent("capture_confirm")
def capture_confirm(request, pk: int):
    """Create the (possibly edited) proposal; the answer replaces it, and the meeting's list
    of decisions and actions is refreshed out of band."""
    meeting = meeting_note_taker_or_404(person=request.user, pk=pk)
    item = followup_item(request.POST, meeting=meeting)
    proposal = {k: request.POST.get(k, "")[:2000] for k in ("kind", "title", "owner", "due", "line", "decision_text")}
    proposal["decision_choice"] = request.POST.get("decision", "")[:20]
    try:
        entry = followup_entry(request.POST, meeting=meeting, item=item, decision_field="title")
        entry.save(actor=request.user, meeting=meeting)
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
    meeting_note_taker_or_404(person=request.user, pk=pk)
    return HttpResponse("")
