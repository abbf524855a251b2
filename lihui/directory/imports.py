"""Import people from a spreadsheet: an .xlsx or .csv file becomes a `Snapshot` for the
directory engine (services.py), previewed row by row, applied only when it has no errors.

The file: one row per person under a header row naming the columns in Chinese or English
(工号 / Employee number, 姓名 / Name, 部门 / Department …, `COLUMNS`). The 工号 is the person's
key in the "import" source; 部门 is a path (运营中心/客服部) whose every prefix becomes a
department of the tree; 是否部门负责人 names its head; 直属上级 is a 工号 or a name that only
one person in the file has. Rows are numbered as the spreadsheet shows them (the header is
row 1), and every error is said in the row's own words: ours (missing 工号, duplicates, an
unknown manager, two heads for one department, a value a column does not take) and the
engine's (bad e-mail, a 工号 that belongs to someone else …), mapped back through
`DirectoryPerson.row`.

What a file is, is judged from its content, never its name: a ZIP holding xl/workbook.xml is
a workbook (read with openpyxl in read-only mode, cached values rather than formulas), other
text is CSV (UTF-8 with or without a BOM, UTF-16 with a BOM — Excel's "Unicode text" —, else
GB18030, which is how a Chinese Excel saves CSV). Limits: `MAX_BYTES` and `MAX_ROWS`; past
either, one clear error and nothing else is read.

Between the preview and the confirmation the file's bytes are kept in the default storage
(`_stored_name`), next to a SyncReport with status PREVIEW holding their digest; confirming
plans again from those very bytes (the company may have changed in between), and a second
confirmation of the same preview finds the report the first one made and changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from collections import Counter, defaultdict

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from lihui.people.models import Identity, Person, Source, known_time_zones

from .models import SyncReport
from .services import DirectoryDepartment, DirectoryPerson, Snapshot, sync_apply, sync_plan

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# What a 5 MB workbook may unzip to. Real ones grow ten- to twenty-fold; a "zip bomb" far more.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
HEADER_SEARCH_ROWS = 10  # a title line or two above the header is allowed
PREVIEW_TTL = dt.timedelta(hours=24)
STORAGE_DIR = "directory-imports"


@dataclasses.dataclass(frozen=True)
class Column:
    field: str
    zh: str  # the template's header in Chinese
    en: str  # … and in English
    aliases: tuple[str, ...] = ()  # other headers people write, compared after _header_key()
    required: bool = False


# The headers are the file format, not interface text: both languages are recognised whatever
# the reader's language, so they are written out here rather than looked up with gettext.
COLUMNS = (
    Column("employee_number", "工号", "Employee number",
           ("员工编号", "员工号", "职工号", "工号编号", "employeeno", "employeeid", "empno", "staffnumber", "staffid", "staffno"),
           required=True),
    Column("name", "姓名", "Name", ("名字", "员工姓名", "fullname", "personname"), required=True),
    Column("department", "部门", "Department", ("所属部门", "部门路径", "dept", "departmentpath")),
    Column("title", "职务", "Title", ("职位", "岗位", "jobtitle", "position")),
    Column("phone", "手机", "Mobile", ("手机号", "手机号码", "移动电话", "电话", "mobilephone", "phone", "cellphone", "mobilenumber")),
    Column("email", "邮箱", "E-mail", ("电子邮箱", "电子邮件", "邮件", "邮箱地址", "mail", "emailaddress")),
    Column("manager", "直属上级", "Line manager", ("上级", "直接上级", "汇报对象", "manager", "reportsto", "supervisor")),
    Column("head", "是否部门负责人", "Department head",
           ("部门负责人", "负责人", "是否负责人", "headofdepartment", "isdepartmenthead", "ishead", "head")),
    Column("language", "语言", "Language", ("语种", "lang")),
    Column("time_zone", "时区", "Time zone", ("timezone", "tz")),
    Column("username", "用户名", "Username", ("账号", "帐号", "登录名", "username", "login", "account")),
)  # fmt: skip
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
YES = {"是", "y", "yes", "true", "1", "√", "✓", "是的", "负责人"}
NO = {"否", "n", "no", "false", "0", "", "×", "不是"}
LANGUAGE_VALUES = {
    "中文": "zh-hans", "简体中文": "zh-hans", "汉语": "zh-hans", "chinese": "zh-hans", "zh": "zh-hans", "zh-hans": "zh-hans",
    "zh-cn": "zh-hans", "zhcn": "zh-hans", "英文": "en", "英语": "en", "english": "en", "en": "en", "en-us": "en", "en-gb": "en",
}  # fmt: skip
PATH_SEPARATORS = re.compile(r"\s*[/／\\]\s*")
SHORTENED = re.compile(r"\d(\.\d+)?[eE]\+\d+")


class ImportFileError(Exception):
    """The whole file cannot be read (not a spreadsheet, too large, no header): one message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _damaged() -> ImportFileError:
    return ImportFileError(_("The workbook is damaged and cannot be read. Open it in Excel, save it again and upload that."))


