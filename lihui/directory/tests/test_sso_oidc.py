"""OpenID Connect single sign-on against a real, certified OpenID provider (npm oidc-provider,
started on loopback by lihui/testing/sso.py), driven in Debian's chromium like a person would:
our login page → the button → the provider's login form → back, signed in.

Covers: the first login creates the person through the directory engine (identity, field
sources, a sync report of trigger "login"), a second login reuses them; linking to an existing
person by 工号 and by verified e-mail; claims without a usable id refused with a page, nothing
created; LIHUI_SSO_CREATE_PEOPLE=false refuses unknown people; a person who left cannot log in;
logging out ends the provider's session too (RP-initiated logout: the next login asks for
credentials again)."""

import re

import pytest

pytest.importorskip("playwright")

from allauth.socialaccount.models import SocialAccount  # noqa: E402

from lihui.directory.models import SyncReport  # noqa: E402
from lihui.people.models import Identity, Person  # noqa: E402
from lihui.settings import sso_providers  # noqa: E402
from lihui.testing.browser import BROWSER_MARKS, Shots, goto, zh  # noqa: E402
from lihui.testing.factories import PersonFactory  # noqa: E402
from lihui.testing.sso import oidc_log_in, oidc_provider, oidc_provider_login, oidc_start, sso_pages  # noqa: E402, F401

pytestmark = BROWSER_MARKS


@pytest.fixture(autouse=True)
def configured(settings, oidc_provider):
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(oidc_provider.environ())
    return oidc_provider


def test_first_login_creates_the_person_second_reuses_them_and_logout_ends_both_sessions(sso_pages):
    shots = Shots("sso-oidc")
    page = sso_pages()
    oidc_log_in(page, "zhangwei", shots)
    assert page.url.endswith("/"), page.url
    assert "张伟" in page.locator("header").inner_text()
    shots(page, "signed-in")

    person = Person.objects.get(employee_number="E100")
    assert person.name == "张伟" and person.email == "zhang.wei@example.com" and person.is_active
    assert not person.has_usable_password()
    identity = Identity.objects.get(person=person)
    assert (identity.source, identity.external_id) == ("oidc", "oidc-zhangwei")
    assert identity.attributes["employee_number"] == "E100"
    assert person.field_sources["name"] == "oidc" and person.field_sources["employee_number"] == "oidc"
    report = SyncReport.objects.get()
    assert (report.source, report.trigger, report.counts["created"]) == ("oidc", "login", 1)
    assert SocialAccount.objects.get(user=person).uid == "oidc-zhangwei"

    # Log out: our session ends, then the provider's (it asks to confirm, as its page does).
    page.click("header form[action='/logout/'] button")
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/session/end"))
    shots(page, "provider-logout")
    page.click("button[name=logout]")
    page.wait_for_url(re.compile(r"^http://localhost:\d+/login/$"))
    shots(page, "logged-out")
    goto(page, "/")
    assert "/login/" in page.url

    # Logging in again asks for the credentials again: the provider's session ended too.
    oidc_start(page)
    assert page.locator("input[name=login]").count() == 1
    oidc_provider_login(page, "zhangwei")
    assert "张伟" in page.locator("header").inner_text()
    assert Person.objects.filter(name="张伟").count() == 1 and Identity.objects.count() == 1
    # Nothing changed at the provider: no second report, the identity was seen again.
    assert SyncReport.objects.count() == 1
    assert Identity.objects.get().last_seen > identity.last_seen


def test_first_login_links_the_person_with_the_same_employee_number(sso_pages):
    li = PersonFactory(username="lina.local", name="李娜", employee_number="E200", email="old-address@example.com")
    page = sso_pages()
    oidc_log_in(page, "lina")
    assert "李娜" in page.locator("header").inner_text()
    assert Person.objects.count() == 1
    li.refresh_from_db()
    assert Identity.objects.get(person=li).external_id == "oidc-lina"
    # The provider's e-mail replaces the old one, and says where it came from.
    assert li.email == "li.na@example.com" and li.field_sources["email"] == "oidc"
    assert li.has_usable_password()  # a local password stays (break-glass, the demo)


def test_first_login_links_the_person_with_the_same_verified_email(sso_pages):
    wang = PersonFactory(username="wang", name="王芳", email="Wang.Fang@example.com")
    page = sso_pages()
    oidc_log_in(page, "wangfang", start="/actions/")  # → /login/?next=/actions/ → the provider → back where we were going
    assert "王芳" in page.locator("header").inner_text()
    assert re.search(r"/actions/$", page.url), page.url
    assert list(Person.objects.all()) == [wang]
    assert Identity.objects.get(person=wang).source == "oidc"


def test_claims_without_a_usable_id_are_refused_and_nothing_is_created(sso_pages):
    shots = Shots("sso-oidc-refused")
    PersonFactory(username="zhao", name="赵某", email="zhao@example.com")  # the same address, but not verified
    for login in ("unverified", "nobody"):
        page = sso_pages()
        oidc_log_in(page, login)
        assert page.locator("h1").inner_text() == zh("Sign-in refused")
        assert zh(
            "The sign-in service sent neither a verified e-mail address nor an employee number (工号), "
            "so Lihui cannot tell which colleague you are. Ask your IT department to release one of them to Lihui."
        ) in page.locator("main").inner_text()
        shots(page, f"refused-{login}")
        goto(page, "/")
        assert "/login/" in page.url  # not signed in
    assert Person.objects.count() == 1
    assert not Identity.objects.exists() and not SocialAccount.objects.exists() and not SyncReport.objects.exists()


def test_unknown_people_are_refused_where_sso_may_not_create_them(sso_pages, settings):
    settings.LIHUI_SSO_CREATE_PEOPLE = False
    PersonFactory(username="lina.local", name="李娜", employee_number="E200")
    page = sso_pages()
    oidc_log_in(page, "zhangwei")
    assert zh("You have no account in Lihui yet, and accounts are not created at sign-in here. Ask your administrator to add you.") in (
        page.locator("main").inner_text()
    )
    Shots("sso-oidc-no-create")(page, "refused")
    assert not Person.objects.filter(employee_number="E100").exists() and not Identity.objects.exists()
    # Someone Lihui knows still signs in (linked by 工号).
    page = sso_pages()
    oidc_log_in(page, "lina")
    assert "李娜" in page.locator("header").inner_text()


def test_a_person_who_left_cannot_log_in(sso_pages):
    page = sso_pages()
    oidc_log_in(page, "zhangwei")
    Person.objects.filter(employee_number="E100").update(is_active=False)
    page = sso_pages()
    oidc_log_in(page, "zhangwei")
    assert zh("Your account in Lihui is deactivated (you are recorded as having left). Ask your administrator if this is wrong.") in (
        page.locator("main").inner_text()
    )
    goto(page, "/")
    assert "/login/" in page.url
    assert not Person.objects.get(employee_number="E100").is_active  # not reactivated by the login


def test_the_button_is_there_only_when_a_provider_is_configured(settings, client):
    assert zh("Log in with %(name)s", name="公司统一认证") in client.get("/login/").content.decode()
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert "login-oidc" not in client.get("/login/").content.decode()
    assert client.get("/sso/oidc/company/login/").status_code == 404

