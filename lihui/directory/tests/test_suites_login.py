"""Logging in with WeCom, DingTalk and Feishu, end to end against the local suite server: the
login page's QR buttons, the vendor's page, the callback's state check (CSRF) and code
exchange, the person found by their suite id or added on first login, leavers refused; and
inside each suite's own browser, the in-app login that opens a message's link signed in."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from lihui.directory.models import SuiteApp, SyncReport
from lihui.directory.suites.services import suite_sync
from lihui.people.models import Identity, Person
from lihui.testing.factories import PersonFactory
from lihui.testing.suites.fixtures import configure_suites, suite_server, suites  # noqa: F401

SUITES = ("wecom", "dingtalk", "feishu")
UA = {
    "wecom": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh",
    "dingtalk": "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/116.0 Mobile Safari/537.36 AliApp(DingTalk/7.5.0) DingTalk(7.5.0)",
    "feishu": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Lark/7.6.0 LarkLocale/zh_CN",
}


def start(client, source, next_url="/series/"):
    response = client.get(reverse("directory:suite_login", args=[source]), {"next": next_url})
    assert response.status_code == 302, response.content[:200]
    return response.url


def back(client, location):
    """The browser arriving at Lihui's callback the vendor redirected to."""
    parts = urlsplit(location)
    assert parts.netloc == "testserver", location
    return client.get(f"{parts.path}?{parts.query}")


def logged_in(client):
    return client.session.get("_auth_user_id")


@pytest.mark.parametrize("source", SUITES)
def test_qr_login_of_a_synced_person(suites, suite_server, source):
    suite_sync(source=source, trigger="manual")
    client = Client()
    vendor_page = start(client, source)
    assert vendor_page.startswith(suite_server.url)
    response = back(client, suite_server.scan(vendor_page, "lixf"))
    assert response.status_code == 302 and response.url == "/series/"
    assert logged_in(client) == str(Identity.objects.get(source=source, external_id="lixf").person_id)
    assert client.get("/series/").status_code == 200


def test_the_vendor_pages_are_asked_with_the_documented_parameters(suites, suite_server):
    client = Client()
    wecom = parse_qs(urlsplit(start(client, "wecom")).query)
    assert wecom["login_type"] == ["CorpApp"] and wecom["appid"] == ["wwlihui0000test"] and wecom["agentid"] == ["1000002"]
    assert wecom["redirect_uri"] == ["http://testserver/directory/suites/wecom/callback/"] and len(wecom["state"][0]) >= 32
    ding = parse_qs(urlsplit(start(client, "dingtalk")).query)
    assert ding["response_type"] == ["code"] and ding["scope"] == ["openid"] and ding["prompt"] == ["consent"]
    assert ding["client_id"] == ["dinglihuitestkey"]
    feishu = urlsplit(start(client, "feishu"))
    assert feishu.path.endswith("/open-apis/authen/v1/authorize") and parse_qs(feishu.query)["client_id"] == ["cli_lihuitest0001"]


@pytest.mark.parametrize("source", SUITES)
def test_a_first_login_adds_the_person_from_the_suite(suites, suite_server, source):
    """Not synced yet: the callback reads them from the suite's user API and adds them through
    the engine (a one-person report, started by "login")."""
    client = Client()
    back(client, suite_server.scan(start(client, source), "wuxy"))
    person = Identity.objects.get(source=source, external_id="wuxy").person
    assert logged_in(client) == str(person.pk)
    assert (person.name, person.employee_number, person.title) == ("吴欣怡", "E1008", "后端工程师")
    report = SyncReport.objects.get(trigger="login")
    assert report.source == source and report.counts["created"] == 1


def test_a_first_login_links_to_a_person_entered_by_hand(suites, suite_server):
    existing = PersonFactory(username="wu", name="吴欣怡", employee_number="E1008")
    client = Client()
    back(client, suite_server.scan(start(client, "feishu"), "wuxy"))
    assert logged_in(client) == str(existing.pk) and Person.objects.filter(name="吴欣怡").count() == 1