def _header_key(text: str) -> str:
    """工号（必填） / Employee Number* / e_mail → one spelling: NFKC, no case, no hints, no spaces."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    text = re.sub(r"[(\[【].*?[)\]】]", "", text)
    return re.sub(r"[\s*_\-:.·]", "", text)


HEADER_LOOKUP = {
    _header_key(alias): c.field for c in COLUMNS for alias in (c.zh, c.en, c.field, *c.aliases)
}  # fmt: skip


# --- reading the file ----------------------------------------------------------------------


def _number_text(value: int | float, number_format: str | None) -> str:
    """A number cell as the text it stands for: 13800000000.0 → "13800000000"; 123 shown
    with the format 00000 → "00123" (a 工号 typed with its zeros into a number column)."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            value = int(value)
        else:
            text = repr(value)
            return format(value, "f").rstrip("0").rstrip(".") if "e" in text else text
    text = str(value)
    match = re.fullmatch(r'(?:"([^"]*)")?(0+)', number_format or "")
    if match and value >= 0:
        text = (match.group(1) or "") + text.zfill(len(match.group(2)))
    return text


def _cell_text(value, number_format: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value, number_format)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _sniff_kind(data: bytes) -> str:
    """xlsx or csv, from the content; anything else is refused with what it seems to be."""
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise ImportFileError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("This is an old Excel file (.xls). Save it as .xlsx or CSV and upload that."))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    import filetype

    kind = filetype.guess(data[:8192])
    if kind is not None or b"\x00" in data[:8192]:
        raise ImportFileError(_("This is not a spreadsheet. Upload an .xlsx workbook or a CSV file."))
    return "csv"


def _xlsx_rows(data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise _damaged() from exc
    if "xl/workbook.xml" not in names:
        if "content.xml" in names and "mimetype" in names:
            raise ImportFileError(_("This is an OpenDocument spreadsheet (.ods). Save it as .xlsx or CSV and upload that."))
        raise ImportFileError(_("This is not a spreadsheet. Upload an .xlsx workbook or a CSV file."))
    if unzipped > MAX_UNZIPPED_BYTES:
        raise ImportFileError(
            _("The workbook unpacks to more than %(mb)d MB: that is not a list of people.") % {"mb": MAX_UNZIPPED_BYTES // 2**20}
        )
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises whatever its parsers meet: KeyError, ValueError, XML errors …
        raise _damaged() from exc

    return ((sheet.title, _sheet_rows(sheet)) for sheet in workbook.worksheets)


def _sheet_rows(sheet):
    """(row number as the sheet shows it, [cell texts]) for each row of a read-only sheet."""
    try:
        sheet.reset_dimensions()  # the size a file declares may be wrong: read the rows that are there
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            row_number = number
            texts = []
            for cell in cells:
                if getattr(cell, "row", None):
                    row_number = cell.row
                texts.append(_cell_text(cell.value, getattr(cell, "number_format", None)))
            yield row_number, texts
    except Exception as exc:  # a damaged sheet: whatever openpyxl's XML parser raised
        raise _damaged() from exc


def _decode(data: bytes) -> str:
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The CSV file is not valid text in the encoding it declares. Save it again as CSV (UTF-8).")
        ) from exc
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 (GBK) text. Save it again as CSV (UTF-8)."))


def _csv_rows(data: bytes):
    text = _decode(data)
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text[:65536]):
        raise ImportFileError(_("This is not a spreadsheet. Upload an .xlsx workbook or a CSV file."))
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";"), key=first.count)

    def rows():
        try:
            yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)
        except csv.Error as exc:
            raise ImportFileError(_("The CSV file cannot be read: %(error)s.") % {"error": exc}) from exc

    return iter([("", rows())])


