"""WeCom (企业微信): the app token, the QR login and the in-app OAuth, and the directory.

Endpoints (https://developer.work.weixin.qq.com):
- gettoken (corpid, corpsecret) → access_token, expires_in 7200 — /document/path/91039
- QR login page login.work.weixin.qq.com/wwlogin/sso/login (login_type=CorpApp) — /document/path/98152
- in-app OAuth open.weixin.qq.com/connect/oauth2/authorize (scope snsapi_base) — /document/path/91022
- auth/getuserinfo (code → userid; an outsider gets only an openid) — /document/path/91023, /98176
- department/list (all departments with department_leader) — /document/path/90208
- user/list per department (获取部门成员详情) — /document/path/90201; user/get for one person
  (errcode 60111: no such userid) — /document/path/90196

user/list per department rather than user/list_id + user/get: one call per department instead
of one per person (500 instead of 10,000 calls for a large company). WeCom has no 工号 field:
it is read from the custom attribute (extattr) named 工号, which is where companies keep it.
Status: 1 active, 2 disabled, 4 not yet activated (still an employee), 5 left the company.
Errors: 40014 / 42001 token invalid or expired, 45009 rate limit, -1 busy (retried).
"""

from __future__ import annotations

from urllib.parse import urlencode

from lihui.directory.services import DirectoryDepartment, DirectoryPerson, Snapshot

from .base import SuiteClient, SuiteError, base_url, known_managers, linked_departments, phone

ROOT = 1
ACTIVE_STATUSES = {1, 4}
TOKEN_ERRORS = {40014, 42001}
RETRY_ERRORS = {45009, -1}
EMPLOYEE_NUMBER_ATTRS = ("工号", "Employee ID", "employee_number")


class WeComClient(SuiteClient):
    source = "wecom"

    def api(self, path: str) -> str:
        return f"{base_url('LIHUI_WECOM_API')}/cgi-bin/{path}"

    def fetch_token(self) -> tuple[str, int]:
        body = self.call("GET", self.api("gettoken"), endpoint="gettoken", app_token=False,
                         params={"corpid": self.config.corp_id, "corpsecret": self.config.secret})  # fmt: skip
        if not isinstance(body.get("access_token"), str) or not body["access_token"]:
            raise self.unexpected("gettoken: access_token")
        return body["access_token"], int(body.get("expires_in") or 7200)

    def judge(self, response, body) -> str | None:
        code = body.get("errcode")
        if code == 0:
            return None
        if code in TOKEN_ERRORS:
            return self.TOKEN
        if code in RETRY_ERRORS:
            return self.RETRY
        if code is None:
            return self.unexpected(f"HTTP {response.status_code}, no errcode")
        return self.error(code, body.get("errmsg", ""))

    def authorize(self, token, params, headers) -> None:
        params["access_token"] = token

    def get(self, path: str, **params) -> dict:
        return self.call("GET", self.api(path), endpoint=path, params=params)

    # --- login ----------------------------------------------------------------------------------

    def qr_login_url(self, redirect_uri: str, state: str) -> str:
        query = urlencode({"login_type": "CorpApp", "appid": self.config.corp_id, "agentid": self.config.agent_id,
                           "redirect_uri": redirect_uri, "state": state})  # fmt: skip
        return f"{base_url('LIHUI_WECOM_LOGIN')}/wwlogin/sso/login?{query}"

    def inapp_login_url(self, redirect_uri: str, state: str) -> str:
        query = urlencode({"appid": self.config.corp_id, "redirect_uri": redirect_uri, "response_type": "code",
                           "scope": "snsapi_base", "state": state, "agentid": self.config.agent_id})  # fmt: skip
        return f"{base_url('LIHUI_WECOM_OAUTH')}/connect/oauth2/authorize?{query}#wechat_redirect"

    def login_userid(self, code: str, redirect_uri: str = "") -> str | None:
        """The userid of the member the code was issued to; None for someone outside the company."""
        body = self.get("auth/getuserinfo", code=code)
        userid = body.get("userid")
        return userid if isinstance(userid, str) and userid else None

    # --- the directory ------------------------------------------------------------------------

    def person_of(self, row: dict, known_departments: set[str]) -> DirectoryPerson:
        main = str(row.get("main_department") or "")
        departments = [str(d) for d in row.get("department") or []]
        department = main if main in known_departments else next((d for d in departments if d in known_departments), None)
        leaders = row.get("direct_leader") or []
        number = ""
        for attr in (row.get("extattr") or {}).get("attrs") or []:
            if attr.get("name") in EMPLOYEE_NUMBER_ATTRS and attr.get("type") == 0:
                number = str((attr.get("text") or {}).get("value") or attr.get("value") or "")
        status = row.get("status")
        return DirectoryPerson(
            key=str(row["userid"]), name=str(row.get("name") or ""), employee_number=number,
            email=str(row.get("email") or row.get("biz_mail") or ""), phone=phone(row.get("mobile")),
            title=str(row.get("position") or ""), department_key=department,
            manager_key=str(leaders[0]) if leaders else None, active=status in ACTIVE_STATUSES,
            attributes={"userid": str(row["userid"]), "status": status},
        )  # fmt: skip

    def person(self, userid: str) -> DirectoryPerson | None:
        """One member as user/get tells (None: WeCom does not know the userid)."""
        try:
            row = self.get("user/get", userid=userid)
        except SuiteError as exc:
            if exc.code == 60111:
                return None
            raise
        return self.person_of(row, linked_departments(self.source))

    def snapshot(self) -> Snapshot:
        try:
            rows = self.get("department/list")["department"]
            departments = [
                DirectoryDepartment(
                    key=str(d["id"]), name=str(d["name"]),
                    parent_key=str(d["parentid"]) if d.get("parentid") not in (0, ROOT, None) else None,
                    head_keys=tuple(str(u) for u in d.get("department_leader") or ()),
                )  # fmt: skip
                for d in rows
                if d["id"] != ROOT  # the company itself: its departments are the top level
            ]
            keys = {d.key for d in departments}
            people: dict[str, DirectoryPerson] = {}
            for dept_id in [ROOT, *(int(d.key) for d in departments)]:
                for row in self.get("user/list", department_id=dept_id)["userlist"]:
                    if str(row["userid"]) not in people:
                        people[str(row["userid"])] = self.person_of(row, keys)
        except (KeyError, TypeError, ValueError) as exc:
            raise self.unexpected(f"{type(exc).__name__}: {exc}") from None
        return Snapshot(self.source, departments, known_managers(people), complete=True)
