import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client

from lihui.meetings.models import Meeting
from lihui.people import services
from lihui.people.models import ApiToken, Person
from lihui.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_token_shown_once_listed_and_revocable():
    person = PersonFactory(language="en")
    client = Client()
    client.force_login(person)
    r = client.post("/me/tokens/", {"name": "同步脚本"}, follow=True)
    html = r.content.decode()
    token = ApiToken.objects.get(person=person)
    assert 'data-testid="new-token"' in html and token.hint in html
    secret = html.split('data-testid="new-token">')[1].split("<")[0]
    assert ApiToken.digest_of(secret) == token.digest
    assert 'data-testid="new-token"' not in client.get("/me/").content.decode()  # shown once
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    client.post(f"/me/tokens/{token.pk}/revoke/")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_someone_elses_token_cannot_be_revoked():
    owner, other = PersonFactory(), PersonFactory()
    client = Client()
    client.force_login(owner)
    client.post("/me/tokens/", {"name": "x"})
    token = ApiToken.objects.get()
    client.force_login(other)
    client.post(f"/me/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked is None


def test_preferences_validate_time_zone():
    person = PersonFactory()
    client = Client()
    client.force_login(person)
    r = client.post("/me/", {"save_preferences": "1", "language": "en", "time_zone": "Nowhere/Atlantis"})
    assert r.status_code == 200 and "has-error" in r.content.decode()
    person.refresh_from_db()
    assert person.time_zone == "Asia/Shanghai"
    client.post("/me/", {"save_preferences": "1", "language": "en", "time_zone": "Europe/Berlin"})
    person.refresh_from_db()
    assert (person.language, person.time_zone) == ("en", "Europe/Berlin")



def test_the_profile_saves_preferences_through_the_service(monkeypatch):
    person = PersonFactory()
    calls = []
    real = services.person_preferences_save
    monkeypatch.setattr(services, "person_preferences_save", lambda **kw: calls.append(kw) or real(**kw))
    client = Client()
    client.force_login(person)
    client.post("/me/", {"save_preferences": "1", "language": "zh-hans", "time_zone": "Europe/Berlin"})
    assert [(c["actor"].pk, c["person"].pk, c["language"], c["time_zone"]) for c in calls] == [
        (person.pk, person.pk, "zh-hans", "Europe/Berlin")
    ]
    person.refresh_from_db()
    assert (person.language, person.time_zone) == ("zh-hans", "Europe/Berlin")


def test_nobody_saves_another_persons_preferences():
    person, other = PersonFactory(), PersonFactory()
    with pytest.raises(PermissionDenied):
        services.person_preferences_save(actor=other, person=person, language="en", time_zone="Europe/Berlin")
    person.refresh_from_db()
    assert person.time_zone == "Asia/Shanghai"

def test_demo_data_loads_once_and_worker_runs_a_pass():
    call_command("demo")
    assert Person.objects.filter(username="zhouyun").exists()
    assert Person.objects.count() >= 15
    weekly = Meeting.objects.filter(series__title="运营周例会")
    assert weekly.filter(status="held").exists() and weekly.filter(status="scheduled").exists()
    assert weekly.filter(window__isnull=False).exists()  # the 双十一 peak window
    count = Meeting.objects.count()
    call_command("demo")  # second run changes nothing
    assert Meeting.objects.count() == count
    call_command("worker", "--once")
