"""SAML 2.0 single sign-on against a real IdP (npm samlp behind express, started on loopback
by lihui/testing/sso.py), with the metadata exchange an IT department does: the IdP reads our
SP metadata from /sso/saml/company/metadata/ (its entity id, assertion consumer and logout
URLs), and we read the IdP's, by URL or from its XML file. Responses and assertions are signed
with a key made for the test run; logging out sends a LogoutRequest to the IdP's single logout
service and ends its session too."""

import re

import pytest

pytest.importorskip("playwright")

from allauth.socialaccount.models import SocialAccount  # noqa: E402
from lxml import etree  # noqa: E402

from lihui.directory.models import SyncReport  # noqa: E402
from lihui.people.models import Identity, Person  # noqa: E402
from lihui.settings import sso_providers  # noqa: E402
from lihui.testing.browser import BROWSER_MARKS, Shots, goto, zh  # noqa: E402
from lihui.testing.sso import MissingNode, SamlIdP, sso_pages  # noqa: E402, F401

pytestmark = BROWSER_MARKS
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


@pytest.fixture(scope="module")
def idp(live_server, tmp_path_factory):
    try:
        server = SamlIdP(directory=tmp_path_factory.mktemp("idp"), sp_metadata_url=f"{live_server.url}/sso/saml/company/metadata/")
    except MissingNode as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def configured(settings, idp):
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(idp.environ())
    return idp


def saml_login(page, idp, login: str, shots=None, *, asks_for_credentials=True) -> None:
    goto(page, "/login/")
    button = page.locator("a.login-saml")
    assert button.inner_text().strip() == zh("Log in with %(name)s", name="公司 SAML 登录")
    if shots:
        shots(page, "login-page")
    button.click()
    if asks_for_credentials:
        page.wait_for_url(re.compile(re.escape(idp.url) + r"/sso\?"))
        page.fill("input[name=username]", login)
        page.fill("input[name=password]", "any-password")
        if shots:
            shots(page, "idp-login")
        page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^http://localhost:\d+/$"))


def test_saml_login_creates_the_person_and_logout_ends_the_idp_session(sso_pages, idp):
    shots = Shots("sso-saml")
    page = sso_pages()
    saml_login(page, idp, "zhangwei", shots)
    assert "张伟" in page.locator("header").inner_text()
    shots(page, "signed-in")
    person = Person.objects.get(employee_number="E100")
    assert (person.name, person.email) == ("张伟", "zhang.wei@example.com")
    assert Identity.objects.get(person=person).external_id == "saml-zhangwei"
    assert person.field_sources["employee_number"] == "saml"
    assert SyncReport.objects.get().source == "saml"
    assert SocialAccount.objects.get(user=person).provider == "saml"
    page.goto(f"{idp.url}/whoami")
    assert '"user":"zhangwei"' in page.locator("body").inner_text()  # signed in at the IdP too
    goto(page, "/")

    # Logout: a LogoutRequest to the IdP, its LogoutResponse back to our /sls/, then the login page.
    page.click("header form[action='/logout/'] button")
    page.wait_for_url(re.compile(r"^http://localhost:\d+/login/$"))
    shots(page, "logged-out")
    goto(page, "/")
    assert "/login/" in page.url
    page.goto(f"{idp.url}/whoami")
    assert '"user":null' in page.locator("body").inner_text()

    # The next login asks the IdP for credentials again, and finds the same person.
    saml_login(page, idp, "zhangwei")
    assert "张伟" in page.locator("header").inner_text()
    assert Person.objects.count() == 1 and Identity.objects.count() == 1


def test_an_assertion_without_a_usable_id_is_refused(sso_pages, idp):
    page = sso_pages()
    goto(page, "/login/")
    page.click("a.login-saml")
    page.fill("input[name=username]", "nobody")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^http://localhost:\d+/sso/"))
    assert page.locator("h1").inner_text() == zh("Sign-in refused")
    assert zh("The sign-in service sent neither a verified e-mail address nor an employee number (工号), "
              "so Lihui cannot tell which colleague you are. Ask your IT department to release one of them to Lihui.") in page.locator("main").inner_text()
    Shots("sso-saml-refused")(page, "refused")
    assert not Person.objects.exists() and not Identity.objects.exists()


def test_our_sp_metadata_is_what_the_idp_needs(client, live_server):
    response = client.get("/sso/saml/company/metadata/", HTTP_HOST=live_server.url.split("//")[1])
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    base = live_server.url
    assert root.get("entityID") == f"{base}/sso/saml/company/metadata/"
    sp = root.find(f"{MD}SPSSODescriptor")
    assert sp.find(f"{MD}AssertionConsumerService").get("Location") == f"{base}/sso/saml/company/acs/"
    assert sp.find(f"{MD}SingleLogoutService").get("Location") == f"{base}/sso/saml/company/sls/"


def test_the_idp_metadata_may_be_a_file(settings, idp, tmp_path, client):
    import requests

    metadata = requests.get(idp.metadata_url, timeout=10)
    (tmp_path / "idp.xml").write_bytes(metadata.content)
    providers = sso_providers({"LIHUI_SAML_METADATA_FILE": str(tmp_path / "idp.xml"), "LIHUI_SAML_NAME": "公司 SAML 登录"})
    given = providers["saml"]["APPS"][0]["settings"]["idp"]
    assert given["entity_id"] == idp.entity_id
    assert given["sso_url"] == f"{idp.url}/sso" and given["slo_url"] == f"{idp.url}/slo"
    pem = "".join(line for line in idp.cert.read_text().splitlines() if "CERTIFICATE" not in line)
    assert given["x509cert"].replace("\n", "") == pem
    settings.SOCIALACCOUNT_PROVIDERS = providers
    assert zh("Log in with %(name)s", name="公司 SAML 登录") in client.get("/login/").content.decode()


def test_the_idp_metadata_file_may_drive_a_login(settings, idp, tmp_path, sso_pages):
    import requests

    (tmp_path / "idp.xml").write_bytes(requests.get(idp.metadata_url, timeout=10).content)
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers({"LIHUI_SAML_METADATA_FILE": str(tmp_path / "idp.xml"), "LIHUI_SAML_NAME": "公司 SAML 登录"})
    page = sso_pages()
    saml_login(page, idp, "lina")
    assert "李娜" in page.locator("header").inner_text()
