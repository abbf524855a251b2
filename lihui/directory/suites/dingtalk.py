"""DingTalk (钉钉): the app token, the new OAuth QR login, the in-app 免登, and the directory.

Endpoints (https://open.dingtalk.com/document/orgapp):
- oapi gettoken (appkey, appsecret) → access_token, expires_in 7200 — /obtain-orgapp-token
- QR login login.dingtalk.com/oauth2/auth → redirect_uri?authCode=…&state=… — /obtain-identity-credentials
- api.dingtalk.com v1.0/oauth2/userAccessToken (the authCode → the user's token) — /obtain-user-token
- v1.0/contact/users/me (the user's unionId) — /dingtalk-retrieve-user-information
- topapi/user/getbyunionid (unionId → the company's userid; 60121: not in the company) — /query-a-user-by-the-union-id
- in-app 免登: the page's JSAPI dd.runtime.permission.requestAuthCode gives a code, and
  topapi/v2/user/getuserinfo turns it into the userid — /obtain-the-userid-of-a-user-by-using-the-log-free
- topapi/v2/department/listsub (a department's children) — /obtain-the-department-list-v2
- topapi/v2/user/list (a department's people, cursor + size ≤ 100, has_more / next_cursor; `leader`: a
  manager of that department)
  — /queries-the-complete-information-of-a-department-user; topapi/v2/user/get for one — /query-user-details

The 工号 is job_number. DingTalk removes people who leave: a leaver is someone missing from the
lists (and user/get answers 60121). Errors: 40014 / 42001 token invalid or expired; 90018 (and
the older 90002 / 90006 / 88 with that sub_code) the per-API rate limit of 20 calls a second;
-1 busy (retried).
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from lihui.directory.services import DirectoryDepartment, DirectoryPerson, Snapshot

from .base import SuiteClient, SuiteError, base_url, known_managers, linked_departments, phone

ROOT = 1
PAGE = 100
TOKEN_ERRORS = {40014, 42001}
RETRY_ERRORS = {90018, 90002, 90006, 90019, -1}
NOT_FOUND = 60121


class DingTalkClient(SuiteClient):
    source = "dingtalk"

    def oapi(self, path: str) -> str:
        return f"{base_url('LIHUI_DINGTALK_OAPI')}/{path}"

    def fetch_token(self) -> tuple[str, int]:
        body = self.call("GET", self.oapi("gettoken"), endpoint="gettoken", app_token=False,
                         params={"appkey": self.config.app_key, "appsecret": self.config.secret})  # fmt: skip
        if not isinstance(body.get("access_token"), str) or not body["access_token"]:
            raise self.unexpected("gettoken: access_token")
        return body["access_token"], int(body.get("expires_in") or 7200)

    def judge(self, response, body):
        if "errcode" not in body:  # the new api.dingtalk.com: HTTP status and code / message
            if response.status_code == 200:
                return None
            code = str(body.get("code") or "")
            if response.status_code in (403, 429) and "QpsLimit" in code:
                return self.RETRY
            return self.error(code or response.status_code, body.get("message", ""))
        code = body.get("errcode")
        sub = body.get("sub_code")
        if code == 0:
            return None
        if code in TOKEN_ERRORS or (code == 88 and str(sub) in {str(c) for c in TOKEN_ERRORS}):
            return self.TOKEN
        if code in RETRY_ERRORS or (code == 88 and str(sub) in {str(c) for c in RETRY_ERRORS}):
            return self.RETRY
        return self.error(code, body.get("errmsg", ""))

    def authorize(self, token, params, headers) -> None:
        params["access_token"] = token

    def topapi(self, path: str, body: dict) -> dict:
        answer = self.call("POST", self.oapi(f"topapi/{path}"), endpoint=path, json=body)
        if "result" not in answer:
            raise self.unexpected(f"{path}: result")
        return answer["result"]

    # --- login ----------------------------------------------------------------------------------

    def qr_login_url(self, redirect_uri: str, state: str) -> str:
        query = urlencode({"redirect_uri": redirect_uri, "response_type": "code", "client_id": self.config.app_key,
                           "scope": "openid", "state": state, "prompt": "consent"})  # fmt: skip
        return f"{base_url('LIHUI_DINGTALK_LOGIN')}/oauth2/auth?{query}"

    def login_userid(self, code: str, redirect_uri: str = "") -> str | None:
        """The QR login's authCode → the user's token → their unionId → the company's userid."""
        api = base_url("LIHUI_DINGTALK_API")
        grant = self.call("POST", f"{api}/v1.0/oauth2/userAccessToken", endpoint="v1.0/oauth2/userAccessToken", app_token=False,
                          json={"clientId": self.config.app_key, "clientSecret": self.config.secret, "code": code,
                                "grantType": "authorization_code"})  # fmt: skip
        if not grant.get("accessToken"):
            raise self.unexpected("userAccessToken: accessToken")
        me = self.call("GET", f"{api}/v1.0/contact/users/me", endpoint="v1.0/contact/users/me", app_token=False,
                       headers={"x-acs-dingtalk-access-token": grant["accessToken"]})  # fmt: skip
        if not me.get("unionId"):
            raise self.unexpected("users/me: unionId")
        try:
            result = self.topapi("user/getbyunionid", {"unionid": me["unionId"]})
        except SuiteError as exc:
            if exc.code == NOT_FOUND:
                return None  # a DingTalk user, not in this company
            raise
        return str(result.get("userid") or "") or None

    def inapp_userid(self, code: str) -> str | None:
        """The code the JSAPI's requestAuthCode gave the page → the userid (免登)."""
        try:
            result = self.topapi("v2/user/getuserinfo", {"code": code})
        except SuiteError as exc:
            if exc.code == NOT_FOUND:
                return None
            raise
        return str(result.get("userid") or "") or None

    # --- the directory ------------------------------------------------------------------------

    def person_of(self, row: dict, known_departments: set[str], manager: str | None = None) -> DirectoryPerson:
        departments = [str(d) for d in row.get("dept_id_list") or []]
        return DirectoryPerson(
            key=str(row["userid"]), name=str(row.get("name") or ""), employee_number=str(row.get("job_number") or ""),
            email=str(row.get("email") or row.get("org_email") or ""), phone=phone(row.get("mobile")),
            title=str(row.get("title") or ""), department_key=next((d for d in departments if d in known_departments), None),
            manager_key=manager or None, active=True, attributes={"userid": str(row["userid"]), "unionid": str(row.get("unionid") or "")},
        )  # fmt: skip

    def person(self, userid: str) -> DirectoryPerson | None:
        try:
            row = self.topapi("v2/user/get", {"userid": userid, "language": "zh_CN"})
        except SuiteError as exc:
            if exc.code == NOT_FOUND:
                return None
            raise
        return self.person_of(row, linked_departments(self.source), manager=row.get("manager_userid") or None)

    def snapshot(self) -> Snapshot:
        """The tree by listsub, each department's people by user/list, read in turn department
        by department: DingTalk limits each API on its own (20 QPS), so alternating the two
        keeps both busy. A department's managers are the members user/list marks `leader` —
        one call per department fewer than asking department/get for them."""
        try:
            tree: list[tuple[str, str, str | None]] = []
            rows: dict[str, dict] = {}
            heads: dict[str, list[str]] = defaultdict(list)
            todo = [ROOT]
            while todo:
                parent = todo.pop(0)
                for child in self.topapi("v2/department/listsub", {"dept_id": parent, "language": "zh_CN"}):
                    parent_key = str(child["parent_id"]) if child.get("parent_id") not in (ROOT, None, 0) else None
                    tree.append((str(child["dept_id"]), str(child["name"]), parent_key))
                    todo.append(int(child["dept_id"]))
                self._members(parent, rows, heads)
            departments = [DirectoryDepartment(key=k, name=n, parent_key=p, head_keys=tuple(heads.get(k, ()))) for k, n, p in tree]
            keys = {d.key for d in departments}
            people = {userid: self.person_of(row, keys) for userid, row in rows.items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise self.unexpected(f"{type(exc).__name__}: {exc}") from None
        return Snapshot(self.source, departments, known_managers(people), complete=True)

    def _members(self, dept_id: int, rows: dict[str, dict], heads: dict[str, list[str]]) -> None:
        cursor = 0
        while True:
            page = self.topapi("v2/user/list", {"dept_id": dept_id, "cursor": cursor, "size": PAGE, "language": "zh_CN"})
            for row in page["list"]:
                rows.setdefault(str(row["userid"]), row)
                if row.get("leader") and dept_id != ROOT:
                    heads[str(dept_id)].append(str(row["userid"]))
            if not page.get("has_more"):
                return
            next_cursor = int(page["next_cursor"])
            if next_cursor <= cursor:
                raise self.unexpected("user/list: next_cursor does not advance")
            cursor = next_cursor
