"""Sign-in hardening: failed sign-ins throttled per account and per address (wherever a
password is checked), Argon2 hashing with old hashes upgraded, a working-day session, and
API tokens kept only as hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import translation

from lihui.people import throttle
from lihui.people.models import ApiToken, Person
from lihui.people.services import api_token_authenticate, api_token_create, api_token_revoke
from lihui.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

REAL_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]


def sign_in(username: str, password: str, address: str = "10.0.0.1", client: Client | None = None):
    client = client or Client(REMOTE_ADDR=address)
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


@pytest.fixture
def zhang():
    return PersonFactory(username="zhang")  # password "pw"


def test_an_account_is_blocked_after_five_failures_from_any_addresses(zhang, settings):
    for n in range(settings.LIHUI_LOGIN_FAILURES_PER_ACCOUNT):
        assert sign_in("zhang", "wrong", address=f"10.0.0.{n + 1}").status_code == 200
    refused = sign_in("zhang", "pw", address="10.9.9.9")  # the right password, a fresh address
    assert refused.status_code == 429 and not signed_in(refused)
    assert sign_in("ZHANG ", "pw", address="10.9.9.8").status_code == 429  # the same account, spelled otherwise
    assert signed_in(sign_in(PersonFactory(username="li").username, "pw", address="10.9.9.9"))  # others unaffected


def test_an_address_is_blocked_after_twenty_failures_across_accounts(settings):
    li = PersonFactory(username="li")
    for n in range(settings.LIHUI_LOGIN_FAILURES_PER_ADDRESS):
        assert sign_in(f"guess{n}", "wrong", address="10.0.0.66").status_code == 200
    assert sign_in(li.username, "pw", address="10.0.0.66").status_code == 429
    assert signed_in(sign_in(li.username, "pw", address="10.0.0.67"))


def test_a_success_clears_the_account_count(zhang, settings):
    for _ in range(2):
        for _ in range(settings.LIHUI_LOGIN_FAILURES_PER_ACCOUNT - 1):
            sign_in("zhang", "wrong")
        assert signed_in(sign_in("zhang", "pw"))


def test_the_block_lifts_after_the_window(zhang, settings):
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        for _ in range(settings.LIHUI_LOGIN_FAILURES_PER_ACCOUNT):
            sign_in("zhang", "wrong")
        assert sign_in("zhang", "pw").status_code == 429
        traveller.shift(dt.timedelta(minutes=settings.LIHUI_LOGIN_WINDOW_MINUTES + 1))
        assert signed_in(sign_in("zhang", "pw"))


def test_the_refusal_says_why_in_the_persons_language(zhang, settings):
    for _ in range(settings.LIHUI_LOGIN_FAILURES_PER_ACCOUNT):
        sign_in("zhang", "wrong")
    response = sign_in("zhang", "pw")
    with translation.override("zh-hans"):
        message = throttle.blocked_message()
    assert "15" in message
    assert message in response.content.decode()


def test_the_admin_and_the_api_token_exchange_share_the_count(zhang, settings):
    zhang.is_staff = True
    zhang.save()
    for _ in range(settings.LIHUI_LOGIN_FAILURES_PER_ACCOUNT - 1):
        Client().post("/admin/login/", {"username": "zhang", "password": "wrong"}, REMOTE_ADDR="10.0.0.2")
    sign_in("zhang", "wrong")
    admin = Client().post("/admin/login/", {"username": "zhang", "password": "pw"}, REMOTE_ADDR="10.0.0.3")
    assert admin.status_code == 200 and "_auth_user_id" not in admin.wsgi_request.session
    assert throttle.blocked_message() in admin.content.decode()
    api = Client().post(
        "/api/v1/auth/token", json.dumps({"username": "zhang", "password": "pw"}), content_type="application/json"
    )
    assert api.status_code == 401 and not ApiToken.objects.exists()


def test_the_client_address_behind_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7, 10.2.2.2")
    assert throttle.client_address(request) == "10.1.1.1"  # no proxy configured: the header is not trusted
    settings.LIHUI_PROXY_COUNT = 1
    assert throttle.client_address(request) == "10.2.2.2"
    settings.LIHUI_PROXY_COUNT = 2
    assert throttle.client_address(request) == "192.0.2.7"


def test_new_passwords_use_argon2_and_old_hashes_upgrade_at_sign_in(settings):
    settings.PASSWORD_HASHERS = REAL_HASHERS
    fresh = Person.objects.create_user(username="new", password="a long passphrase")
    assert fresh.password.startswith("argon2$argon2id$")
    old = PersonFactory(username="old")
    Person.objects.filter(pk=old.pk).update(password=make_password("pw", hasher="pbkdf2_sha256"))
    assert signed_in(sign_in("old", "pw"))
    old.refresh_from_db()
    assert old.password.startswith("argon2$") and old.check_password("pw")


def test_a_session_lasts_twelve_hours_across_browser_restarts(zhang, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is False
    client = Client()
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        response = sign_in("zhang", "pw", client=client)
        assert signed_in(response)
        assert response.cookies["sessionid"]["max-age"] == 12 * 3600
        traveller.shift(dt.timedelta(hours=11))
        assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(hours=1, minutes=1))
        assert client.get("/").status_code == 302  # back to the sign-in page


def test_api_tokens_are_stored_as_hashes_used_times_and_revocable(zhang):
    token, secret = api_token_create(person=zhang, name="sync")
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert stored["digest"] == hashlib.sha256(secret.encode()).hexdigest()
    assert not any(secret in str(value) for value in stored.values())  # only the hash and a short hint
    assert stored["last_used"] is None
    assert api_token_authenticate(secret=secret) == zhang
    token.refresh_from_db()
    assert token.last_used is not None
    assert api_token_revoke(person=zhang, token_id=token.pk)
    assert api_token_authenticate(secret=secret) is None
