"""The response fields each vendor documents for the endpoints Lihui calls, with the page that
says so. The local server (server.py) answers in exactly these names, and
lihui/directory/tests/test_suites_server.py checks every answer it gave against this table.

A shape maps a place in the answer ("" the top level, "department[]" each item of that list,
"result.list[]" each item of a list inside an object) to the key sets the documentation allows
there: one set, or several where the page documents variants (a member or an outsider; a page
with or without a cursor for the next one). Places not named are not checked.
"""

from __future__ import annotations

# --- WeCom (企业微信), https://developer.work.weixin.qq.com -------------------------------------

WECOM_ERROR = {"": [{"errcode", "errmsg"}]}  # 全局错误码 https://developer.work.weixin.qq.com/document/path/90313

# 读取成员 https://developer.work.weixin.qq.com/document/path/90196 and 获取部门成员详情
# https://developer.work.weixin.qq.com/document/path/90201: what a self-built app (自建应用) is
# given; open_userid is only for third-party apps (仅第三方应用可获取) and is not sent.
WECOM_USER = {
    "userid", "name", "department", "order", "position", "mobile", "gender", "email", "biz_mail", "is_leader_in_dept",
    "direct_leader", "avatar", "thumb_avatar", "telephone", "alias", "address", "main_department", "extattr", "status",
    "qr_code", "external_position", "external_profile",
}  # fmt: skip
WECOM_EXTATTR = {"extattr": [{"attrs"}], "extattr.attrs[]": [{"type", "name", "text"}, {"type", "name", "web"}]}

WECOM = {
    # 获取access_token https://developer.work.weixin.qq.com/document/path/91039
    "wecom:gettoken": {"": [{"errcode", "errmsg", "access_token", "expires_in"}]},
    # 获取访问用户身份 https://developer.work.weixin.qq.com/document/path/91023 (网页授权, snsapi_base) and
    # 企业微信Web登录 · 获取用户登录身份 https://developer.work.weixin.qq.com/document/path/98176: a member
    # gets userid; someone outside the company openid (and external_userid for a customer).
    "wecom:auth/getuserinfo": {"": [{"errcode", "errmsg", "userid"}, {"errcode", "errmsg", "openid", "external_userid"}]},
    # 获取部门列表 https://developer.work.weixin.qq.com/document/path/90208
    "wecom:department/list": {
        "": [{"errcode", "errmsg", "department"}],
        "department[]": [{"id", "name", "name_en", "department_leader", "parentid", "order"}],
    },
    "wecom:user/list": {"": [{"errcode", "errmsg", "userlist"}], "userlist[]": [WECOM_USER],
                        **{f"userlist[].{k}": v for k, v in WECOM_EXTATTR.items()}},  # fmt: skip
    "wecom:user/get": {"": [{"errcode", "errmsg"} | WECOM_USER], **WECOM_EXTATTR},
}

# --- DingTalk (钉钉), https://open.dingtalk.com ------------------------------------------------

# 错误码 https://open.dingtalk.com/document/orgapp/server-api-error-codes-1: the old gettoken answers
# errcode/errmsg, the topapi ones add request_id; the new api.dingtalk.com answers HTTP 4xx with
# code/message/requestid (https://open.dingtalk.com/document/orgapp/error-code-of-new-version-of-api).
DINGTALK_ERROR = {"": [{"errcode", "errmsg"}, {"errcode", "errmsg", "request_id"}]}
DINGTALK_API_ERROR = {"": [{"code", "message", "requestid"}]}
DINGTALK_TOPAPI = {"errcode", "errmsg", "result", "request_id"}

