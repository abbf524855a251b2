"""The local suite server answers as the vendors document: every answer it gives — success and
error, for every endpoint Lihui calls — carries exactly the documented field names
(lihui/testing/suites/fields.py, each shape with its documentation page); tokens expire,
codes are single-use, limits are enforced."""

import time

import pytest
import requests
import time_machine

from lihui.testing.suites import SuiteServer, sample_company
from lihui.testing.suites.fields import DOCUMENTED, conformance_problems


@pytest.fixture
def server():
    with SuiteServer(sample_company()) as s:
        yield s


def wecom(server, path, **params):
    return requests.get(f"{server.url}/wecom/cgi-bin/{path}", params=params, timeout=5).json()


def ding(server, path, token, body):
    return requests.post(f"{server.url}/dingtalk/topapi/{path}", params={"access_token": token}, json=body, timeout=5).json()


def feishu(server, path, token, **params):
    return requests.get(f"{server.url}/feishu/open-apis/{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=5)


def exercise_everything(server):
    """Every endpoint, its successes and its documented errors."""
    c, u = server.credentials, server.url
    # WeCom
    token = wecom(server, "gettoken", corpid=c.wecom_corp_id, corpsecret=c.wecom_secret)["access_token"]
    wecom(server, "gettoken", corpid=c.wecom_corp_id, corpsecret="wrong")
    wecom(server, "department/list", access_token=token)
    wecom(server, "department/list", access_token=token, id=2)
    for dept in (1, 2, 3, 4, 5, 6):
        wecom(server, "user/list", access_token=token, department_id=dept)
    wecom(server, "user/get", access_token=token, userid="lixf")
    wecom(server, "user/get", access_token=token, userid="nobody")
    wecom(server, "user/list", access_token="forged", department_id=1)
    qr = (f"{u}/wecom-login/wwlogin/sso/login?login_type=CorpApp&appid={c.wecom_corp_id}&agentid={c.wecom_agent_id}"
          f"&redirect_uri=http://lihui.test/cb&state=s1")  # fmt: skip
    code = server.scan(qr, "lixf").split("code=")[1].split("&")[0]
    wecom(server, "auth/getuserinfo", access_token=token, code=code)
    wecom(server, "auth/getuserinfo", access_token=token, code=code)  # used: 40029
    server.directory.mark_left("xujw")
    code = server.scan(qr, "xujw").split("code=")[1].split("&")[0]
    wecom(server, "auth/getuserinfo", access_token=token, code=code)  # no longer a member: openid
    # DingTalk
    dtoken = requests.get(f"{u}/dingtalk/gettoken", params={"appkey": c.dingtalk_app_key, "appsecret": c.dingtalk_secret}).json()["access_token"]
    requests.get(f"{u}/dingtalk/gettoken", params={"appkey": c.dingtalk_app_key, "appsecret": "wrong"})
    ding(server, "v2/department/listsub", dtoken, {"dept_id": 1})
    ding(server, "v2/department/get", dtoken, {"dept_id": 2})
    ding(server, "v2/user/list", dtoken, {"dept_id": 3, "cursor": 0, "size": 1})
    ding(server, "v2/user/list", dtoken, {"dept_id": 3, "cursor": 0, "size": 100})
    ding(server, "v2/user/list", dtoken, {"dept_id": 3, "cursor": 0, "size": 1000})
    ding(server, "v2/user/get", dtoken, {"userid": "lixf"})
    ding(server, "v2/user/get", dtoken, {"userid": "xujw"})
    ding(server, "user/getbyunionid", dtoken, {"unionid": "union-lixf"})
    ding(server, "user/getbyunionid", dtoken, {"unionid": "union-nobody"})
    ding(server, "v2/user/getuserinfo", dtoken, {"code": server.inapp_code("dingtalk", "lixf")})
    ding(server, "v2/user/getuserinfo", dtoken, {"code": "forged"})
    auth = f"{u}/dingtalk-login/oauth2/auth?redirect_uri=http://lihui.test/cb&response_type=code&client_id={c.dingtalk_app_key}&scope=openid&state=s2&prompt=consent"
    auth_code = server.scan(auth, "lixf").split("authCode=")[1].split("&")[0]
    grant = requests.post(f"{u}/dingtalk-api/v1.0/oauth2/userAccessToken", json={
        "clientId": c.dingtalk_app_key, "clientSecret": c.dingtalk_secret, "code": auth_code, "grantType": "authorization_code"}).json()  # fmt: skip
    requests.post(f"{u}/dingtalk-api/v1.0/oauth2/userAccessToken", json={
        "clientId": c.dingtalk_app_key, "clientSecret": c.dingtalk_secret, "code": auth_code, "grantType": "authorization_code"})  # fmt: skip
    requests.get(f"{u}/dingtalk-api/v1.0/contact/users/me", headers={"x-acs-dingtalk-access-token": grant["accessToken"]})
    requests.get(f"{u}/dingtalk-api/v1.0/contact/users/me", headers={"x-acs-dingtalk-access-token": "forged"})
    # Feishu
    ftoken = requests.post(f"{u}/feishu/open-apis/auth/v3/tenant_access_token/internal",
                           json={"app_id": c.feishu_app_id, "app_secret": c.feishu_secret}).json()["tenant_access_token"]  # fmt: skip
    requests.post(f"{u}/feishu/open-apis/auth/v3/tenant_access_token/internal", json={"app_id": c.feishu_app_id, "app_secret": "x"})
    feishu(server, "contact/v3/departments/0/children", ftoken, fetch_child="true", department_id_type="department_id", page_size=2)
    feishu(server, "contact/v3/departments/0/children", ftoken, fetch_child="true", department_id_type="department_id")
    feishu(server, "contact/v3/users/find_by_department", ftoken, department_id="3", department_id_type="department_id", page_size=1)
    feishu(server, "contact/v3/users/find_by_department", ftoken, department_id="6", department_id_type="department_id")
    feishu(server, "contact/v3/users/lixf", ftoken, user_id_type="user_id")
    feishu(server, "contact/v3/users/nobody", ftoken, user_id_type="user_id")
    feishu(server, "contact/v3/users/lixf", "forged", user_id_type="user_id")
    authorize = f"{u}/feishu-accounts/open-apis/authen/v1/authorize?client_id={c.feishu_app_id}&redirect_uri=http://lihui.test/cb&state=s3"
    fcode = server.scan(authorize, "lixf").split("code=")[1].split("&")[0]
    body = {"grant_type": "authorization_code", "client_id": c.feishu_app_id, "client_secret": c.feishu_secret, "code": fcode,
            "redirect_uri": "http://lihui.test/cb"}  # fmt: skip
    user_token = requests.post(f"{u}/feishu/open-apis/authen/v2/oauth/token", json=body).json()["access_token"]
    requests.post(f"{u}/feishu/open-apis/authen/v2/oauth/token", json=body)  # used code
    feishu(server, "authen/v1/user_info", user_token)
    feishu(server, "authen/v1/user_info", "forged")
    # Rate limits and injected vendor errors
    server.inject("wecom:user/get", "limit")
    server.inject("dingtalk:topapi/v2/user/get", "limit")
    server.inject("feishu:contact/v3/users/get", "limit")
    server.inject("wecom:user/get", "expired")
    wecom(server, "user/get", access_token=token, userid="lixf")
    wecom(server, "user/get", access_token=token, userid="lixf")
    ding(server, "v2/user/get", dtoken, {"userid": "lixf"})
    feishu(server, "contact/v3/users/lixf", ftoken, user_id_type="user_id")


def test_every_answer_carries_exactly_the_documented_field_names(server):
    exercise_everything(server)
    problems = [p for endpoint, _status, body in server.answers for p in conformance_problems(endpoint, body)]
    assert problems == []
    answered = {endpoint for endpoint, _status, _body in server.answers}
    assert answered == set(DOCUMENTED), f"never answered: {sorted(set(DOCUMENTED) - answered)}"


def test_the_documented_error_codes(server):
    exercise_everything(server)
    errors = {(e, b.get("errcode", b.get("code"))) for e, _s, b in server.answers if e.endswith("error")}
    for expected in [
        ("wecom:error", 40001), ("wecom:error", 60111), ("wecom:error", 40014), ("wecom:error", 40029), ("wecom:error", 45009),
        ("wecom:error", 42001), ("dingtalk:error", 40089), ("dingtalk:error", 60121), ("dingtalk:error", 90018),
        ("dingtalk:error", 40078), ("dingtalk:api-error", "invalidAuthCode"), ("dingtalk:api-error", "InvalidAuthentication"),
        ("feishu:error", 10014), ("feishu:error", 41050), ("feishu:error", 99991663), ("feishu:error", 99991400),
        ("feishu:oauth-error", 20003),
    ]:  # fmt: skip
        assert expected in errors
    limited = [s for e, s, b in server.answers if e == "feishu:error" and b["code"] == 99991400]
    assert limited == [429]


def test_an_outsider_gets_an_openid_and_wecom_lists_a_leaver_with_status_5(server):
    exercise_everything(server)
    infos = [b for e, _s, b in server.answers if e == "wecom:auth/getuserinfo"]
    assert [set(b) for b in infos] == [{"errcode", "errmsg", "userid"}, {"errcode", "errmsg", "openid", "external_userid"}]
    c = server.credentials
    token = wecom(server, "gettoken", corpid=c.wecom_corp_id, corpsecret=c.wecom_secret)["access_token"]
    finance = wecom(server, "user/list", access_token=token, department_id=6)["userlist"]
    assert {u["userid"]: u["status"] for u in finance} == {"liucw": 1, "huangyq": 1, "xujw": 5}


def test_tokens_expire_after_7200_seconds_and_can_be_revoked_early(server):
    c = server.credentials
    with time_machine.travel(time.time(), tick=False) as clock:
        token = wecom(server, "gettoken", corpid=c.wecom_corp_id, corpsecret=c.wecom_secret)["access_token"]
        assert wecom(server, "user/get", access_token=token, userid="lixf")["errcode"] == 0
        clock.shift(7199)
        assert wecom(server, "user/get", access_token=token, userid="lixf")["errcode"] == 0
        clock.shift(2)
        assert wecom(server, "user/get", access_token=token, userid="lixf")["errcode"] == 42001
    token = wecom(server, "gettoken", corpid=c.wecom_corp_id, corpsecret=c.wecom_secret)["access_token"]
    server.expire_tokens()
    assert wecom(server, "user/get", access_token=token, userid="lixf")["errcode"] == 40014


def test_the_rate_limit_counts_calls_per_api(server):
    server.limits["dingtalk"] = (3, 60.0)
    c = server.credentials
    token = requests.get(f"{server.url}/dingtalk/gettoken", params={"appkey": c.dingtalk_app_key, "appsecret": c.dingtalk_secret}).json()
    codes = [ding(server, "v2/user/get", token["access_token"], {"userid": "lixf"})["errcode"] for _ in range(5)]
    assert codes == [0, 0, 0, 90018, 90018]
    assert ding(server, "v2/department/get", token["access_token"], {"dept_id": 2})["errcode"] == 0  # another API


def test_a_login_page_refuses_an_app_it_does_not_know_and_a_cancelled_scan_has_no_code(server):
    bad = requests.get(f"{server.url}/wecom-login/wwlogin/sso/login",
                       params={"login_type": "CorpApp", "appid": "ww-other", "agentid": "1", "redirect_uri": "http://x/", "state": "s"})  # fmt: skip
    assert bad.status_code == 400 and "该链接无法访问" in bad.text
    c = server.credentials
    qr = (f"{server.url}/wecom-login/wwlogin/sso/login?login_type=CorpApp&appid={c.wecom_corp_id}&agentid={c.wecom_agent_id}"
          "&redirect_uri=http://lihui.test/cb&state=s9")  # fmt: skip
    assert server.scan(qr, "lixf", approve=False) == "http://lihui.test/cb?state=s9"
