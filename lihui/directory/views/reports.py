"""目录 for admins: the sync reports, what each changed, and where a person comes from."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import yesno
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lihui.people.models import Person, Source
from lihui.regime.selectors import series_with_departed_chairs

from ..selectors import (
    directory_admin_required,
    person_identities,
    person_sync_history,
    sync_report_changes,
    sync_report_list,
    sync_report_or_404,
)

FIELD_LABELS = {
    "employee_number": Person._meta.get_field("employee_number").verbose_name,
    "name": Person._meta.get_field("name").verbose_name,
    "email": Person._meta.get_field("email").verbose_name,
    "phone": Person._meta.get_field("phone").verbose_name,
    "title": Person._meta.get_field("title").verbose_name,
    "department": Person._meta.get_field("department").verbose_name,
    "manager": Person._meta.get_field("manager").verbose_name,
    "language": Person._meta.get_field("language").verbose_name,
    "time_zone": Person._meta.get_field("time_zone").verbose_name,
    "is_staff": Person._meta.get_field("is_staff").verbose_name,
}
LANGUAGES = dict(Person.Language.choices)


def _field_rows(fields: dict) -> list[tuple]:
    """(label, before, after) per changed field; languages by name, not by code."""
    rows = []
    for field, (before, after) in fields.items():
        if field == "language":
            before, after = LANGUAGES.get(before, before), LANGUAGES.get(after, after)
        rows.append((FIELD_LABELS.get(field, field), before, after))
    return rows


@require_GET
@login_required
@directory_admin_required
def directory_index(request):
    return render(
        request,
        "directory/index.html",
        {
            "reports": sync_report_list()[:30],
            "departed_chairs": series_with_departed_chairs(),
        },
    )


@require_GET
@login_required
@directory_admin_required
def sync_report_detail(request, pk: int):
    report = sync_report_or_404(pk=pk)
    changes = [
        {"change": c, "fields": _field_rows(c.fields)} for c in sync_report_changes(report=report)
    ]
    return render(request, "directory/report.html", {"report": report, "changes": changes})


@require_GET
@login_required
@directory_admin_required
def person_sources(request, pk: int):
    person = get_object_or_404(Person.objects.select_related("department", "manager"), pk=pk)
    sources = dict(Source.choices)
    fields = [
        (label, _shown(person, f), sources.get(person.field_sources.get(f, ""), sources[Source.LOCAL]))
        for f, label in FIELD_LABELS.items()
    ]
    return render(
        request,
        "directory/person.html",
        {
            "person": person,
            "identities": person_identities(person=person),
            "fields": fields,
            "history": [
                {"change": c, "fields": _field_rows(c.fields)} for c in person_sync_history(person=person)
            ],
        },
    )


def _shown(person: Person, field: str) -> str:
    if field == "department":
        return person.department.path if person.department_id else ""
    if field == "manager":
        return str(person.manager) if person.manager_id else ""
    if field == "language":
        return person.get_language_display() if person.language else ""
    if field == "is_staff":
        return yesno(person.is_staff, _("yes,no"))
    return getattr(person, field) or ""