DINGTALK = {
    # 获取企业内部应用的access_token https://open.dingtalk.com/document/orgapp/obtain-orgapp-token
    "dingtalk:gettoken": {"": [{"errcode", "access_token", "errmsg", "expires_in"}]},
    # 获取部门列表 https://open.dingtalk.com/document/orgapp/obtain-the-department-list-v2
    "dingtalk:topapi/v2/department/listsub": {
        "": [DINGTALK_TOPAPI],
        "result[]": [{"dept_id", "name", "parent_id", "create_dept_group", "auto_add_user"}],
    },
    # 获取部门详情 https://open.dingtalk.com/document/orgapp/query-department-details0-v2
    "dingtalk:topapi/v2/department/get": {
        "": [DINGTALK_TOPAPI],
        "result": [{
            "dept_id", "name", "parent_id", "source_identifier", "create_dept_group", "auto_add_user", "auto_approve_apply",
            "from_union_org", "tags", "order", "dept_group_chat_id", "group_contain_sub_dept", "org_dept_owner",
            "dept_manager_userid_list", "outer_dept", "outer_permit_depts", "outer_permit_users", "hide_dept",
            "user_permits", "dept_permits",
        }],  # fmt: skip
    },
    # 获取部门用户详情 https://open.dingtalk.com/document/orgapp/queries-the-complete-information-of-a-department-user
    # (cursor + size ≤ 100; next_cursor only while has_more)
    "dingtalk:topapi/v2/user/list": {
        "": [DINGTALK_TOPAPI],
        "result": [{"has_more", "next_cursor", "list"}, {"has_more", "list"}],
        "result.list[]": [{
            "userid", "unionid", "name", "avatar", "state_code", "mobile", "hide_mobile", "telephone", "job_number", "title",
            "email", "org_email", "work_place", "remark", "dept_id_list", "dept_order", "extension", "hired_date", "active",
            "admin", "boss", "leader", "exclusive_account",
        }],  # fmt: skip
    },
    # 查询用户详情 https://open.dingtalk.com/document/orgapp/query-user-details
    "dingtalk:topapi/v2/user/get": {
        "": [DINGTALK_TOPAPI],
        "result": [{
            "userid", "unionid", "name", "avatar", "state_code", "manager_userid", "mobile", "hide_mobile", "telephone",
            "job_number", "title", "email", "org_email", "work_place", "remark", "exclusive_account", "dept_id_list",
            "dept_order_list", "extension", "hired_date", "active", "real_authed", "senior", "admin", "boss",
            "leader_in_dept", "role_list",
        }],  # fmt: skip
        "result.leader_in_dept[]": [{"dept_id", "leader"}],
        "result.dept_order_list[]": [{"dept_id", "order"}],
    },
    # 根据unionid获取用户userid https://open.dingtalk.com/document/orgapp/query-a-user-by-the-union-id
    "dingtalk:topapi/user/getbyunionid": {"": [DINGTALK_TOPAPI], "result": [{"contact_type", "userid"}]},
    # 通过免登码获取用户信息 https://open.dingtalk.com/document/orgapp/obtain-the-userid-of-a-user-by-using-the-log-free
    "dingtalk:topapi/v2/user/getuserinfo": {
        "": [DINGTALK_TOPAPI],
        "result": [{"userid", "device_id", "sys", "sys_level", "associated_unionid", "unionid", "name"}],
    },
    # 获取用户token https://open.dingtalk.com/document/orgapp/obtain-user-token
    "dingtalk:v1.0/oauth2/userAccessToken": {"": [{"accessToken", "refreshToken", "expireIn", "corpId"}]},
    # 获取用户通讯录个人信息 https://open.dingtalk.com/document/orgapp/dingtalk-retrieve-user-information
    "dingtalk:v1.0/contact/users/me": {"": [{"nick", "avatarUrl", "mobile", "openId", "unionId", "email", "stateCode"}]},
}

# --- Feishu (飞书), https://open.feishu.cn ------------------------------------------------------

# 通用错误码 https://open.feishu.cn/document/server-docs/api-call-guide/generic-error-code and the
# frequency limit's answer (HTTP 429, code 99991400) https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control
FEISHU_ERROR = {"": [{"code", "msg"}]}
# 获取 user_access_token https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/authentication-management/access-token/get-user-access-token
FEISHU_OAUTH_ERROR = {"": [{"code", "error", "error_description"}]}

FEISHU_USER = {
    "union_id", "user_id", "open_id", "name", "en_name", "nickname", "email", "mobile", "mobile_visible", "gender",
    "avatar", "status", "department_ids", "leader_user_id", "city", "country", "work_station", "join_time",
    "is_tenant_manager", "employee_no", "employee_type", "orders", "custom_attrs", "enterprise_email", "job_title", "geo",
    "job_level_id", "job_family_id", "dotted_line_leader_user_ids",
}  # fmt: skip
FEISHU_USER_PARTS = {
    "status": [{"is_frozen", "is_resigned", "is_activated", "is_exited", "is_unjoin"}],
    "avatar": [{"avatar_72", "avatar_240", "avatar_640", "avatar_origin"}],
    "orders[]": [{"department_id", "user_order", "department_order", "is_primary_dept"}],
}
FEISHU_PAGE = [{"has_more", "page_token", "items"}, {"has_more", "items"}]  # page_token only while has_more

