import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lihui.actions.selectors import series_leaver_actions
from lihui.idempotency.http import idempotent
from lihui.meetings.selectors import meeting_ids_opened_to, series_load, series_occurrences
from lihui.people.selectors import person_list
from lihui.web import add_service_errors

from .. import services
from ..forms import RosterFormSet, SeriesForm, TemplateFormSet, WindowForm
from ..models import CadenceWindow, CalendarFeed, Membership, Series
from ..selectors import (
    agenda_template_total,
    series_can_manage,
    series_can_view,
    series_holiday_years_unknown,
    series_list,
    series_managed_or_404,
    series_page_visible_to,
    series_recent_duplicate,
    series_reporting_heads,
    series_roster,
    series_visible_to,
)


@login_required
def series_index(request):
    archived = request.GET.get("archived") == "1"
    page = Paginator(series_list(person=request.user, archived=archived), 50).get_page(request.GET.get("page"))
    return render(request, "regime/series_list.html", {"series_list": page, "page": page, "archived": archived})


def _series_form_page(request, *, series: Series | None):
    people = person_list().select_related(None)
    if request.method == "POST":
        form = SeriesForm(request.POST, instance=series)
        roster = RosterFormSet(request.POST, prefix="roster", people=people)
        if form.is_valid() and roster.is_valid():
            try:
                duplicate = None
                if series is None and "duplicate_ok" not in request.POST:
                    duplicate = series_recent_duplicate(person=request.user, data=form.data_for_service())
                if duplicate is not None:
                    # Back, then 保存 again: the page came back with a fresh form token, so ask.
                    return render(
                        request,
                        "regime/series_form.html",
                        {"form": form, "roster": roster, "series": None, "duplicate": duplicate},
                        status=200,
                    )
                if series is None:
                    series = services.series_create(actor=request.user, data=form.data_for_service(), roster=roster.entries(),
                                                    history=form.cleaned_data.get("record_history", False))  # fmt: skip
                    messages.success(request, _("The meeting series was created and its meetings planned."))
                else:
                    series = services.series_update(
                        actor=request.user, series=series, data=form.data_for_service(), roster=roster.entries()
                    )
                    messages.success(request, _("Saved. Future meetings were re-planned; past meetings and your changes stay."))
                    if not series_visible_to(person=request.user).filter(pk=series.pk).exists():
                        messages.info(request, _("You are no longer on the roster of “%(title)s”.") % {"title": series.title})
                        return redirect("regime:series_index")
                return redirect("regime:series_detail", pk=series.pk)
            except ValidationError as exc:
                roster_errors = exc.error_dict.pop("roster", []) if hasattr(exc, "error_dict") else []
                for error in roster_errors:
                    for message in error.messages:
                        form.add_error(None, message)
                add_service_errors(form, exc)
    else:
        if series is None:
            form = SeriesForm(
                initial={
                    "start_date": timezone.localdate(),
                    "start_time": dt.time(9, 30),
                    "duration_minutes": 60,
                    "time_zone": request.user.time_zone,
                    "weekdays": [0],
                    "department": request.user.department_id,
                }
            )
            initial = [{"person": request.user.pk, "role": Membership.Role.CHAIR}]
        else:
            form = SeriesForm(instance=series)
            initial = [
                {"person": m.person_id, "role": m.role, "rotation_position": m.rotation_position}
                for m in series_roster(series=series)
            ]
        roster = RosterFormSet(prefix="roster", initial=initial, people=people)
    return render(request, "regime/series_form.html", {"form": form, "roster": roster, "series": series})


@login_required
@idempotent("series_create")
def series_new(request):
    return _series_form_page(request, series=None)


@login_required
def series_edit(request, pk: int):
    return _series_form_page(request, series=series_managed_or_404(person=request.user, pk=pk))


@login_required
def series_detail(request, pk: int):
    series = series_page_visible_to(person=request.user).select_related("department").filter(pk=pk).first()
    if series is None:
        raise Http404
    # An action's owner outside a private series reads its page, and links only to what they may open.
    opened = None if series_can_view(person=request.user, series=series) else meeting_ids_opened_to(person=request.user, series=series)
    now = timezone.now()
    upcoming = list(series_occurrences(series=series, start=now - dt.timedelta(hours=12), end=now + dt.timedelta(days=120))[:30])
    past = list(
        series.meetings.filter(start__lt=now - dt.timedelta(hours=12)).select_related("minute_taker", "window").order_by("-start")[:12]
    )
    can_manage = opened is None and series_can_manage(person=request.user, series=series)
    roster = list(series_roster(series=series))
    leaver_actions = list(series_leaver_actions(series=series)) if can_manage else []
    chair_id = next((m.person_id for m in roster if m.role == Membership.Role.CHAIR and m.person.is_active), None)
    for a in leaver_actions:  # their line manager carries it on if on the roster, else the chair
        manager = a.owner.manager_id
        a.suggested_owner_id = manager if any(m.person_id == manager and m.person.is_active for m in roster) else chair_id
    return render(
        request,
        "regime/series_detail.html",
        {
            "series": series,
            "roster": roster,
            "leaver_actions": leaver_actions,
            "windows": list(series.windows.all()),
            "upcoming": upcoming,
            "past": past,
            "load": series_load(series=series, now=now),
            "can_manage": can_manage,
            "owner_only": opened is not None,
            "opened": opened or set(),
            "holiday_years_unknown": series_holiday_years_unknown(series=series),
            "series_feed": CalendarFeed.objects.filter(person=request.user, series=series).first(),
            "new_feed_url": request.session.pop(CalendarFeed.new_url_session_key(series.pk), None),  # shown once
        },
    )


