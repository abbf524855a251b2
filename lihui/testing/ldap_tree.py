"""The company the LDAP tests' OpenLDAP holds: 示例科技 with two centres and their OUs, twelve
people with Chinese names, 工号, mail, mobile and title, an admins group, a group mapped to a
department that has no OU, a colleague who has left (employeeType=left) and Lihui's read-only
service account. Everyone's password is PASSWORD."""

from __future__ import annotations

SUFFIX = "dc=example,dc=com"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
SERVICE_DN = f"cn=lihui,{SUFFIX}"  # directly under the suffix: slapd's limits are set before the schema is loaded
SERVICE_PASSWORD = "svc-secret-9"
PASSWORD = "Dir-Passw0rd"
ADMINS = f"cn=lihui-admins,{GROUPS}"
QUALITY = f"cn=质检组,{GROUPS}"

OPS = f"ou=运营中心,{PEOPLE}"
CS = f"ou=客服部,{OPS}"
WAREHOUSE = f"ou=仓储部,{OPS}"
RND = f"ou=研发中心,{PEOPLE}"
PLATFORM = f"ou=平台组,{RND}"

# uid, cn, 工号, mobile, title, the OU holding them, line manager's uid
PEOPLE_ROWS = [
    ("wangwu", "王五", "E001", "13800000001", "运营总监", OPS, None),
    ("lisi", "李四", "E002", "13800000002", "客服主管", CS, "wangwu"),
    ("zhaoliu", "赵六", "E004", "13800000004", "客服专员", CS, "lisi"),
    ("sunqi", "孙七", "E005", "13800000005", "客服专员", CS, "lisi"),
    ("qianba", "钱八", "E006", "13800000006", "质检员", OPS, "wangwu"),
    ("zhoujiu", "周九", "E007", "13800000007", "仓储主管", WAREHOUSE, "wangwu"),
    ("wushi", "吴十", "E008", "13800000008", "仓管员", WAREHOUSE, "zhoujiu"),
    ("zhengsan", "郑三", "E009", "13800000009", "研发总监", RND, None),
    ("chenyi", "陈一", "E010", "13800000010", "工程师", PLATFORM, "zhengsan"),
    ("linger", "林二", "E011", "13800000011", "工程师", PLATFORM, "zhengsan"),
    ("itadmin", "何管理", "E000", "13800000000", "IT 管理员", PEOPLE, None),
    ("fengli", "冯离职", "E012", "13800000012", "客服专员", CS, "lisi"),  # has left: employeeType=left
]
LEFT = {"fengli"}
ENABLED = [row for row in PEOPLE_ROWS if row[0] not in LEFT]


def person_dn(uid: str) -> str:
    row = next(r for r in PEOPLE_ROWS if r[0] == uid)
    return f"uid={uid},{row[5]}"


def entries() -> list[tuple[str, dict[str, list[bytes]]]]:
    """The tree as (DN, attributes), parents first, for python-ldap's add_s."""

    def attrs(**values) -> dict[str, list[bytes]]:
        return {k: [v.encode() for v in (vs if isinstance(vs, list) else [vs])] for k, vs in values.items()}

    out = [
        (SUFFIX, attrs(objectClass=["dcObject", "organization"], dc="example", o="示例科技有限公司")),
        (
            SERVICE_DN,
            attrs(objectClass=["person", "simpleSecurityObject"], cn="lihui", sn="lihui", userPassword=SERVICE_PASSWORD),
        ),
        (PEOPLE, attrs(objectClass="organizationalUnit", ou="people")),
        (OPS, attrs(objectClass="organizationalUnit", ou="运营中心", seeAlso=person_dn("wangwu"))),
        (CS, attrs(objectClass="organizationalUnit", ou="客服部", seeAlso=person_dn("lisi"))),
        (WAREHOUSE, attrs(objectClass="organizationalUnit", ou="仓储部", seeAlso=person_dn("zhoujiu"))),
        (RND, attrs(objectClass="organizationalUnit", ou="研发中心", seeAlso=person_dn("zhengsan"))),
        (PLATFORM, attrs(objectClass="organizationalUnit", ou="平台组")),
    ]
    for uid, cn, number, mobile, title, _ou, manager in PEOPLE_ROWS:
        values = {
            "objectClass": "inetOrgPerson", "uid": uid, "cn": cn, "sn": cn[0], "displayName": cn, "employeeNumber": number,
            "mail": f"{uid}@example.com", "mobile": mobile, "title": title, "userPassword": PASSWORD,
        }  # fmt: skip
        if manager:
            values["manager"] = person_dn(manager)
        if uid in LEFT:
            values["employeeType"] = "left"
        out.append((person_dn(uid), attrs(**values)))
    out += [
        (GROUPS, attrs(objectClass="organizationalUnit", ou="groups")),
        (ADMINS, attrs(objectClass="groupOfNames", cn="lihui-admins", member=[person_dn("itadmin"), person_dn("wangwu")])),
        (QUALITY, attrs(objectClass="groupOfNames", cn="质检组", member=[person_dn("qianba"), person_dn("sunqi")])),
    ]
    return out