@pytest.mark.parametrize("source", SUITES)
def test_a_leaver_cannot_log_in(suites, suite_server, source):
    suite_sync(source=source, trigger="manual")
    suite_server.directory.mark_left("xujw")
    suite_sync(source=source, trigger="manual")
    client = Client()
    response = back(client, suite_server.scan(start(client, source), "xujw"))
    assert response.status_code == 403 and not logged_in(client)
    assert b"suite-login-failed" in response.content


def test_someone_deactivated_in_lihui_cannot_log_in_while_the_suite_still_knows_them(suites, suite_server):
    suite_sync(source="wecom", trigger="manual")
    Person.objects.filter(employee_number="E1002").update(is_active=False)
    client = Client()
    response = back(client, suite_server.scan(start(client, "wecom"), "lixf"))
    assert response.status_code == 403 and not logged_in(client)


def test_a_leaver_never_synced_is_not_added_on_login(suites, suite_server):
    suite_server.directory.mark_left("xujw")
    client = Client()
    response = back(client, suite_server.scan(start(client, "feishu"), "xujw"))
    assert response.status_code == 403 and not Person.objects.exists()


# --- the state (CSRF) ------------------------------------------------------------------------------


def callback(client, source, **params):
    return client.get(reverse("directory:suite_callback", args=[source]), params)


def test_a_forged_or_missing_state_is_refused(suites, suite_server):
    suite_sync(source="wecom", trigger="manual")
    client = Client()
    location = suite_server.scan(start(client, "wecom"), "lixf")
    code = parse_qs(urlsplit(location).query)["code"][0]
    for state in ("forged", ""):
        response = callback(client, "wecom", code=code, state=state)
        assert response.status_code == 400 and not logged_in(client)
    assert [e for e, _q in suite_server.calls if e == "wecom:auth/getuserinfo"] == []  # the code was never spent


def test_a_state_from_another_browser_is_refused(suites, suite_server):
    """The classic login CSRF: an attacker's own code and state, sent to a victim's browser."""
    suite_sync(source="wecom", trigger="manual")
    attacker, victim = Client(), Client()
    location = suite_server.scan(start(attacker, "wecom"), "lixf")
    assert back(victim, location).status_code == 400 and not logged_in(victim)


def test_a_state_is_used_once_for_one_suite_and_expires(suites, suite_server):
    suite_sync(source="wecom", trigger="manual")
    client = Client()
    location = suite_server.scan(start(client, "wecom"), "lixf")
    query = parse_qs(urlsplit(location).query)
    assert callback(client, "feishu", code=query["code"][0], state=query["state"][0]).status_code == 400  # another suite
    client = Client()
    location = suite_server.scan(start(client, "wecom"), "lixf")
    assert back(client, location).status_code == 302
    assert back(client, location).status_code == 400  # used
    with time_machine.travel("2026-12-08 02:00Z", tick=False) as clock:
        client = Client()
        location = suite_server.scan(start(client, "wecom"), "lixf")
        clock.shift(601)
        assert back(client, location).status_code == 400 and not logged_in(client)


def test_a_cancelled_scan_is_a_clear_refusal(suites, suite_server):
    client = Client()
    response = back(client, suite_server.scan(start(client, "wecom"), "lixf", approve=False))
    assert response.status_code == 400 and b"suite-login-failed" in response.content


def test_a_code_the_suite_refuses_is_a_clear_refusal(suites, suite_server):
    client = Client()
    location = suite_server.scan(start(client, "feishu"), "lixf")
    query = parse_qs(urlsplit(location).query)
    response = callback(client, "feishu", code="not-a-code", state=query["state"][0])
    assert response.status_code == 502 and b"20003" in response.content and not logged_in(client)


# --- the login page ------------------------------------------------------------------------------------


