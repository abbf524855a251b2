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
from lihui.testing.browser import BROWSER_MARKS, Shots, browser_pages, goto, zh  # noqa: E402
from lihui.testing.factories import PersonFactory  # noqa: E402
from lihui.testing.sso import MissingNode, OpenIDProvider  # noqa: E402

pytestmark = BROWSER_MARKS
OUTSIDE = re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/])")


@pytest.fixture(scope="module")
def provider(live_server):
    try:
        server = OpenIDProvider(
            redirect_uris=[f"{live_server.url}/sso/oidc/company/login/callback/"],
            post_logout_redirect_uris=[f"{live_server.url}/login/"],
        )
    except MissingNode as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def configured(settings, provider):
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(provider.environ())
    return provider


@pytest.fixture
def open_page(live_server, monkeypatch):
    def guarded(opener):
        def open_page(*args, **kwargs):
            page = opener(*args, **kwargs)
            page.context.route(OUTSIDE, lambda route: route.abort())  # loopback only, as in every test
            return page

        return open_page

    for opener in browser_pages(live_server, monkeypatch):
        yield guarded(opener)


def start_sso(page, shots=None, step="login-page"):
    """Our login page, then its OpenID Connect button: the provider's login form."""
    goto(page, "/login/")
    button = page.locator("a.login-oidc")
    assert button.inner_text().strip() == zh("Log in with %(name)s", name="公司统一认证")
    if shots:
        shots(page, step)
    button.click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))


def provider_login(page, login: str, shots=None) -> None:
    """The provider's own login form (any password), then its consent page if it asks."""
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "whatever-the-password")
    if shots:
        shots(page, "provider-login")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if page.url.startswith("http://127.0.0.1") and page.locator("input[name=prompt][value=consent]").count():
        if shots:
            shots(page, "provider-consent")
        page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^http://localhost:\d+/"))


def log_in_through_provider(page, login: str, shots=None) -> None:
    start_sso(page, shots)
    provider_login(page, login, shots)


def test_first_login_creates_the_person_second_reuses_them_and_logout_ends_both_sessions(open_page):
    shots = Shots("sso-oidc")
    page = open_page()
    log_in_through_provider(page, "zhangwei", shots)
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
    start_sso(page)
    assert page.locator("input[name=login]").count() == 1
    provider_login(page, "zhangwei")
    assert "张伟" in page.locator("header").inner_text()
    assert Person.objects.filter(name="张伟").count() == 1 and Identity.objects.count() == 1
    # Nothing changed at the provider: no second report, the identity was seen again.
    assert SyncReport.objects.count() == 1
    assert Identity.objects.get().last_seen > identity.last_seen


def test_first_login_links_the_person_with_the_same_employee_number(open_page):
    li = PersonFactory(username="lina.local", name="李娜", employee_number="E200", email="old-address@example.com")
    page = open_page()
    log_in_through_provider(page, "lina")
    assert "李娜" in page.locator("header").inner_text()
    assert Person.objects.count() == 1
    li.refresh_from_db()
    assert Identity.objects.get(person=li).external_id == "oidc-lina"
    # The provider's e-mail replaces the old one, and says where it came from.
    assert li.email == "li.na@example.com" and li.field_sources["email"] == "oidc"
    assert li.has_usable_password()  # a local password stays (break-glass, the demo)


def test_first_login_links_the_person_with_the_same_verified_email(open_page):
    wang = PersonFactory(username="wang", name="王芳", email="Wang.Fang@example.com")
    page = open_page()
    log_in_through_provider(page, "wangfang")
    assert "王芳" in page.locator("header").inner_text()
    assert list(Person.objects.all()) == [wang]
    assert Identity.objects.get(person=wang).source == "oidc"


def test_claims_without_a_usable_id_are_refused_and_nothing_is_created(open_page):
    shots = Shots("sso-oidc-refused")
    PersonFactory(username="zhao", name="赵某", email="zhao@example.com")  # the same address, but not verified
    for login in ("unverified", "nobody"):
        page = open_page()
        log_in_through_provider(page, login)
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


def test_unknown_people_are_refused_where_sso_may_not_create_them(open_page, settings):
    settings.LIHUI_SSO_CREATE_PEOPLE = False
    PersonFactory(username="lina.local", name="李娜", employee_number="E200")
    page = open_page()
    log_in_through_provider(page, "zhangwei")
    assert zh("You have no account in Lihui yet, and accounts are not created at sign-in here. Ask your administrator to add you.") in (
        page.locator("main").inner_text()
    )
    Shots("sso-oidc-no-create")(page, "refused")
    assert not Person.objects.filter(employee_number="E100").exists() and not Identity.objects.exists()
    # Someone Lihui knows still signs in (linked by 工号).
    page = open_page()
    log_in_through_provider(page, "lina")
    assert "李娜" in page.locator("header").inner_text()


def test_a_person_who_left_cannot_log_in(open_page):
    page = open_page()
    log_in_through_provider(page, "zhangwei")
    Person.objects.filter(employee_number="E100").update(is_active=False)
    page = open_page()
    log_in_through_provider(page, "zhangwei")
    assert zh("Your account in Lihui is deactivated (you are recorded as having left). Ask your administrator if this is wrong.") in (
        page.locator("main").inner_text()
    )
    goto(page, "/")
    assert "/login/" in page.url
    assert not Person.objects.get(employee_number="E100").is_active  # not reactivated by the login


def test_the_button_is_there_only_when_a_provider_is_configured(open_page, settings, client):
    assert zh("Log in with %(name)s", name="公司统一认证") in client.get("/login/").content.decode()
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert "login-oidc" not in client.get("/login/").content.decode()
    assert client.get("/sso/oidc/company/login/").status_code == 404

