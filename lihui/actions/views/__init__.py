"""Follow-up pages: my actions and the board, one action with its history, recording
decisions and actions in a meeting (htmx), and the review of previous actions.
Minutes pages live in `minutes.py`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lihui.idempotency.http import idempotent
from lihui.meetings.selectors import (
    meeting_can_take_notes,
    meeting_note_taker_or_404,
    meeting_visible_or_404,
    meeting_visible_to_person,
)
from lihui.people.models import Department, Person
from lihui.people.selectors import person_zone
from lihui.regime.selectors import series_can_view, series_visible_to
from lihui.web import XLSX, file_response

from .. import services
from ..exports import EXPORT_LIMIT, actions_xlsx_capped, xlsx_filename
from ..forms import BoardFilterForm, followup_entry, followup_item, parse_date
from ..models import ActionItem
from ..selectors import (
    UNCLOSED,
    action_can_manage,
    action_can_reassign,
    action_counts,
    action_history,
    action_list,
    actions_visible_to,
    followup_panel,
    person_today,
    review_actions,
)

PAGE_SIZE = 50
# Sortable columns: a click on the column sorted by due date flips its direction.
SORT_TOGGLES = {"due": "-due", "-due": "due"}


def _board_filters(request, *, series=None, page: bool = True) -> tuple[BoardFilterForm, bool, dict]:
    """The form, whether this is a board (not 「我的行动项」), and `action_list` arguments.
    `page`: the board's page, whose owner picker shows the chosen owner by name."""
    form = BoardFilterForm(request.GET)
    form.is_valid()
    show_all = series is not None or request.GET.get("all") == "1"
    if show_all:
        form.resolve_owner(label=page)
    filters = form.selector_filters(mine=None if show_all else request.user)
    if series is not None:
        filters["series"] = series.pk
    return form, show_all, filters


