"""Quick capture: a typed note line becomes a proposed action item or decision.

``capture_parse`` reads lines such as 「行动：张三负责整理Q3退货数据，下周五前完成」 or
"Action: @alice review the deck by Friday" and proposes kind, title, owner and due date.
It is pure: no models, no database, no clock (the caller passes ``reference_date``), no
network; people are resolved only against the candidates passed in. Nothing is guessed:
an owner who could be several people, or a date like 12/5, comes back empty with a
warning, and the person confirms every proposal before anything is saved.

Choices worth knowing (the tests hold the full table):
- A line that starts with a marker (after an optional bullet) is a proposal; a marker
  alone (a heading such as 「行动项：」) is not. 「AI」 needs a colon or brackets, and a
  bare 「TODO」 followed by a space counts only in capitals: both are ordinary words too.
- A line without a marker that starts with an @mention or the name of a known person and
  holds a date (「张伟下周三前给出方案」, 「@孙悦 明天发出通知」) is an action too, with an
  "unmarked" warning. ``capture_read`` also returns every other non-blank line, unread,
  so the caller shows it back instead of losing it.
- An action below a decision line names it (``decision_line``): it implements the
  decision above it, until the next decision.
- Decisions keep their whole text as the title, with no owner or date: a decision is
  stored as text, and a date in it (「决定：下周一起执行新排班」) is part of what was decided.
- One date per line. If a line holds several, the first with deadline words (前 / 之前 /
  截止 / by / before / due …) wins, else the first; the others stay in the title
  (「准备周五会议材料，周三前发出」 → 周三). Likewise one owner phrase, the first; when it
  names several people (「张三、李四负责」, "@alice @bob") none is picked: all are offered
  as candidates with an "owner_multiple" warning.
- ``due_text`` is the phrase including its deadline words: 「下周五前」, "by Friday".
- A day past the end of its month is clamped to the month's last day (「31号」 on
  10 November → 30 November) with a "date_adjusted" warning; a date with an explicit
  year must exist ("date_invalid" otherwise).
- A numeric date like 12/5 is never read (warning "date_ambiguous"); it stays in the
  title because it may not be a date at all (「完成1/2」).
- 本周X / "this Friday" earlier in the week warns "weekday_past" instead of "date_past".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypinyin import lazy_pinyin

MAX_TEXT = 100_000
ACTION, DECISION = "action", "decision"
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Candidate:
    """A person the owner text may resolve to; participants of the meeting are preferred."""

    id: int
    names: tuple[str, ...]
    participant: bool = False


@dataclass(frozen=True)
class CaptureWarning:
    code: str  # stable, for programs and tests
    message: str  # translated, for people


@dataclass
class Proposal:
    line: int
    kind: str
    title: str
    owner_text: str | None = None
    owner: int | None = None
    owner_candidates: list[int] = field(default_factory=list)
    due: dt.date | None = None
    due_text: str | None = None
    warnings: list[CaptureWarning] = field(default_factory=list)
    decision_line: int | None = None  # an action: the decision line above it, which it implements
    decision_text: str | None = None

    @property
    def warning_codes(self) -> list[str]:
        return [w.code for w in self.warnings]


_MESSAGES = {
    "owner_ambiguous": gettext_lazy("“%(name)s” could be more than one person; choose the owner."),
    "owner_multiple": gettext_lazy("Several owners are named (%(name)s); an action has one owner, choose it."),
    "owner_unknown": gettext_lazy("No one called “%(name)s” was found; choose the owner."),
    "date_past": gettext_lazy("The due date %(date)s has already passed."),
    "weekday_past": gettext_lazy("“%(text)s” is earlier this week (%(date)s)."),
    "weekday_mismatch": gettext_lazy("“%(text)s”: %(date)s is not that day of the week; check the date."),
    "date_adjusted": gettext_lazy("“%(text)s” does not exist in that month; %(date)s is used."),
    "date_ambiguous": gettext_lazy("“%(text)s” could be more than one date; set the due date yourself."),
    "date_invalid": gettext_lazy("“%(text)s” is not a valid date; set the due date yourself."),
    "date_out_of_range": gettext_lazy("“%(text)s” is too far away; set the due date yourself."),
    "title_missing": gettext_lazy("Nothing is left for the title; write one."),
    "unmarked": gettext_lazy("Read as an action (a person and a date, no 行动： marker): check it."),
}


@dataclass(frozen=True)
class UnreadLine:
    line: int
    text: str


@dataclass
class CaptureRead:
    proposals: list[Proposal]
    unread: list[UnreadLine]  # non-blank lines that are neither an action nor a decision


def _warning(code: str, **params: str) -> CaptureWarning:
    return CaptureWarning(code=code, message=str(_MESSAGES[code]) % params)


# ---- text ------------------------------------------------------------------------------
# Only \n, \r\n and \r end a line, so line numbers match what the person sees; other
# separators and control characters become spaces, invisible format characters go.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Full-width ASCII folds one character to one, so a match in the folded line slices the
# original line and the title keeps what was typed.
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_MASK = "\x00"  # stands in for a date phrase so an owner name cannot run across it

# ---- markers ---------------------------------------------------------------------------
_ACTION_WORDS = r"行动项|待办事项|行动|待办|跟进|action\s*items?|actions?|to-?dos?|ai"
_DECISION_WORDS = r"决定|决议|结论|decisions?"
_BULLET = r"(?:\#{1,6}|[-*•·+‣◦▪●○]|\d{1,3}[.)、]|\(\d{1,3}\)|[一二三四五六七八九十]{1,3}、|[①-⑳])"
_MARKER = re.compile(
    rf"""\s*+(?:{_BULLET}\s*)?(?:\[[ xX]\]\s*)?(?:\*\*|__)?
    (?: (?P<open>[\[【〖])\s*(?:(?P<a1>{_ACTION_WORDS})|(?P<d1>{_DECISION_WORDS}))(?:\s*\#?\d{{1,3}})?\s*[\]】〗]
        (?:\*\*|__)?\s*(?::|[-–—]+)?
      | (?:(?P<a2>{_ACTION_WORDS})|(?P<d2>{_DECISION_WORDS}))(?:\s*\#?\d{{1,3}})?(?:\*\*|__)?\s*(?::|[-–—]+(?![A-Za-z0-9]))
      | (?-i:TODO)(?=\s) )
    (?:\*\*|__)?\s*+""",
    re.I | re.X,
)

# ---- numbers and dates -----------------------------------------------------------------
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
               "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}  # fmt: skip
_CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_EN_WEEKDAYS = {"monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2,
                "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
                "saturday": 5, "sat": 5, "sunday": 6, "sun": 6}  # fmt: skip
_EN_MONTHS = {"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
              "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
              "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12}  # fmt: skip
_WD = "|".join(sorted(_EN_WEEKDAYS, key=len, reverse=True))
_MON = "|".join(sorted(_EN_MONTHS, key=len, reverse=True))
_NUM = r"(?:[0-9]{1,6}|[零〇一二两三四五六七八九十百千]{1,6})"
_MD = r"(?:[0-9]{1,2}|[零〇一二三四五六七八九十]{1,3})"  # month or day; 两 is never used for these
_EN_NUM = "|".join(_EN_NUMBERS)
# Deadline words around a date phrase are part of it: removed from the title, kept in due_text.
_PRE = r"""(?:(?:截止(?:日期|时间)?|截至|期限|(?<![A-Za-z])(?:deadline|due\s+date|due(?:\s+(?:by|on))?))\s*+:?\s*+(?:[到至]\s*+)?
    | (?<![A-Za-z])(?:by|before|until|till|on|no\s+later\s+than)\s+
    | 在|于)"""
_SUF = r"\s*+(?:之前|以前|前(?![端台后面方线期往置])|为止|截止)|\s+(?:eod|cob)(?![A-Za-z])"
# 「12月5日（周六）」: the weekday in brackets belongs to the date and is checked against it.
_NOTE = rf"\s*+[(（]\s*(?:(?:周|星期|礼拜)(?P<note_cn>[一二三四五六日天])|(?P<note_en>{_WD})\.?)\s*[)）]"

_Resolved = tuple[dt.date | None, str | None]


def _number(text: str) -> int | None:
    """Arabic or Chinese numerals up to the thousands: 15, 十五, 二十一, 一百零五, 两."""
    if text.isascii():
        return int(text) if text.isdigit() else None
    total, digit, last_unit = 0, None, 10_000
    for ch in text:
        if ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                return None
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        elif ch in "零〇" and total:
            digit = None  # 一百零五: a placeholder, not a digit
        elif digit is None:
            digit = _CN_DIGITS[ch]
        else:
            return None  # 一二 is not a number
    return total + (digit or 0)


def _clamp(year: int, month: int, day: int) -> tuple[dt.date, bool]:
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day, last)), day > last


def _add_months(date: dt.date, months: int) -> dt.date:
    year, month0 = divmod(date.month - 1 + months, 12)
    return _clamp(date.year + year, month0 + 1, date.day)[0]


def _month_end(date: dt.date) -> dt.date:
    return _clamp(date.year, date.month, 31)[0]


def _monday(date: dt.date) -> dt.date:
    return date - dt.timedelta(days=date.weekday())


def _this_week(ref: dt.date, weekday: int) -> _Resolved:
    due = _monday(ref) + dt.timedelta(days=weekday)
    return due, ("weekday_past" if due < ref else None)


def _next_weekday(ref: dt.date, weekday: int) -> _Resolved:
    """The next such weekday strictly after the reference: 「周五前」 said on a Friday means next week."""
    return ref + dt.timedelta(days=(weekday - ref.weekday() - 1) % 7 + 1), None


def _explicit(year: int, month: int, day: int) -> _Resolved:
    try:
        return dt.date(year, month, day), None
    except ValueError:
        return None, "date_invalid"


def _month_day(ref: dt.date, month: int | None, day: int | None) -> _Resolved:
    """X月X日 without a year: this year, or next year once it has passed."""
    if month is None or day is None or not (1 <= month <= 12 and 1 <= day <= 31):
        return None, "date_invalid"
    due, clamped = _clamp(ref.year, month, day)
    if due < ref:
        due, clamped = _clamp(ref.year + 1, month, day)
    return due, ("date_adjusted" if clamped else None)


def _r_full(m: re.Match, ref: dt.date) -> _Resolved:
    year = int(m["y"] or "".join(str(_CN_DIGITS[c]) for c in m["ycn"]))  # 二〇二六 is spelled digit by digit
    month, day = (int(m["m"]), int(m["d"])) if m["m"] else (_number(m["m2"]), _number(m["d2"]))
    return _explicit(year, month or 0, day or 0)


def _r_month_day(m: re.Match, ref: dt.date) -> _Resolved:
    return _month_day(ref, _number(m["m"]), _number(m["d"]))


def _r_en_month_day(m: re.Match, ref: dt.date) -> _Resolved:
    month, day = _EN_MONTHS[m["mon"].lower()], int(m["d"])
    return _explicit(int(m["y"]), month, day) if m["y"] else _month_day(ref, month, day)


def _r_month_end(m: re.Match, ref: dt.date) -> _Resolved:
    month = _number(m["m"])
    if month is None or not 1 <= month <= 12:
        return None, "date_invalid"
    due = _month_end(dt.date(ref.year, month, 1))
    return (due if due >= ref else _month_end(dt.date(ref.year + 1, month, 1))), None


def _r_day(m: re.Match, ref: dt.date) -> _Resolved | None:
    """X号 / X日: this month, or next month once it has passed."""
    day = _number(m["day"])
    if day is None or not 1 <= day <= 31:
        return None  # 32号 is more likely a room or a line than a date
    due, clamped = _clamp(ref.year, ref.month, day)
    if due < ref:
        following = _add_months(ref.replace(day=1), 1)
        due, clamped = _clamp(following.year, following.month, day)
    return due, ("date_adjusted" if clamped else None)


def _r_relative(m: re.Match, ref: dt.date) -> _Resolved:
    word = (m["rel"] or m["en"]).lower()
    offsets = {"明天": 1, "明日": 1, "tomorrow": 1, "后天": 2, "明后天": 2, "大后天": 3}  # 明后天: the later day
    return ref + dt.timedelta(days=offsets.get(word, 0)), None


def _r_cn_week(m: re.Match, ref: dt.date) -> _Resolved:
    weekday = _CN_WEEKDAYS[m["wd"]]
    if m["which"] is None:
        return _next_weekday(ref, weekday)
    if m["which"] in ("本", "这"):
        return _this_week(ref, weekday)
    return _monday(ref) + dt.timedelta(days=7 * len(m["which"]) + weekday), None  # 下 / 下下


def _r_en_week(m: re.Match, ref: dt.date) -> _Resolved | None:
    name, which = m["wd"].lower(), (m["which"] or "").lower()
    if not (which or m["pre"] or len(name) > 5):
        return None  # a bare "sat", "sun" or "wed" is a word, not a day
    weekday = _EN_WEEKDAYS[name]
    if which == "this":
        return _this_week(ref, weekday)
    if which == "next":
        return _monday(ref) + dt.timedelta(days=7 + weekday), None
    return _next_weekday(ref, weekday)


def _r_span(m: re.Match, ref: dt.date) -> _Resolved | None:
    count = _number(m["n"]) if m["n"].lower() not in _EN_NUMBERS else _EN_NUMBERS[m["n"].lower()]
    if count is None:
        return None
    unit = m["unit"].lower()
    if "月" in unit or unit.startswith("month"):
        return _add_months(ref, count), None
    days = count * (1 if unit in ("天", "日") or unit.startswith("day") else 7)
    return ref + dt.timedelta(days=days), None


def _r_period_end(m: re.Match, ref: dt.date) -> _Resolved:
    """月底 / 季度末 / 年底 and "end of (next) month", EOM, EOQ, EOY."""
    g = m.groupdict()
    unit = {"eom": "month", "eoq": "quarter", "eoy": "year"}.get((g.get("abbr") or "").lower()) or (g.get("unit") or "")
    ahead = 1 if g.get("next") else 0
    if unit.lower() in ("月", "month"):
        return _month_end(_add_months(ref.replace(day=1), ahead)), None
    if unit.lower() in ("季", "quarter"):
        return _month_end(_add_months(ref.replace(day=1), 3 * ahead + 2 - (ref.month - 1) % 3)), None
    return dt.date(int(g["yy"]) if g.get("yy") else ref.year + ahead, 12, 31), None


_DATE_RULES: list[tuple[str, Callable[[re.Match, dt.date], _Resolved | None]]] = [
    # 2026-12-05, 2026/12/05, 2026.12.05, 2026年12月5日
    (rf"(?<![0-9])(?:(?P<y>[0-9]{{4}})|(?P<ycn>[〇零一二三四五六七八九]{{4}}))"
     rf"\s*(?:(?P<s>[-/.])\s*(?P<m>[0-9]{{1,2}})\s*(?P=s)\s*(?P<d>[0-9]{{1,2}})"
     rf"|年\s*(?P<m2>{_MD})\s*月\s*(?P<d2>{_MD})\s*[日号])(?![0-9])", _r_full),
    (rf"(?<![0-9年第零〇一二三四五六七八九十])(?P<m>{_MD})\s*月\s*(?P<d>{_MD})\s*[日号](?![0-9])", _r_month_day),
    (rf"(?<![0-9年第零〇一二三四五六七八九十])(?P<m>{_MD})\s*月\s*[底末]", _r_month_end),
    (rf"(?<![A-Za-z])(?P<mon>{_MON})(?![A-Za-z])\.?\s*(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?(?![0-9A-Za-z])"
     rf"(?:,?\s*(?P<y>(?:19|20|21)[0-9]{{2}})(?![0-9]))?", _r_en_month_day),
    (rf"(?<![0-9])(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?(?P<mon>{_MON})(?![A-Za-z])\.?"
     rf"(?:,?\s*(?P<y>(?:19|20|21)[0-9]{{2}})(?![0-9]))?", _r_en_month_day),
    (r"(?P<rel>大后天|明后天|后天|明天|今天|明日|今日)(?:之?内)?"
     r"|(?<![A-Za-z])(?P<en>today|tonight|tomorrow|eod|cob|end\s+of\s+(?:the\s+)?day)(?![A-Za-z'’])", _r_relative),
    (r"(?:(?P<which>下下|下|本|这)个?|(?<![每上下本这个第0-9零〇一二两三四五六七八九十几]))(?:周|星期|礼拜)(?P<wd>[一二三四五六日天])",
     _r_cn_week),
    (rf"(?<![A-Za-z])(?:(?P<which>next|this|coming)\s+)?(?P<wd>{_WD})(?![A-Za-z'’])\.?", _r_en_week),
    (rf"(?<![0-9第])(?P<n>{_NUM})\s*(?P<unit>个月|个星期|个礼拜|星期|礼拜|周|天|日)\s*(?:之内|以内|内|之后|以后|后)", _r_span),
    (rf"(?<![A-Za-z])(?:in|within)\s+(?P<n>[0-9]{{1,6}}|{_EN_NUM})\s+(?P<unit>days?|weeks?|months?)(?![A-Za-z])", _r_span),
    # 上个月底 and 去年年底 are past periods, not deadlines
    (r"(?:(?P<next>下)个?|本|这个?|(?<![上个0-9零〇一二三四五六七八九十]))(?P<unit>月|季)度?[底末]"
     r"|(?:(?P<yy>[0-9]{4})\s*|今|本|(?<![去前明后]))年年?[底末]", _r_period_end),
    (r"(?<![A-Za-z])(?:(?:the\s+)?end\s+of\s+(?:(?P<next>next)\s+|the\s+|this\s+)?(?P<unit>month|quarter|year)"
     r"|(?P<abbr>eom|eoq|eoy))(?![A-Za-z])", _r_period_end),
    # X号 / X日 alone, but not 3号楼, 5号线, 第3号, 周日
    (r"(?<![0-9A-Za-z月第.#号零〇一二三四五六七八九十])(?P<day>[0-9]{1,2}|[一二三四五六七八九十]{1,3})"
     r"(?:号(?![楼线仓库门厅房店位窗柜台车床箱院馆栋口码机])|日(?![报元均志常内后]))", _r_day),
]  # fmt: skip


_COMPILED_RULES = [
    (re.compile(rf"(?P<pre>{_PRE})?(?:{pattern})(?P<note>{_NOTE})?(?P<suf>{_SUF})?", re.I | re.X), resolve)
    for pattern, resolve in _DATE_RULES
]
_AMBIGUOUS = re.compile(r"(?<![0-9/.])(?P<a>[0-9]{1,2})/(?P<b>[0-9]{1,2})(?:/(?P<c>[0-9]{2}(?:[0-9]{2})?))?(?![0-9/])")


@dataclass
class _DateHit:
    start: int
    end: int
    due: dt.date | None
    codes: list[str]
    cued: bool  # has deadline words: preferred when a line holds several dates


def _find_date(text: str, ref: dt.date) -> _DateHit | None:
    hits: list[_DateHit] = []
    for rule, resolve in _COMPILED_RULES:
        for m in rule.finditer(text):
            try:
                got = resolve(m, ref)
            except (ValueError, OverflowError):  # past year 9999 or a huge count of days
                got = (None, "date_out_of_range")
            if got is None:
                continue
            due, code = got
            codes = [code] if code else []
            if m["note"] and due is not None:
                noted = _CN_WEEKDAYS[m["note_cn"]] if m["note_cn"] else _EN_WEEKDAYS[m["note_en"].lower()]
                if due.weekday() != noted:
                    codes.append("weekday_mismatch")
            start, pre = m.start(), m["pre"] or ""
            if pre in ("在", "于") and not m["suf"]:
                start, pre = start + len(pre), ""  # 在 only belongs to the date in 在…前
            hits.append(_DateHit(start, m.end(), due, codes, cued=bool(pre or m["suf"])))
    if not hits:
        for m in _AMBIGUOUS.finditer(text):
            a, b = int(m["a"]), int(m["b"])
            if 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12:
                return _DateHit(m.start(), m.end(), None, ["date_ambiguous"], cued=False)
        return None
    hits.sort(key=lambda h: (h.start, h.start - h.end))  # leftmost, then longest: 下周五 over 周五
    chosen: list[_DateHit] = []
    for hit in hits:
        if not chosen or hit.start >= chosen[-1].end:
            chosen.append(hit)
    return next((h for h in chosen if h.cued), chosen[0])


def _horizon(ref: dt.date) -> dt.date:
    try:
        return _add_months(ref, 60)
    except ValueError:
        return dt.date.max


# ---- people ----------------------------------------------------------------------------
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 西门 呼延 澹台 申屠".split()
)
# Common single-character surnames: without a candidate list they decide whether the
# 2 or 3 characters before 负责 are the name (「整理报告张三负责」 → 张三).
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "汤常康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿焦俞左柳甘祝包宁尚舒阮柯纪梅童凌毕单季裴霍涂"
    "苗谷盛翁冉骆蓝游辛靳管柴蒙鲍喻祁蒲滕屈饶解牟艾尤穆卓吉缪车项褚娄窦戚岑党费卜冷晏卫米柏瞿桂佟臧闵"
    "苟邬卞姬仇栾隋刁巫寇桑郎甄仲虞敖巩佘麻苑邝"
)
# pypinyin reads these characters as words, not as surnames (单 dan / shan).
_SURNAME_READINGS = {"单": "shan", "曾": "zeng", "解": "xie", "区": "ou", "仇": "qiu", "朴": "piao", "查": "zha",
                     "乐": "yue", "覃": "qin", "翟": "zhai", "缪": "miao", "盖": "ge", "种": "chong", "尉": "yu"}  # fmt: skip
_GIVERS = ("交由", "交给", "将由", "由", "请", "让")
_JOINERS = frozenset("、,&/和与及跟")  # between two owners; the full-width comma is folded to ","
_NORM_DROP = re.compile(r"[\s·.\-_'’•]+")
_SKIPPABLE = frozenset(" \t.-_·'’•")  # ignored inside a name, never its first or last character
_NAME_STOP = frozenset("，。；、,;:!！?？()（）[]【】〖〗<>《》\"“”‘/\\|@" + _MASK)
_ALL_HAN = re.compile(rf"[{_HAN}]+")
_AT = re.compile(r"(?<![A-Za-z0-9._%+\-])@")
_KEY = re.compile(r"(?:负责人|责任人)\s*+:?\s*+|(?<![A-Za-z])(?:owner|assignee)\s*+:\s*+", re.I)
_DUTY = re.compile(r"负责(?!人)")
_DUTY_TAIL = re.compile(r"\s*+负责(?!人)")
_LATIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._'\-]*")
_CAPITALISED = re.compile(r" ([A-Z][a-z]+)(?![A-Za-z])")
_LATIN_BEFORE = re.compile(r"(?:([A-Z][a-z]+)\s+)?([A-Za-z][A-Za-z'\-]*)$")
_HAN_BEFORE = re.compile(rf"[{_HAN}]+$")
_HAN_AFTER = re.compile(rf"[{_HAN}]{{1,40}}")
_REACH = 40  # the longest name (with spaces) worth looking for


def _norm(name: str) -> str:
    return _NORM_DROP.sub("", name).casefold()


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _pinyin_keys(name: str) -> set[str]:
    """zhangsan and sanzhang for 张三 (given-name-first is common in English), lv / lu / lyu for 吕."""
    han = name.replace("·", "")
    if not _ALL_HAN.fullmatch(han):
        return set()
    syllables = lazy_pinyin(han)
    cut = 2 if han[:2] in _COMPOUND_SURNAMES else 1
    readings = [syllables]
    if cut == 1 and han[0] in _SURNAME_READINGS:
        readings.append([_SURNAME_READINGS[han[0]], *syllables[1:]])
    keys = set()
    for s in readings:
        keys.add("".join(s))
        if len(s) > cut:
            keys.add("".join(s[cut:] + s[:cut]))
    return keys | {k.replace("v", u) for k in keys if "v" in k for u in ("u", "yu")}


class _People:
    """Candidates by normalised name: level 0/1 participants by name/pinyin, 2/3 everyone else."""

    def __init__(self, people: Sequence[Candidate]) -> None:
        self.keys: dict[str, set[tuple[int, int]]] = {}
        for person in people:
            base = 0 if person.participant else 2
            for name in person.names:
                if key := _norm(name):
                    self.keys.setdefault(key, set()).add((person.id, base))
                for key in _pinyin_keys(name):
                    self.keys.setdefault(key, set()).add((person.id, base + 1))

    def resolve(self, written: str) -> tuple[int | None, list[int], str | None]:
        entries = self.keys.get(_norm(written), set())
        for level in range(4):
            ids = sorted({pid for pid, lv in entries if lv == level})
            if len(ids) == 1:
                return ids[0], ids, None
            if ids:
                return None, ids, "owner_ambiguous"  # never a guess
        return None, [], "owner_unknown"

    def prefix(self, text: str, pos: int) -> int | None:
        """End of the longest known name starting at pos ("@Zhang San 整理" → after San)."""
        best = None
        for end in range(pos + 1, min(len(text), pos + _REACH) + 1):
            ch = text[end - 1]
            if ch in _NAME_STOP:
                break
            if ch in _SKIPPABLE or (end < len(text) and _is_word(ch) and _is_word(text[end])):
                continue
            if _norm(text[pos:end]) in self.keys:
                best = end
        return best

    def suffix(self, text: str, end: int) -> int | None:
        """Start of the longest known name ending at end (「请王小明负责」 → 王小明)."""
        best = None
        for start in range(end - 1, max(0, end - _REACH) - 1, -1):
            ch = text[start]
            if ch in _NAME_STOP:
                break
            if ch in _SKIPPABLE or (start > 0 and _is_word(ch) and _is_word(text[start - 1])):
                continue
            if _norm(text[start:end]) in self.keys:
                best = start
        return best


def _surname_tail(run: str) -> str:
    """The name at the end of a run of characters when nobody is known by it."""
    if len(run) >= 4 and run[-4:-2] in _COMPOUND_SURNAMES:
        return run[-4:]
    if len(run) >= 3 and run[-3] in _SURNAMES:
        return run[-3:]
    return run[-2:]


def _name_after(text: str, pos: int, *, mention: bool) -> int | None:
    if m := _LATIN_NAME.match(text, pos):
        end = pos + len(m.group().rstrip(".-_'"))
        words = 1
        # "owner: Zhang San": following capitalised words belong to the name; after @ they do not.
        while not mention and words < 3 and (w := _CAPITALISED.match(text, end)):
            end, words = w.end(), words + 1
        return end
    if m := _HAN_AFTER.match(text, pos):
        run = m.group().split("负责")[0]
        if len(run) > 4:
            run = run[:3]  # 「@张三整理数据」 with nobody known: a full name is usually 3 characters
        return pos + len(run) if run else None
    return None


def _name_before(text: str, end: int) -> int | None:
    window = text[max(0, end - _REACH) : end]
    offset = end - len(window)
    if m := _LATIN_BEFORE.search(window):
        both = m[1] and m[2][0].isupper()  # "Alice Wang负责"
        return offset + (m.start() if both else m.start(2))
    m = _HAN_BEFORE.search(window)
    if not m:
        return None
    run = m.group()
    cut = max((run.rfind(g) + len(g) for g in _GIVERS if g in run), default=0)
    name = run[cut:]
    if len(name) > 2 and name[0] in _JOINERS:
        name = name[1:]  # 「和赵六负责」 after a date: the 和 joins, it is not a surname
    if len(name) > 3 and not (len(name) == 4 and name[:2] in _COMPOUND_SURNAMES):
        name = _surname_tail(name)
    return end - len(name) if len(name) >= 2 else None


def _skip_spaces(text: str, i: int, step: int) -> int:
    while 0 < i < len(text) and text[i if step > 0 else i - 1] in " \t":
        i += step
    return i


def _following_names(text: str, end: int, people: _People, *, mention: bool) -> list[tuple[int, int]]:
    """Further names after the first: 「@张三 @李四」, 「负责人：张三、李四」, "owner: alice, bob"."""
    names: list[tuple[int, int]] = []
    while len(names) < 8:
        i = _skip_spaces(text, end, 1)
        joiner = text[i] if i < len(text) and text[i] in _JOINERS else ""
        i = _skip_spaces(text, i + 1, 1) if joiner else i
        if mention:
            if not text.startswith("@", i):
                break
            i += 1
            stop = people.prefix(text, i) or _name_after(text, i, mention=True)
        else:
            stop = people.prefix(text, i) if joiner else None
            if stop is None and joiner == "、":
                stop = _name_after(text, i, mention=False)
        if not stop:
            break
        names.append((i, stop))
        end = stop
    return names


def _preceding_names(text: str, start: int, people: _People) -> list[tuple[int, int]]:
    """Further names before the one at start: 「张三、李四负责」, 「由张三和李四负责」."""
    names: list[tuple[int, int]] = []
    while len(names) < 8:
        i = _skip_spaces(text, start, -1)
        if not i or text[i - 1] not in _JOINERS:
            break
        stop = _skip_spaces(text, i - 1, -1)
        begin = people.suffix(text, stop)
        if begin is None:
            # Nobody known: 「整理数据和报表，李四负责」 must not make 报表 a person, so only 、
            # or a giver (「由张三和李四」) says the characters before are a name.
            begin = _name_before(text, stop)
            given = begin is not None and any(text.startswith(g, begin - len(g)) for g in _GIVERS if begin >= len(g))
            if begin is None or not (text[i - 1] == "、" or given):
                break
        names.insert(0, (begin, stop))
        start = begin
    return names


def _find_owner(text: str, people: _People) -> tuple[int, int, list[tuple[int, int]]] | None:
    """(phrase start, phrase end, the names in it) of the first owner phrase."""
    found = []
    for m in _AT.finditer(text):
        end = people.prefix(text, m.end()) or _name_after(text, m.end(), mention=True)
        if end:
            names = [(m.end(), end), *_following_names(text, end, people, mention=True)]
            tail = _DUTY_TAIL.match(text, names[-1][1])  # 「@张三负责」
            found.append((m.start(), tail.end() if tail else names[-1][1], names))
            break
    for m in _KEY.finditer(text):
        end = people.prefix(text, m.end()) or _name_after(text, m.end(), mention=False)
        if end:
            names = [(m.end(), end), *_following_names(text, end, people, mention=False)]
            found.append((m.start(), names[-1][1], names))
            break
    for m in _DUTY.finditer(text):
        stop = _skip_spaces(text, m.start(), -1)
        start = people.suffix(text, stop)
        if start is None:
            start = _name_before(text, stop)
        if start is not None:
            names = [*_preceding_names(text, start, people), (start, stop)]
            first = names[0][0]
            phrase = next((first - len(g) for g in _GIVERS if first >= len(g) and text.startswith(g, first - len(g))), first)
            found.append((phrase, m.end(), names))
            break
    return min(found) if found else None


# ---- title -----------------------------------------------------------------------------
# "*" too: Markdown emphasis at a title's ends is formatting, and a marker would swallow it on re-parse.
_EDGE = frozenset(" \t\u3000，。；、,.;:：．-–—~～*")
_END_FILLERS = ("之前", "以前", "为止", "完成", "负责", "前")
_EDGE_CHARS = "".join(sorted(_EDGE))
_OPENERS, _CLOSERS = frozenset("(（[【"), frozenset(")）]】")


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    """The text without the spans; a junction keeps one space and one punctuation mark."""
    out, pos = "", 0
    for start, end in [*sorted(spans), (len(text), len(text))]:
        piece = text[pos:start]
        if out and piece:
            space = out[-1].isspace() or piece[0].isspace()
            left, right = out.rstrip(), piece.lstrip()
            if left and right and left[-1] in _EDGE and right[0] in _EDGE:
                right = right.lstrip(_EDGE_CHARS)
            out = left + (" " if space and left and right else "") + right
        else:
            out += piece
        pos = max(pos, end)
    return out


def _drop_empty_brackets(text: str) -> str:
    """「整理数据（负责人：李四）」 loses the owner and then its brackets, nested ones too, in one pass."""
    out: list[str] = []
    opened: list[list] = []  # [position in out, holds something]
    for ch in text:
        if ch in _OPENERS:
            opened.append([len(out), False])
        elif ch in _CLOSERS and opened:
            start, full = opened.pop()
            if not full:
                del out[start:]
                continue
            if opened:
                opened[-1][1] = True
        elif not ch.isspace() and opened:
            opened[-1][1] = True
        out.append(ch)
    return "".join(out)


def _trim(text: str, *, fillers: bool) -> str:
    """Punctuation, spaces and (for actions) 负责 / 完成 / 之前 / 前 off the ends; linear time."""
    text = _drop_empty_brackets(text)
    i, j, changed = 0, len(text), True
    while changed:
        changed = False
        while i < j and text[i] in _EDGE:
            i += 1
        while j > i and text[j - 1] in _EDGE:
            j -= 1
        if not fillers:
            break
        for filler in _END_FILLERS:
            if j - i >= len(filler) and text.startswith(filler, j - len(filler)):
                j, changed = j - len(filler), True
                break
        if text.startswith("负责", i) and not text.startswith("负责人", i):
            i, changed = i + 2, True
    return text[i:j]


# ---- the parser ------------------------------------------------------------------------
def capture_parse(text: str, *, reference_date: dt.date, people: Sequence[Candidate] = ()) -> list[Proposal]:
    """Proposals for the lines of ``text`` that read as actions or decisions, in line order."""
    return capture_read(text, reference_date=reference_date, people=people).proposals


def capture_read(text: str, *, reference_date: dt.date, people: Sequence[Candidate] = ()) -> CaptureRead:
    """The proposals, and the non-blank lines that are neither (to show back, not lose)."""
    if len(text) > MAX_TEXT:
        raise ValueError(_("The text is too long: at most %(max)d characters.") % {"max": MAX_TEXT})
    if not text.strip():
        return CaptureRead([], [])
    if isinstance(reference_date, dt.datetime):
        reference_date = reference_date.date()  # a datetime would not compare with the dates we make
    index = _People(people)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    proposals, unread = [], []
    decision: Proposal | None = None
    for number, raw in enumerate(lines, 1):
        proposal = _parse_line(raw, number, reference_date, index)
        if proposal is None:
            decision = None  # only the actions right below a decision implement it
            shown = _INVISIBLE.sub("", _CONTROL.sub(" ", raw)).strip()
            if shown and not _is_heading(shown):
                unread.append(UnreadLine(number, shown[:500]))
            continue
        if proposal.kind == DECISION:
            decision = proposal
        elif decision is not None:
            proposal.decision_line, proposal.decision_text = decision.line, decision.title
        proposals.append(proposal)
    return CaptureRead(proposals, unread)


def _is_heading(line: str) -> bool:
    """A marker alone (「行动项：」, "Decisions:"): a heading, not a line that went unread."""
    m = _MARKER.match(line.translate(_FOLD))
    return bool(m) and not _trim(line[m.end() :], fillers=False)


_LEAD = re.compile(rf"\s*+(?:{_BULLET}\s*)?(?:\[[ xX]\]\s*)?")


def _parse_line(raw: str, number: int, ref: dt.date, people: _People) -> Proposal | None:
    line = _INVISIBLE.sub("", _CONTROL.sub(" ", raw))
    fold = line.translate(_FOLD)
    m = _MARKER.match(fold)
    if not m:
        return _parse_unmarked(line, fold, number, ref, people)
    word = m["a1"] or m["a2"] or ""
    if word.lower() == "ai" and not m["open"] and ":" not in m.group():
        return None  # 「AI 模型评估」 is a topic; only 「AI:」 and 【AI】 mark an action
    body, folded = line[m.end() :], fold[m.end() :]
    if m["d1"] or m["d2"]:
        title = _trim(body, fillers=False)
        return Proposal(line=number, kind=DECISION, title=title) if title else None
    return _parse_action(body, folded, number, ref, people)


def _parse_unmarked(line: str, fold: str, number: int, ref: dt.date, people: _People) -> Proposal | None:
    """「张伟下周三前给出方案」, 「@孙悦 明天发出通知」: a line that starts with an @mention or a
    known person's name and holds a date reads as that person's action. Anything else is
    not read (a name alone, or a date alone, is not enough)."""
    start = _LEAD.match(fold).end()
    body, folded = line[start:], fold[start:]
    mention = folded.startswith("@")
    if not mention and people.prefix(folded, 0) is None:
        return None
    hit = _find_date(folded, ref)
    if hit is None:
        return None
    lead = None if mention else people.prefix(folded, 0)
    if lead is not None and lead > hit.start:
        return None  # the "name" runs into the date: not a name after all
    proposal = _parse_action(body, folded, number, ref, people, lead=lead)
    if proposal is None or not proposal.title or proposal.owner_text is None:
        return None
    proposal.warnings.insert(0, _warning("unmarked"))
    return proposal


def _parse_action(body: str, folded: str, number: int, ref: dt.date, people: _People, *, lead: int | None = None) -> Proposal | None:
    """The action in the text after the marker: owner, due date and what is left as the title.
    `lead`: the end of a known name at the start, the owner when no owner phrase is found."""
    spans: list[tuple[int, int]] = []
    date_warnings: list[CaptureWarning] = []
    due = due_text = None
    if hit := _find_date(folded, ref):
        due_text, due, codes = body[hit.start : hit.end].strip(), hit.due, hit.codes
        if due is not None and not _EPOCH <= due <= _horizon(ref):
            due, codes = None, ["date_out_of_range"]
        if due is not None and due < ref and "weekday_past" not in codes:
            codes = [*codes, "date_past"]
        shown = due.isoformat() if due else ""
        date_warnings = [_warning(code, text=due_text, date=shown) for code in codes]
        if "date_ambiguous" not in codes:
            spans.append((hit.start, hit.end))
            folded = folded[: hit.start] + _MASK * (hit.end - hit.start) + folded[hit.end :]

    proposal = Proposal(line=number, kind=ACTION, title="", due=due, due_text=due_text)
    found = _find_owner(folded, people)
    if found is None and lead is not None:
        found = (0, lead, [(0, lead)])
    if found:
        phrase_start, phrase_end, names = found
        proposal.owner_text = body[names[0][0] : names[-1][1]].strip()
        written = [body[a:b].strip() for a, b in names]
        results = [people.resolve(name) for name in written]
        proposal.owner_candidates = sorted({pid for _, ids, _ in results for pid in ids})
        owners = {owner for owner, _, _ in results}
        if len(results) == 1:
            proposal.owner, _, code = results[0]
            if code:
                proposal.warnings.append(_warning(code, name=written[0]))
        elif len(owners) == 1 and None not in owners:  # one person named twice: 「@张三 @zhangsan」
            proposal.owner = owners.pop()
        else:  # an action has one owner: offer them all rather than pick one
            proposal.warnings.append(_warning("owner_multiple", name=proposal.owner_text))
            unknown = [name for name, (_, _, code) in zip(written, results) if code == "owner_unknown"]
            proposal.warnings += [_warning("owner_unknown", name=name) for name in unknown]
        spans.append((phrase_start, phrase_end))
    proposal.warnings += date_warnings
    proposal.title = _trim(_cut(body, spans), fillers=True)
    if not proposal.title:
        if not spans and due_text is None:
            return None
        proposal.warnings.append(_warning("title_missing"))
    return proposal
