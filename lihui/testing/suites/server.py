"""One local HTTP server that answers as WeCom, DingTalk and Feishu do, for the endpoints Lihui
calls: tokens, the QR / in-app login pages and their code exchange, user info, departments and
their members — in the paths, parameters, JSON names and error codes the vendors document
(fields.py keeps the names with the page of each). Tests, the demo and the benchmark start it on
loopback and point Lihui at it with the settings `server.settings()` returns.

Each vendor host is a path prefix here:

    WeCom     qyapi.weixin.qq.com → /wecom   login.work.weixin.qq.com → /wecom-login
              open.weixin.qq.com → /wecom-open
    DingTalk  oapi.dingtalk.com → /dingtalk   api.dingtalk.com → /dingtalk-api
              login.dingtalk.com → /dingtalk-login
    Feishu    open.feishu.cn → /feishu   accounts.feishu.cn → /feishu-accounts

The login pages stand in for the phone: where the real page shows a QR code to scan (or the
work app's browser signs the user in silently), this one lists the company's people and a
tester picks who scans; it then redirects to redirect_uri with the code and state, as documented.

Tokens expire (7,200 s, on the clock `time.time`, so a test that travels in time sees them
expire) and can be revoked early (`expire_tokens`, as WeCom warns it may do); each vendor's rate
limit is enforced per API over a sliding window (`limits`, lowered by tests); `inject` makes the
next answers of one API garbage, slow or failing. `answers` keeps every JSON answer given, for
the conformance test.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from .directory import ACTIVE, DISABLED, LEFT, NOT_JOINED, Directory, User

TOKEN_SECONDS = 7200
CODE_SECONDS = 300  # every vendor's login code lives 5 minutes and is used once

PREFIXES = {
    "LIHUI_WECOM_API": "/wecom",
    "LIHUI_WECOM_LOGIN": "/wecom-login",
    "LIHUI_WECOM_OAUTH": "/wecom-open",
    "LIHUI_DINGTALK_OAPI": "/dingtalk",
    "LIHUI_DINGTALK_API": "/dingtalk-api",
    "LIHUI_DINGTALK_LOGIN": "/dingtalk-login",
    "LIHUI_FEISHU_API": "/feishu",
    "LIHUI_FEISHU_ACCOUNTS": "/feishu-accounts",
}

# The documented limits, per API: WeCom 10,000 calls a minute per company
# (https://developer.work.weixin.qq.com/document/path/90312, errcode 45009); DingTalk 20 a second
# per app (https://open.dingtalk.com/document/orgapp/invocation-frequency-limit, errcode 90018);
# Feishu's contact APIs 50 a second (HTTP 429, code 99991400, https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control).
DEFAULT_LIMITS = {"wecom": (10_000, 60.0), "dingtalk": (20, 1.0), "feishu": (50, 1.0)}


@dataclasses.dataclass
class Credentials:
    """The app each vendor knows Lihui as (what the admin types into /directory/suites/)."""

    wecom_corp_id: str = "wwlihui0000test"
    wecom_agent_id: str = "1000002"
    wecom_secret: str = "wecom-app-secret-0123456789abcdef"
    dingtalk_app_key: str = "dinglihuitestkey"
    dingtalk_secret: str = "dingtalk-app-secret-0123456789abcdef"
    dingtalk_corp_id: str = "dinglihuicorp0000"
    dingtalk_agent_id: str = "3000001"
    feishu_app_id: str = "cli_lihuitest0001"
    feishu_secret: str = "feishu-app-secret-0123456789abcdef"


@dataclasses.dataclass
class _Grant:
    vendor: str
    userid: str
    expires: float
    redirect_uri: str = ""
    used: bool = False


class _Reply(Exception):
    """Raised by a handler to answer at once (errors, redirects)."""

    def __init__(self, status: int, body, headers: dict | None = None, endpoint: str = ""):
        self.status, self.body, self.headers, self.endpoint = status, body, headers or {}, endpoint


class SuiteServer:
    def __init__(self, directory: Directory | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 credentials: Credentials | None = None):  # fmt: skip
        self.directory = directory or Directory()
        self.credentials = credentials or Credentials()
        self.limits = dict(DEFAULT_LIMITS)
        self.tokens: dict[str, tuple[str, float]] = {}  # app token → (vendor, expiry)
        self.user_tokens: dict[str, tuple[str, str, float]] = {}  # user token → (vendor, userid, expiry)
        self.codes: dict[str, _Grant] = {}
        self.answers: list[tuple[str, int, object]] = []  # (endpoint, HTTP status, JSON body)
        self.calls: list[tuple[str, str]] = []  # (endpoint, query or body) of every API call
        self._faults: dict[str, deque] = defaultdict(deque)
        self._windows: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.suite = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # --- running ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SuiteServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="suite-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SuiteServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def settings(self) -> dict[str, str]:
        """The Lihui settings that send each suite's calls here instead of to the vendor."""
        return {name: self.url + prefix for name, prefix in PREFIXES.items()}

    # --- what tests change -------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (vendors may revoke tokens before their time)."""
        with self._lock:
            self.tokens.clear()
            self.user_tokens.clear()

    def inject(self, endpoint: str, kind: str, times: int = 1, seconds: float = 0.0) -> None:
        """The next `times` calls of `endpoint` ("wecom:user/list") answer `kind`: "garbage"
        (HTTP 200, not JSON), "html" (an error page), "slow" (wait `seconds`, then answer),
        "500", "expired" (the vendor's token-expired error) or "limit" (its rate-limit error)."""
        with self._lock:
            for _ in range(times):
                self._faults[endpoint].append((kind, seconds))

    def inapp_code(self, vendor: str, userid: str) -> str:
        """The code a work app's JS hands its page (DingTalk's requestAuthCode): what the
        phone would give, for the server side of the exchange."""
        return self._grant(vendor, userid, "")

    def scan(self, authorize_url: str, userid: str, *, approve: bool = True) -> str:
        """Pick `userid` on a login page (as the phone's scan would) and return where the
        browser is sent: redirect_uri with the code and the state."""
        import urllib.request

        parts = urlsplit(authorize_url)
        body = urlencode({**{k: v[0] for k, v in parse_qs(parts.query).items()}, "userid": userid,
                          "decision": "approve" if approve else "deny"}).encode()  # fmt: skip
        request = urllib.request.Request(urlunsplit(parts._replace(query="", fragment="")), data=body, method="POST")

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(request, timeout=5)
        except urllib.error.HTTPError as exc:
            if exc.code == 302:
                return exc.headers["Location"]
            raise
        raise AssertionError("the login page did not redirect")

    # --- inside ----------------------------------------------------------------------------

    def _grant(self, vendor: str, userid: str, redirect_uri: str) -> str:
        code = secrets.token_urlsafe(18)
        with self._lock:
            self.codes[code] = _Grant(vendor, userid, time.time() + CODE_SECONDS, redirect_uri)
        return code

    def _take_code(self, vendor: str, code: str) -> _Grant | None:
        with self._lock:
            grant = self.codes.get(code)
            if grant is None or grant.vendor != vendor or grant.used or grant.expires < time.time():
                return None
            grant.used = True
            return grant

    def _issue_token(self, vendor: str, prefix: str = "") -> str:
        token = prefix + secrets.token_hex(24)
        with self._lock:
            self.tokens[token] = (vendor, time.time() + TOKEN_SECONDS)
        return token

    def _token_state(self, vendor: str, token: str) -> str:
        """"ok", "expired" or "invalid"."""
        with self._lock:
            found = self.tokens.get(token)
        if found is None or found[0] != vendor:
            return "invalid"
        return "ok" if found[1] > time.time() else "expired"

    def _issue_user_token(self, vendor: str, userid: str, prefix: str = "") -> str:
        token = prefix + secrets.token_hex(24)
        with self._lock:
            self.user_tokens[token] = (vendor, userid, time.time() + TOKEN_SECONDS)
        return token

    def _user_token(self, vendor: str, token: str) -> str | None:
        with self._lock:
            found = self.user_tokens.get(token)
        if found is None or found[0] != vendor or found[2] < time.time():
            return None
        return found[1]

    def _over_limit(self, vendor: str, endpoint: str) -> bool:
        calls, window = self.limits[vendor]
        now = time.monotonic()
        with self._lock:
            seen = self._windows[endpoint]
            while seen and seen[0] <= now - window:
                seen.popleft()
            if len(seen) >= calls:
                return True
            seen.append(now)
            return False

    def _fault(self, endpoint: str):
        with self._lock:
            queue = self._faults.get(endpoint)
            return queue.popleft() if queue else None