@dataclasses.dataclass
class Row:
    number: int
    values: dict  # field -> text, stripped
    errors: list[str] = dataclasses.field(default_factory=list)

    def get(self, field: str) -> str:
        return self.values.get(field, "")


@dataclasses.dataclass
class ParsedFile:
    rows: list[Row]
    columns: list[str]  # the fields found, in the file's order
    ignored: list[str]  # headers we do not know, left alone


def _find_header(rows) -> tuple[dict[int, str], list[str]] | None:
    """The header among the first rows: the one naming at least two known columns."""
    for _number, cells in rows:
        found = {i: HEADER_LOOKUP.get(_header_key(c)) for i, c in enumerate(cells) if str(c).strip()}
        if sum(1 for f in found.values() if f) >= 2:
            ignored = [str(cells[i]).strip() for i, f in found.items() if not f]
            return {i: f for i, f in found.items() if f}, ignored
        if _number >= HEADER_SEARCH_ROWS:
            return None
    return None


def import_read(data: bytes) -> ParsedFile:
    """The file's rows by column, or ImportFileError saying why the file cannot be used."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            _("The file is %(size).1f MB; at most %(max)d MB can be imported at once.")
            % {"size": len(data) / 2**20, "max": MAX_BYTES // 2**20}
        )
    sheets = _xlsx_rows(data) if _sniff_kind(data) == "xlsx" else _csv_rows(data)
    for _title, sheet in sheets:
        header = _find_header(sheet)
        if header is None:
            continue
        columns, ignored = header
        counts = Counter(columns.values())
        twice = [COLUMN_BY_FIELD[f] for f, n in counts.items() if n > 1]
        if twice:
            raise ImportFileError(
                _("The column %(column)s appears more than once in the header.") % {"column": f"{twice[0].zh} / {twice[0].en}"}
            )
        missing = [c for c in COLUMNS if c.required and c.field not in counts]
        if missing:
            raise ImportFileError(
                _("The header has no %(column)s column: every person needs one.")
                % {"column": f"{missing[0].zh} / {missing[0].en}"}
            )
        rows = []
        for number, cells in sheet:
            values = {}
            for i, field in columns.items():
                if i < len(cells):
                    value = " ".join(str(cells[i]).replace("\x00", "").split())
                    if value:
                        values[field] = value
            if not values:
                continue  # a blank row
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(max)s people; import at most %(max)s at a time (split the file).")
                    % {"max": f"{MAX_ROWS:,}"}
                )
            rows.append(Row(number, values))
        if not rows:
            raise ImportFileError(_("The file has a header row but no people under it."))
        return ParsedFile(rows, [f for _i, f in sorted(columns.items())], ignored)
    raise ImportFileError(
        _("No header row found. The first row must name the columns, such as 工号, 姓名, 部门 (or Employee number, Name, Department): "
          "download the template to see them.")
    )  # fmt: skip


# --- rows into a snapshot --------------------------------------------------------------------


def _department_path(text: str) -> str | None:
    parts = [p.strip() for p in PATH_SEPARATORS.split(unicodedata.normalize("NFC", text)) if p.strip()]
    return "/".join(parts) or None


def _column(field: str) -> str:
    """A column by its header in the reader's language."""
    c = COLUMN_BY_FIELD[field]
    return c.en if (get_language() or "").startswith("en") else c.zh


def _rows_text(numbers) -> str:
    return ", ".join(str(n) for n in sorted(numbers))


