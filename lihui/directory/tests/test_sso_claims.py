"""What a provider's claims mean to Lihui (lihui/directory/sso.py), without a browser: which
e-mail counts, SAML's attribute names, who `person_for_login` links, creates or refuses (and
that a refusal writes nothing); a provider that cannot be reached gets a page, not a 500."""

import socket

import pytest
from django.utils import translation

from lihui.directory.models import SyncReport
from lihui.directory.sso import Claims, Refused, claims_from_oidc, claims_from_saml, person_for_login
from lihui.people.models import Identity, Person
from lihui.settings import LIHUI_SAML_DEFAULT_ATTRIBUTES, sso_providers
from lihui.testing.browser import zh
from lihui.testing.factories import PersonFactory


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the source language); a test that wants Chinese says so."""
    with translation.override("en"):
        yield


def test_an_oidc_email_counts_only_when_verified():
    claims = claims_from_oidc({"sub": "s1", "name": "张伟", "email": "z@example.com", "email_verified": "true", "employee_number": 100})
    assert (claims.subject, claims.name, claims.email, claims.employee_number) == ("s1", "张伟", "z@example.com", "100")
    assert claims_from_oidc({"sub": "s1", "email": "z@example.com", "email_verified": False}).email == ""
    assert claims_from_oidc({"sub": "s1", "email": "z@example.com"}).email == ""
    assert claims_from_oidc({"sub": "s1", "family_name": "张", "given_name": "伟"}).name == "张 伟"


def test_the_employee_number_claim_is_configurable(settings):
    settings.LIHUI_SSO_EMPLOYEE_NUMBER_CLAIM = "employeeId"
    assert claims_from_oidc({"sub": "s1", "employeeId": "E7", "employee_number": "X"}).employee_number == "E7"


def test_saml_attributes_are_read_by_their_names():
    attributes = {
        "urn:oid:0.9.2342.19200300.100.1.1": ["zhangwei"],
        "urn:oid:0.9.2342.19200300.100.1.3": ["zhang.wei@example.com"],
        "urn:oid:2.16.840.1.113730.3.1.241": ["张伟"],
        "urn:oid:2.16.840.1.113730.3.1.3": ["E100"],
    }
    claims = claims_from_saml(attributes, LIHUI_SAML_DEFAULT_ATTRIBUTES)
    assert (claims.subject, claims.name, claims.email, claims.employee_number) == ("zhangwei", "张伟", "zhang.wei@example.com", "E100")
    assert claims_from_saml({"mail": ["a@example.com"], "email_verified": ["false"]}, {"email": "mail", "email_verified": "email_verified"}).email == ""
    assert claims_from_saml({}, LIHUI_SAML_DEFAULT_ATTRIBUTES, name_id="nid-1").subject == "nid-1"


def test_the_attribute_mapping_comes_from_the_environment():
    providers = sso_providers({"LIHUI_SAML_SSO_URL": "https://idp.example.com/sso", "LIHUI_SAML_ENTITY_ID": "urn:idp",
                               "LIHUI_SAML_X509CERT": "MIIC", "LIHUI_SAML_ATTRIBUTES": "email=mail, employee_number=employeeID"})  # fmt: skip
    mapping = providers["saml"]["APPS"][0]["settings"]["attribute_mapping"]
    assert mapping["email"] == ["mail"] and mapping["employee_number"] == ["employeeID"]
    assert mapping["name"] == LIHUI_SAML_DEFAULT_ATTRIBUTES["name"]


def test_the_oidc_secret_may_come_from_a_file(tmp_path):
    (tmp_path / "secret").write_text("s3cret\n")
    app = sso_providers({"LIHUI_OIDC_SERVER_URL": "https://sso.example.com", "LIHUI_OIDC_CLIENT_ID": "lihui",
                         "LIHUI_OIDC_SECRET_FILE": str(tmp_path / "secret")})["openid_connect"]["APPS"][0]  # fmt: skip
    assert app["secret"] == "s3cret" and app["settings"]["server_url"] == "https://sso.example.com"


def claims(**kwargs) -> Claims:
    return Claims(**{"source": "oidc", "subject": "sub-1", "name": "张伟", **kwargs})


def test_a_first_login_creates_the_person_and_the_next_finds_them(db):
    person = person_for_login(claims=claims(email="zhang@example.com", employee_number="E1"), create=True)
    assert (person.name, person.employee_number, person.email) == ("张伟", "E1", "zhang@example.com")
    assert Identity.objects.get(person=person).external_id == "sub-1"
    assert SyncReport.objects.get().trigger == "login"
    assert person_for_login(claims=claims(email="zhang@example.com", employee_number="E1"), create=False) == person
    assert SyncReport.objects.count() == 1  # nothing changed, nothing to report
    # The provider renames them: the engine records the change.
    assert person_for_login(claims=claims(name="张伟伟", employee_number="E1"), create=False).name == "张伟伟"
    assert SyncReport.objects.count() == 2


@pytest.mark.parametrize(
    "given",
    [
        {"subject": ""},  # no sub
        {"email": "", "employee_number": ""},  # nothing to tell the colleague by
    ],
)
def test_unusable_claims_are_refused_and_nothing_is_written(db, given):
    with pytest.raises(Refused):
        person_for_login(claims=claims(**given), create=True)
    assert not Person.objects.exists() and not Identity.objects.exists() and not SyncReport.objects.exists()


def test_a_clash_with_another_linked_person_is_refused(db):
    person_for_login(claims=claims(subject="sub-1", employee_number="E1", email="a@example.com"), create=True)
    with pytest.raises(Refused, match="already linked"):
        person_for_login(claims=claims(subject="sub-2", employee_number="E1"), create=True)
    assert Person.objects.count() == 1 and Identity.objects.count() == 1


def test_a_person_who_left_is_refused_and_stays_deactivated(db):
    gone = PersonFactory(name="离职者", employee_number="E9", is_active=False)
    with pytest.raises(Refused):
        person_for_login(claims=claims(employee_number="E9"), create=True)
    gone.refresh_from_db()
    assert not gone.is_active and not Identity.objects.exists()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_provider_that_cannot_be_reached_gets_a_page_not_an_error(client, settings, db):
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(
        {"LIHUI_OIDC_SERVER_URL": f"http://127.0.0.1:{closed_port()}", "LIHUI_OIDC_CLIENT_ID": "lihui", "LIHUI_OIDC_SECRET": "x"}
    )
    response = client.get("/sso/oidc/company/login/")
    assert response.status_code == 502
    assert zh("The sign-in service cannot be reached or answered something Lihui cannot read. Please try again later, or tell your IT department.") in (
        response.content.decode()
    )


def test_logout_is_local_when_the_provider_cannot_be_reached(client, settings, db):
    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(
        {"LIHUI_OIDC_SERVER_URL": f"http://127.0.0.1:{closed_port()}", "LIHUI_OIDC_CLIENT_ID": "lihui", "LIHUI_OIDC_SECRET": "x"}
    )
    person = PersonFactory()
    client.force_login(person)
    session = client.session
    session["lihui_sso"] = {"source": "oidc", "id_token": "a.b.c"}
    session.save()
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
