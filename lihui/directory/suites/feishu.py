"""Feishu (飞书): the app token, the OAuth login (QR and inside the Feishu/Lark app alike), and
the directory.

Endpoints (https://open.feishu.cn/document):
- auth/v3/tenant_access_token/internal (app_id, app_secret) → tenant_access_token, expire 7200
  — /server-docs/authentication-management/access-token/tenant_access_token_internal
- accounts.feishu.cn/open-apis/authen/v1/authorize → redirect_uri?code=…&state=… (in the app's
  browser it goes through without asking) — /common-capabilities/sso/api/obtain-oauth-code
- authen/v2/oauth/token (code → user_access_token)
  — /uAjLw4CM/ukTMukTMukTM/authentication-management/access-token/get-user-access-token
  (Feishu now also offers the same exchange at accounts.feishu.cn/oauth/v3/token, same fields)
- authen/v1/user_info (the user's user_id) — /uAjLw4CM/ukTMukTMukTM/reference/authen-v1/user_info/get
- contact/v3/departments/0/children?fetch_child=true (every department, page_token / has_more)
  — /server-docs/contact-v3/department/children
- contact/v3/users/find_by_department (a department's own people, paged)
  — /server-docs/contact-v3/user/find_by_department; contact/v3/users/:user_id for one — /server-docs/contact-v3/user/get

People are keyed by user_id (user_id_type=user_id), departments by department_id. The 工号 is
employee_no; a leaver has status.is_resigned (or is gone). Rate limit: HTTP 429, code 99991400,
wait x-ogw-ratelimit-reset seconds (/server-docs/api-call-guide/frequency-control). Token
errors: 99991661 / 99991663 / 99991664 / 99991668 / 99991677.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from lihui.directory.services import DirectoryDepartment, DirectoryPerson, Snapshot

from .base import SuiteClient, SuiteError, base_url, known_managers, linked_departments, phone

ROOT = "0"
PAGE = 50
TOKEN_ERRORS = {99991661, 99991663, 99991664, 99991668, 99991677}
RETRY_ERRORS = {99991400}
IDS = {"user_id_type": "user_id", "department_id_type": "department_id"}


class FeishuClient(SuiteClient):
    source = "feishu"

    def api(self, path: str) -> str:
        return f"{base_url('LIHUI_FEISHU_API')}/open-apis/{path}"

    def fetch_token(self) -> tuple[str, int]:
        body = self.call("POST", self.api("auth/v3/tenant_access_token/internal"), endpoint="tenant_access_token", app_token=False,
                         json={"app_id": self.config.app_key, "app_secret": self.config.secret})  # fmt: skip
        if not isinstance(body.get("tenant_access_token"), str) or not body["tenant_access_token"]:
            raise self.unexpected("tenant_access_token")
        return body["tenant_access_token"], int(body.get("expire") or 7200)

    def judge(self, response, body):
        code = body.get("code")
        if response.status_code == 429 or code in RETRY_ERRORS:
            return self.RETRY
        if code == 0 and response.status_code == 200:
            return None
        if code in TOKEN_ERRORS:
            return self.TOKEN
        if code is None:
            return self.unexpected(f"HTTP {response.status_code}, no code")
        return self.error(code, body.get("msg") or body.get("error_description") or body.get("error") or "")

    def retry_pause(self, response, attempt: int) -> float:
        try:
            reset = float(response.headers.get("x-ogw-ratelimit-reset", ""))
        except ValueError:
            reset = 0.0
        return max(reset, settings.LIHUI_SUITES_RETRY_SECONDS * (2**attempt))

    def authorize(self, token, params, headers) -> None:
        headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, endpoint: str, **params) -> dict:
        body = self.call("GET", self.api(path), endpoint=endpoint, params=params)
        if not isinstance(body.get("data"), dict):
            raise self.unexpected(f"{endpoint}: data")
        return body["data"]

    def pages(self, path: str, endpoint: str, **params):
        token = ""
        while True:
            data = self.get(path, endpoint, page_size=PAGE, **({"page_token": token} if token else {}), **params)
            yield from data["items"] or []
            if not data.get("has_more"):
                return
            if not data.get("page_token") or data["page_token"] == token:
                raise self.unexpected(f"{endpoint}: page_token")
            token = data["page_token"]

    # --- login ----------------------------------------------------------------------------------

    def qr_login_url(self, redirect_uri: str, state: str) -> str:
        query = urlencode({"client_id": self.config.app_key, "redirect_uri": redirect_uri, "state": state})
        return f"{base_url('LIHUI_FEISHU_ACCOUNTS')}/open-apis/authen/v1/authorize?{query}"

    inapp_login_url = qr_login_url  # inside Feishu the same page signs the user in without asking

    def login_userid(self, code: str, redirect_uri: str = "") -> str | None:
        grant = self.call("POST", self.api("authen/v2/oauth/token"), endpoint="oauth/token", app_token=False,
                          json={"grant_type": "authorization_code", "client_id": self.config.app_key,
                                "client_secret": self.config.secret, "code": code, "redirect_uri": redirect_uri})  # fmt: skip
        if not grant.get("access_token"):
            raise self.unexpected("oauth/token: access_token")
        info = self.call("GET", self.api("authen/v1/user_info"), endpoint="user_info", app_token=False,
                         headers={"Authorization": f"Bearer {grant['access_token']}"})  # fmt: skip
        data = info.get("data")
        if not isinstance(data, dict):
            raise self.unexpected("user_info: data")
        return str(data.get("user_id") or "") or None

    # --- the directory ------------------------------------------------------------------------

    def person_of(self, row: dict, known_departments: set[str]) -> DirectoryPerson:
        status = row.get("status") or {}
        departments = [str(d) for d in row.get("department_ids") or []]
        return DirectoryPerson(
            key=str(row["user_id"]), name=str(row.get("name") or ""), employee_number=str(row.get("employee_no") or ""),
            email=str(row.get("email") or row.get("enterprise_email") or ""), phone=phone(row.get("mobile")),
            title=str(row.get("job_title") or ""), department_key=next((d for d in departments if d in known_departments), None),
            manager_key=str(row["leader_user_id"]) if row.get("leader_user_id") else None,
            active=not (status.get("is_resigned") or status.get("is_exited") or status.get("is_frozen")),
            attributes={"user_id": str(row["user_id"]), "open_id": str(row.get("open_id") or ""), "union_id": str(row.get("union_id") or "")},
        )  # fmt: skip

    def person(self, userid: str) -> DirectoryPerson | None:
        try:
            data = self.get(f"contact/v3/users/{userid}", "users/get", **IDS)
        except SuiteError as exc:
            if exc.code in (41050, 40011, 40013):  # not found, or outside what the app may see
                return None
            raise
        return self.person_of(data["user"], linked_departments(self.source))

    def snapshot(self) -> Snapshot:
        try:
            departments = []
            for d in self.pages(f"contact/v3/departments/{ROOT}/children", "departments/children", fetch_child="true", **IDS):
                if (d.get("status") or {}).get("is_deleted"):
                    continue
                heads = [d["leader_user_id"]] if d.get("leader_user_id") else []
                heads += [x["leaderID"] for x in d.get("leaders") or [] if x.get("leaderID") not in heads]
                parent = str(d.get("parent_department_id") or ROOT)
                departments.append(DirectoryDepartment(key=str(d["department_id"]), name=str(d["name"]),
                                                       parent_key=None if parent == ROOT else parent,
                                                       head_keys=tuple(str(h) for h in heads)))  # fmt: skip
            keys = {d.key for d in departments}
            people: dict[str, DirectoryPerson] = {}
            for dept in [ROOT, *(d.key for d in departments)]:
                for row in self.pages("contact/v3/users/find_by_department", "users/find_by_department", department_id=dept, **IDS):
                    people.setdefault(str(row["user_id"]), self.person_of(row, keys))
        except (KeyError, TypeError, ValueError) as exc:
            raise self.unexpected(f"{type(exc).__name__}: {exc}") from None
        return Snapshot(self.source, departments, known_managers(people), complete=True)
