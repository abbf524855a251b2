"""The company the local suite server serves: departments and people, one truth for all three
vendors, each answering it in its own documented shape (server.py). Tests, the demo and the
benchmark seed it and change it while the server runs (move someone, mark someone as left)."""

from __future__ import annotations

import dataclasses
import threading

ACTIVE, DISABLED, NOT_JOINED, LEFT = "active", "disabled", "not_joined", "left"


@dataclasses.dataclass
class Dept:
    id: int  # WeCom / DingTalk use integers; Feishu gets it as a string department_id
    name: str
    parent_id: int | None = None  # None: under the root (WeCom 1, DingTalk 1, Feishu "0")
    leaders: list[str] = dataclasses.field(default_factory=list)  # userids, first the head
    order: int = 0
    name_en: str = ""


@dataclasses.dataclass
class User:
    userid: str
    name: str
    departments: list[int] = dataclasses.field(default_factory=list)  # the first is the main one
    title: str = ""
    mobile: str = ""
    email: str = ""
    employee_no: str = ""  # 工号: DingTalk job_number, Feishu employee_no, WeCom an extattr "工号"
    manager: str | None = None  # the direct leader's userid
    state: str = ACTIVE  # active | disabled | not_joined (invited, not activated) | left
    en_name: str = ""

    @property
    def unionid(self) -> str:  # DingTalk's and Feishu's id across apps, stable per person
        return f"union-{self.userid}"

    @property
    def open_id(self) -> str:
        return f"ou_{self.userid}"


class Directory:
    """Mutable and thread-safe: the server's handler threads read it while a test writes."""

    ROOT = 1  # the company itself (WeCom and DingTalk department 1; Feishu department "0")

    def __init__(self, company: str = "示例科技有限公司"):
        self.company = company
        self.lock = threading.RLock()
        self.departments: dict[int, Dept] = {self.ROOT: Dept(self.ROOT, company, parent_id=None)}
        self.users: dict[str, User] = {}

    # --- seeding and changing ---------------------------------------------------------------

    def add_department(self, id: int, name: str, parent_id: int | None = ROOT, leaders=(), order: int = 0) -> Dept:
        with self.lock:
            dept = Dept(id, name, parent_id if parent_id is not None else self.ROOT, list(leaders), order)
            self.departments[id] = dept
            return dept

    def add_user(self, userid: str, name: str, departments=(ROOT,), **fields) -> User:
        with self.lock:
            user = User(userid, name, list(departments), **fields)
            self.users[userid] = user
            return user

    def move(self, userid: str, department_id: int) -> None:
        with self.lock:
            self.users[userid].departments = [department_id]

    def mark_left(self, userid: str) -> None:
        """Left the company: WeCom answers status 5, Feishu status.is_resigned, DingTalk drops them."""
        with self.lock:
            self.users[userid].state = LEFT
            for dept in self.departments.values():
                if userid in dept.leaders:
                    dept.leaders.remove(userid)

    def remove(self, userid: str) -> None:
        """Deleted from the directory altogether: every vendor answers "no such user"."""
        with self.lock:
            self.users.pop(userid, None)
            for dept in self.departments.values():
                if userid in dept.leaders:
                    dept.leaders.remove(userid)

    # --- reading ----------------------------------------------------------------------------

    def children(self, dept_id: int) -> list[Dept]:
        with self.lock:
            return sorted((d for d in self.departments.values() if d.parent_id == dept_id), key=lambda d: (-d.order, d.id))

    def descendants(self, dept_id: int) -> list[Dept]:
        out, todo = [], [dept_id]
        while todo:
            for child in self.children(todo.pop(0)):
                out.append(child)
                todo.append(child.id)
        return out

    def members(self, dept_id: int, *, include_left: bool = True) -> list[User]:
        with self.lock:
            return sorted(
                (u for u in self.users.values() if dept_id in u.departments and (include_left or u.state != LEFT)),
                key=lambda u: u.userid,
            )

    def user(self, userid: str) -> User | None:
        with self.lock:
            return self.users.get(userid)


def sample_company() -> Directory:
    """The small company the demo and the browser test log in to: 12 people, 5 departments."""
    d = Directory()
    d.add_department(2, "运营中心", leaders=["wangjl"], order=30)
    d.add_department(3, "客服部", parent_id=2, leaders=["lixf"], order=20)
    d.add_department(4, "仓储部", parent_id=2, leaders=["zhangcc"], order=10)
    d.add_department(5, "技术部", leaders=["chenjs"], order=20)
    d.add_department(6, "财务部", leaders=["liucw"], order=10)
    people = [
        ("wangjl", "王建良", 2, "运营总监", None, "E1001"),
        ("lixf", "李晓芳", 3, "客服经理", "wangjl", "E1002"),
        ("zhaoyt", "赵雨婷", 3, "客服专员", "lixf", "E1003"),
        ("sunhm", "孙浩明", 3, "客服专员", "lixf", "E1004"),
        ("zhangcc", "张长春", 4, "仓储经理", "wangjl", "E1005"),
        ("zhoulm", "周立民", 4, "仓管员", "zhangcc", "E1006"),
        ("chenjs", "陈建森", 5, "技术总监", None, "E1007"),
        ("wuxy", "吴欣怡", 5, "后端工程师", "chenjs", "E1008"),
        ("zhengk", "郑凯", 5, "前端工程师", "chenjs", "E1009"),
        ("liucw", "刘春伟", 6, "财务经理", None, "E1010"),
        ("huangyq", "黄雅琴", 6, "会计", "liucw", "E1011"),
        ("xujw", "徐佳伟", 6, "出纳", "liucw", "E1012"),
    ]
    for n, (userid, name, dept, title, manager, number) in enumerate(people, start=1):
        d.add_user(userid, name, [dept], title=title, manager=manager, employee_no=number,
                   mobile=f"1380000{n:04d}", email=f"{userid}@example.com")  # fmt: skip
    return d