@login_required
@require_POST
def series_archive(request, pk: int):
    """Archive (no more meetings planned, out of the lists, history kept) or bring back."""
    series = series_managed_or_404(person=request.user, pk=pk)
    if request.POST.get("do") == "unarchive":
        services.series_unarchive(actor=request.user, series=series)
        messages.success(request, _("The meeting series is active again; its meetings were planned from now."))
    else:
        services.series_archive(actor=request.user, series=series)
        messages.success(request, _("The meeting series was archived: no more meetings are planned. Its history stays."))
    return redirect("regime:series_detail", pk=series.pk)


@login_required
def window_add(request, pk: int):
    series = series_managed_or_404(person=request.user, pk=pk)
    form = WindowForm(
        request.POST or None, series=series, initial={"kind": CadenceWindow.Kind.PEAK, "frequency": "daily", "interval": 2}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cadence_window_add(actor=request.user, series=series, data=form.data_for_service())
            messages.success(request, _("The window was added and the meetings in it re-planned."))
            return redirect("regime:series_detail", pk=series.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "regime/window_form.html", {"form": form, "series": series})


@login_required
@require_POST
def window_delete(request, pk: int, window_id: int):
    series = series_managed_or_404(person=request.user, pk=pk)
    window = get_object_or_404(CadenceWindow, pk=window_id, series=series)
    try:
        services.cadence_window_remove(actor=request.user, window=window)
        messages.success(request, _("The window was removed; its dates follow the base cadence again."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("regime:series_detail", pk=series.pk)


@login_required
def agenda_template(request, pk: int):
    """The chair edits the series' agenda template; new meetings take their agenda from it."""
    series = series_managed_or_404(person=request.user, pk=pk)
    people = person_list().filter(memberships__series=series)
    saved = list(series.agenda_template.all())
    over_slot_refused = False
    if request.method == "POST":
        formset = TemplateFormSet(request.POST, prefix="tpl", people=people)
        if formset.is_valid():
            try:
                services.agenda_template_save(
                    actor=request.user, series=series, items=formset.items(), over_slot_confirmed="over_slot_ok" in request.POST
                )
                messages.success(request, _("The agenda template was saved. Meetings whose agenda is not made yet will use it."))
                return redirect("regime:series_detail", pk=series.pk)
            except ValidationError as exc:
                over_slot_refused = not hasattr(exc, "error_dict") and any(e.code == "over_slot" for e in exc.error_list)
                for message in exc.messages:
                    messages.error(request, message)
        rows = formset.items() if formset.is_valid() else []
        ids = [None] * len(formset.forms)  # rows as typed: moving them waits until they are saved
    else:
        initial = [
            {"kind": t.kind, "title": t.title, "presenter_role": t.presenter_role, "presenter": t.presenter_id, "minutes": t.minutes}
            for t in saved
        ]
        formset = TemplateFormSet(prefix="tpl", initial=initial, people=people)
        rows = saved
        ids = [t.pk for t in saved] + [None] * (len(formset.forms) - len(saved))
    total = agenda_template_total(series=series, items=rows)
    return render(
        request,
        "regime/agenda_template.html",
        {
            "series": series,
            "formset": formset,
            "rows": list(zip(formset.forms, ids, strict=True)),
            "saved_count": len(saved),
            "total": total,
            "over": max(0, total - series.duration_minutes),
            "over_slot_refused": over_slot_refused,
            "heads": series_reporting_heads(series=series),
        },
    )


@login_required
@require_POST
def agenda_template_move(request, pk: int):
    """↑/↓ on a saved template row: the order changes at once (typed, unsaved edits are not kept)."""
    series = series_managed_or_404(person=request.user, pk=pk)
    item_id, _sep, direction = request.POST.get("move", "").partition(":")
    if not item_id.isdigit():
        messages.error(request, _("This row is no longer in the template."))
        return redirect("regime:agenda_template", pk=series.pk)
    try:
        services.agenda_template_move(actor=request.user, series=series, item_id=int(item_id), direction=direction)
        messages.success(request, _("The order was changed."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("regime:agenda_template", pk=series.pk)