def _snapshot(parsed: ParsedFile) -> Snapshot:
    """The engine's snapshot of the rows; our own row errors land on the rows."""
    rows = parsed.rows
    by_number: dict[str, list[Row]] = defaultdict(list)
    by_name: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        number = row.get("employee_number")
        if not number:
            row.errors.append(_("The employee number (工号) is missing: every person needs one."))
        else:
            by_number[number].append(row)
        if row.get("name"):
            by_name[row.get("name")].append(row)
        for field in ("employee_number", "phone"):
            if SHORTENED.fullmatch(row.get(field)):  # 1.38E+10: what Excel shows of a long number in a narrow column
                row.errors.append(
                    _("“%(value)s” is a number the spreadsheet shortened: format the column as text and type it again.")
                    % {"value": row.get(field)}
                )
    for number, same in by_number.items():
        if len(same) > 1:
            for row in same:
                row.errors.append(
                    _("The employee number “%(value)s” is on rows %(rows)s: each person needs their own.")
                    % {"value": number, "rows": _rows_text(r.number for r in same)}
                )
    earlier = set(Identity.objects.filter(source=Source.IMPORT).values_list("external_id", flat=True))

    departments: dict[str, DirectoryDepartment] = {}
    heads: dict[str, list[Row]] = defaultdict(list)
    people: list[DirectoryPerson] = []
    for row in rows:
        path = _department_path(row.get("department")) if row.get("department") else None
        if path:
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                key = "/".join(parts[:depth])
                departments.setdefault(key, DirectoryDepartment(key, parts[depth - 1], "/".join(parts[: depth - 1]) or None))
        head = row.get("head").casefold()
        if head not in YES | NO:
            row.errors.append(
                _("“%(value)s” in %(column)s is not yes or no (是/否, Y/N, true/false, 1/0).")
                % {"value": row.get("head"), "column": _column("head")}
            )
        elif head in YES:
            if path:
                heads[path].append(row)
            else:
                row.errors.append(_("Marked as department head, but the row names no department."))
        language = None
        if row.get("language"):
            language = LANGUAGE_VALUES.get(row.get("language").casefold())
            if language is None:
                row.errors.append(
                    _("“%(value)s” is not a language Lihui speaks: 中文 (zh-hans) or English (en).")
                    % {"value": row.get("language")}
                )
        zone = row.get("time_zone") or None
        if zone and zone not in known_time_zones():
            zone = {z.casefold(): z for z in known_time_zones()}.get(zone.casefold(), zone)  # asia/shanghai
        manager = _manager_key(row, by_number, by_name, earlier)
        number = row.get("employee_number")
        if number and by_number[number][0] is row:  # of rows sharing a 工号 the first goes on (all have the error)
            people.append(
                DirectoryPerson(
                    key=number, name=row.get("name"), employee_number=number, username=row.get("username"), email=row.get("email"),
                    phone=row.get("phone"), title=row.get("title"), department_key=path, manager_key=manager, language=language,
                    time_zone=zone, row=row.number, attributes={"row": row.number},
                )
            )  # fmt: skip
    for path, rows_here in heads.items():
        if len(rows_here) > 1:
            for row in rows_here:
                row.errors.append(
                    _("%(department)s has two heads in this file (rows %(rows)s): mark only one of them.")
                    % {"department": path, "rows": _rows_text(r.number for r in rows_here)}
                )
        d = departments[path]
        departments[path] = dataclasses.replace(
            d, head_keys=tuple(r.get("employee_number") for r in rows_here if r.get("employee_number"))
        )
    return Snapshot(Source.IMPORT, list(departments.values()), people, complete=False)


def _manager_key(row: Row, by_number: dict, by_name: dict, earlier: set[str]) -> str | None:
    """直属上级: a 工号 in the file or imported before, else a name only one row of the file has."""
    value = row.get("manager")
    if not value:
        return None
    if value in by_number or value in earlier:
        return value
    named = by_name.get(value, [])
    if len(named) == 1 and named[0].get("employee_number"):
        return named[0].get("employee_number")
    if len(named) > 1:
        row.errors.append(
            _("%(value)s, the line manager, is the name of %(n)d people in this file (rows %(rows)s): give their 工号 instead.")
            % {"value": value, "n": len(named), "rows": _rows_text(r.number for r in named)}
        )
    else:
        row.errors.append(_("The line manager “%(value)s” is neither a 工号 nor a name in this file.") % {"value": value})
    return None


# --- the preview -----------------------------------------------------------------------------


