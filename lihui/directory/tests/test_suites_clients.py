"""The suite clients against the local server: the app token cached and refreshed (before its
expiry, and at once when the vendor says it expired), waiting and retrying when rate limited
and giving up with a clear error, pagination, and timeouts or garbage as SuiteError."""

import time

import pytest
import time_machine
from django.utils import translation

from lihui.directory.suites import base
from lihui.directory.suites.base import SuiteError
from lihui.directory.suites.config import suite_client
from lihui.testing.suites.fixtures import suite_server, suites  # noqa: F401


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the source language); a test that wants Chinese says so."""
    with translation.override("en"):
        yield


@pytest.fixture
def pauses(monkeypatch):
    waited = []
    monkeypatch.setattr(base, "sleep", waited.append)
    return waited


def token_calls(server, endpoint):
    return [e for e, _q in server.calls if e == endpoint]


@pytest.mark.parametrize("source, token_endpoint", [
    ("wecom", "wecom:gettoken"), ("dingtalk", "dingtalk:gettoken"), ("feishu", "feishu:auth/v3/tenant_access_token/internal"),
])  # fmt: skip
def test_the_token_is_fetched_once_and_cached(suites, suite_server, source, token_endpoint):
    suite_client(source).snapshot()
    suite_client(source).snapshot()  # a new client: the token comes from Django's cache
    assert len(token_calls(suite_server, token_endpoint)) == 1


@pytest.mark.parametrize("source, token_endpoint", [
    ("wecom", "wecom:gettoken"), ("dingtalk", "dingtalk:gettoken"), ("feishu", "feishu:auth/v3/tenant_access_token/internal"),
])  # fmt: skip
def test_a_token_the_vendor_calls_expired_is_fetched_again_and_the_call_repeated(suites, suite_server, source, token_endpoint):
    client = suite_client(source)
    client.token()
    suite_server.expire_tokens()  # WeCom: "may invalidate access_token early"; all three then answer token errors
    snapshot = client.snapshot()
    assert len(snapshot.people) == 12
    assert len(token_calls(suite_server, token_endpoint)) == 2


def test_an_injected_token_expired_errcode_is_handled_the_same(suites, suite_server):
    client = suite_client("wecom")
    client.token()
    suite_server.inject("wecom:department/list", "expired")
    assert len(client.snapshot().departments) == 5
    assert len(token_calls(suite_server, "wecom:gettoken")) == 2


def test_the_token_is_refreshed_before_it_expires(suites, suite_server):
    with time_machine.travel(time.time(), tick=False) as clock:
        client = suite_client("wecom")
        first = client.token()
        clock.shift(7200 - base.REFRESH_MARGIN - 10)
        assert client.token() == first
        clock.shift(20)  # within the margin: a new one, while the old would still work
        assert client.token() != first
    assert len(token_calls(suite_server, "wecom:gettoken")) == 2


def test_a_refused_secret_is_a_clear_error(suites, suite_server):
    suites["wecom"].secret = "not-the-secret"
    suites["wecom"].save()
    with pytest.raises(SuiteError, match="40001"):
        suite_client("wecom").token()


@pytest.mark.parametrize("source, endpoint, limit", [
    ("wecom", "wecom:user/list", "45009"), ("dingtalk", "dingtalk:topapi/v2/user/list", "90018"),
    ("feishu", "feishu:contact/v3/users/find_by_department", "429"),
])  # fmt: skip
def test_rate_limited_calls_wait_and_retry(suites, suite_server, pauses, source, endpoint, limit):
    suite_server.inject(endpoint, "limit", times=2)
    assert len(suite_client(source).snapshot().people) == 12
    assert len(pauses) == 2 and pauses[1] >= pauses[0]


def test_feishu_waits_as_long_as_its_reset_header_says(suites, suite_server, pauses):
    suite_server.inject("feishu:contact/v3/departments/children", "limit")
    suite_client("feishu").snapshot()
    assert pauses == [1.0]  # x-ogw-ratelimit-reset: 1


def test_still_limited_after_the_retries_gives_up_with_a_clear_error(suites, suite_server, pauses, settings):
    suite_server.inject("dingtalk:topapi/v2/department/listsub", "limit", times=10)
    with pytest.raises(SuiteError, match="limiting how often"):
        suite_client("dingtalk").snapshot()
    assert len(pauses) == settings.LIHUI_SUITES_RETRIES


def test_the_real_limit_is_kept_by_pacing(suites, suite_server, settings):
    """DingTalk allows 20 calls a second per API: paced at LIHUI_SUITES_MIN_INTERVAL, a sync
    never hits it (the server enforces it for real here)."""
    settings.LIHUI_SUITES_MIN_INTERVAL = {"dingtalk": 1 / 19}
    suite_server.limits["dingtalk"] = (20, 1.0)
    for n in range(30):
        suite_server.directory.add_department(100 + n, f"小组{n}", parent_id=5)
    snapshot = suite_client("dingtalk").snapshot()
    assert len(snapshot.departments) == 35
    assert not [b for e, _s, b in suite_server.answers if e == "dingtalk:error" and b["errcode"] == 90018]


def test_the_dingtalk_user_list_is_read_page_by_page(suites, suite_server):
    for n in range(250):
        suite_server.directory.add_user(f"u{n:03d}", f"员工{n}", [5], employee_no=f"N{n:03d}")
    snapshot = suite_client("dingtalk").snapshot()
    assert len({p.key for p in snapshot.people}) == 262
    pages = [q for e, q in suite_server.calls if e == "dingtalk:topapi/v2/user/list" and '"dept_id": 5' in q]
    assert [('"cursor": %d' % c) in q for c, q in zip((0, 100, 200), pages)] == [True, True, True] and len(pages) == 3


def test_feishu_departments_and_people_are_read_page_by_page(suites, suite_server):
    for n in range(60):
        suite_server.directory.add_department(100 + n, f"小组{n}", parent_id=5)
    for n in range(120):
        suite_server.directory.add_user(f"u{n:03d}", f"员工{n}", [5])
    snapshot = suite_client("feishu").snapshot()
    assert len(snapshot.departments) == 65 and len(snapshot.people) == 132
    assert len(token_calls(suite_server, "feishu:contact/v3/departments/children")) == 2  # 65 at 50 a page
    tech = [q for e, q in suite_server.calls if e == "feishu:contact/v3/users/find_by_department" and "department_id=5&" in q]
    assert len(tech) == 3  # 123 people at 50 a page


@pytest.mark.parametrize("kind", ["garbage", "html", "500"])
@pytest.mark.parametrize("source, endpoint", [
    ("wecom", "wecom:user/list"), ("dingtalk", "dingtalk:topapi/v2/user/list"), ("feishu", "feishu:contact/v3/users/find_by_department"),
])  # fmt: skip
def test_garbage_is_a_suite_error(suites, suite_server, source, endpoint, kind):
    suite_server.inject(endpoint, kind)
    with pytest.raises(SuiteError, match="not its API's JSON"):
        suite_client(source).snapshot()


def test_a_slow_suite_times_out(suites, suite_server, settings):
    settings.LIHUI_SUITES_HTTP_TIMEOUT = 0.3
    suite_server.inject("wecom:department/list", "slow", seconds=1.0)
    with pytest.raises(SuiteError, match="did not answer within"):
        suite_client("wecom").snapshot()


def test_an_unreachable_suite_is_a_suite_error(suites, settings):
    settings.LIHUI_WECOM_API = "http://127.0.0.1:9"  # nothing listens on the discard port
    with pytest.raises(SuiteError, match="could not be reached"):
        suite_client("wecom").token()


def test_json_of_the_wrong_shape_is_a_suite_error(suites, suite_server, monkeypatch):
    client = suite_client("feishu")
    original = client.call

    def mangled(*args, **kwargs):
        body = original(*args, **kwargs)
        if kwargs.get("endpoint") == "users/find_by_department":
            body["data"]["items"] = [{"name": "no user_id"}]
        return body

    monkeypatch.setattr(client, "call", mangled)
    with pytest.raises(SuiteError, match="unexpected shape"):
        client.snapshot()


def test_a_snapshot_keys_people_by_the_suite_userid_with_their_numbers_and_heads(suites, suite_server):
    for source in ("wecom", "dingtalk", "feishu"):
        snapshot = suite_client(source).snapshot()
        assert snapshot.source == source and snapshot.complete
        people = {p.key: p for p in snapshot.people}
        lixf = people["lixf"]
        assert (lixf.name, lixf.employee_number, lixf.title, lixf.phone, lixf.email, lixf.department_key) == (
            "李晓芳", "E1002", "客服经理", "13800000002", "lixf@example.com", "3",
        ), source
        depts = {d.key: d for d in snapshot.departments}
        assert depts["3"].parent_key == "2" and depts["3"].head_keys[0] == "lixf" and depts["2"].parent_key is None, source
        if source != "dingtalk":  # DingTalk's list carries no line manager
            assert people["zhaoyt"].manager_key == "lixf", source
