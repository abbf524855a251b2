"""Importing people from a file: .xlsx and .csv (UTF-8, GB18030) read by their headers into
the directory engine; every row error in the row's own words; preview → confirm on the page,
the command and the API; nothing written before the confirmation, nothing twice."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from lihui.api.api import api
from lihui.directory import imports
from lihui.directory.imports import import_apply, import_preview, import_read, import_template
from lihui.directory.models import SyncChange, SyncReport
from lihui.people.models import Department, Identity, Person
from lihui.people.services import api_token_create
from lihui.testing.directory_files import company_csv, company_rows, company_xlsx, departments
from lihui.testing.factories import PersonFactory

NOW = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC)
ZH = ["工号", "姓名", "部门", "职务", "手机", "邮箱", "直属上级", "是否部门负责人", "语言", "时区"]
EN = [
    "Employee number",
    "Name",
    "Department",
    "Title",
    "Mobile",
    "E-mail",
    "Line manager",
    "Department head",
    "Language",
    "Time zone",
]
ROWS = [
    ["E001", "王经理", "运营中心", "总监", "13800000001", "wang@example.com", "", "是", "中文", "Asia/Shanghai"],
    ["E002", "李客服", "运营中心/客服部", "主管", "13800000002", "li@example.com", "E001", "是", "", ""],
    ["E003", "张仓储", "运营中心／仓储部", "", "", "zhang@example.com", "王经理", "否", "English", ""],
    ["E004", "赵专员", "运营中心 / 客服部", "专员", "", "", "李客服", "", "en", "Europe/Berlin"],
]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def xlsx(rows, header=ZH, *, before=()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for line in before:
        sheet.append(line)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, header=ZH, *, encoding="utf-8", delimiter=",") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def errors_by_row(preview) -> dict[int, str]:
    return {r.row: " ".join(r.errors) for r in preview.rows if r.errors}


def file_error(data: bytes) -> str:
    preview = import_preview(data)
    assert not preview.rows and len(preview.errors) == 1, preview.errors
    return preview.errors[0]


def world() -> tuple:
    return (
        list(Person.objects.order_by("pk").values()),
        list(Department.objects.order_by("pk").values()),
        Identity.objects.count(),
        SyncReport.objects.exclude(status=SyncReport.Status.PREVIEW).count(),
    )


def without_sync_times(rows):
    return [{k: v for k, v in r.items() if k != "last_synced"} for r in rows]


# --- reading the file ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(xlsx(ROWS), id="xlsx"),
        pytest.param(xlsx(ROWS, EN), id="xlsx-english-headers"),
        pytest.param(codecs.BOM_UTF8 + csv_bytes(ROWS), id="csv-utf8-bom"),
        pytest.param(csv_bytes(ROWS), id="csv-utf8"),
        pytest.param(csv_bytes(ROWS, encoding="gb18030"), id="csv-gb18030"),
        pytest.param(csv_bytes(ROWS, encoding="gbk", delimiter=";"), id="csv-gbk-semicolons"),
        pytest.param(csv_bytes(ROWS, encoding="utf-16", delimiter="\t"), id="unicode-text-utf16-tabs"),
    ],
)
def test_both_formats_and_every_encoding_give_the_same_snapshot(db, data):
    preview = import_preview(data, file_name="people")
    assert not preview.has_errors, preview.rows
    assert [(r.row, r.employee_number, r.name, r.action) for r in preview.rows] == [
        (2, "E001", "王经理", "created"), (3, "E002", "李客服", "created"), (4, "E003", "张仓储", "created"), (5, "E004", "赵专员", "created"),
    ]  # fmt: skip
    snapshot = preview.snapshot
    assert snapshot.source == "import" and snapshot.complete is False
    # Every prefix of a path is a department; "／" and " / " separate levels as "/" does.
    assert [(d.key, d.name, d.parent_key, d.head_keys) for d in snapshot.departments] == [
        ("运营中心", "运营中心", None, ("E001",)),
        ("运营中心/客服部", "客服部", "运营中心", ("E002",)),
        ("运营中心/仓储部", "仓储部", "运营中心", ()),
    ]
    people = {p.key: p for p in snapshot.people}
    assert people["E003"].manager_key == "E001"  # given by a name only one row has
    assert people["E004"].manager_key == "E002" and people["E004"].department_key == "运营中心/客服部"
    assert people["E003"].language == "en" and people["E001"].language == "zh-hans" and people["E002"].language is None
    assert people["E004"].time_zone == "Europe/Berlin" and people["E001"].phone == "13800000001"
    assert preview.departments_created == ["运营中心", "运营中心/客服部", "运营中心/仓储部"]


def test_numbers_in_cells_come_out_as_the_text_they_stand_for(db):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名", "手机", "是否部门负责人", "部门"])
    sheet.append([123, "数字工号", 13800000000.0, True, "总部"])
    sheet.append([124, "补零工号", 13800000001, 0, "总部"])
    sheet["A3"].number_format = "00000"  # typed 00124 into a number column: Excel keeps 124 and shows 00124
    sheet.append(["E9", "日期列", "", None, "总部"])
    out = io.BytesIO()
    workbook.save(out)
    people = {p.name: p for p in import_preview(out.getvalue()).snapshot.people}
    assert people["数字工号"].employee_number == "123" and people["数字工号"].phone == "13800000000"
    assert people["补零工号"].employee_number == "00124" and people["补零工号"].phone == "13800000001"
    departments = {d.key: d for d in import_preview(out.getvalue()).snapshot.departments}
    assert departments["总部"].head_keys == ("123",)


def test_a_formula_is_read_as_its_value(db):
    data = xlsx([["E001", '=CONCATENATE("王","五")', "总部"]], ["工号", "姓名", "部门"])
    # openpyxl writes no cached value; put in what Excel stores after calculating.
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(
                    rb'<c r="B2"><f>(.*?)</f><v\s*/?>(</v>)?', '<c r="B2" t="str"><f>\\1</f><v>王五</v>'.encode(), content
                )
            target.writestr(item, content)
    [person] = import_preview(out.getvalue()).snapshot.people
    assert person.name == "王五"


def test_headers_are_found_under_a_title_and_unknown_columns_are_left_alone(db):
    data = xlsx([["E001", "王经理", "x"]], ["工号 (必填)", "姓名*", "备注"], before=[["2026 年 12 月人员名单"], []])
    preview = import_preview(data)
    assert [(r.row, r.name) for r in preview.rows] == [(4, "王经理")]
    assert preview.ignored_columns == ["备注"]


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(db):
    preview = import_preview(xlsx([ROWS[0], [], ["", " "], ROWS[1]]))
    assert [r.row for r in preview.rows] == [2, 5]


@pytest.mark.parametrize(
    "data, words",
    [
        pytest.param(b"", "The file is empty", id="empty"),
        pytest.param(codecs.BOM_UTF8 + b"\r\n \r\n", "The file is empty", id="only-blank-lines"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "not a spreadsheet", id="png-named-xlsx"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not a spreadsheet", id="pdf"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old Excel file (.xls)", id="xls"),
        pytest.param(xlsx(ROWS)[:2000], "damaged", id="truncated-xlsx"),
        pytest.param(b"PK\x03\x04" + b"garbage" * 50, "damaged", id="zip-garbage"),
        pytest.param("名单\n张三\n李四\n".encode(), "No header row found", id="no-header"),
        pytest.param(
            csv_bytes([["王经理", "运营中心"]], ["姓名", "部门"]), "no 工号 / Employee number column", id="no-id-column"
        ),
        pytest.param(csv_bytes([["E1", "王", "王"]], ["工号", "姓名", "Name"]), "appears more than once", id="column-twice"),
        pytest.param(csv_bytes([], ZH), "no people under it", id="header-only"),
        pytest.param(b"id,name\n\x80\xff not text at all \xff", "neither UTF-8 nor GB18030", id="not-text"),
        pytest.param("工号,姓名\nE1,".encode() + b"x" * 200_000, "The CSV file cannot be read", id="csv-field-too-large"),
        pytest.param("工号,姓名\nE1,王\0五\n".encode(), "not a spreadsheet", id="csv-with-nul"),
    ],
)
def test_a_file_that_cannot_be_used_gets_one_clear_error(db, data, words):
    assert words in file_error(data)


def test_other_zip_files_are_not_workbooks(db):
    def zipped(files):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name, content in files.items():
                z.writestr(name, content)
        return out.getvalue()

    assert "not a spreadsheet" in file_error(zipped({"word/document.xml": "<w/>", "[Content_Types].xml": "<x/>"}))
    assert "OpenDocument" in file_error(
        zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
    )


def test_a_workbook_that_unpacks_to_a_huge_size_is_refused_before_it_is_read(db, monkeypatch):
    monkeypatch.setattr(imports, "MAX_UNZIPPED_BYTES", 1000)
    assert "unpacks to more than" in file_error(xlsx(ROWS))


def test_limits_five_megabytes_and_ten_thousand_people(db):
    assert "at most 5 MB" in file_error(b"a" * (5 * 1024 * 1024 + 1))
    rows = [[f"N{i:05}", f"员工{i}"] for i in range(10_001)]
    assert "more than 10,000 people" in file_error(xlsx(rows, ["工号", "姓名"]))
    big = [[f"N{i:05}", f"员工{i}"] for i in range(50_000)]
    assert "more than 10,000 people" in file_error(csv_bytes(big, ["工号", "姓名"]))
    assert len(import_read(csv_bytes(rows[:10_000], ["工号", "姓名"])).rows) == 10_000


def test_a_refused_file_writes_nothing(db):
    before = world()
    rows = [[f"N{i:05}", f"员工{i}"] for i in range(10_001)]
    preview, report = import_apply(csv_bytes(rows, ["工号", "姓名"]), actor=None)
    assert report is None and preview.errors
    assert world() == before


# --- row errors ------------------------------------------------------------------------------


def test_every_row_error_in_the_rows_own_words(db):
    PersonFactory(username="taken", name="钱已有", employee_number="E900")
    rows = [
        ["E001", "王经理", "运营中心", "", "", "wang@example.com", "", "是", "", ""],  # 2
        ["", "无工号", "运营中心", "", "", "", "", "", "", ""],  # 3
        ["E003", "坏邮箱", "运营中心", "", "", "not-an-address", "", "", "", ""],  # 4
        ["E004", "无上级", "运营中心", "", "", "", "E999", "", "", ""],  # 5
        ["E005", "二号负责人", "运营中心", "", "", "", "", "Y", "", ""],  # 6: a second head for 运营中心
        ["E006", "重复一", "运营中心", "", "", "", "", "", "", ""],  # 7
        ["E006", "重复二", "运营中心", "", "", "", "", "", "", ""],  # 8
        ["E009", "怪值", "运营中心", "", "", "", "", "也许", "法语", "Mars/Olympus"],  # 9
        ["E010", "张伟", "运营中心", "", "", "", "", "", "", ""],  # 10
        ["E011", "张伟", "运营中心", "", "", "", "", "", "", ""],  # 11
        ["E012", "同名上级", "运营中心", "", "", "", "张伟", "", "", ""],  # 12
        ["E013", "无部门负责人", "", "", "", "", "", "是", "", ""],  # 13
        ["E014", "坏手机", "运营中心", "", "call me", "", "", "", "", ""],  # 14
        ["E015", "", "运营中心", "", "", "", "", "", "", ""],  # 15
        ["E016", "缩写", "运营中心", "", "1.38E+10", "", "", "", "", ""],  # 16
        ["E017", "自己", "运营中心", "", "", "", "E017", "", "", ""],  # 17
        ["E018", "抢用户名", "运营中心", "", "", "", "", "", "", ""],  # 18
    ]
    header = [*ZH, "用户名"]
    rows = [r + ([""] if i != 16 else ["taken"]) for i, r in enumerate(rows)]
    preview = import_preview(xlsx(rows, header))
    errors = errors_by_row(preview)
    assert "employee number (工号) is missing" in errors[3]
    assert "“not-an-address” is not an e-mail address" in errors[4]
    assert "line manager “E999” is neither a 工号 nor a name in this file" in errors[5]
    assert "运营中心 has two heads in this file (rows 2, 6)" in errors[2] and "rows 2, 6" in errors[6]
    assert "“E006” is on rows 7, 8" in errors[7] and "“E006” is on rows 7, 8" in errors[8]
    assert "“也许” in 是否部门负责人 is not yes or no" not in errors[9]  # the reader reads English: the English header
    assert "“也许” in Department head is not yes or no" in errors[9]
    assert "“法语” is not a language Lihui speaks" in errors[9] and "“Mars/Olympus” is not a known time zone" in errors[9]
    assert "张伟, the line manager, is the name of 2 people in this file (rows 10, 11): give their 工号 instead" in errors[12]
    assert "Marked as department head, but the row names no department" in errors[13]
    assert "“call me” is not a phone number" in errors[14]
    assert "The name is empty" in errors[15]
    assert "“1.38E+10” is a number the spreadsheet shortened" in errors[16]
    assert "cannot be their own line manager" in errors[17]
    assert "This row matches 钱已有 by username or e-mail, whose 工号 is E900, not E018" in errors[18]
    assert set(errors) == {2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 17, 18}
    assert [r.action for r in preview.rows if r.row in (10, 11)] == ["created", "created"]
    assert preview.has_errors and preview.counts()["error"] == 15


def test_rows_with_errors_stop_the_whole_import(db):
    before = world()
    preview, report = import_apply(xlsx([*ROWS, ["E005", "坏邮箱", "", "", "", "bad@", "", "", "", ""]]), actor=None)
    assert report is None and errors_by_row(preview) == {6: "“bad@” is not an e-mail address."}
    assert world() == before


def test_a_manager_imported_before_may_be_named_by_their_number_alone(db):
    import_apply(xlsx(ROWS[:1]), actor=None)
    preview, report = import_apply(xlsx([["E010", "新人", "运营中心", "", "", "", "E001", "", "", ""]]), actor=None)
    assert report is not None and Person.objects.get(employee_number="E010").manager.name == "王经理"


# --- applying, again, and a mover -------------------------------------------------------------


def test_applying_creates_the_tree_with_heads_and_managers(db):
    admin = PersonFactory(is_staff=True)
    data = xlsx(ROWS)
    preview, report = import_apply(data, actor=admin, file_name="people.xlsx")
    assert report.status == SyncReport.Status.DONE and report.actor == admin and report.file_name == "people.xlsx"
    assert report.counts["created"] == 4 and report.counts["departments_created"] == 3
    assert report.file_digest == imports.digest_of(data)
    cs = Department.objects.get(name="客服部")
    assert (
        cs.path == "运营中心/客服部"
        and cs.head.name == "李客服"
        and Department.objects.get(name="运营中心").head.name == "王经理"
    )
    zhao = Person.objects.get(employee_number="E004")
    assert zhao.manager.name == "李客服" and zhao.department == cs and zhao.language == "en" and zhao.time_zone == "Europe/Berlin"
    assert Identity.objects.get(person=zhao, source="import").external_id == "E004"
    assert zhao.username == "E004" and not zhao.has_usable_password()


def test_importing_the_same_file_again_changes_nothing(db):
    data = company_xlsx()
    import_apply(data, actor=None)
    people_before = without_sync_times(Person.objects.order_by("pk").values())
    departments_before = list(Department.objects.order_by("pk").values())
    preview = import_preview(data)
    assert preview.counts() == {"created": 0, "changed": 0, "unchanged": 300, "reactivated": 0, "error": 0, "rows": 300,
                                "departments_created": 0}  # fmt: skip
    _preview, report = import_apply(data, actor=None)
    assert report.counts["changed"] == report.counts["created"] == 0 and not report.changes.exists()
    assert without_sync_times(Person.objects.order_by("pk").values()) == people_before
    assert list(Department.objects.order_by("pk").values()) == departments_before


def test_a_mover_in_a_second_file(db):
    import_apply(xlsx(ROWS), actor=None)
    moved = [list(r) for r in ROWS]
    moved[3][2], moved[3][3] = "运营中心/仓储部", "仓储专员"  # 赵专员 moves to 仓储部 with a new title
    moved[2][7] = "是"  # and 张仓储 now heads 仓储部
    preview = import_preview(xlsx(moved))
    rows = {r.employee_number: r for r in preview.rows}
    assert rows["E004"].action == "changed"
    assert rows["E004"].fields == [("title", "专员", "仓储专员"), ("department", "运营中心/客服部", "运营中心/仓储部")]
    assert {r.action for k, r in rows.items() if k != "E004"} == {"unchanged"}
    _preview, report = import_apply(xlsx(moved), actor=None)
    zhao = Person.objects.get(employee_number="E004")
    assert zhao.department.path == "运营中心/仓储部" and zhao.title == "仓储专员"
    assert Department.objects.get(name="仓储部").head.name == "张仓储"
    change = SyncChange.objects.get(report=report, person=zhao)
    assert change.fields["department"] == ["运营中心/客服部", "运营中心/仓储部"]


def test_an_empty_cell_leaves_what_lihui_has(db):
    import_apply(xlsx(ROWS), actor=None)
    blank = [[r[0], r[1], "", "", "", "", "", "", "", ""] for r in ROWS]
    preview = import_preview(xlsx(blank))
    assert {r.action for r in preview.rows} == {"unchanged"}


def test_the_generated_company_has_300_people_in_20_departments_with_one_head_each(db):
    rows = company_rows()
    assert rows == company_rows() and len(rows) == 300 and len({r["name"] for r in rows}) == 300
    assert len(departments()) == 20 and {r["department"] for r in rows} == set(departments())
    heads = [r for r in rows if r["head"] == "是"]
    assert sorted(r["department"] for r in heads) == sorted(departments())
    _preview, report = import_apply(company_csv(encoding="gb18030"), actor=None)
    assert report.counts["created"] == 300 and report.counts["departments_created"] == 20
    assert Department.objects.filter(head__isnull=False).count() == 20
    assert Person.objects.filter(manager__isnull=True).count() == 1  # the general manager


# --- the template ----------------------------------------------------------------------------


def admin_client(language="en") -> tuple[Client, Person]:
    admin = PersonFactory(username="boss", name="管理员", is_staff=True, is_superuser=True, language=language)
    client = Client()
    client.force_login(admin)
    return client, admin


def test_the_template_in_each_language_has_headers_examples_widths_and_an_explanation(db):
    for language, header in (("zh-hans", "工号"), ("en", "Employee number")):
        workbook = load_workbook(io.BytesIO(import_template(language=language)))
        people, guide = workbook.worksheets
        assert people.cell(1, 1).value == header and people.cell(1, 1).font.bold
        assert people.max_row >= 3 and people.freeze_panes == "A2"
        assert all((people.column_dimensions[c].width or 0) >= 8 for c in "ABCDEFGHIJK")
        assert people.cell(10, 1).number_format == "@"  # 工号 typed later stays text
        assert guide.max_row >= len(imports.COLUMNS) + 1
        # The template itself imports cleanly: its examples are consistent.
        assert not import_preview(import_template(language=language)).has_errors


def test_the_template_round_trips_download_fill_import(db):
    client, _admin = admin_client("en")
    response = client.get(reverse("directory:import_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert sheet.cell(1, 1).value == "Employee number"
    sheet.delete_rows(2, sheet.max_row)
    for row in ROWS:
        sheet.append(row[:10])
    out = io.BytesIO()
    workbook.save(out)
    response = client.post(reverse("directory:import_upload"), {"file": SimpleUploadedFile("filled.xlsx", out.getvalue())})
    assert response.status_code == 302
    response = client.post(response["Location"] + "confirm/")
    assert (
        response.status_code == 302 and Person.objects.filter(employee_number__in=["E001", "E002", "E003", "E004"]).count() == 4
    )
    chinese = client.get(reverse("directory:import_template") + "?language=zh-hans")
    assert load_workbook(io.BytesIO(chinese.content)).worksheets[0].cell(1, 1).value == "工号"
    assert "filename*=utf-8''%E4%BA%BA" in chinese["Content-Disposition"]


# --- the pages -------------------------------------------------------------------------------


def upload(client, data: bytes, name="people.xlsx"):
    return client.post(reverse("directory:import_upload"), {"file": SimpleUploadedFile(name, data)})


def test_preview_writes_nothing_then_confirm_imports_and_a_second_confirm_changes_nothing(db):
    client, admin = admin_client()
    page = client.get(reverse("directory:import_upload"))
    assert page.status_code == 200 and "Download the template" in page.content.decode()
    before = world()
    data = xlsx(ROWS)
    response = upload(client, data)
    assert response.status_code == 302
    preview_url = response["Location"]
    page = client.get(preview_url)
    html = page.content.decode()
    assert page.status_code == 200 and world() == before  # a preview writes no person, department or report
    assert (
        'data-testid="count-created"><strong>4</strong>' in html and 'data-testid="count-departments"><strong>3</strong>' in html
    )
    assert (
        "运营中心/客服部" in html and 'data-row="5"' in html and "disabled" not in html.split('data-testid="summary"')[1][:2000]
    )
    stored = SyncReport.objects.get(status=SyncReport.Status.PREVIEW)
    assert stored.actor == admin and stored.file_digest == imports.digest_of(data) and stored.counts["created"] == 4

    response = client.post(preview_url + "confirm/")
    report = SyncReport.objects.get(status=SyncReport.Status.DONE)
    assert response.status_code == 302 and response["Location"] == reverse("directory:sync_report_detail", args=[report.pk])
    assert report.counts["created"] == 4 and report.actor == admin
    after = world()
    # Double submit, or the back button and confirm again: the same report, nothing written.
    again = client.post(preview_url + "confirm/")
    assert again["Location"] == response["Location"] and world() == after
    back = client.get(preview_url).content.decode()
    assert 'data-testid="already-imported"' in back and reverse("directory:sync_report_detail", args=[report.pk]) in back
    assert client.get(response["Location"]).status_code == 200


def test_a_new_upload_of_the_same_file_previews_all_unchanged_and_confirming_changes_nothing(db):
    client, _admin = admin_client()
    client.post(upload(client, xlsx(ROWS))["Location"] + "confirm/")
    people = without_sync_times(Person.objects.order_by("pk").values())
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        url = upload(client, xlsx(ROWS))["Location"]
        html = client.get(url).content.decode()
        assert (
            'data-testid="count-unchanged"><strong>4</strong>' in html
            and 'data-testid="count-created"><strong>0</strong>' in html
        )
        response = client.post(url + "confirm/")
    report = SyncReport.objects.filter(status=SyncReport.Status.DONE).order_by("-id").first()
    assert response["Location"].endswith(f"/{report.pk}/") and not report.changes.exists()
    assert without_sync_times(Person.objects.order_by("pk").values()) == people


def test_with_an_error_the_confirm_button_is_disabled_and_confirming_writes_nothing(db):
    client, _admin = admin_client()
    url = upload(client, xlsx([*ROWS, ["E001", "重复", "", "", "", "", "", "", "", ""]]))["Location"]
    html = client.get(url).content.decode()
    assert re.search(r'<button class="primary" type="button" disabled data-testid="confirm">', html)
    assert "fix the file and upload it again" in html and "“E001” is on rows 2, 6" in html
    before = world()
    response = client.post(url + "confirm/")
    assert response.status_code == 302 and response["Location"] == url and world() == before


def test_an_unusable_file_is_refused_on_the_upload_page_and_nothing_is_kept(db):
    client, _admin = admin_client()
    response = upload(client, b"%PDF-1.7 not people", name="people.xlsx")
    assert response.status_code == 422 and "not a spreadsheet" in response.content.decode()
    response = upload(client, b"x" * (5 * 1024 * 1024 + 10), name="big.csv")
    assert response.status_code == 422 and "at most 5 MB" in response.content.decode()
    assert not SyncReport.objects.exists()


def test_an_old_preview_has_expired(db):
    client, _admin = admin_client()
    url = upload(client, xlsx(ROWS))["Location"]
    with time_machine.travel(NOW + imports.PREVIEW_TTL + dt.timedelta(minutes=1), tick=False):
        client.force_login(Person.objects.get(username="boss"))  # the session itself is shorter-lived
        assert 'data-testid="expired"' in client.get(url).content.decode()
        response = client.post(url + "confirm/")
        assert (
            response["Location"] == reverse("directory:import_upload")
            and not Person.objects.filter(employee_number="E001").exists()
        )
        upload(client, xlsx(ROWS[:1]))  # a new upload clears the expired preview and its file
    assert SyncReport.objects.filter(status=SyncReport.Status.PREVIEW).count() == 1


def test_the_directory_index_links_to_the_import(db):
    client, _admin = admin_client()
    assert reverse("directory:import_upload") in client.get(reverse("directory:directory_index")).content.decode()


def test_only_admins_import(db):
    member = PersonFactory(username="member")
    client = Client()
    client.force_login(member)
    admin_client_, _admin = admin_client()
    url = upload(admin_client_, xlsx(ROWS))["Location"]
    pk = int(url.rstrip("/").rsplit("/", 1)[1])
    for name, kwargs in (("import_upload", {}), ("import_template", {}), ("import_preview", {"pk": pk})):
        assert client.get(reverse(f"directory:{name}", kwargs=kwargs)).status_code == 403
    assert upload(client, xlsx(ROWS)).status_code == 403
    assert client.post(reverse("directory:import_confirm", kwargs={"pk": pk})).status_code == 403
    assert not Person.objects.filter(employee_number="E001").exists()
    anonymous = Client().get(reverse("directory:import_upload"))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


# --- the command -----------------------------------------------------------------------------


def test_the_command_previews_with_dry_run_and_applies_without(db, tmp_path):
    PersonFactory(username="boss", is_staff=True)
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(ROWS, encoding="gb18030"))
    out, err = io.StringIO(), io.StringIO()
    call_command("people_import", str(path), "--dry-run", stdout=out, stderr=err)
    assert "4 rows: 4 new, 0 changed, 0 unchanged, 0 with errors; 3 departments to create." in out.getvalue()
    assert "Dry run: nothing was written." in out.getvalue() and not Person.objects.filter(employee_number="E001").exists()
    out = io.StringIO()
    call_command("people_import", str(path), "--actor", "boss", stdout=out)
    report = SyncReport.objects.get(status=SyncReport.Status.DONE)
    assert f"Imported: sync report {report.pk}." in out.getvalue() and report.actor.username == "boss"
    out = io.StringIO()
    call_command("people_import", str(path), stdout=out)
    assert "4 rows: 0 new, 0 changed, 4 unchanged" in out.getvalue()


def test_the_command_refuses_a_file_with_errors_and_writes_nothing(db, tmp_path):
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx([*ROWS, ["", "无工号", "", "", "", "", "", "", "", ""]]))
    before = world()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("people_import", str(path), stdout=io.StringIO(), stderr=err)
    assert "Row 6 (无工号): The employee number (工号) is missing" in err.getvalue()
    assert world() == before
    with pytest.raises(CommandError, match="No such person"):
        call_command("people_import", str(path), "--actor", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("people_import", str(tmp_path / "missing.xlsx"), stdout=io.StringIO())


# --- the API ---------------------------------------------------------------------------------


def bearer(person) -> dict:
    _token, secret = api_token_create(person=person, name="import")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post_file(headers, data: bytes, query="", name="people.xlsx"):
    return Client().post("/api/v1/directory/imports" + query, {"file": SimpleUploadedFile(name, data)}, **headers)


def test_the_api_previews_with_dry_run_and_imports_without(db):
    admin = PersonFactory(is_staff=True, language="en")
    headers = bearer(admin)
    before = world()
    response = post_file(headers, xlsx(ROWS), "?dry_run=true")
    body = response.json()
    assert response.status_code == 200 and body["dry_run"] is True and body["report"] is None
    assert body["counts"] == {
        "rows": 4,
        "created": 4,
        "changed": 0,
        "unchanged": 0,
        "reactivated": 0,
        "error": 0,
        "departments_created": 3,
    }
    assert body["rows"][1]["row"] == 3 and body["rows"][1]["action"] == "created"
    assert {"field": "department", "before": "", "after": "运营中心/客服部"} in body["rows"][1]["fields"]
    assert world() == before
    response = post_file(headers, xlsx(ROWS))
    assert response.status_code == 201 and response.json()["report"] == SyncReport.objects.get().pk
    again = post_file(headers, xlsx(ROWS)).json()
    assert again["counts"]["unchanged"] == 4 and again["counts"]["created"] == 0


def test_the_api_refuses_rows_with_errors_and_unusable_files_with_422(db):
    admin = PersonFactory(is_staff=True, language="en")
    headers = bearer(admin)
    response = post_file(headers, xlsx([*ROWS, ["E005", "坏邮箱", "", "", "", "bad@", "", "", "", ""]]))
    assert response.status_code == 422 and response.json()["fields"] == {"rows.6": ["“bad@” is not an e-mail address."]}
    dry = post_file(headers, xlsx([*ROWS, ["E005", "坏邮箱", "", "", "", "bad@", "", "", "", ""]]), "?dry_run=true").json()
    assert dry["counts"]["error"] == 1 and dry["rows"][4]["errors"] and dry["rows"][4]["action"] == "error"
    response = post_file(headers, b"\x89PNG\r\n\x1a\n\0\0\0")
    assert response.status_code == 422 and "not a spreadsheet" in response.json()["fields"]["file"][0]
    response = Client().post("/api/v1/directory/imports", {}, **headers)
    assert response.status_code == 422 and [k for k in response.json()["fields"] if k.startswith("file")]
    assert not Person.objects.exclude(pk=admin.pk).exists()


def test_the_api_is_for_admins_only(db):
    member = PersonFactory(language="en")
    response = post_file(bearer(member), xlsx(ROWS))
    assert response.status_code == 403 and response.json()["error"] == "You may not do this."
    assert post_file({}, xlsx(ROWS)).status_code == 401
    assert not Person.objects.filter(employee_number="E001").exists()


def test_the_openapi_schema_describes_the_import(db):
    schema = api.get_openapi_schema()
    operation = schema["paths"]["/api/v1/directory/imports"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {p["name"] for p in operation["parameters"]} == {"dry_run"}
    assert {200, 201, 401, 403, 422} <= {int(k) for k in operation["responses"]}
    assert Client().get("/api/v1/openapi.json").status_code == 200
