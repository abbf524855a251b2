"""Action items as an Excel workbook (.xlsx), for people who keep their follow-up in a
spreadsheet.

Every cell written from text is a string cell, never a formula: a title such as
"=HYPERLINK(…)" or "+SUM(A1)" typed in a meeting must not run when someone opens the file
(CSV/formula injection). Text that a spreadsheet would read as a formula also gets Excel's
quote prefix, so it stays text even when the cell is edited."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lihui.documents import FORMULA_STARTS, formula_like  # noqa: F401 (FORMULA_STARTS: the one guard, re-exported)

from .models import ActionItem

EXPORT_LIMIT = 50_000  # rows per file: a bigger list is a sign the filters are missing
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MIN_WIDTH, MAX_WIDTH = 8, 60


def _text_width(value: str) -> int:
    """Columns a text needs: CJK and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in value)


def _clean(value: str) -> str:
    # Control characters are not allowed in the file's XML; they carry nothing anyway.
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _local(value: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    # Excel has no time zones: write the reader's wall-clock time.
    return value.astimezone(zone).replace(tzinfo=None) if value is not None else None


def _cell(ws, value):
    """What goes into the sheet for one value: plain values as they are (openpyxl stores a
    str as a string and a date as a date), a cell only where that is not enough."""
    if isinstance(value, str):
        value = _clean(value)
        formula = formula_like(value)
        if not formula and value not in ERROR_CODES:
            return value
        cell = WriteOnlyCell(ws)
        cell.value = value
        # After the value: openpyxl takes a leading "=" for a formula and "#N/A" for an error.
        cell.data_type = "s"
        cell.quotePrefix = formula
        return cell
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    return value  # dates get openpyxl's yyyy-mm-dd


def _header(ws, text: str) -> Cell:
    cell = WriteOnlyCell(ws, value=_clean(text))
    cell.data_type = "s"
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="F2F4F7")
    cell.alignment = Alignment(vertical="center")
    return cell


def action_rows(*, actions: Iterable[ActionItem], today: dt.date, zone: ZoneInfo) -> Iterable[list]:
    """One list of cell values per action, in the order of `action_headers`."""
    yes, no = _("Yes"), _("No")
    # Translated once, not once per row.
    priorities = {k: str(v) for k, v in ActionItem.Priority.choices}
    statuses = {k: str(v) for k, v in ActionItem.Status.choices}
    zones: dict[str, ZoneInfo] = {}
    for a in actions:
        series_zone = zones.setdefault(a.series.time_zone, ZoneInfo(a.series.time_zone))
        yield [
            a.title,
            a.series.title,
            a.meeting.start.astimezone(series_zone).date(),  # the meeting's day where it was held
            str(a.owner),
            a.owner.department.name if a.owner.department_id else "",
            a.due,
            priorities.get(a.priority, a.priority),
            statuses.get(a.status, a.status),
            yes if a.is_overdue(today) else no,
            _local(a.created, zone),
            _local(a.closed_at, zone),
        ]


def action_headers() -> list[str]:
    return [
        _("Action"), _("Meeting series"), _("Meeting date"), _("Owner"), _("Department"), _("Due date"),
        _("Priority"), _("Status"), _("Overdue"), _("Created"), _("Closed"),
    ]  # fmt: skip


def actions_xlsx(*, actions: Iterable[ActionItem], today: dt.date, zone: ZoneInfo, note: str = "") -> bytes:
    """The actions as one sheet with a frozen, filterable header row; `note` (e.g. that the
    list was cut short) goes on a second sheet. Dates are real date cells, times are in `zone`."""
    headers = action_headers()
    rows = list(action_rows(actions=actions, today=today, zone=zone))
    # Widths from the content (a write-only sheet takes them before the first row); the
    # first thousand rows tell enough, and MAX_WIDTH caps a long title anyway.
    widths = [_text_width(h) + 4 for h in headers]  # room for the filter button
    for row in rows[:1000]:
        for i, value in enumerate(row):
            if isinstance(value, str):
                widths[i] = max(widths[i], _text_width(value) + 1)
            elif isinstance(value, dt.datetime):
                widths[i] = max(widths[i], 17)
            elif isinstance(value, dt.date):
                widths[i] = max(widths[i], 11)

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Action items")[:31])
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    ws.append([_header(ws, h) for h in headers])
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
    if note:
        info = wb.create_sheet(_("Note")[:31])
        info.column_dimensions["A"].width = MAX_WIDTH * 2
        info.append([_cell(info, note)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def actions_xlsx_capped(*, actions: Iterable[ActionItem], today: dt.date, zone: ZoneInfo, limit: int | None = None) -> bytes:
    """The first `limit` (EXPORT_LIMIT) of `actions` (a sliceable list or queryset, in
    order) as .xlsx; when more matched, the file's second sheet says so."""
    limit = limit or EXPORT_LIMIT
    rows = list(actions[: limit + 1])
    note = ""
    if len(rows) > limit:
        rows = rows[:limit]
        note = _("Only the first %(limit)s actions are in this file. Narrow the filters to export the rest.") % {"limit": f"{limit:,}"}
    return actions_xlsx(actions=rows, today=today, zone=zone, note=note)


def xlsx_filename(today: dt.date) -> str:
    return f"actions-{today.isoformat()}.xlsx"