@dataclasses.dataclass
class RowResult:
    row: int
    employee_number: str
    name: str
    action: str  # created | changed | unchanged | reactivated | error
    fields: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # (field, before, after)
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ImportPreview:
    file_name: str
    digest: str
    rows: list[RowResult] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)  # about the whole file
    departments_created: list[str] = dataclasses.field(default_factory=list)
    ignored_columns: list[str] = dataclasses.field(default_factory=list)
    snapshot: Snapshot | None = None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(r.errors for r in self.rows)

    def counts(self) -> dict:
        actions = Counter(r.action for r in self.rows)
        out = {k: actions.get(k, 0) for k in ("created", "changed", "unchanged", "reactivated", "error")}
        out["rows"] = len(self.rows)
        out["departments_created"] = len(self.departments_created)
        return out

    def problems(self) -> list[dict]:
        out = [{"key": "", "name": "", "row": None, "errors": self.errors}] if self.errors else []
        return out + [{"key": r.employee_number, "name": r.name, "row": r.row, "errors": r.errors} for r in self.rows if r.errors]


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_preview(data: bytes, *, file_name: str = "") -> ImportPreview:
    """What importing `data` would do, row by row; writes nothing. A file that cannot be
    read at all comes back with one error in `errors` and no rows."""
    preview = ImportPreview(file_name=file_name, digest=digest_of(data))
    try:
        parsed = import_read(data)
    except ImportFileError as exc:
        preview.errors.append(exc.message)
        return preview
    preview.ignored_columns = parsed.ignored
    snapshot = _snapshot(parsed)
    preview.snapshot = snapshot
    plan = sync_plan(snapshot)
    preview.errors += plan.errors
    planned = {p.data.row: p for p in plan.people if p.data is not None}
    by_path = defaultdict(list)
    for d in plan.departments:
        if d.action == "created":
            preview.departments_created.append(d.data.key)
        for error in d.errors:
            by_path[d.data.key].append(f"{d.data.key}: {error}")
    for row in parsed.rows:
        result = RowResult(row.number, row.get("employee_number"), row.get("name"), "error", errors=list(row.errors))
        path = _department_path(row.get("department")) if row.get("department") else None
        if path:
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                result.errors += by_path.get("/".join(parts[:depth]), [])
        p = planned.get(row.number)
        if p is not None:
            result.errors += [e for e in p.errors if e not in result.errors]
            number = p.fields.get("employee_number", ["", ""])
            if number[0] and p.action != "skipped":
                # Matched by username or e-mail to someone who has another 工号: the 工号 is the
                # person's key in this file, so it is the row that is wrong, not the person.
                result.errors.append(
                    _("This row matches %(name)s by username or e-mail, whose 工号 is %(before)s, not %(after)s.")
                    % {"name": p.fields.get("name", [p.name])[0], "before": number[0], "after": number[1]}
                )
            result.fields = [(f, before, after) for f, (before, after) in p.fields.items()]
            if not result.errors:
                result.action = p.action
        preview.rows.append(result)
    return preview


# --- applying --------------------------------------------------------------------------------


def import_apply(data: bytes, *, actor: Person | None, file_name: str = "") -> tuple[ImportPreview, SyncReport | None]:
    """Plan `data` again and, when no row has an error, write it with its report. With any
    error nothing is written and the report is None: the file is fixed and sent again."""
    with transaction.atomic():  # the check and the write see the same company
        preview = import_preview(data, file_name=file_name)
        if preview.has_errors:
            return preview, None
        report = sync_apply(
            preview.snapshot,
            trigger=SyncReport.Trigger.IMPORT,
            actor=actor,
            file_name=file_name[:200],
            file_digest=preview.digest,
        )
    return preview, report


def _stored_name(report: SyncReport) -> str:
    # Named by the preview's id and digest, never by anything the uploader chose. The default
    # storage (MEDIA_ROOT, files 0600, never served; or the private bucket) rather than the
    # cache: the embedded run's cache is per process, so a confirmation reaching another web
    # worker would not find it, and an S3 cluster shares the bucket between machines.
    return f"{STORAGE_DIR}/{report.pk}-{report.file_digest}.bin"


def import_preview_store(*, data: bytes, file_name: str, actor: Person | None, preview: ImportPreview) -> SyncReport:
    """Keep an uploaded file for its confirmation: a PREVIEW report and the bytes beside it.
    Previews older than PREVIEW_TTL go, with their files."""
    import_previews_expire()
    report = SyncReport.objects.create(
        source=Source.IMPORT, trigger=SyncReport.Trigger.IMPORT, actor=actor, status=SyncReport.Status.PREVIEW,
        counts=preview.counts(), problems=preview.problems(), file_name=file_name[:200], file_digest=preview.digest,
    )  # fmt: skip
    storage = storages["default"]
    name = _stored_name(report)
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(data))
    return report


