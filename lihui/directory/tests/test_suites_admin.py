"""The admin's page for the suites' apps (/directory/suites/): entering the ids and the secret
(never shown again: "set ✓ / replace"), the environment's secret winning, testing the
connection, syncing now — and nobody but admins."""

import pytest
from django.test import Client
from django.urls import reverse

from lihui.directory.models import SuiteApp, SyncReport
from lihui.settings import env_str
from lihui.testing.factories import PersonFactory
from lihui.testing.suites.fixtures import suite_server, suites  # noqa: F401

URL = "/directory/suites/"


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(PersonFactory(is_staff=True))
    return client


def wecom_form(server, **changes):
    c = server.credentials
    data = {"wecom-corp_id": c.wecom_corp_id, "wecom-agent_id": c.wecom_agent_id, "wecom-secret": c.wecom_secret,
            "wecom-login_enabled": "on", "wecom-sync_every_hours": "24"}  # fmt: skip
    data.update({f"wecom-{k}": v for k, v in changes.items()})
    return {k: v for k, v in data.items() if v is not None}


def test_an_admin_enters_an_app_and_its_secret_is_never_shown_again(admin_client, suite_server):
    secret = suite_server.credentials.wecom_secret
    response = admin_client.post(reverse("directory:suite_save", args=["wecom"]), wecom_form(suite_server))
    assert response.status_code == 302
    app = SuiteApp.objects.get(source="wecom")
    assert app.secret == secret and app.corp_id == "wwlihui0000test"
    page = admin_client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200 and secret not in html and secret[-4:] not in html
    assert 'name="wecom-secret"' in html and 'type="password"' in html
    assert 'data-testid="ready"' in html


def test_an_empty_secret_keeps_the_stored_one_a_new_one_replaces_it_and_it_can_be_removed(admin_client, suite_server):
    save = reverse("directory:suite_save", args=["wecom"])
    admin_client.post(save, wecom_form(suite_server))
    admin_client.post(save, wecom_form(suite_server, secret="", agent_id="1000009"))
    app = SuiteApp.objects.get(source="wecom")
    assert app.secret == suite_server.credentials.wecom_secret and app.agent_id == "1000009"
    admin_client.post(save, wecom_form(suite_server, secret="another-secret-value"))
    assert SuiteApp.objects.get(source="wecom").secret == "another-secret-value"
    admin_client.post(save, wecom_form(suite_server, secret="", clear_secret="on"))
    assert SuiteApp.objects.get(source="wecom").secret == ""


@pytest.mark.parametrize("changes", [{"corp_id": "bad id!"}, {"corp_id": ""}, {"secret": "short"}, {"sync_every_hours": "0"}])
def test_bad_input_is_a_clear_error_and_changes_nothing(admin_client, suite_server, changes):
    response = admin_client.post(reverse("directory:suite_save", args=["wecom"]), wecom_form(suite_server, **changes))
    assert response.status_code == 422 and b'class="errors"' in response.content
    assert not SuiteApp.objects.exists()


def test_a_secret_in_the_environment_wins_and_is_never_shown(admin_client, suite_server, settings):
    settings.LIHUI_WECOM_SECRET = suite_server.credentials.wecom_secret
    admin_client.post(reverse("directory:suite_save", args=["wecom"]), wecom_form(suite_server, secret="a-stale-stored-secret"))
    html = admin_client.get(URL).content.decode()
    assert 'data-testid="secret-env"' in html and settings.LIHUI_WECOM_SECRET not in html
    response = admin_client.post(reverse("directory:suite_test", args=["wecom"]), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]  # the stored secret would be refused
    assert [e for e, q in suite_server.calls if e == "wecom:gettoken" and settings.LIHUI_WECOM_SECRET in q]


def test_the_secret_file_wins_over_the_variable(monkeypatch, tmp_path):
    path = tmp_path / "wecom-secret"
    path.write_text("from-the-file\n", encoding="utf-8")
    monkeypatch.setenv("LIHUI_WECOM_SECRET", "from-the-variable")
    monkeypatch.setenv("LIHUI_WECOM_SECRET_FILE", str(path))
    assert env_str("LIHUI_WECOM_SECRET") == "from-the-file"


def test_testing_the_connection_says_whether_the_app_is_accepted(admin_client, suites, suite_server):
    response = admin_client.post(reverse("directory:suite_test", args=["feishu"]), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    SuiteApp.objects.filter(source="feishu").update(secret="wrong-secret-123")
    response = admin_client.post(reverse("directory:suite_test", args=["feishu"]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert "10014" in messages[0] and "wrong-secret-123" not in response.content.decode()


def test_sync_now_runs_the_sync_and_shows_its_report(admin_client, suites):
    response = admin_client.post(reverse("directory:suite_sync", args=["dingtalk"]))
    report = SyncReport.objects.get()
    assert response.status_code == 302 and response.url == reverse("directory:sync_report_detail", args=[report.pk])
    assert report.trigger == "manual" and report.actor is not None and report.counts["created"] == 12


def test_a_failed_sync_now_says_so(admin_client, suites, suite_server):
    suite_server.inject("wecom:department/list", "garbage")
    response = admin_client.post(reverse("directory:suite_sync", args=["wecom"]), follow=True)
    assert SyncReport.objects.get().status == "failed"
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_no_page_shows_a_stored_secret(admin_client, suites, suite_server):
    admin_client.post(reverse("directory:suite_sync", args=["wecom"]))
    report = SyncReport.objects.get()
    secrets = [suite_server.credentials.wecom_secret, suite_server.credentials.dingtalk_secret, suite_server.credentials.feishu_secret]
    for url in (URL, reverse("directory:sync_report_detail", args=[report.pk]), "/directory/", "/login/"):
        html = admin_client.get(url).content.decode()
        assert not [s for s in secrets if s in html], url


@pytest.mark.parametrize("url, method", [
    (URL, "get"), ("/directory/suites/wecom/save/", "post"), ("/directory/suites/wecom/test/", "post"), ("/directory/suites/wecom/sync/", "post"),
])  # fmt: skip
def test_only_admins(suites, suite_server, url, method):
    client = Client()
    client.force_login(PersonFactory())
    before = list(SuiteApp.objects.values())
    response = getattr(client, method)(url, wecom_form(suite_server, secret="someone-elses-secret") if method == "post" else None)
    assert response.status_code == 403
    anonymous = getattr(Client(), method)(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith("/login/")
    assert list(SuiteApp.objects.values()) == before and not SyncReport.objects.exists()


def test_an_unknown_suite_is_404(admin_client):
    assert admin_client.post("/directory/suites/ldap/save/").status_code == 404
