"""Credentials die with the password: a new password (set by its owner at 我的资料, by an
admin, by `manage.py changepassword`, or by any code that saves a new hash) revokes every
API token of the person and ends their other sessions; so does deactivation. A hash that
Django only upgrades at sign-in (same password) is not a change."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.management.commands import changepassword
from django.core.management import call_command
from django.test import Client

from lihui.people.models import ApiToken, Person
from lihui.people.services import api_token_create
from lihui.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

NEW = "a-quite-long passphrase 7"
REAL_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def api_status(secret: str) -> int:
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code


@pytest.fixture
def zhang():
    return PersonFactory(username="zhang", language="en")  # password "pw", not staff


@pytest.fixture
def secrets(zhang):
    """Two working tokens of zhang's."""
    pair = [api_token_create(person=zhang, name=n)[1] for n in ("sync", "report")]
    assert [api_status(s) for s in pair] == [200, 200]
    return pair


def signed_in_client(person) -> Client:
    client = Client()
    client.force_login(person)
    assert client.get("/me/").status_code == 200
    return client


def test_everyone_changes_their_own_password_keeping_this_session_only(zhang, secrets):
    here, elsewhere = signed_in_client(zhang), signed_in_client(zhang)
    page = here.get("/me/password/")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.content.decode()
    assert "/me/password/" in here.get("/me/").content.decode()  # reachable from 我的资料
    r = here.post("/me/password/", {"old_password": "pw", "new_password1": NEW, "new_password2": NEW})
    assert r.status_code == 302 and r.url == "/me/"
    zhang.refresh_from_db()
    assert zhang.check_password(NEW)
    assert [api_status(s) for s in secrets] == [401, 401]
    assert not ApiToken.objects.filter(person=zhang, revoked__isnull=True).exists()
    assert here.get("/me/").status_code == 200  # this session kept
    assert elsewhere.get("/me/").status_code == 302  # the other one ended


def test_a_wrong_current_password_changes_nothing(zhang, secrets):
    client = signed_in_client(zhang)
    r = client.post("/me/password/", {"old_password": "nope", "new_password1": NEW, "new_password2": NEW})
    assert r.status_code == 200 and "has-error" in r.content.decode()
    zhang.refresh_from_db()
    assert zhang.check_password("pw")
    assert [api_status(s) for s in secrets] == [200, 200]


def test_the_password_page_speaks_chinese(zhang):
    zhang.language = "zh-hans"
    zhang.save(update_fields=["language"])
    html = signed_in_client(zhang).get("/me/password/").content.decode()
    assert "修改密码" in html and "旧密码" in html


def test_the_password_page_needs_a_sign_in():
    r = Client().get("/me/password/")
    assert r.status_code == 302 and "/login/" in r.url


def test_an_admin_setting_the_password_revokes_tokens_and_sessions(zhang, secrets):
    elsewhere = signed_in_client(zhang)
    admin = PersonFactory(username="boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    r = client.post(
        f"/admin/people/person/{zhang.pk}/password/", {"usable_password": "true", "password1": NEW, "password2": NEW}
    )
    assert r.status_code == 302
    zhang.refresh_from_db()
    assert zhang.check_password(NEW)
    assert [api_status(s) for s in secrets] == [401, 401]
    assert elsewhere.get("/me/").status_code == 302


def test_changepassword_command_revokes_tokens(zhang, secrets, monkeypatch):
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="Password: ": NEW)
    call_command("changepassword", "zhang", stdout=open("/dev/null", "w"))
    zhang.refresh_from_db()
    assert zhang.check_password(NEW)
    assert [api_status(s) for s in secrets] == [401, 401]


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.set_password(NEW),
        lambda p: p.set_unusable_password(),  # e.g. an account moved to single sign-on
        lambda p: setattr(p, "password", make_password(NEW)),  # a hash written by a script
    ],
    ids=["set_password", "set_unusable_password", "hash_assigned"],
)
def test_any_saved_new_hash_revokes_tokens(zhang, secrets, change):
    person = Person.objects.get(pk=zhang.pk)  # a fresh instance, as any code path would load it
    change(person)
    person.save()
    assert [api_status(s) for s in secrets] == [401, 401]


def test_a_stale_instance_saving_a_new_hash_still_revokes(zhang, secrets):
    person = Person(pk=zhang.pk, username="zhang", name=zhang.name)  # not loaded from the database
    person.set_password(NEW)
    person.save(update_fields=["password"])
    assert [api_status(s) for s in secrets] == [401, 401]


def test_deactivation_revokes_tokens_for_good(zhang, secrets):
    person = Person.objects.get(pk=zhang.pk)
    person.is_active = False
    person.save()
    person.is_active = True
    person.save()  # reactivating the account does not bring the tokens back
    assert [api_status(s) for s in secrets] == [401, 401]


def test_other_saves_keep_tokens(zhang, secrets):
    person = Person.objects.get(pk=zhang.pk)
    person.title = "主管"
    person.save()
    person.save(update_fields=["language"])
    Client().post("/login/", {"username": "zhang", "password": "pw"})  # last_login written
    assert [api_status(s) for s in secrets] == [200, 200]


def test_a_hash_upgraded_at_sign_in_is_not_a_new_password(zhang, secrets, settings):
    settings.PASSWORD_HASHERS = REAL_HASHERS
    Person.objects.filter(pk=zhang.pk).update(password=make_password("pw", hasher="pbkdf2_sha256"))
    r = Client().post("/login/", {"username": "zhang", "password": "pw"})
    assert r.status_code == 302
    zhang.refresh_from_db()
    assert zhang.password.startswith("argon2$")  # upgraded...
    assert [api_status(s) for s in secrets] == [200, 200]  # ...and the tokens still work
