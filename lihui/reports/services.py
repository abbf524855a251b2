"""Writes for department reports: the presenter files progress, problems, plan, feedback and KPIs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lihui.meetings.models import AgendaItem
from lihui.meetings.selectors import meeting_can_prepare
from lihui.meetings.services.text import meeting_text_changed
from lihui.people.models import Department, Person
from lihui.regime.models import AgendaKind

from .models import Kpi, KpiValue, Report

TEXT_FIELDS = ("progress", "problems", "plan", "feedback")
MAX_VALUE = Decimal("1e10")
PERCENT_UNITS = ("%", "％", "percent")


def report_department(item: AgendaItem) -> Department | None:
    """The department a report item speaks for: the one its presenter heads, else theirs."""
    if item.presenter_id is None:
        return None
    headed = Department.objects.filter(head_id=item.presenter_id).order_by("sort_key").first()
    return headed or item.presenter.department


def report_get_or_create(*, item: AgendaItem) -> Report:
    if item.kind != AgendaKind.REPORT:
        raise ValidationError({"__all__": [_("This agenda item is not a department report.")]})
    report, _created = Report.objects.get_or_create(item=item, defaults={"department": report_department(item)})
    return report


def report_can_edit(*, person: Person, item: AgendaItem) -> bool:
    return item.presenter_id == person.pk or meeting_can_prepare(person=person, meeting=item.meeting)


def kpi_is_percent(kpi: Kpi) -> bool:
    """A rate (准时发货率 %): its target and actual cannot be below zero."""
    return (kpi.unit or "").strip() in PERCENT_UNITS


def _number(value, field: str, errors: dict, *, percent: bool = False) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "").replace("，", "").rstrip("%％"))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Enter a number, e.g. 98.5."))
        return None
    if not number.is_finite() or abs(number) >= MAX_VALUE:
        errors.setdefault(field, []).append(_("Enter a number, e.g. 98.5."))
        return None
    number = number.quantize(Decimal("0.0001"))
    if abs(number) >= MAX_VALUE:  # rounding can carry it over the column's 14 digits
        errors.setdefault(field, []).append(_("Enter a number, e.g. 98.5."))
        return None
    if percent and number < 0:
        errors.setdefault(field, []).append(_("A percentage cannot be negative."))
        return None
    return number


def report_save(*, actor: Person, item: AgendaItem, data: dict, kpis: list[dict], submit: bool = False) -> Report:
    """Save the report's texts and KPI rows ({"kpi": id, "target": x, "actual": y}).
    Every number is checked before anything is written."""
    if not report_can_edit(person=actor, item=item):
        raise PermissionDenied
    report = report_get_or_create(item=item)
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        if name in data and len(data[name] or "") > 20000:
            errors.setdefault(name, []).append(_("The text is too long (20,000 characters at most)."))
    department_kpis = {k.pk: k for k in Kpi.objects.filter(department=report.department, active=True)} if report.department_id else {}
    rows = []
    for i, row in enumerate(kpis):
        kpi = department_kpis.get(row.get("kpi"))
        if kpi is None:
            errors.setdefault(f"kpis.{i}.kpi", []).append(_("Not a KPI of this department."))
            continue
        target = _number(row.get("target"), f"kpis.{i}.target", errors, percent=kpi_is_percent(kpi))
        actual = _number(row.get("actual"), f"kpis.{i}.actual", errors, percent=kpi_is_percent(kpi))
        rows.append((kpi, target, actual))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for name in TEXT_FIELDS:
            if name in data:
                setattr(report, name, (data[name] or "").strip())
        if submit and report.submitted_at is None:
            report.submitted_at = timezone.now()
        report.updated_by = actor
        report.save()
        for kpi, target, actual in rows:
            KpiValue.objects.update_or_create(report=report, kpi=kpi, defaults={"target": target, "actual": actual})
        meeting_text_changed(meeting_id=item.meeting_id)
    return report


def kpi_define(*, actor: Person, department: Department, data: dict) -> Kpi:
    """Department heads and admins define their department's KPIs."""
    if not (actor.is_staff or department.head_id == actor.pk):
        raise PermissionDenied
    kpi = Kpi(department=department, **data)
    errors: dict[str, list[str]] = {}
    if kpi.default_target is not None and kpi_is_percent(kpi) and kpi.default_target < 0:
        errors["default_target"] = [_("A percentage cannot be negative.")]
    if Kpi.objects.filter(department=department, name=(kpi.name or "").strip()).exists():
        errors["name"] = [_("This department already has a KPI with this name.")]
    if errors:
        raise ValidationError(errors)
    kpi.full_clean()
    kpi.save()
    return kpi


def kpi_set_active(*, actor: Person, kpi: Kpi, active: bool) -> Kpi:
    """Retire a KPI (past values stay) or bring it back."""
    if not (actor.is_staff or kpi.department.head_id == actor.pk):
        raise PermissionDenied
    kpi.active = active
    kpi.save(update_fields=["active"])
    return kpi
