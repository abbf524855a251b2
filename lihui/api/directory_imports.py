"""API for importing people from a file (admins only): the preview with ?dry_run=true, else
the import itself, refused with nothing written while any row has an error."""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from lihui.directory import imports
from lihui.directory.models import SyncReport
from lihui.directory.selectors import person_is_directory_admin

from .errors import ERRORS

router = Router(tags=["directory"])


class ImportFieldOut(Schema):
    field: str = Field(description="employee_number, name, email, phone, title, department, manager, language or time_zone")
    before: str = Field(description="what Lihui has now (empty for a new person)")
    after: str = Field(description="what the file says")


class ImportRowOut(Schema):
    row: int = Field(description="the row as the spreadsheet numbers it (the header is row 1)")
    employee_number: str
    name: str
    action: Literal["created", "changed", "unchanged", "reactivated", "error"]
    fields: list[ImportFieldOut]
    errors: list[str] = Field(description="in the reader's language; any error means nothing is imported")


class ImportCountsOut(Schema):
    rows: int
    created: int
    changed: int
    unchanged: int
    reactivated: int
    error: int = Field(description="rows with errors")
    departments_created: int


class ImportOut(Schema):
    dry_run: bool
    report: int | None = Field(description="the sync report of the import; null for a dry run")
    counts: ImportCountsOut
    departments_created: list[str] = Field(description="department paths the import creates, parents first")
    rows: list[ImportRowOut]


def _out(preview: imports.ImportPreview, *, dry_run: bool, report: SyncReport | None = None) -> dict:
    return {
        "dry_run": dry_run,
        "report": report.pk if report is not None else None,
        "counts": preview.counts(),
        "departments_created": preview.departments_created,
        "rows": [
            {
                "row": r.row, "employee_number": r.employee_number, "name": r.name, "action": r.action, "errors": r.errors,
                "fields": [{"field": f, "before": before or "", "after": after or ""} for f, before, after in r.fields],
            }
            for r in preview.rows
        ],
    }  # fmt: skip


def _refused(preview: imports.ImportPreview) -> ValidationError:
    fields = {"file": preview.errors} if preview.errors else {}
    fields.update({f"rows.{r.row}": r.errors for r in preview.rows if r.errors})
    return ValidationError(fields)


@router.post("/directory/imports", response={200: ImportOut, 201: ImportOut, **ERRORS})
def people_import(request, file: File[UploadedFile], dry_run: bool = False):
    """Import people from an .xlsx or .csv file (工号, 姓名, 部门 …; see the template on the
    directory's import page). `dry_run=true`: the preview, row by row, nothing written (200).
    Otherwise the import (201, with its sync report), or 422 with every row error and
    nothing written. Importing the same file again changes nothing. Admins only."""
    if not person_is_directory_admin(request.user):
        raise PermissionDenied
    if file.size > imports.MAX_BYTES:
        raise ValidationError(
            {"file": [_("The file is %(size).1f MB; at most %(max)d MB can be imported at once.")
                      % {"size": file.size / 2**20, "max": imports.MAX_BYTES // 2**20}]}
        )  # fmt: skip
    data = file.read()
    name = file.name or ""
    if dry_run:
        preview = imports.import_preview(data, file_name=name)
        if preview.errors and not preview.rows:
            raise _refused(preview)
        return Status(200, _out(preview, dry_run=True))
    preview, report = imports.import_apply(data, actor=request.user, file_name=name)
    if report is None:
        raise _refused(preview)
    if report.status != SyncReport.Status.DONE:
        raise ValidationError({"file": [_("The import failed and changed nothing: %(error)s") % {"error": report.error}]})
    return Status(201, _out(preview, dry_run=False, report=report))