def import_preview_bytes(report: SyncReport) -> bytes | None:
    """The file a preview was made from, or None once it has been imported or has expired."""
    if report.status != SyncReport.Status.PREVIEW or report.started < timezone.now() - PREVIEW_TTL:
        return None
    storage = storages["default"]
    name = _stored_name(report)
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as f:
        data = f.read()
    return data if digest_of(data) == report.file_digest else None


def import_confirmed_report(*, preview: SyncReport) -> SyncReport | None:
    """The import a preview became: the first successful one of the same file since."""
    return (
        SyncReport.objects.filter(
            source=Source.IMPORT, status=SyncReport.Status.DONE, file_digest=preview.file_digest, started__gte=preview.started
        )
        .order_by("started", "id")
        .first()
    )


def import_confirm(*, preview: SyncReport, actor: Person | None) -> tuple[ImportPreview | None, SyncReport | None]:
    """Apply the file of a preview. Confirmed already (a double click, the back button): the
    report of that import, nothing written again. Expired: (None, None). With errors now: the
    new preview and None."""
    with transaction.atomic():
        # Two confirmations at once queue here (SQLite's IMMEDIATE transactions, PostgreSQL's
        # row lock), so the second one sees the first one's report.
        preview = SyncReport.objects.select_for_update().get(pk=preview.pk)
        done = import_confirmed_report(preview=preview)
        if done is not None:
            return None, done
        data = import_preview_bytes(preview)
        if data is None:
            return None, None
        result, report = import_apply(data, actor=actor, file_name=preview.file_name)
    if report is not None and report.status == SyncReport.Status.DONE:
        storages["default"].delete(_stored_name(preview))  # imported: the bytes are not needed any more
    return result, report


def import_previews_expire() -> int:
    """Forget previews nobody confirmed within PREVIEW_TTL, and their files."""
    storage = storages["default"]
    old = list(SyncReport.objects.filter(status=SyncReport.Status.PREVIEW, started__lt=timezone.now() - PREVIEW_TTL))
    for report in old:
        name = _stored_name(report)
        if storage.exists(name):
            storage.delete(name)
    SyncReport.objects.filter(pk__in=[r.pk for r in old]).delete()
    return len(old)


# --- the template ----------------------------------------------------------------------------


def _examples(language: str) -> list[dict]:
    if language == "en":
        return [
            {"employee_number": "E0001", "name": "Wang Jianguo", "department": "Operations", "title": "Director of operations",
             "phone": "13800000001", "email": "wang.jianguo@example.com", "manager": "", "head": "Yes", "language": "Chinese",
             "time_zone": "Asia/Shanghai", "username": ""},
            {"employee_number": "E0002", "name": "Li Na", "department": "Operations/Customer service", "title": "Team lead",
             "phone": "13800000002", "email": "li.na@example.com", "manager": "E0001", "head": "Yes", "language": "English",
             "time_zone": "Asia/Shanghai", "username": ""},
            {"employee_number": "E0003", "name": "Zhang Wei", "department": "Operations/Customer service", "title": "Agent",
             "phone": "13800000003", "email": "zhang.wei@example.com", "manager": "Li Na", "head": "No", "language": "",
             "time_zone": "", "username": "zhangwei"},
        ]  # fmt: skip
    return [
        {"employee_number": "E0001", "name": "王建国", "department": "运营中心", "title": "运营总监", "phone": "13800000001",
         "email": "wang.jianguo@example.com", "manager": "", "head": "是", "language": "中文", "time_zone": "Asia/Shanghai", "username": ""},
        {"employee_number": "E0002", "name": "李娜", "department": "运营中心/客服部", "title": "客服主管", "phone": "13800000002",
         "email": "li.na@example.com", "manager": "E0001", "head": "是", "language": "中文", "time_zone": "Asia/Shanghai", "username": ""},
        {"employee_number": "E0003", "name": "张伟", "department": "运营中心/客服部", "title": "客服专员", "phone": "13800000003",
         "email": "zhang.wei@example.com", "manager": "李娜", "head": "否", "language": "English", "time_zone": "", "username": "zhangwei"},
    ]  # fmt: skip