def test_the_login_page_offers_only_the_suites_set_up(db, suite_server):
    configure_suites(suite_server, sources=("wecom", "feishu"))
    SuiteApp.objects.filter(source="feishu").update(login_enabled=False)
    SuiteApp.objects.create(source="dingtalk", app_key="dingx")  # no secret: not set up
    page = Client().get("/login/?next=/series/").content.decode()
    assert 'href="/directory/suites/wecom/login/?next=%2Fseries%2F"' in page
    assert "/directory/suites/feishu/login/" not in page and "/directory/suites/dingtalk/login/" not in page
    assert Client().get(reverse("directory:suite_login", args=["feishu"])).status_code == 404
    assert Client().get(reverse("directory:suite_login", args=["dingtalk"])).status_code == 404
    assert Client().get("/directory/suites/ldap/login/").status_code == 404


def test_the_next_page_must_be_on_this_site(suites, suite_server):
    suite_sync(source="wecom", trigger="manual")
    client = Client()
    response = back(client, suite_server.scan(start(client, "wecom", next_url="https://evil.example/"), "lixf"))
    assert response.status_code == 302 and response.url == "/"


# --- inside the suite's own browser ------------------------------------------------------------------


@pytest.mark.parametrize("source", ["wecom", "feishu"])
def test_a_link_opened_inside_the_suite_signs_in_without_a_password(suites, suite_server, source):
    suite_sync(source=source, trigger="manual")
    client = Client(HTTP_USER_AGENT=UA[source])
    response = client.get("/series/")
    assert response.status_code == 302 and response.url == f"/directory/suites/{source}/inapp/?next=%2Fseries%2F"
    oauth = client.get(response.url)
    assert oauth.status_code == 302 and oauth.url.startswith(suite_server.url)
    if source == "wecom":
        query = parse_qs(urlsplit(oauth.url).query)
        assert "/connect/oauth2/authorize" in oauth.url and query["scope"] == ["snsapi_base"] and oauth.url.endswith("#wechat_redirect")
    signed_in = back(client, suite_server.scan(oauth.url, "zhaoyt"))
    assert signed_in.status_code == 302 and signed_in.url == "/series/"
    assert client.get("/series/").status_code == 200


def test_inside_dingtalk_the_page_asks_the_jsapi_and_the_server_exchanges_its_code(suites, suite_server, settings):
    suite_sync(source="dingtalk", trigger="manual")
    client = Client(HTTP_USER_AGENT=UA["dingtalk"])
    response = client.get("/series/", follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and 'id="dingtalk-inapp"' in page
    assert f'<script src="{settings.LIHUI_DINGTALK_JSAPI_URL}"></script>' in page and "dingtalk-inapp.js" in page
    assert settings.LIHUI_DINGTALK_JSAPI_URL in response.headers["Content-Security-Policy"]
    assert 'data-corp-id="dinglihuicorp0000"' in page
    state = re.search(r'data-state="([^"]+)"', page).group(1)
    # What the JSAPI's requestAuthCode would hand the page inside DingTalk:
    code = suite_server.inapp_code("dingtalk", "sunhm")
    signed_in = callback(client, "dingtalk", code=code, state=state)
    assert signed_in.status_code == 302 and signed_in.url == "/series/"
    assert logged_in(client) == str(Identity.objects.get(source="dingtalk", external_id="sunhm").person_id)


def test_the_in_app_login_is_tried_once_per_session(suites, suite_server):
    client = Client(HTTP_USER_AGENT=UA["wecom"])
    assert client.get("/series/").url.startswith("/directory/suites/wecom/inapp/")
    client.get("/directory/suites/wecom/inapp/?next=/series/")  # the suite did not come back
    response = client.get("/series/")
    assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize("user_agent", ["Mozilla/5.0 Chrome/120.0 Safari/537.36", UA["dingtalk"]])
def test_other_browsers_and_suites_not_set_up_get_the_login_page(db, suite_server, user_agent):
    configure_suites(suite_server, sources=("wecom",))
    response = Client(HTTP_USER_AGENT=user_agent).get("/series/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_the_login_page_itself_and_signed_in_people_are_left_alone(suites, suite_server):
    client = Client(HTTP_USER_AGENT=UA["wecom"])
    assert client.get("/login/").status_code == 200  # where one lands after logging out
    client.force_login(PersonFactory())
    assert client.get("/series/").status_code == 200
