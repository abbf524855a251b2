"""Import people from a file (admins): upload → preview, row by row → confirm → the sync
report. Nothing is written before the confirmation; the template is downloaded here too."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lihui.people.models import Person, Source
from lihui.web import XLSX, file_response

from .. import imports
from ..models import SyncReport
from ..selectors import directory_admin_required
from .reports import FIELD_LABELS

ACTIONS = {
    "error": gettext_lazy("Errors"),
    "created": gettext_lazy("New"),
    "changed": gettext_lazy("Changed"),
    "reactivated": gettext_lazy("Back (reactivated)"),
    "unchanged": gettext_lazy("Unchanged"),
}
LANGUAGE_NAMES = dict(Person.Language.choices)


class ImportForm(forms.Form):
    # Empty files are let through to the import's own check, which says so in its words
    # (and a file over the upload limit arrives as an empty stand-in that knows its size).
    file = forms.FileField(label=gettext_lazy("File (.xlsx or .csv)"), allow_empty_file=True)


def _read(upload) -> tuple[bytes | None, str | None]:
    """The uploaded bytes, or the translated reason they are refused (before any parsing)."""
    if upload.size > imports.MAX_BYTES:
        return None, _("The file is %(size).1f MB; at most %(max)d MB can be imported at once.") % {
            "size": upload.size / 2**20,
            "max": imports.MAX_BYTES // 2**20,
        }
    return upload.read(), None


@require_http_methods(["GET", "POST"])
@login_required
@directory_admin_required
def import_upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data, error = _read(upload)
        if data is not None:
            preview = imports.import_preview(data, file_name=upload.name or "")
            if preview.errors and not preview.rows:
                error = preview.errors[0]  # the file as a whole cannot be used: say so here, keep nothing
            else:
                report = imports.import_preview_store(data=data, file_name=upload.name or "", actor=request.user, preview=preview)
                return redirect("directory:import_preview", pk=report.pk)
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "error": error,
        "columns": imports.COLUMNS,
        "max_mb": imports.MAX_BYTES // 2**20,
        "max_rows": f"{imports.MAX_ROWS:,}",
    }
    return render(request, "directory/import.html", context, status=status)


def _preview_context(preview: imports.ImportPreview) -> dict:
    groups = {action: [] for action in ACTIONS}
    for row in preview.rows:
        groups.setdefault(row.action, []).append(
            {
                "row": row,
                "fields": [
                    (FIELD_LABELS.get(f, f), _shown(f, before), _shown(f, after))
                    for f, before, after in row.fields
                    if not (row.action == "created" and f in ("employee_number", "name"))  # in the row's own columns
                ],
            }
        )
    return {
        "preview": preview,
        "counts": preview.counts(),
        "groups": [(action, ACTIONS[action], groups[action]) for action in ACTIONS if groups[action]],
    }


def _shown(field: str, value) -> str:
    if field == "language":
        return str(LANGUAGE_NAMES.get(value or "", value)) if value else ""
    return value or ""


def _preview_report(pk: int) -> SyncReport:
    return get_object_or_404(SyncReport, pk=pk, source=Source.IMPORT, status=SyncReport.Status.PREVIEW)


@require_GET
@login_required
@directory_admin_required
def import_preview(request, pk: int):
    report = _preview_report(pk)
    done = imports.import_confirmed_report(preview=report)
    data = None if done else imports.import_preview_bytes(report)
    context = {"report": report, "done": done, "form": ImportForm(), "labels": FIELD_LABELS}
    if data is not None:
        context.update(_preview_context(imports.import_preview(data, file_name=report.file_name)))
    return render(request, "directory/import_preview.html", context)


@require_POST
@login_required
@directory_admin_required
def import_confirm(request, pk: int):
    report = _preview_report(pk)
    preview, result = imports.import_confirm(preview=report, actor=request.user)
    if result is None and preview is None:
        messages.error(request, _("This preview has expired. Upload the file again."))
        return redirect("directory:import_upload")
    if result is None:
        messages.error(request, _("The file has errors, so nothing was imported. Fix the file and upload it again."))
        return redirect("directory:import_preview", pk=report.pk)
    if preview is None:
        messages.info(request, _("This file was imported already; importing it again would change nothing."))
    elif result.status == SyncReport.Status.FAILED:
        messages.error(request, _("The import failed and changed nothing: %(error)s") % {"error": result.error})
    else:
        messages.success(request, _("The file was imported."))
    return redirect("directory:sync_report_detail", pk=result.pk)


@require_GET
@login_required
@directory_admin_required
def import_template(request):
    """The template in the page's language; ?language=en or zh-hans for the other one."""
    language = request.GET.get("language") or get_language() or "zh-hans"
    language = "en" if language.startswith("en") else "zh-hans"
    name = "people-import-template.xlsx" if language == "en" else "人员导入模板.xlsx"
    return file_response(imports.import_template(language=language), filename=name, content_type=XLSX)