def _hint() -> str:
    return f"hint: [{int(time.time())}_{secrets.randbelow(1000)}_{secrets.token_hex(16)}]"


class _Handler(BaseHTTPRequestHandler):
    server_version = "LihuiSuiteServer/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: tests read answers, not access logs
        pass

    @property
    def suite(self) -> SuiteServer:
        return self.server.suite  # type: ignore[attr-defined]

    # --- plumbing --------------------------------------------------------------------------

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        self.raw = self.rfile.read(length) if length else b""
        try:
            for pattern, verb, handler in ROUTES:
                match = pattern.fullmatch(parts.path)
                if match and verb == method:
                    handler(self, *match.groups())
                    break
            else:
                raise _Reply(404, {"error": "no such endpoint on the local suite server"})
        except _Reply as reply:
            self._send(reply)

    def _send(self, reply: _Reply) -> None:
        headers = dict(reply.headers)
        if isinstance(reply.body, bytes):
            payload = reply.body
        elif isinstance(reply.body, str):
            payload = reply.body.encode()
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
        else:
            payload = json.dumps(reply.body, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
            if reply.endpoint:
                with self.suite._lock:
                    self.suite.answers.append((reply.endpoint, reply.status, reply.body))
        self.send_response(reply.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def json_body(self) -> dict:
        try:
            body = json.loads(self.raw or b"{}")
        except ValueError:
            body = None
        return body if isinstance(body, dict) else {}

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.raw.decode(), keep_blank_values=True).items()}

    def api_call(self, vendor: str, endpoint: str, *, error) -> None:
        """What every API call goes through: the call log, injected faults, the rate limit.
        `error(kind)` builds the vendor's answer for "expired" and "limit"."""
        with self.suite._lock:
            self.suite.calls.append((endpoint, self.raw.decode() or urlsplit(self.path).query))
        fault = self.suite._fault(endpoint)
        if fault:
            kind, seconds = fault
            if kind == "garbage":
                raise _Reply(200, b"\x00\x01 this is not JSON", {"Content-Type": "application/json"})
            if kind == "html":
                raise _Reply(502, "<html><body>502 Bad Gateway</body></html>")
            if kind == "500":
                raise _Reply(500, "<html><body>500 Internal Server Error</body></html>")
            if kind == "slow":
                time.sleep(seconds)
            if kind in ("expired", "limit"):
                raise error(kind)
        if self.suite._over_limit(vendor, endpoint):
            raise error("limit")

    # --- WeCom (企业微信) -------------------------------------------------------------------

    def wecom_error(self, errcode: int, message: str) -> _Reply:
        more = f"more info at https://open.work.weixin.qq.com/devtool/query?e={errcode}"
        return _Reply(200, {"errcode": errcode, "errmsg": f"{message}, {_hint()}, from ip: 127.0.0.1, {more}"}, endpoint="wecom:error")

    def wecom_fault(self, kind: str) -> _Reply:
        if kind == "expired":
            return self.wecom_error(42001, "access_token expired")
        return self.wecom_error(45009, "api freq out of limit")

    def wecom_api(self, endpoint: str) -> None:
        self.api_call("wecom", endpoint, error=self.wecom_fault)
        if endpoint == "wecom:gettoken":
            return
        state = self.suite._token_state("wecom", self.query.get("access_token", ""))
        if state == "expired":
            raise self.wecom_error(42001, "access_token expired")
        if state != "ok":
            raise self.wecom_error(40014, "invalid access_token")

    def wecom_gettoken(self):
        # https://developer.work.weixin.qq.com/document/path/91039
        self.wecom_api("wecom:gettoken")
        c = self.suite.credentials
        if self.query.get("corpid") != c.wecom_corp_id:
            raise self.wecom_error(40013, "invalid corpid")
        if self.query.get("corpsecret") != c.wecom_secret:
            raise self.wecom_error(40001, "invalid credential")
        token = self.suite._issue_token("wecom")
        raise _Reply(200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": TOKEN_SECONDS}, endpoint="wecom:gettoken")

    def wecom_getuserinfo(self):
        # https://developer.work.weixin.qq.com/document/path/91023 and /98176
        self.wecom_api("wecom:auth/getuserinfo")
        grant = self.suite._take_code("wecom", self.query.get("code", ""))
        if grant is None:
            raise self.wecom_error(40029, "invalid code")
        user = self.suite.directory.user(grant.userid)
        if user is None or user.state == LEFT:  # no longer a member: WeCom knows only an openid
            body = {"errcode": 0, "errmsg": "ok", "openid": f"o{grant.userid}", "external_userid": ""}
        else:
            body = {"errcode": 0, "errmsg": "ok", "userid": user.userid}
        raise _Reply(200, body, endpoint="wecom:auth/getuserinfo")

    def wecom_department_list(self):
        # https://developer.work.weixin.qq.com/document/path/90208: without id, every department
        self.wecom_api("wecom:department/list")
        d = self.suite.directory
        if self.query.get("id"):
            try:
                top = int(self.query["id"])
            except ValueError:
                raise self.wecom_error(40058, "invalid Request Parameter") from None
            if top not in d.departments:
                raise self.wecom_error(60123, "invalid party id")
            depts = [d.departments[top], *d.descendants(top)]
        else:
            depts = [d.departments[d.ROOT], *d.descendants(d.ROOT)]
        rows = [
            {"id": dept.id, "name": dept.name, "name_en": dept.name_en, "department_leader": list(dept.leaders),
             "parentid": dept.parent_id or 0, "order": dept.order}
            for dept in depts
        ]  # fmt: skip
        raise _Reply(200, {"errcode": 0, "errmsg": "ok", "department": rows}, endpoint="wecom:department/list")

    def wecom_user(self, user: User) -> dict:
        d = self.suite.directory
        status = {ACTIVE: 1, DISABLED: 2, NOT_JOINED: 4, LEFT: 5}[user.state]
        attrs = [{"type": 0, "name": "工号", "text": {"value": user.employee_no}}] if user.employee_no else []
        return {
            "userid": user.userid, "name": user.name, "department": list(user.departments),
            "order": [0] * len(user.departments), "position": user.title, "mobile": user.mobile, "gender": "0",
            "email": user.email, "biz_mail": "", "is_leader_in_dept": [int(user.userid in d.departments[x].leaders)
                                                                          for x in user.departments if x in d.departments],
            "direct_leader": [user.manager] if user.manager else [], "avatar": "", "thumb_avatar": "", "telephone": "",
            "alias": "", "address": "", "main_department": user.departments[0] if user.departments else d.ROOT,
            "extattr": {"attrs": attrs}, "status": status, "qr_code": "", "external_position": "",
            "external_profile": {"external_corp_name": d.company, "wechat_channels": {"nickname": "", "status": 0}, "external_attr": []},
        }  # fmt: skip

    def wecom_user_list(self):
        # https://developer.work.weixin.qq.com/document/path/90201 (获取部门成员详情): one department's
        # own members; fetch_child is no longer honoured, so callers walk the departments.
        self.wecom_api("wecom:user/list")
        d = self.suite.directory
        try:
            dept_id = int(self.query.get("department_id", ""))
        except ValueError:
            raise self.wecom_error(40058, "invalid Request Parameter") from None
        if dept_id not in d.departments:
            raise self.wecom_error(60123, "invalid party id")
        rows = [self.wecom_user(u) for u in d.members(dept_id)]
        raise _Reply(200, {"errcode": 0, "errmsg": "ok", "userlist": rows}, endpoint="wecom:user/list")

    def wecom_user_get(self):
        # https://developer.work.weixin.qq.com/document/path/90196; unknown: 60111
        self.wecom_api("wecom:user/get")
        user = self.suite.directory.user(self.query.get("userid", ""))
        if user is None:
            raise self.wecom_error(60111, "userid not found")
        raise _Reply(200, {"errcode": 0, "errmsg": "ok", **self.wecom_user(user)}, endpoint="wecom:user/get")

    def wecom_login_page(self, kind: str):
        """GET wwlogin/sso/login (https://developer.work.weixin.qq.com/document/path/98152) or
        connect/oauth2/authorize (https://developer.work.weixin.qq.com/document/path/91022)."""
        q, c = self.query, self.suite.credentials
        problem = ""
        if kind == "qr" and q.get("login_type") not in ("CorpApp", "ServiceApp"):
            problem = "login_type"
        elif kind == "oauth" and (q.get("response_type") != "code" or q.get("scope") not in ("snsapi_base", "snsapi_privateinfo")):
            problem = "response_type / scope"
        elif q.get("appid") != c.wecom_corp_id or (kind == "qr" and q.get("agentid") != c.wecom_agent_id):
            problem = "appid / agentid"
        elif not q.get("redirect_uri"):
            problem = "redirect_uri"
        title = "企业微信扫码登录" if kind == "qr" else "企业微信内打开（网页授权）"
        self.login_page("wecom", title, problem, q.get("redirect_uri", ""), q.get("state", ""))

    # --- DingTalk (钉钉) --------------------------------------------------------------------

    def ding_error(self, errcode: int, message: str) -> _Reply:
        return _Reply(200, {"errcode": errcode, "errmsg": message, "request_id": secrets.token_hex(8)}, endpoint="dingtalk:error")

    def ding_fault(self, kind: str) -> _Reply:
        if kind == "expired":
            return self.ding_error(42001, "access_token已过期")
        return self.ding_error(90018, "当前企业调用该接口次数已超过限制，请稍后重试")

    def ding_api(self, endpoint: str) -> None:
        self.api_call("dingtalk", endpoint, error=self.ding_fault)
        if endpoint == "dingtalk:gettoken":
            return
        state = self.suite._token_state("dingtalk", self.query.get("access_token", ""))
        if state == "expired":
            raise self.ding_error(42001, "access_token已过期")
        if state != "ok":
            raise self.ding_error(40014, "不合法的access_token")

    def ding_result(self, endpoint: str, result) -> _Reply:
        return _Reply(200, {"errcode": 0, "errmsg": "ok", "result": result, "request_id": secrets.token_hex(8)}, endpoint=endpoint)

    def ding_gettoken(self):
        # https://open.dingtalk.com/document/orgapp/obtain-orgapp-token
        self.ding_api("dingtalk:gettoken")
        c = self.suite.credentials
        if self.query.get("appkey") != c.dingtalk_app_key or self.query.get("appsecret") != c.dingtalk_secret:
            raise _Reply(200, {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"}, endpoint="dingtalk:error")
        token = self.suite._issue_token("dingtalk")
        raise _Reply(200, {"errcode": 0, "access_token": token, "errmsg": "ok", "expires_in": TOKEN_SECONDS}, endpoint="dingtalk:gettoken")

    def ding_dept(self, body: dict):
        d = self.suite.directory
        dept_id = body.get("dept_id", d.ROOT)
        if not isinstance(dept_id, int) or dept_id not in d.departments:
            raise self.ding_error(60003, "部门不存在")
        return d.departments[dept_id]

    def ding_listsub(self):
        # https://open.dingtalk.com/document/orgapp/obtain-the-department-list-v2: direct children only
        self.ding_api("dingtalk:topapi/v2/department/listsub")
        dept = self.ding_dept(self.json_body())
        rows = [
            {"dept_id": c.id, "name": c.name, "parent_id": c.parent_id, "create_dept_group": False, "auto_add_user": False}
            for c in self.suite.directory.children(dept.id)
        ]
        raise self.ding_result("dingtalk:topapi/v2/department/listsub", rows)

    def ding_department_get(self):
        # https://open.dingtalk.com/document/orgapp/query-department-details0-v2
        self.ding_api("dingtalk:topapi/v2/department/get")
        dept = self.ding_dept(self.json_body())
        result = {
            "dept_id": dept.id, "name": dept.name, "parent_id": dept.parent_id or 0, "source_identifier": "",
            "create_dept_group": False, "auto_add_user": False, "auto_approve_apply": False, "from_union_org": False,
            "tags": "", "order": dept.order, "dept_group_chat_id": "", "group_contain_sub_dept": False,
            "org_dept_owner": "", "dept_manager_userid_list": list(dept.leaders), "outer_dept": False,
            "outer_permit_depts": [], "outer_permit_users": [], "hide_dept": False, "user_permits": [], "dept_permits": [],
        }  # fmt: skip
        raise self.ding_result("dingtalk:topapi/v2/department/get", result)

    def ding_user_list(self):
        # https://open.dingtalk.com/document/orgapp/queries-the-complete-information-of-a-department-user
        self.ding_api("dingtalk:topapi/v2/user/list")
        body = self.json_body()
        dept = self.ding_dept(body)
        cursor, size = body.get("cursor"), body.get("size")
        if not isinstance(cursor, int) or not isinstance(size, int) or cursor < 0 or not 1 <= size <= 100:
            raise self.ding_error(40035, "不合法的参数: cursor / size")
        members = self.suite.directory.members(dept.id, include_left=False)  # DingTalk removes leavers
        page = members[cursor : cursor + size]
        rows = [
            {"userid": u.userid, "unionid": u.unionid, "name": u.name, "avatar": "", "state_code": "86", "mobile": u.mobile,
             "hide_mobile": False, "telephone": "", "job_number": u.employee_no, "title": u.title, "email": u.email,
             "org_email": "", "work_place": "", "remark": "", "dept_id_list": list(u.departments), "dept_order": 0,
             "extension": "{}", "hired_date": 0, "active": u.state == ACTIVE, "admin": False, "boss": False,
             "leader": u.userid in dept.leaders, "exclusive_account": False}
            for u in page
        ]  # fmt: skip
        more = cursor + size < len(members)
        result = {"has_more": more, "next_cursor": cursor + size, "list": rows} if more else {"has_more": False, "list": rows}
        raise self.ding_result("dingtalk:topapi/v2/user/list", result)

    def ding_user_get(self):
        # https://open.dingtalk.com/document/orgapp/query-user-details; unknown: 60121
        self.ding_api("dingtalk:topapi/v2/user/get")
        d = self.suite.directory
        user = d.user(str(self.json_body().get("userid", "")))
        if user is None or user.state == LEFT:
            raise self.ding_error(60121, "找不到该用户")
        result = {
            "userid": user.userid, "unionid": user.unionid, "name": user.name, "avatar": "", "state_code": "86",
            "manager_userid": user.manager or "", "mobile": user.mobile, "hide_mobile": False, "telephone": "",
            "job_number": user.employee_no, "title": user.title, "email": user.email, "org_email": "", "work_place": "",
            "remark": "", "exclusive_account": False, "dept_id_list": list(user.departments),
            "dept_order_list": [{"dept_id": x, "order": 0} for x in user.departments], "extension": "{}", "hired_date": 0,
            "active": user.state == ACTIVE, "real_authed": True, "senior": False, "admin": False, "boss": False,
            "leader_in_dept": [{"dept_id": x, "leader": x in d.departments and user.userid in d.departments[x].leaders}
                               for x in user.departments],
            "role_list": [],
        }  # fmt: skip
        raise self.ding_result("dingtalk:topapi/v2/user/get", result)

    def ding_getbyunionid(self):
        # https://open.dingtalk.com/document/orgapp/query-a-user-by-the-union-id
        self.ding_api("dingtalk:topapi/user/getbyunionid")
        unionid = str(self.json_body().get("unionid", ""))
        user = next((u for u in self.suite.directory.users.values() if u.unionid == unionid and u.state != LEFT), None)
        if user is None:
            raise self.ding_error(60121, "找不到该用户")
        raise self.ding_result("dingtalk:topapi/user/getbyunionid", {"contact_type": 0, "userid": user.userid})

    def ding_getuserinfo(self):
        # https://open.dingtalk.com/document/orgapp/obtain-the-userid-of-a-user-by-using-the-log-free
        self.ding_api("dingtalk:topapi/v2/user/getuserinfo")
        grant = self.suite._take_code("dingtalk", str(self.json_body().get("code", "")))
        user = self.suite.directory.user(grant.userid) if grant else None
        if grant is None:
            raise self.ding_error(40078, "不存在的临时授权码")
        if user is None or user.state == LEFT:
            raise self.ding_error(60121, "找不到该用户")
        result = {"userid": user.userid, "device_id": secrets.token_hex(8), "sys": False, "sys_level": 0,
                  "associated_unionid": "", "unionid": user.unionid, "name": user.name}  # fmt: skip
        raise self.ding_result("dingtalk:topapi/v2/user/getuserinfo", result)

    def ding_api_error(self, status: int, code: str, message: str) -> _Reply:
        return _Reply(status, {"code": code, "message": message, "requestid": secrets.token_hex(8)}, endpoint="dingtalk:api-error")

    def ding_user_access_token(self):
        # https://open.dingtalk.com/document/orgapp/obtain-user-token
        self.api_call("dingtalk", "dingtalk:v1.0/oauth2/userAccessToken",
                      error=lambda kind: self.ding_api_error(403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "触发限流"))  # fmt: skip
        body, c = self.json_body(), self.suite.credentials
        if body.get("clientId") != c.dingtalk_app_key or body.get("clientSecret") != c.dingtalk_secret:
            raise self.ding_api_error(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
        if body.get("grantType") != "authorization_code":
            raise self.ding_api_error(400, "invalidParameter.grantType", "grantType不合法")
        grant = self.suite._take_code("dingtalk", str(body.get("code", "")))
        if grant is None:
            raise self.ding_api_error(400, "invalidAuthCode", "不合法的临时授权码")
        token = self.suite._issue_user_token("dingtalk", grant.userid)
        raise _Reply(200, {"accessToken": token, "refreshToken": secrets.token_hex(16), "expireIn": TOKEN_SECONDS,
                           "corpId": c.dingtalk_corp_id}, endpoint="dingtalk:v1.0/oauth2/userAccessToken")  # fmt: skip

    def ding_users_me(self):
        # https://open.dingtalk.com/document/orgapp/dingtalk-retrieve-user-information
        self.api_call("dingtalk", "dingtalk:v1.0/contact/users/me",
                      error=lambda kind: self.ding_api_error(403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "触发限流"))  # fmt: skip
        userid = self.suite._user_token("dingtalk", self.headers.get("x-acs-dingtalk-access-token", ""))
        user = self.suite.directory.user(userid) if userid else None
        if user is None:
            raise self.ding_api_error(401, "InvalidAuthentication", "不合法的access_token")
        raise _Reply(200, {"nick": user.name, "avatarUrl": "", "mobile": user.mobile, "openId": user.open_id,
                           "unionId": user.unionid, "email": user.email, "stateCode": "86"},
                     endpoint="dingtalk:v1.0/contact/users/me")  # fmt: skip

    def ding_login_page(self):
        # https://open.dingtalk.com/document/orgapp/tutorial-obtaining-user-personal-information
        q = self.query
        problem = ""
        if q.get("response_type") != "code" or "openid" not in q.get("scope", "").split():
            problem = "response_type / scope"
        elif q.get("client_id") != self.suite.credentials.dingtalk_app_key:
            problem = "client_id"
        elif not q.get("redirect_uri"):
            problem = "redirect_uri"
        self.login_page("dingtalk", "钉钉扫码登录", problem, q.get("redirect_uri", ""), q.get("state", ""))

    # --- Feishu (飞书) ----------------------------------------------------------------------

    def feishu_error(self, status: int, code: int, msg: str) -> _Reply:
        return _Reply(status, {"code": code, "msg": msg}, endpoint="feishu:error")

    def feishu_fault(self, kind: str) -> _Reply:
        if kind == "expired":
            return self.feishu_error(400, 99991663, "Invalid access token for authorization. Please make a request with token attached.")
        reply = self.feishu_error(429, 99991400, "request trigger frequency limit")
        reply.headers = {"x-ogw-ratelimit-limit": str(self.suite.limits["feishu"][0]), "x-ogw-ratelimit-reset": "1"}
        return reply

    def feishu_api(self, endpoint: str) -> None:
        self.api_call("feishu", endpoint, error=self.feishu_fault)
        if endpoint in ("feishu:auth/v3/tenant_access_token/internal", "feishu:authen/v2/oauth/token", "feishu:authen/v1/user_info"):
            return
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            raise self.feishu_error(400, 99991661, "Missing access token for authorization. Please make a request with token attached.")
        if self.suite._token_state("feishu", auth[7:]) != "ok":
            raise self.feishu_fault("expired")

    def feishu_tenant_token(self):
        # https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal
        self.feishu_api("feishu:auth/v3/tenant_access_token/internal")
        body, c = self.json_body(), self.suite.credentials
        if body.get("app_id") != c.feishu_app_id:
            raise self.feishu_error(400, 10003, "invalid param")
        if body.get("app_secret") != c.feishu_secret:
            raise self.feishu_error(400, 10014, "app secret invalid")
        token = self.suite._issue_token("feishu", "t-")
        raise _Reply(200, {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": TOKEN_SECONDS},
                     endpoint="feishu:auth/v3/tenant_access_token/internal")  # fmt: skip

    def feishu_oauth_token(self):
        # https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/authentication-management/access-token/get-user-access-token
        self.feishu_api("feishu:authen/v2/oauth/token")
        body, c = self.json_body(), self.suite.credentials

        def oauth_error(code: int, error: str, description: str) -> _Reply:
            return _Reply(400, {"code": code, "error": error, "error_description": description}, endpoint="feishu:oauth-error")

        if body.get("grant_type") != "authorization_code":
            raise oauth_error(20001, "invalid_request", "The grant_type is missing or not supported.")
        if body.get("client_id") != c.feishu_app_id or body.get("client_secret") != c.feishu_secret:
            raise oauth_error(20002, "invalid_client", "The client_id or client_secret is invalid.")
        grant = self.suite._take_code("feishu", str(body.get("code", "")))
        if grant is None or (body.get("redirect_uri") and body["redirect_uri"] != grant.redirect_uri):
            raise oauth_error(20003, "invalid_grant", "The authorization code is invalid, expired or already used.")
        token = self.suite._issue_user_token("feishu", grant.userid, "u-")
        raise _Reply(200, {"code": 0, "access_token": token, "expires_in": TOKEN_SECONDS, "scope": "auth:user.id:read",
                           "token_type": "Bearer"}, endpoint="feishu:authen/v2/oauth/token")  # fmt: skip

    def feishu_user_info(self):
        # https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/authen-v1/user_info/get
        self.feishu_api("feishu:authen/v1/user_info")
        auth = self.headers.get("Authorization", "")
        userid = self.suite._user_token("feishu", auth[7:]) if auth.startswith("Bearer ") else None
        user = self.suite.directory.user(userid) if userid else None
        if user is None:
            raise self.feishu_error(400, 99991668, "Invalid access token for authorization.")
        data = {
            "name": user.name, "en_name": user.en_name, "avatar_url": "", "avatar_thumb": "", "avatar_middle": "",
            "avatar_big": "", "open_id": user.open_id, "union_id": user.unionid, "email": user.email,
            "enterprise_email": "", "user_id": user.userid, "mobile": f"+86{user.mobile}" if user.mobile else "",
            "tenant_key": "lihui-tenant", "employee_no": user.employee_no,
        }  # fmt: skip
        raise _Reply(200, {"code": 0, "msg": "success", "data": data}, endpoint="feishu:authen/v1/user_info")

    def feishu_page(self, rows: list, default_size: int = 50, most: int = 50):
        try:
            size = int(self.query.get("page_size") or default_size)
            start = int(self.query.get("page_token") or 0)
        except ValueError:
            raise self.feishu_error(400, 99992402, "field validation failed") from None
        if not 1 <= size <= most or start < 0:
            raise self.feishu_error(400, 99992402, "field validation failed")
        page = rows[start : start + size]
        if start + size < len(rows):
            return {"has_more": True, "page_token": str(start + size), "items": page}
        return {"has_more": False, "items": page}

    def feishu_dept_id(self, raw: str) -> int:
        d = self.suite.directory
        if raw == "0":
            return d.ROOT
        if self.query.get("department_id_type") != "department_id":
            raise self.feishu_error(400, 99992402, "field validation failed: department_id_type")
        try:
            dept_id = int(raw)
        except ValueError:
            dept_id = -1
        if dept_id not in d.departments or dept_id == d.ROOT:
            raise self.feishu_error(400, 40003, "department not found")
        return dept_id

    def feishu_departments_children(self, raw_id: str):
        # https://open.feishu.cn/document/server-docs/contact-v3/department/children
        self.feishu_api("feishu:contact/v3/departments/children")
        d = self.suite.directory
        top = self.feishu_dept_id(raw_id)
        depts = d.descendants(top) if self.query.get("fetch_child") == "true" else d.children(top)
        rows = [
            {"name": x.name, "i18n_name": {"zh_cn": x.name, "ja_jp": "", "en_us": x.name_en},
             "parent_department_id": "0" if x.parent_id == d.ROOT else str(x.parent_id), "department_id": str(x.id),
             "open_department_id": f"od-{x.id}", "leader_user_id": x.leaders[0] if x.leaders else "", "chat_id": "",
             "order": str(x.order), "unit_ids": [], "member_count": len(d.members(x.id, include_left=False)),
             "status": {"is_deleted": False}, "leaders": [{"leaderType": 1 if i == 0 else 2, "leaderID": u} for i, u in enumerate(x.leaders)],
             "primary_member_count": len(d.members(x.id, include_left=False))}
            for x in depts
        ]  # fmt: skip
        raise _Reply(200, {"code": 0, "msg": "success", "data": self.feishu_page(rows)}, endpoint="feishu:contact/v3/departments/children")

    def feishu_user(self, u: User) -> dict:
        d = self.suite.directory
        return {
            "union_id": u.unionid, "user_id": u.userid, "open_id": u.open_id, "name": u.name, "en_name": u.en_name,
            "nickname": "", "email": u.email, "mobile": f"+86{u.mobile}" if u.mobile else "", "mobile_visible": True,
            "gender": 0, "avatar": {"avatar_72": "", "avatar_240": "", "avatar_640": "", "avatar_origin": ""},
            "status": {"is_frozen": u.state == DISABLED, "is_resigned": u.state == LEFT, "is_activated": u.state == ACTIVE,
                       "is_exited": False, "is_unjoin": u.state == NOT_JOINED},
            "department_ids": ["0" if x == d.ROOT else str(x) for x in u.departments], "leader_user_id": u.manager or "",
            "city": "", "country": "", "work_station": "", "join_time": 0, "is_tenant_manager": False,
            "employee_no": u.employee_no, "employee_type": 1,
            "orders": [{"department_id": "0" if x == d.ROOT else str(x), "user_order": 0, "department_order": 0,
                        "is_primary_dept": i == 0} for i, x in enumerate(u.departments)],
            "custom_attrs": [], "enterprise_email": "", "job_title": u.title, "geo": "", "job_level_id": "",
            "job_family_id": "", "dotted_line_leader_user_ids": [],
        }  # fmt: skip

    def feishu_find_by_department(self):
        # https://open.feishu.cn/document/server-docs/contact-v3/user/find_by_department: the
        # department's own members (not its sub-departments'); a resigned person still comes
        # with status.is_resigned until the admin removes them.
        self.feishu_api("feishu:contact/v3/users/find_by_department")
        dept_id = self.feishu_dept_id(self.query.get("department_id", ""))
        rows = [self.feishu_user(u) for u in self.suite.directory.members(dept_id)]
        raise _Reply(200, {"code": 0, "msg": "success", "data": self.feishu_page(rows)}, endpoint="feishu:contact/v3/users/find_by_department")

    def feishu_user_get(self, userid: str):
        # https://open.feishu.cn/document/server-docs/contact-v3/user/get
        self.feishu_api("feishu:contact/v3/users/get")
        user = self.suite.directory.user(userid)
        if user is None:
            raise self.feishu_error(400, 41050, "no user authority error")
        raise _Reply(200, {"code": 0, "msg": "success", "data": {"user": self.feishu_user(user)}}, endpoint="feishu:contact/v3/users/get")

    def feishu_login_page(self):
        # https://open.feishu.cn/document/common-capabilities/sso/api/obtain-oauth-code
        q = self.query
        problem = ""
        if q.get("client_id") != self.suite.credentials.feishu_app_id:
            problem = "client_id"
        elif not q.get("redirect_uri"):
            problem = "redirect_uri"
        self.login_page("feishu", "飞书授权登录", problem, q.get("redirect_uri", ""), q.get("state", ""))

    # --- the login pages (the phone's part) ---------------------------------------------------

    def login_page(self, vendor: str, title: str, problem: str, redirect_uri: str, state: str) -> None:
        if problem:
            raise _Reply(400, _page(title, f'<p class="error" data-testid="problem">该链接无法访问：参数 {html.escape(problem)} 不正确。</p>'))
        d = self.suite.directory
        options = "".join(
            f'<option value="{html.escape(u.userid)}">{html.escape(u.name)}（{html.escape(u.userid)}）</option>'
            for u in sorted(d.users.values(), key=lambda u: u.userid)
        )
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in self.query.items())
        body = (
            f"<p>这是 Lihui 测试用的本地{html.escape(title)}页面：真实页面在这里显示二维码，"
            "由手机扫码确认。请选择扫码的成员。</p>"
            f'<form method="post">{hidden}<label>成员 <select name="userid" data-testid="who">{options}</select></label>'
            '<p><button type="submit" name="decision" value="approve" data-testid="approve">确认登录</button> '
            '<button type="submit" name="decision" value="deny">取消</button></p></form>'
        )
        raise _Reply(200, _page(title, body), {"Cache-Control": "no-store"})

    def login_scan(self, vendor: str):
        form = self.form()
        redirect_uri, state = form.get("redirect_uri", ""), form.get("state", "")
        if not redirect_uri:
            raise _Reply(400, _page("登录", "<p>缺少 redirect_uri</p>"))
        params = {"state": state}
        if form.get("decision") == "approve" and self.suite.directory.user(form.get("userid", "")):
            code = self.suite._grant(vendor, form["userid"], redirect_uri)
            # DingTalk's new login answers authCode (https://open.dingtalk.com/document/orgapp/obtain-identity-credentials)
            params = {"authCode": code, "state": state} if vendor == "dingtalk" else {"code": code, "state": state}
        elif vendor == "dingtalk":
            params = {"error": "access_denied", "state": state}
        parts = urlsplit(redirect_uri)
        query = "&".join(x for x in (parts.query, urlencode(params)) if x)
        raise _Reply(302, b"", {"Location": urlunsplit(parts._replace(query=query))})


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        "<style>body{font-family:'Noto Sans CJK SC',sans-serif;max-width:32rem;margin:3rem auto;padding:1rem}"
        "button{padding:.5rem 1.5rem;font-size:1rem}select{font-size:1rem}.error{color:#b00}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


H = _Handler
ROUTES = [
    (re.compile(p), verb, fn)
    for p, verb, fn in (
        (r"/wecom/cgi-bin/gettoken", "GET", H.wecom_gettoken),
        (r"/wecom/cgi-bin/auth/getuserinfo", "GET", H.wecom_getuserinfo),
        (r"/wecom/cgi-bin/department/list", "GET", H.wecom_department_list),
        (r"/wecom/cgi-bin/user/list", "GET", H.wecom_user_list),
        (r"/wecom/cgi-bin/user/get", "GET", H.wecom_user_get),
        (r"/wecom-login/wwlogin/sso/login", "GET", lambda h: h.wecom_login_page("qr")),
        (r"/wecom-login/wwlogin/sso/login", "POST", lambda h: h.login_scan("wecom")),
        (r"/wecom-open/connect/oauth2/authorize", "GET", lambda h: h.wecom_login_page("oauth")),
        (r"/wecom-open/connect/oauth2/authorize", "POST", lambda h: h.login_scan("wecom")),
        (r"/dingtalk/gettoken", "GET", H.ding_gettoken),
        (r"/dingtalk/topapi/v2/department/listsub", "POST", H.ding_listsub),
        (r"/dingtalk/topapi/v2/department/get", "POST", H.ding_department_get),
        (r"/dingtalk/topapi/v2/user/list", "POST", H.ding_user_list),
        (r"/dingtalk/topapi/v2/user/get", "POST", H.ding_user_get),
        (r"/dingtalk/topapi/user/getbyunionid", "POST", H.ding_getbyunionid),
        (r"/dingtalk/topapi/v2/user/getuserinfo", "POST", H.ding_getuserinfo),
        (r"/dingtalk-api/v1.0/oauth2/userAccessToken", "POST", H.ding_user_access_token),
        (r"/dingtalk-api/v1.0/contact/users/me", "GET", H.ding_users_me),
        (r"/dingtalk-login/oauth2/auth", "GET", H.ding_login_page),
        (r"/dingtalk-login/oauth2/auth", "POST", lambda h: h.login_scan("dingtalk")),
        (r"/feishu/open-apis/auth/v3/tenant_access_token/internal", "POST", H.feishu_tenant_token),
        (r"/feishu/open-apis/authen/v2/oauth/token", "POST", H.feishu_oauth_token),
        (r"/feishu/open-apis/authen/v1/user_info", "GET", H.feishu_user_info),
        (r"/feishu/open-apis/contact/v3/departments/([^/]+)/children", "GET", H.feishu_departments_children),
        (r"/feishu/open-apis/contact/v3/users/find_by_department", "GET", H.feishu_find_by_department),
        (r"/feishu/open-apis/contact/v3/users/([^/]+)", "GET", H.feishu_user_get),
        (r"/feishu-accounts/open-apis/authen/v1/authorize", "GET", H.feishu_login_page),
        (r"/feishu-accounts/open-apis/authen/v1/authorize", "POST", lambda h: h.login_scan("feishu")),
    )
]
