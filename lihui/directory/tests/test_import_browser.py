"""Browser test of the people import, as an admin would do it (issue 18, "done when"): a
300-person, 20-department workbook with one bad row → the preview says which row and will
not import → the fixed file → confirm → the sync report → the same file again: nothing
changes. On a desktop and at 375 px, where no page may scroll sideways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lihui.directory.models import SyncReport
from lihui.people.models import Department, Person
from lihui.testing.directory_files import company_rows, company_xlsx
from lihui.testing.factories import PersonFactory

sync_api = pytest.importorskip("playwright.sync_api")

from lihui.testing.browser import BROWSER_MARKS, browser_pages, follow, goto, log_in  # noqa: E402

pytestmark = BROWSER_MARKS
SHOTS = Path("/tmp/shots")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def fits(page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} scrolls sideways: {width}px in a {inner}px window"


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"h18-import-{name}.png"), full_page=True)


def choose(page, data: bytes, name: str) -> None:
    page.locator("form[data-testid=import-form] input[type=file]").last.set_input_files(
        {"name": name, "mimeType": XLSX, "buffer": data}
    )


def count(page, kind: str) -> int:
    return int(page.get_by_test_id(f"count-{kind}").locator("strong").inner_text())


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_upload_preview_fix_confirm_and_import_again(new_page, width):
    admin = PersonFactory(username="it-admin", name="系统管理员", is_staff=True, is_superuser=True)
    rows = company_rows()
    broken = [dict(r) for r in rows]
    broken[41]["email"] = "li.na@@example"  # row 43 of the sheet: the header is row 1
    page = new_page(width=width, height=900)
    log_in(page, admin)
    goto(page, "/directory/")
    fits(page)
    follow(page, page.get_by_test_id("import-people"), re.compile(r"/directory/import/$"))
    fits(page)
    shot(page, f"{width}-1-upload")

    choose(page, company_xlsx(broken), "人员名单.xlsx")
    follow(page, page.get_by_test_id("upload"), re.compile(r"/directory/import/\d+/$"))
    fits(page)
    assert count(page, "error") == 1 and count(page, "created") == 299 and count(page, "departments") == 20
    assert page.get_by_test_id("confirm").is_disabled()
    bad = page.get_by_test_id("rows-error").locator("tr[data-row='43']")
    assert "li.na@@example" in bad.inner_text() and broken[41]["name"] in bad.inner_text()
    shot(page, f"{width}-2-preview-with-an-error")
    assert not Person.objects.filter(employee_number__startswith="E0").exists() and not Department.objects.exists()

    choose(page, company_xlsx(rows), "人员名单.xlsx")  # fixed, through the form at the bottom of the preview
    follow(page, page.get_by_test_id("upload").last, re.compile(r"/directory/import/\d+/$"))
    fits(page)
    assert count(page, "error") == 0 and count(page, "created") == 300 and count(page, "departments") == 20
    assert page.get_by_test_id("departments").get_by_text("运营中心/客服部").is_visible()
    shot(page, f"{width}-3-preview-fixed")

    follow(page, page.get_by_test_id("confirm"), re.compile(r"/directory/reports/\d+/$"))
    fits(page)
    report = SyncReport.objects.get(status=SyncReport.Status.DONE)
    assert report.counts["created"] == 300 and report.counts["departments_created"] == 20
    assert Department.objects.filter(head__isnull=False).count() == 20
    shot(page, f"{width}-4-report")

    goto(page, "/directory/import/")
    choose(page, company_xlsx(rows), "人员名单.xlsx")
    follow(page, page.get_by_test_id("upload"), re.compile(r"/directory/import/\d+/$"))
    fits(page)
    assert count(page, "unchanged") == 300 and count(page, "created") == count(page, "changed") == count(page, "departments") == 0
    page.get_by_test_id("rows-unchanged").locator("summary").click()
    fits(page)
    shot(page, f"{width}-5-again-unchanged")
    people = list(Person.objects.order_by("pk").values("pk", "name", "department_id", "manager_id", "title", "email"))
    follow(page, page.get_by_test_id("confirm"), re.compile(r"/directory/reports/\d+/$"))
    again = SyncReport.objects.filter(status=SyncReport.Status.DONE).order_by("-id").first()
    assert again.pk != report.pk and not again.changes.exists() and again.counts["unchanged"] == 300
    assert list(Person.objects.order_by("pk").values("pk", "name", "department_id", "manager_id", "title", "email")) == people
    shot(page, f"{width}-6-again-report")

    page.go_back()  # the preview again, after its import: it says so instead of offering to import
    page.reload()
    assert page.get_by_test_id("already-imported").is_visible()
    fits(page)