def _explanations() -> dict[str, tuple[str, str]]:
    """Per column: whether it is required, and what it takes (in the active language)."""
    required, optional = _("Required"), _("Optional")
    return {
        "employee_number": (required, _("The company's id for the person. It is how the next import finds them again: never reuse one.")),
        "name": (required, _("The name colleagues know.")),
        "department": (optional, _("The department as a path from the top, levels separated by /, e.g. 运营中心/客服部. "
                                   "Every level is created if it does not exist.")),
        "title": (optional, _("The job title.")),
        "phone": (optional, _("Mobile number. Format the column as text so leading zeros and long numbers stay as typed.")),
        "email": (optional, _("Work e-mail address: where notices go.")),
        "manager": (optional, _("The line manager: their 工号, or their name when only one person in the file has it.")),
        "head": (optional, _("是 / 否 (Y/N, true/false, 1/0): whether the person heads their department. One head per department.")),
        "language": (optional, _("中文 or English: the language Lihui speaks to the person. Empty: their browser's.")),
        "time_zone": (optional, _("An IANA time zone such as Asia/Shanghai. Empty: the company's default.")),
        "username": (optional, _("The login name. Empty: the 工号. Give it when the person already has an account.")),
    }  # fmt: skip


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def import_template(*, language: str) -> bytes:
    """The import template as .xlsx, headers in `language` ("zh-hans" or "en"): the header
    row, example rows, widths that fit, text-formatted id columns, and a sheet that explains
    each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    language = "en" if language == "en" else "zh-hans"
    with override(language):
        header_of = {c.field: (c.en if language == "en" else c.zh) for c in COLUMNS}
        examples = _examples(language)
        explanations = _explanations()
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("People")
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="F2F4F7")
        sheet.append([header_of[c.field] for c in COLUMNS])
        for cell in sheet[1]:
            cell.font, cell.fill, cell.alignment = bold, fill, Alignment(vertical="center")
        for example in examples:
            sheet.append([example[c.field] for c in COLUMNS])
        # Ids and phone numbers are text: typed into a number cell, 00123 would become 123.
        for i, c in enumerate(COLUMNS, start=1):
            values = [header_of[c.field], *(e[c.field] for e in examples)]
            sheet.column_dimensions[get_column_letter(i)].width = min(max(_width(v) for v in values) + 4, 40)
            if c.field in ("employee_number", "phone", "manager"):
                for row in range(2, 502):
                    sheet.cell(row=row, column=i).number_format = "@"
        sheet.freeze_panes = "A2"
        head_column = get_column_letter([c.field for c in COLUMNS].index("head") + 1)
        choices = '"Yes,No"' if language == "en" else '"是,否"'
        validation = DataValidation(type="list", formula1=choices, allow_blank=True)
        validation.add(f"{head_column}2:{head_column}501")
        sheet.add_data_validation(validation)

        guide = workbook.create_sheet(_("How to fill in"))
        guide.append([_("Column"), _("Required?"), _("What to enter"), _("Example")])
        for cell in guide[1]:
            cell.font, cell.fill = bold, fill
        for c in COLUMNS:
            needed, text = explanations[c.field]
            example = next((e[c.field] for e in examples if e[c.field]), "")
            other = c.zh if language == "en" else c.en
            guide.append([f"{header_of[c.field]} ({other})", needed, text, example])
        widths = {"A": 30, "B": 10, "C": 64, "D": 28}
        for letter, width in widths.items():
            guide.column_dimensions[letter].width = width
        for row in guide.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            # Wrapped text needs its height written: spreadsheets do not all measure it on opening.
            lines = max(-(-_width(str(cell.value or "")) // (widths[cell.column_letter] - 2)) for cell in row)
            guide.row_dimensions[row[0].row].height = 15 * max(lines, 1) + 3
        guide.append([])
        for note in (
            _("One row per person, under the header row. Replace the example rows with your own."),
            _("Nothing is written until you confirm the preview; importing the same file again changes nothing."),
        ):
            guide.append([note])
            guide.merge_cells(start_row=guide.max_row, start_column=1, end_row=guide.max_row, end_column=4)
        for ws in (sheet, guide):
            ws.page_setup.orientation = "landscape"
            ws.page_setup.paperSize = ws.PAPERSIZE_A4
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
