"""SSO required (LIHUI_SSO_REQUIRED): password sign-in refused for everyone but the named
break-glass accounts (LIHUI_BREAK_GLASS_USERS), on our login page and Django admin's, with a
message pointing at the SSO buttons; API tokens keep working; the SSO login itself works."""

import re

import pytest

from lihui.people.models import ApiToken, Person
from lihui.people.services import api_token_create
from lihui.testing.browser import BROWSER_MARKS, Shots, zh
from lihui.testing.factories import PersonFactory
from lihui.testing.sso import oidc_log_in, oidc_provider, sso_pages  # noqa: F401

REFUSED = "Password sign-in is turned off here: use the sign-in button of your company account on this page."


@pytest.fixture
def required(settings):
    settings.LIHUI_SSO_REQUIRED = True
    settings.LIHUI_BREAK_GLASS_USERS = ["admin", "ops-root"]


@pytest.fixture
def people(db):
    return {
        "zhou": PersonFactory(username="zhou", name="周云"),
        "admin": PersonFactory(username="admin", name="管理员", is_staff=True, is_superuser=True),
        "staff": PersonFactory(username="it-staff", name="信息部", is_staff=True, is_superuser=True),
    }


def log_in(client, username, url="/login/"):
    return client.post(url, {"username": username, "password": "pw", "next": "/"})


def test_password_login_is_refused_for_everyone_but_break_glass_accounts(client, required, people):
    response = log_in(client, "zhou")
    assert response.status_code == 200 and zh(REFUSED) in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Refused before the password is looked at: a wrong one gets the same answer, and no failure is counted.
    assert zh(REFUSED) in client.post("/login/", {"username": "zhou", "password": "nope"}).content.decode()

    response = log_in(client, "admin")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(people["admin"].pk)


def test_django_admin_login_is_refused_too(client, required, people):
    response = log_in(client, "it-staff", url="/admin/login/")
    assert response.status_code == 200 and zh(REFUSED) in response.content.decode()
    assert "_auth_user_id" not in client.session
    response = log_in(client, "admin", url="/admin/login/")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(people["admin"].pk)


def test_api_tokens_are_unaffected(client, required, people):
    _token, secret = api_token_create(person=people["zhou"], name="tracker")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200 and response.json()["name"] == "周云"


def test_a_password_buys_no_api_token_either_but_a_break_glass_accounts_does(client, required, people):
    def exchange(username):
        return client.post("/api/v1/auth/token", {"username": username, "password": "pw", "name": "脚本"}, content_type="application/json")

    refused = exchange("zhou")
    assert refused.status_code == 401 and not ApiToken.objects.filter(person=people["zhou"]).exists()
    assert refused.json()["error"] == zh(
        "Password sign-in is turned off here: sign in with your company account and create a token on your profile page."
    )
    assert exchange("admin").status_code == 201


def test_without_the_setting_everyone_signs_in_with_a_password(client, settings, people):
    settings.LIHUI_SSO_REQUIRED = False
    settings.LIHUI_BREAK_GLASS_USERS = ["admin"]
    assert log_in(client, "zhou").status_code == 302


def browser_test(test):
    for mark in reversed(BROWSER_MARKS):
        test = mark(test)
    return test


@browser_test
def test_in_the_browser_the_password_is_refused_and_the_sso_button_signs_in(sso_pages, settings, oidc_provider, required):
    from lihui.settings import sso_providers

    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(oidc_provider.environ())
    PersonFactory(username="zhangwei", name="张伟", employee_number="E100")
    shots = Shots("sso-required")
    page = sso_pages()
    page.goto("/login/")
    page.fill("#id_username", "zhangwei")
    page.fill("#id_password", "pw")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert zh(REFUSED) in page.locator("main").inner_text()
    shots(page, "password-refused")
    oidc_log_in(page, "zhangwei")
    assert "张伟" in page.locator("header").inner_text() and Person.objects.count() == 1
    assert re.search(r"/$", page.url)
    shots(page, "signed-in-by-sso")

