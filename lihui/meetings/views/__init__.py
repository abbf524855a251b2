import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lihui.idempotency.http import idempotent
from lihui.people.selectors import person_list
from lihui.regime.models import Membership
from lihui.regime.selectors import holiday_years_unknown, series_can_manage, series_visible_to
from lihui.web import add_service_errors

from ..forms import CancelForm, ExtraMeetingForm, MoveForm
from ..models import Meeting
from ..selectors import meeting_managed_or_404, meetings_for_person, people_load, week_start
from ..services import planning as services


@login_required
def dashboard(request):
    """我的例会: my meetings this week and next."""
    today = timezone.localdate()
    monday = week_start(today)
    meetings = list(meetings_for_person(person=request.user, first=monday, last=monday + dt.timedelta(days=13)))
    this_week = [m for m in meetings if timezone.localtime(m.start).date() < monday + dt.timedelta(days=7)]
    next_week = [m for m in meetings if m not in this_week]
    for m in meetings:
        m.i_take_minutes = m.minute_taker_id == request.user.pk
    # Admins see which coming years still lack the official holiday schedule (the planning horizon).
    unknown = holiday_years_unknown(first=today, last=today + dt.timedelta(days=settings.LIHUI_PLAN_HORIZON_DAYS)) if request.user.is_staff else []
    return render(
        request,
        "meetings/dashboard.html",
        {
            "today": today,
            "holiday_years_unknown": unknown,
            "weeks": [
                (_("This week"), monday, monday + dt.timedelta(days=6), this_week),
                (_("Next week"), monday + dt.timedelta(days=7), monday + dt.timedelta(days=13), next_week),
            ],
        },
    )


def _local_initial(meeting: Meeting) -> dict:
    local = timezone.localtime(meeting.start, meeting.series_zone)
    return {"date": local.date(), "start_time": local.time(), "duration_minutes": meeting.duration_minutes, "location": meeting.location}


@login_required
def meeting_move(request, pk: int):
    meeting = meeting_managed_or_404(person=request.user, pk=pk)
    form = MoveForm(request.POST or None, initial=_local_initial(meeting))
    holiday = ""
    if request.method == "POST" and form.is_valid() and not (holiday := _holiday_to_confirm(form)):
        try:
            services.meeting_move(actor=request.user, meeting=meeting, **form.service_data())
            messages.success(request, _("The meeting was moved."))
            return redirect("meetings:meeting_detail", pk=meeting.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "meetings/meeting_change.html",
                  {"form": form, "meeting": meeting, "series": meeting.series, "action": "move", "holiday": holiday})  # fmt: skip


def _holiday_to_confirm(form) -> str:
    """The public holiday or company day off the chosen day falls on, unless already confirmed:
    the page then says so and a second press goes ahead."""
    holiday = form.day_off_to_confirm()
    if holiday:
        data = form.data.copy()
        data["holiday_ok"] = "on"
        form.data = data
    return holiday


@login_required
def meeting_cancel(request, pk: int):
    meeting = meeting_managed_or_404(person=request.user, pk=pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"])
            messages.success(request, _("The meeting was cancelled."))
            return redirect("meetings:meeting_detail", pk=meeting.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "meetings/meeting_change.html", {"form": form, "meeting": meeting, "series": meeting.series, "action": "cancel"})


@login_required
@idempotent("meeting_add")
def meeting_add(request, series_pk: int):
    series = series_visible_to(person=request.user).filter(pk=series_pk).first()
    if series is None:
        raise Http404
    if not series_can_manage(person=request.user, series=series):
        raise PermissionDenied
    form = ExtraMeetingForm(
        request.POST or None,
        initial={"date": timezone.localdate() + dt.timedelta(days=1), "start_time": series.start_time, "duration_minutes": series.duration_minutes},
    )
    holiday = ""
    if request.method == "POST" and form.is_valid() and not (holiday := _holiday_to_confirm(form)):
        try:
            meeting = services.meeting_add(actor=request.user, series=series, **form.service_data())
            messages.success(request, _("The extra meeting was added."))
            return redirect("meetings:meeting_detail", pk=meeting.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "meetings/meeting_change.html", {"form": form, "series": series, "action": "add", "holiday": holiday})


@login_required
def load(request):
    """会议负荷: who spends how many hours a week in meetings, next 4 weeks."""
    people, visible = person_list(), None
    if not (request.user.is_staff or request.user.is_superuser):
        # Others see the load that series they may see put on people: nothing private shows through.
        visible = series_visible_to(person=request.user)
        people = people.filter(pk__in=Membership.objects.filter(series__in=visible).values("person"))
    return render(request, "meetings/load.html", {"rows": people_load(people=people, series=visible, limit=200)})