class _CountedPaginator(Paginator):
    """A paginator told its count, so the board counts once (total and overdue together)."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # fills the cached_property


def _board(request, *, series=None):
    form, show_all, filters = _board_filters(request, series=series)
    today = person_today(person=request.user)
    actions = action_list(person=request.user, today=today, **filters)
    counts = action_counts(actions=actions, today=today, open_only=filters["status"] == UNCLOSED or filters["overdue"])
    page = _CountedPaginator(actions, PAGE_SIZE, count=counts["total"]).get_page(request.GET.get("page"))
    # Links keep the filters; on a series' board the series is in the path, not the query.
    mode = {"all": 1 if show_all and series is None else None}
    fixed = ("series",) if series is not None else ()
    sort = filters["sort"]
    columns = []
    for label, key in ((_("Action"), None), (_("Owner"), "owner"), (_("Due date"), "due"), (_("Priority"), "priority"),
                       (_("Status"), "status"), (_("Meeting series"), "series"), (_("Created"), "-created")):  # fmt: skip
        if key is None or (series is not None and key == "series"):
            columns.append({"label": label, "url": None, "current": None})
            continue
        active = sort in (key, SORT_TOGGLES.get(key))
        target = SORT_TOGGLES.get(sort, key) if active else key
        current = ("descending" if sort.startswith("-") else "ascending") if active else None
        columns.append({"label": label, "url": "?" + form.query(skip=("sort", *fixed), sort=target, **mode), "current": current})
    return render(
        request,
        "actions/action_list.html",
        {
            "actions": list(page.object_list),
            "page": page,
            "counts": counts,
            "form": form,
            "filters": filters,
            "filter_errors": form.problems(),
            "show_all": show_all,
            "board_series": series,
            "columns": columns,
            "page_query": form.query(skip=fixed, **mode),
            "export_query": form.query(skip=fixed, all=1, series=series.pk) if series is not None else form.query(**mode),
            "export_limit": EXPORT_LIMIT,
            "status": filters["status"],
            "series_id": filters["series"],
            "series_choices": series_visible_to(person=request.user).only("id", "title").order_by("title", "id"),
            # (id, name) pairs, not model instances. People are not listed (a large organisation
            # has thousands): the owner is chosen with the person picker (lihui/people/views.py).
            "department_choices": Department.objects.order_by("sort_key", "id").values_list("id", "name") if show_all else (),
            "owner_label": getattr(form, "owner_label", ""),
            "owner_candidates": [
                {**c, "query": form.query(skip=("owner", *fixed), owner=c["id"], **mode)}
                for c in getattr(form, "owner_candidates", [])
            ],
            "statuses": ActionItem.Status.choices,
            "today": today,
        },
    )


@login_required
def action_index(request):
    """「我的行动项」 by default (my open actions); the board of everything I may see with
    ?all=1. Filters, sort and page come from the query string."""
    return _board(request)


@login_required
def series_board(request, pk: int):
    """The board of one series: every action of it, for whoever sees the series."""
    series = get_object_or_404(series_visible_to(person=request.user).only("id", "title"), pk=pk)
    return _board(request, series=series)


@login_required
def action_export(request):
    """The list the page shows (same filters and sort, every page) as .xlsx, up to 50,000 rows."""
    form, _show_all, filters = _board_filters(request, page=False)
    if form.errors:
        # Show what is wrong on the page instead of a file that silently ignores a filter.
        return redirect(f"{reverse('actions:action_index')}?{request.GET.urlencode()}")
    today = person_today(person=request.user)
    data = actions_xlsx_capped(
        actions=action_list(person=request.user, today=today, **filters), today=today, zone=person_zone(person=request.user)
    )
    return file_response(data, filename=xlsx_filename(today), content_type=XLSX)


@login_required
@idempotent("action_update")
def action_detail(request, pk: int):
    action = get_object_or_404(actions_visible_to(person=request.user).select_related("owner", "series", "meeting"), pk=pk)
    typed: dict[str, str] = {}  # what a refused form said, shown back rather than lost
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
                due = parse_date(request.POST.get("due"))
                if due is None:
                    raise ValidationError({"due": [_("Enter a valid date (YYYY-MM-DD).")]})
                services.action_move_due(actor=request.user, action=action, due=due, reason=request.POST.get("reason", ""))
            else:
                raise ValidationError({"do": [_("Unknown action.")]})
            messages.success(request, _("The action was updated."))
            return redirect("actions:action_detail", pk=action.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            typed = {"form": what, **{k: request.POST.get(k, "")[:2000] for k in ("status", "comment", "text", "due", "reason")}}
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
            "typed": typed,
            "chosen_status": typed.get("status") if typed.get("form") == "status" else action.status,
        },
    )


def followup_context(request, meeting, item=None) -> dict:
    return followup_panel(person=request.user, meeting=meeting, item=item)


@login_required
@require_POST
@idempotent("followup_record")
def record(request, pk: int):
    """Record a decision or an action on an agenda item (htmx): returns the follow-up panel."""
    meeting = meeting_note_taker_or_404(person=request.user, pk=pk)
    item = followup_item(request.POST, meeting=meeting)
    error = None
    try:
        followup_entry(request.POST, meeting=meeting, item=item).save(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    context = followup_context(request, meeting, item)
    context["followup_error"] = error
    return render(request, "actions/_followup.html", context)


@login_required
@require_POST
def review(request, pk: int, action_id: int):
    """跟进 in a meeting: done, continue (new due date) or cancelled. Returns the review panel."""
    meeting = meeting_visible_or_404(person=request.user, pk=pk)
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
            due=parse_date(request.POST.get("due")),
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


@login_required
@require_POST
def action_reassign(request, pk: int):
    """Hand an open action (a leaver's, from the series page) to another owner."""
    action = get_object_or_404(actions_visible_to(person=request.user).select_related("owner", "series"), pk=pk)
    if not action_can_reassign(person=request.user, action=action):
        raise PermissionDenied
    owner = Person.objects.filter(pk=request.POST.get("owner") if str(request.POST.get("owner", "")).isdigit() else None).first()
    try:
        if owner is None:
            raise ValidationError({"owner": [_("Choose the new owner.")]})
        services.action_reassign(actor=request.user, action=action, owner=owner, reason=request.POST.get("reason", ""))
        messages.success(request, _("“%(action)s” now belongs to %(name)s.") % {"action": action.title, "name": owner})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("regime:series_detail", pk=action.series_id)
