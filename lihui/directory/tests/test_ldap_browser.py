"""Browser test: signing in with the directory password, in Chromium, against the real
OpenLDAP the LDAP tests start (lihui/testing/ldap.py).

李四 opens Lihui, is sent to the login page, mistypes her directory password and is told so,
then signs in with the right one and lands on her dashboard under her directory name. 何管理,
in the directory's lihui-admins group, signs in too and finds both sign-ins on the company
directory page, each a sync report started by a login. Screenshots in
<repo>/screenshots/ldap-NN-*.png.
"""

from __future__ import annotations

import re

import pytest

from lihui.people.models import Person
from lihui.testing import ldap_tree as tree
from lihui.testing.ldap import ldap_directory, slapd  # noqa: F401

sync_api = pytest.importorskip("playwright.sync_api")

from lihui.testing.browser import BROWSER_MARKS, Shots, browser_pages, follow, goto, zh  # noqa: E402

expect = sync_api.expect
pytestmark = BROWSER_MARKS


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def sign_in(page, username: str, password: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")


def test_signing_in_with_the_directory_password(ldap_directory, new_page):
    shot = Shots("ldap")
    page = new_page()
    page.goto("/")
    page.wait_for_url(re.compile(r"/login/\?next=/$"))
    sign_in(page, "lisi", "not-my-password")
    expect(page.locator("main .errorlist")).to_be_visible()
    assert not Person.objects.exists()
    shot(page, "wrong-password")

    page.fill("#id_username", "lisi")
    page.fill("#id_password", tree.PASSWORD)
    follow(page, "main form button[type=submit]", re.compile(r"/$"))
    expect(page.locator("a.who")).to_have_text("李四")
    shot(page, "signed-in")
    li = Person.objects.get(username="lisi")
    assert li.department.path == "运营中心/客服部" and li.identities.get().source == "ldap"

    admin = new_page()
    admin.goto("/login/")
    sign_in(admin, "itadmin", tree.PASSWORD)
    admin.wait_for_url(re.compile(r"/$"))
    goto(admin, "/directory/")
    rows = admin.locator("table.sync-reports tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(zh("Login"))
    expect(rows.first).to_contain_text(zh("LDAP / Active Directory"))
    shot(admin, "directory-reports")
    follow(admin, rows.last.locator("a"), re.compile(r"/directory/reports/\d+/$"))
    expect(admin.locator("main")).to_contain_text("李四")
    shot(admin, "report-of-a-sign-in")
    goto(admin, "/directory/")
    follow(admin, rows.first.locator("a"), re.compile(r"/directory/reports/\d+/$"))
    expect(admin.locator("main")).to_contain_text(zh("an admin"))  # made an admin by the lihui-admins group
    shot(admin, "report-of-an-admins-sign-in")
