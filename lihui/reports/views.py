from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lihui.meetings.selectors import agenda_item_visible_or_404
from lihui.people.models import Department
from lihui.regime.models import AgendaKind
from lihui.web import add_service_errors

from . import services
from .forms import KpiForm, ReportForm
from .models import Kpi
from .selectors import reports_attach


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


@login_required
def report_edit(request, item_id: int):
    """The presenter files the report: texts and one row per KPI of the department."""
    item = agenda_item_visible_or_404(person=request.user, pk=item_id)
    if item.kind != AgendaKind.REPORT:
        return redirect("meetings:item_edit", item_id=item.pk)
    if not services.report_can_edit(person=request.user, item=item):
        raise PermissionDenied
    report = services.report_get_or_create(item=item)
    reports_attach(items=[item], meeting=item.meeting)
    rows = item.kpi_rows
    form = ReportForm(request.POST or None, initial={f: getattr(report, f) for f in services.TEXT_FIELDS})
    kpi_input = [
        {
            "row": row,
            "target": request.POST.get(f"kpi-{row.kpi.pk}-target", _fmt(row.target)) if request.method == "POST" else _fmt(row.target),
            "actual": request.POST.get(f"kpi-{row.kpi.pk}-actual", "") if request.method == "POST" else _fmt(row.actual),
        }
        for row in rows
    ]
    errors = {}
    if request.method == "POST" and form.is_valid():
        kpis = [{"kpi": r["row"].kpi.pk, "target": r["target"], "actual": r["actual"]} for r in kpi_input]
        try:
            services.report_save(actor=request.user, item=item, data=form.cleaned_data, kpis=kpis, submit="submit" in request.POST)
            messages.success(request, _("The report was submitted.") if "submit" in request.POST else _("The report was saved."))
            return redirect("meetings:meeting_detail", pk=item.meeting_id)
        except ValidationError as exc:
            errors = exc.message_dict
            text_errors = {k: v for k, v in errors.items() if not k.startswith("kpis.")}
            if text_errors:
                add_service_errors(form, ValidationError(text_errors))
    for i, r in enumerate(kpi_input):
        r["errors"] = errors.get(f"kpis.{i}.target", []) + errors.get(f"kpis.{i}.actual", [])
    return render(
        request,
        "reports/report_edit.html",
        {"item": item, "meeting": item.meeting, "report": report, "form": form, "kpis": kpi_input, "has_kpi_errors": any(r["errors"] for r in kpi_input)},
    )


def _departments_for(person):
    qs = Department.objects.select_related("head").order_by("sort_key")
    return qs if person.is_staff else qs.filter(head=person)


@login_required
def kpi_index(request):
    """Department heads (and admins) define the KPIs their department reports."""
    return _kpi_page(request)


def _kpi_page(request, *, form: KpiForm | None = None, department_id: int | None = None):
    """Each department's add row has its own form, so a refused entry keeps its values and
    errors in its own row only."""
    departments = list(_departments_for(request.user).prefetch_related("kpis"))
    for d in departments:
        d.add_form = form if form is not None and d.pk == department_id else KpiForm(auto_id=f"kpi-{d.pk}-%s")
    return render(request, "reports/kpis.html", {"departments": departments})


@login_required
@require_POST
def kpi_add(request, department_id: int):
    department = get_object_or_404(_departments_for(request.user), pk=department_id)
    form = KpiForm(request.POST, auto_id=f"kpi-{department.pk}-%s")
    if form.is_valid():
        try:
            services.kpi_define(actor=request.user, department=department, data=form.cleaned_data)
            messages.success(request, _("The KPI was added."))
            return redirect("reports:kpi_index")
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _kpi_page(request, form=form, department_id=department.pk)


@login_required
@require_POST
def kpi_toggle(request, kpi_id: int):
    kpi = get_object_or_404(Kpi.objects.filter(department__in=_departments_for(request.user)), pk=kpi_id)
    services.kpi_set_active(actor=request.user, kpi=kpi, active=not kpi.active)
    return redirect("reports:kpi_index")
