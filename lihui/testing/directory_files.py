"""Import files of a made-up but realistic company, for the import tests, the benchmark and
the demo: 300 people in 20 departments by default, always the same ones (a seeded random).

The tree: 总经办 plus three centres (运营中心, 技术中心, 市场中心) with 16 departments under
them. Every department has one head (是否部门负责人 = 是); people report to their department's
head, heads to the head of the level above, the centre heads to the general manager. Names
are Chinese, unique in the file (a manager may be given by name as well as by 工号).

`company_rows()` gives the rows as dicts keyed by field (imports.COLUMNS); `company_xlsx()`
and `company_csv()` write them with Chinese or English headers."""

from __future__ import annotations

import csv
import io
import random

from lihui.directory.imports import COLUMNS

TREE = {
    "总经办": [],
    "运营中心": ["客服部", "仓储部", "物流部", "采购部", "质量部", "运营支持部"],
    "技术中心": ["研发一部", "研发二部", "测试部", "运维部", "数据部"],
    "市场中心": ["市场部", "销售一部", "销售二部", "品牌部", "渠道部"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞鑫波斌宇浩凯健俊帆帅旭宁琳晨欣悦佳雪婷颖倩琪睿哲思远志航"
TITLES = ("专员", "主管", "工程师", "高级工程师", "经理助理", "分析师", "顾问", "助理")


def departments() -> list[str]:
    """The 20 department paths, parents first."""
    out = []
    for centre, children in TREE.items():
        out.append(centre)
        out += [f"{centre}/{child}" for child in children]
    return out


def _names(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    names = []
    while len(names) < count:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def company_rows(people: int = 300, *, seed: int = 18, prefix: str = "E") -> list[dict]:
    """`people` rows (at least one per department): field -> text, every column filled in
    (username left empty, so the 工号 is the login name)."""
    paths = departments()
    assert people >= len(paths), "every department needs its head"
    rng = random.Random(seed)
    names = _names(rng, people)
    rows: list[dict] = []
    head_of: dict[str, str] = {}

    def add(path: str, title: str, head: bool) -> dict:
        n = len(rows) + 1
        number = f"{prefix}{n:05d}"
        row = {
            "employee_number": number,
            "name": names[n - 1],
            "department": path,
            "title": title,
            "phone": f"138{n:08d}",
            "email": f"{number.lower()}@example.com",
            "manager": "",
            "head": "是" if head else "否",
            "language": "English" if n % 17 == 0 else "中文",
            "time_zone": "Europe/Berlin" if n % 41 == 0 else "Asia/Shanghai",
            "username": "",
        }
        rows.append(row)
        if head:
            head_of[path] = number
        return row

    for path in paths:  # the heads first: parents before children, so every manager exists
        depth = path.count("/")
        title = "总经理" if path == "总经办" else ("中心总监" if depth == 0 else "部门经理")
        row = add(path, title, head=True)
        if path != "总经办":
            row["manager"] = head_of[path.rsplit("/", 1)[0]] if depth else head_of["总经办"]
    members = [p for p in paths if p != "总经办"]
    while len(rows) < people:
        path = members[rng.randrange(len(members))]
        row = add(path, rng.choice(TITLES), head=False)
        row["manager"] = head_of[path]
    return rows


def _header(language: str) -> list[str]:
    return [c.en if language == "en" else c.zh for c in COLUMNS]


def company_xlsx(rows: list[dict] | None = None, *, language: str = "zh-hans") -> bytes:
    """The rows as a workbook with one sheet, headers in `language`; ids and phones as text."""
    from openpyxl import Workbook

    rows = company_rows() if rows is None else rows
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人员" if language != "en" else "People")
    sheet.append(_header(language))
    for row in rows:
        sheet.append([row.get(c.field, "") for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def company_csv(rows: list[dict] | None = None, *, language: str = "zh-hans", encoding: str = "utf-8-sig") -> bytes:
    """The rows as CSV: "utf-8-sig" is Excel's "CSV UTF-8", "gb18030" a Chinese Excel's plain "CSV"."""
    rows = company_rows() if rows is None else rows
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(_header(language))
    for row in rows:
        writer.writerow([row.get(c.field, "") for c in COLUMNS])
    return out.getvalue().encode(encoding)
