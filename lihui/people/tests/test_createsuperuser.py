"""`manage.py createsuperuser` works the Django way, the e-mail included (the break-glass admin)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lihui.people.models import Person


def test_createsuperuser_asks_for_the_email_and_the_name(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long break-glass passphrase")
    call_command("createsuperuser", interactive=False, username="root", email="root@example.com", name="值班管理员", verbosity=0)
    root = Person.objects.get(username="root")
    assert root.is_superuser and root.is_staff and root.email == "root@example.com" and root.name == "值班管理员"
    assert root.check_password("a long break-glass passphrase")


def test_createsuperuser_refuses_without_an_email(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long break-glass passphrase")
    with pytest.raises(CommandError, match="email"):
        call_command("createsuperuser", interactive=False, username="root", name="值班管理员", verbosity=0)
    assert not Person.objects.exists()


def test_the_person_admin_shows_where_a_person_comes_from(db, client):
    admin = Person.objects.create_superuser("boss", "boss@example.com", "pw", name="管理员")
    client.force_login(admin)
    html = client.get(f"/admin/people/person/{admin.pk}/change/").content.decode()
    assert f"/directory/people/{admin.pk}/" in html and 'name="employee_number"' in html