FEISHU = {
    # 自建应用获取 tenant_access_token https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal
    "feishu:auth/v3/tenant_access_token/internal": {"": [{"code", "msg", "tenant_access_token", "expire"}]},
    # 获取 user_access_token (v2); refresh_token only with the offline_access scope
    "feishu:authen/v2/oauth/token": {"": [
        {"code", "access_token", "expires_in", "scope", "token_type"},
        {"code", "access_token", "expires_in", "refresh_token", "refresh_token_expires_in", "scope", "token_type"},
    ]},  # fmt: skip
    # 获取用户信息 https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/authen-v1/user_info/get
    "feishu:authen/v1/user_info": {
        "": [{"code", "msg", "data"}],
        "data": [{
            "name", "en_name", "avatar_url", "avatar_thumb", "avatar_middle", "avatar_big", "open_id", "union_id", "email",
            "enterprise_email", "user_id", "mobile", "tenant_key", "employee_no",
        }],  # fmt: skip
    },
    # 获取子部门列表 https://open.feishu.cn/document/server-docs/contact-v3/department/children
    "feishu:contact/v3/departments/children": {
        "": [{"code", "msg", "data"}],
        "data": FEISHU_PAGE,
        "data.items[]": [{
            "name", "i18n_name", "parent_department_id", "department_id", "open_department_id", "leader_user_id", "chat_id",
            "order", "unit_ids", "member_count", "status", "leaders", "primary_member_count",
        }],  # fmt: skip
        "data.items[].status": [{"is_deleted"}],
        "data.items[].i18n_name": [{"zh_cn", "ja_jp", "en_us"}],
        "data.items[].leaders[]": [{"leaderType", "leaderID"}],
    },
    # 获取部门直属用户列表 https://open.feishu.cn/document/server-docs/contact-v3/user/find_by_department
    "feishu:contact/v3/users/find_by_department": {
        "": [{"code", "msg", "data"}],
        "data": FEISHU_PAGE,
        "data.items[]": [FEISHU_USER],
        **{f"data.items[].{k}": v for k, v in FEISHU_USER_PARTS.items()},
    },
    # 获取单个用户信息 https://open.feishu.cn/document/server-docs/contact-v3/user/get
    "feishu:contact/v3/users/get": {
        "": [{"code", "msg", "data"}],
        "data": [{"user"}],
        "data.user": [FEISHU_USER],
        **{f"data.user.{k}": v for k, v in FEISHU_USER_PARTS.items()},
    },
}

DOCUMENTED: dict[str, dict[str, list[set[str]]]] = {
    **WECOM, **DINGTALK, **FEISHU,
    "wecom:error": WECOM_ERROR, "dingtalk:error": DINGTALK_ERROR, "dingtalk:api-error": DINGTALK_API_ERROR,
    "feishu:error": FEISHU_ERROR, "feishu:oauth-error": FEISHU_OAUTH_ERROR,
}  # fmt: skip


def objects_at(body, place: str) -> list:
    """The objects at `place` in `body` ("a.b[]" walks into a, then each item of b)."""
    found = [body]
    if not place:
        return found
    for part in place.split("."):
        many = part.endswith("[]")
        key = part[:-2] if many else part
        nxt = []
        for obj in found:
            if isinstance(obj, dict) and key in obj:
                value = obj[key]
                nxt.extend(value if many and isinstance(value, list) else [] if many else [value])
        found = nxt
    return found


def conformance_problems(endpoint: str, body) -> list[str]:
    """Where `body` (an answer of `endpoint`) differs from the documented names; [] if nowhere."""
    shape = DOCUMENTED.get(endpoint)
    if shape is None:
        return [f"{endpoint}: no documented shape"]
    problems = []
    for place, allowed in shape.items():
        for obj in objects_at(body, place):
            if not isinstance(obj, dict):
                problems.append(f"{endpoint} {place or '(top)'}: not an object")
            elif set(obj) not in allowed:
                nearest = min(allowed, key=lambda keys: len(keys ^ set(obj)))
                problems.append(
                    f"{endpoint} {place or '(top)'}: extra {sorted(set(obj) - nearest)}, missing {sorted(nearest - set(obj))}"
                )
    return problems
