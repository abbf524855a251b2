"""会议纪要: assembled from the meeting, written as Markdown with people's names and titles
inert and their notes kept as Markdown, cleaned wherever shown; saved as append-only
revisions with a conflict check; submitted, approved and published against the regime's
deadline; exported for print, as Markdown and as Word."""

import datetime as dt
import io
import re
import string
import zipfile
from decimal import Decimal
from html import escape
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lihui.actions.services import action_create, action_review, decision_record
from lihui.markdown import markdown_escape, markdown_html, markdown_without_html
from lihui.meetings.models import AgendaItem, Meeting
from lihui.meetings.revisions import RevisionConflict
from lihui.meetings.services.agenda import agenda_ensure, guest_invite
from lihui.meetings.services.live import attendance_set, meeting_end, meeting_go_to, meeting_start, notes_save
from lihui.minutes.documents import minutes_markdown
from lihui.minutes.models import Minutes, MinutesRevision
from lihui.minutes.selectors import minutes_assemble, minutes_deadline, minutes_revisions, minutes_text
from lihui.minutes.services import MAX_TEXT, minutes_publish, minutes_save, minutes_submit
from lihui.people.models import Department
from lihui.regime.models import AgendaKind
from lihui.reports.models import Kpi
from lihui.reports.services import report_save
from lihui.testing.factories import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 30, 9, 30, tzinfo=SH)  # the second Monday meeting of the series
END = START + dt.timedelta(minutes=7)
pytestmark = pytest.mark.django_db


@pytest.fixture
def ran():
    """A meeting that took place: attendance (one late, one excused), notes in Markdown, a
    department report with a KPI, a decision with its action, and the review of two
    actions from the meeting before (one done, one continued). Time stays frozen at its end."""
    with time_machine.travel(START, tick=False) as traveller:
        chair = PersonFactory(name="周云", language="en")
        taker = PersonFactory(name="孙丽", language="en")
        member = PersonFactory(name="王强", language="en")
        away = PersonFactory(name="高欣")
        outsider = PersonFactory(name="路人甲", language="en")
        department = Department.objects.create(name="仓储部", head=member)
        kpi = Kpi.objects.create(department=department, name="订单准时发货率", unit="%", default_target=98)
        series = make_series(
            chair=chair, roster=[(taker, "minute_taker"), (member, "member"), (away, "member")], start_date=dt.date(2026, 11, 23)
        )
        earlier, meeting = series.meetings.order_by("start")[:2]
        assert meeting.start == START
        done = action_create(actor=chair, meeting=earlier, title="补齐双十一库存", owner=member, due=dt.date(2026, 11, 27))
        later = action_create(actor=chair, meeting=earlier, title="核对退货单", owner=away, due=dt.date(2026, 11, 27))
        agenda_ensure(meeting=meeting)
        report_item = meeting.items.get(kind=AgendaKind.REPORT)
        report_save(
            actor=member, item=report_item, data={"progress": "完成 97%", "plan": "补货"},
            kpis=[{"kpi": kpi.pk, "target": "98", "actual": "97"}], submit=True,
        )  # fmt: skip
        meeting = meeting_start(actor=chair, meeting=meeting, confirm_early=True)
        first = meeting.items.get(pk=meeting.current_item_id)
        notes_save(actor=taker, item=first, text="**粗体** <script>alert(1)</script>", base_revision=0)
        attendance_set(actor=taker, meeting=meeting, person=chair, status="present")
        attendance_set(actor=taker, meeting=meeting, person=taker, status="present")
        attendance_set(actor=taker, meeting=meeting, person=member, status="late")
        attendance_set(actor=taker, meeting=meeting, person=away, status="excused", reason="出差")
        decision = decision_record(actor=chair, meeting=meeting, item=first, text="双十二增派客服")
        action_create(
            actor=chair, meeting=meeting, item=first, decision=decision, title="整理 Q3 退货数据", owner=member, due=dt.date(2026, 12, 4)
        )
        action_review(actor=chair, meeting=meeting, action=done, outcome="done", comment="已到货")
        action_review(actor=chair, meeting=meeting, action=later, outcome="continue", due=dt.date(2026, 12, 7), comment="等财务")
        traveller.shift(dt.timedelta(minutes=7))
        meeting = meeting_go_to(actor=chair, meeting=meeting, expected_item_id=first.pk, step=1)
        meeting = meeting_end(actor=chair, meeting=meeting)
        yield SimpleNamespace(
            chair=chair, taker=taker, member=member, away=away, outsider=outsider, series=series, meeting=meeting,
            earlier=earlier, first=first, report_item=report_item, kpi=kpi, traveller=traveller,
        )  # fmt: skip


def client(person) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(person)
    return c


def url(name: str, meeting: Meeting) -> str:
    return reverse(f"minutes:{name}", kwargs={"pk": meeting.pk})


def fresh(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("series").get(pk=meeting.pk)


def state(meeting: Meeting) -> tuple:
    """What a refused request must leave as it was."""
    return (
        list(Minutes.objects.filter(meeting=meeting).values_list("state", "head", "published_at", "approved_by", "submitted_by")),
        list(MinutesRevision.objects.filter(minutes__meeting=meeting).order_by("number").values_list("number", "text", "author", "published")),
        Meeting.objects.values_list("text_changed", flat=True).get(pk=meeting.pk),
    )


def draft(meeting: Meeting) -> str:
    return minutes_markdown(minutes_assemble(meeting=fresh(meeting)))


def english(fn, *args, **kwargs):
    with translation.override("en"):
        return fn(*args, **kwargs)


# --- assembling ---------------------------------------------------------------------------------------


def test_assembled_contents(ran):
    m = minutes_assemble(meeting=ran.meeting)
    assert m.chair == ran.chair
    assert [p.name for p, _ in m.attendees] == ["周云", "孙丽", "王强"]
    assert [p.name for p, _ in m.late] == ["王强"]
    assert [(p.name, mark.reason) for p, mark in m.absent] == [("高欣", "出差")]
    first = m.items[0]
    assert first.item == ran.first
    assert [d.text for d in first.decisions] == ["双十二增派客服"]
    assert [a.title for a in first.actions] == ["整理 Q3 退货数据"]
    assert first.item.used_seconds() == 7 * 60
    report = next(im.item for im in m.items if im.item.pk == ran.report_item.pk)
    assert [(str(k.kpi), k.target, k.actual, k.achievement) for k in report.kpi_rows] == [
        ("订单准时发货率 (%)", Decimal("98"), Decimal("97"), Decimal("98.9"))
    ]
    assert [(a.title, a.review_here[-1].new, a.review_here[-1].text) for a in m.review] == [
        ("补齐双十一库存", "done", "已到货"),
        ("核对退货单", "continue", "等财务"),
    ]


def test_markdown_has_every_section(ran):
    md = english(draft, ran.meeting)
    assert md.startswith("# 运营周例会 · Meeting No. 2 · Minutes\n")
    for line in [
        "- **When**: 2026-11-30 09:30–09:37 (Asia/Shanghai)",
        "- **Chair**: 周云",
        "- **Minute-taker**: 孙丽",
        "- **Attendees**: 周云、孙丽、王强",
        "- **Late**: 王强 09:30",
        "- **Absent**: 高欣（Excused：出差）",
        # attendance
        "| Name | Role | Attendance | Note |",
        "| 周云 | Chair | Present |  |",
        "| 王强 | Member | Late | arrived 09:30 |",
        "| 高欣 | Member | Excused | 出差 |",
        # the item with its time, notes (Markdown as typed), decision and action
        "### 1. 开场与会议目的",
        "周云 · 7:00 of 3 min",
        "**粗体** <script>alert(1)</script>",
        "- **Decision**: 双十二增派客服",
        "- **Action**: 整理 Q3 退货数据 — 王强, 2026-12-04",
        # the report with its KPI, numbers as typed
        "**Progress**: 完成 97%",
        "**Next-period plan**: 补货",
        "| KPI | Target | Actual | Achievement |",
        "| 订单准时发货率 \\(%\\) | 98 | 97 | 98.9% |",
        # the review with its outcomes, and the summary of actions
        "## Review of previous actions",
        "| 补齐双十一库存 | 王强 | 2026-11-27 | Done：已到货 |",
        "| 核对退货单 | 高欣 | 2026-12-07 | Continues：等财务 |",
        "## Action items",
        "| 1 | 整理 Q3 退货数据 | 王强 | 2026-12-04 | Normal |",
    ]:
        assert line in md.splitlines(), line


def test_names_and_titles_are_escaped_but_notes_stay_markdown(ran):
    hostile = "**王**_强_ <b>R&D &copy;</b> [点我](javascript:alert(1)) | #1"
    ran.member.name = hostile
    ran.member.save()
    AgendaItem.objects.filter(pk=ran.first.pk).update(
        title="1. 标题 <img src=x onerror=alert(2)>\n===", notes="**粗体**\n\n- 第一点\n- 第二点\n\n> 引用"
    )
    decision_record(actor=ran.chair, meeting=ran.meeting, item=ran.first, text="结论\n\n    不是代码\n---")
    md = english(draft, ran.meeting)
    assert markdown_escape(hostile) in md and "\\<img src\\=x" in md  # escaped in the source itself
    page = markdown_html(md)
    text = assert_inert(page)
    # notes: Markdown rendered
    assert "<strong>粗体</strong>" in page and "<li>第一点</li>" in page and "<blockquote>" in page
    # names, titles and decisions: as typed, no markup made of them
    assert hostile in text
    assert "R&D &copy;" in text  # not turned into the © entity
    assert "1. 标题 <img src=x onerror=alert(2)>" in text and "===" in text
    assert page.count("<h1>") == 1  # the document title; the "===" under the item title is no heading
    assert "<pre>" not in page and "<code>" not in page  # the indented line is no code block
    assert "不是代码" in text
    assert "<strong>王</strong>" not in page and "<em>强</em>" not in page


ESCAPABLE = st.text(alphabet=string.ascii_letters[:6] + string.punctuation + "中文 \n", max_size=40)


@given(ESCAPABLE)
@settings(max_examples=300, deadline=None)
@example("a\n===")
@example("&copy; &#60;x&#62;")
@example("1. x\n\n    y")
@example("<https://evil.example>")
def test_escaped_text_renders_as_itself(text):
    """Whatever a name or title says, it renders as that text, in paragraphs, never as markup."""
    page = markdown_html(markdown_escape(text))
    markup = Markup.of(page)
    assert set(markup.tags) <= {"p", "br"}, page
    assert " ".join(markup.text.split()) == " ".join(text.split())


def test_a_code_fence_left_open_in_notes_does_not_swallow_the_rest(ran):
    AgendaItem.objects.filter(pk=ran.first.pk).update(notes="代码如下：\n\n```python\nprint('忘了关')")
    page = markdown_html(english(draft, ran.meeting))
    assert "print(&#39;忘了关&#39;)" in page or "print('忘了关')" in page
    # the decision, the tables and the later items are still themselves, not code
    assert "<strong>Decision</strong>" in page
    assert page.count("<table>") == 4  # attendance, KPIs, review, actions
    assert "<h3>6. 总结与反馈</h3>" in page


# --- cleaning: hostile text through the page, the print page and Word --------------------------------

# Raw HTML and links people may type; they must stay text, never markup.
HOSTILE_HTML = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '<a href="javascript:alert(3)">点我</a>',
    '<p style="background:url(javascript:alert(4))">样式</p>',
    "<iframe src=//evil.example/frame></iframe>",
    '<svg onload="alert(5)"></svg>',
    '<div style="position:fixed;top:0">盖住页面</div>',
]
HOSTILE_LINKS = [
    "[链接](javascript:alert(6))",
    "[大写](JaVaScRiPt:alert(7))",
    "[数据](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==)",
    "[脚本](vbscript:msgbox(9))",
]
HOSTILE_MARKDOWN = [
    "![图](https://evil.example/track.png)",
    "![图](data:image/png;base64,iVBORw0KGgo=)",
    "[图片链接](data:image/png;base64,iVBORw0KGgo=)",
    '<a href="https://ok.example" onclick="alert(10)">好链接</a>',
    "[正常链接](https://ok.example/page)",
    "| 列 | 列 |\n|:--|--:|\n| <b>x</b> | y |",
]
HOSTILE = HOSTILE_HTML + HOSTILE_LINKS + HOSTILE_MARKDOWN
ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a", "mark",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {("a", "href"), ("a", "title"), ("a", "rel"), ("th", "style"), ("td", "style"), ("ol", "start")}


class Markup(HTMLParser):
    """The tags, attributes and text of a fragment of HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.parts: list[str] = []

    @classmethod
    def of(cls, html: str) -> "Markup":
        parser = cls()
        parser.feed(str(html))
        parser.close()
        return parser

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def assert_inert(html: str) -> str:
    """Only the cleaner's tags and attributes, no script-capable URL or style: returns the text."""
    markup = Markup.of(html)
    assert set(markup.tags) <= ALLOWED_TAGS, set(markup.tags) - ALLOWED_TAGS
    for tag, name, value in markup.attrs:
        assert (tag, name) in ALLOWED_ATTRIBUTES, (tag, name, value)
        if name == "href":
            assert urlsplit(value).scheme in ("http", "https", "mailto", ""), value
            assert "javascript" not in value.lower() and not value.lower().startswith("data:"), value
        if name == "style":
            assert re.fullmatch(r"text-align:\s*(left|right|center);?", value), value
    return markup.text


def article(html: str) -> str:
    found = re.search(r'<article class="card minutes-doc" data-testid="minutes-text">(.*?)</article>', html, re.S)
    assert found, "the minutes text should be on the page"
    return found.group(1)


def print_body(html: str) -> str:
    body = re.search(r'<body class="minutes-doc">(.*)</body>', html, re.S).group(1)
    return re.sub(r'<p class="muted">.*?</p>', "", body, flags=re.S)  # our status line, not the text


def docx_texts(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    return [Paragraph(p, document).text for p in document.element.body.iter(qn("w:p"))]


def assert_docx_inert(data: bytes) -> str:
    """Plain runs only: no link, field, picture or embedded object made of what people typed."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
        rels = z.read("word/_rels/document.xml.rels").decode()
        names = z.namelist()
    for mark in ("<w:hyperlink", "instrText", "fldSimple", "<w:drawing", "<w:pict", "<w:object", "altChunk", "<script"):
        assert mark not in xml, mark
    assert 'TargetMode="External"' not in rels
    assert not [n for n in names if n.startswith("word/media/")]
    return "\n".join(docx_texts(data))


@pytest.fixture
def hostile(ran):
    """Hostile text everywhere people type: notes (Markdown), an item title, a decision, an
    action's title and an attendee's name (plain text)."""
    AgendaItem.objects.filter(pk=ran.first.pk).update(notes="\n\n".join(HOSTILE), title=HOSTILE_HTML[1])
    decision_record(actor=ran.chair, meeting=ran.meeting, item=ran.first, text=HOSTILE_HTML[0] + HOSTILE_LINKS[0])
    action_create(actor=ran.chair, meeting=ran.meeting, title=HOSTILE_HTML[2], owner=ran.member, due=dt.date(2026, 12, 31))
    ran.away.name = HOSTILE_HTML[5]
    ran.away.save()
    return ran


def _assert_literal(text: str) -> None:
    for payload in HOSTILE_HTML + HOSTILE_LINKS:
        assert payload in text, payload


@pytest.mark.parametrize("saved", [False, True], ids=["assembled draft", "saved revision"])
def test_hostile_text_is_inert_on_the_page_in_print_and_in_word(hostile, saved):
    if saved:  # the minute-taker pastes the corpus into the text itself
        minutes_save(actor=hostile.taker, meeting=hostile.meeting, text=draft(hostile.meeting) + "\n\n" + "\n\n".join(HOSTILE), base_revision=0)
    c = client(hostile.chair)

    page = c.get(url("minutes", hostile.meeting))
    assert page.status_code == 200
    text = assert_inert(article(page.content.decode()))
    _assert_literal(text)
    assert "好链接" in text and "正常链接" in text

    printed = c.get(url("minutes_print", hostile.meeting))
    assert printed.status_code == 200
    html = printed.content.decode()
    assert "<script" not in html.lower()  # the print page has no script of its own either
    _assert_literal(assert_inert(print_body(html)))

    word = c.get(url("minutes_docx", hostile.meeting))
    assert word.status_code == 200
    _assert_literal(assert_docx_inert(word.content))

    md = c.get(url("minutes_md", hostile.meeting))
    assert md["Content-Type"].startswith("text/markdown") and "attachment" in md["Content-Disposition"]


@pytest.mark.parametrize("saved", [False, True], ids=["assembled draft", "saved revision"])
def test_the_markdown_file_carries_no_raw_html(hostile, saved):
    """minutes.md is opened in other programs, many of which pass raw HTML through (ours
    does not): there the notes' HTML must still read as the text our pages show."""
    from markdown_it import MarkdownIt

    if saved:
        code = "```\n<b>代码里</b> 保持原样\n```\n\n`<i>行内</i>` 与 <https://ok.example/auto>"
        text = draft(hostile.meeting) + "\n\n" + "\n\n".join(HOSTILE) + "\n\n" + code
        minutes_save(actor=hostile.taker, meeting=hostile.meeting, text=text, base_revision=0)
    from django.utils import translation

    with translation.override(hostile.chair.language):  # a draft is written in the reader's language
        stored = minutes_text(meeting=hostile.meeting)[2]
    passes_html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).disable("image")
    c = client(hostile.chair)
    for path in (url("minutes_md", hostile.meeting), f"/api/v1/meetings/{hostile.meeting.pk}/minutes.md"):
        md = c.get(path).content.decode()
        markup = Markup.of(passes_html.render(md))
        assert set(markup.tags) <= ALLOWED_TAGS, set(markup.tags) - ALLOWED_TAGS  # no raw HTML came alive
        assert not [(t, n) for t, n, _v in markup.attrs if (t, n) not in ALLOWED_ATTRIBUTES or "javascript" in _v.lower()]
        assert not [v for _t, n, v in markup.attrs if n == "style" and not re.fullmatch(r"text-align:\s*(left|right|center);?", v)]
        _assert_literal(markup.text)
        assert markdown_html(md) == markdown_html(stored)  # our own renderer reads it unchanged
    if saved:
        assert "<b>代码里</b> 保持原样" in md and "`<i>行内</i>`" in md and "<https://ok.example/auto>" in md


def test_page_renders_notes_and_a_good_link(ran):
    AgendaItem.objects.filter(pk=ran.first.pk).update(notes="**粗体** [正常链接](https://ok.example/page) ~~删除~~")
    html = article(client(ran.chair).get(url("minutes", ran.meeting)).content.decode())
    assert "<strong>粗体</strong>" in html and ("<del>删除</del>" in html or "<s>删除</s>" in html)
    assert '<a href="https://ok.example/page" rel="noopener noreferrer nofollow">正常链接</a>' in html
    assert 'style="text-align:right"' in html  # the tables' alignment survives the cleaning


# --- saving revisions ------------------------------------------------------------------------------------


def test_saves_are_numbered_revisions_with_their_authors(ran):
    before = fresh(ran.meeting).text_changed
    ran.traveller.shift(dt.timedelta(minutes=5))
    first = minutes_save(actor=ran.taker, meeting=ran.meeting, text="第一稿", base_revision=0, comment="  初稿  ")
    second = minutes_save(actor=ran.chair, meeting=ran.meeting, text="第二稿", base_revision=1)
    assert (first.number, first.author, first.comment, first.published) == (1, ran.taker, "初稿", False)
    assert (second.number, second.author) == (2, ran.chair)
    record, head, text = minutes_text(meeting=ran.meeting)
    assert (record.state, record.head, head, text) == ("draft", 2, second, "第二稿")
    assert list(MinutesRevision.objects.order_by("number").values_list("text", flat=True)) == ["第一稿", "第二稿"]
    assert fresh(ran.meeting).text_changed > before  # the archive re-indexes


def test_two_editors_from_the_same_base_nothing_is_overwritten(ran):
    minutes_save(actor=ran.taker, meeting=ran.meeting, text="共同的底稿", base_revision=0)
    theirs = minutes_save(actor=ran.chair, meeting=ran.meeting, text="主持人的修改", base_revision=1)
    with pytest.raises(RevisionConflict) as conflict:
        minutes_save(actor=ran.taker, meeting=ran.meeting, text="记录人的修改", base_revision=1)
    assert conflict.value.theirs == theirs and conflict.value.theirs.text == "主持人的修改"
    assert conflict.value.yours == "记录人的修改"
    assert list(MinutesRevision.objects.order_by("number").values_list("text", flat=True)) == ["共同的底稿", "主持人的修改"]
    merged = minutes_save(actor=ran.taker, meeting=ran.meeting, text="主持人的修改\n记录人的修改", base_revision=2)
    assert merged.number == 3
    assert list(MinutesRevision.objects.order_by("number").values_list("number", "author", "text")) == [
        (1, ran.taker.pk, "共同的底稿"),
        (2, ran.chair.pk, "主持人的修改"),
        (3, ran.taker.pk, "主持人的修改\n记录人的修改"),
    ]


def test_conflict_page_answers_409_with_both_texts_and_keeps_what_was_typed(ran):
    chair, taker = client(ran.chair), client(ran.taker)
    edit = url("minutes_edit", ran.meeting)
    for c in (chair, taker):  # both open the editor on the assembled draft
        page = c.get(edit)
        assert page.status_code == 200 and 'name="base_revision" value="0"' in page.content.decode()
    assert chair.post(edit, {"text": "主持人 <先> 保存", "base_revision": "0"}).status_code == 302
    response = taker.post(edit, {"text": "记录人 & 后保存", "base_revision": "0", "comment": "补充"})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="minutes-conflict"' in html
    assert f'<pre class="plain" data-testid="conflict-theirs">{escape("主持人 <先> 保存")}</pre>' in html
    assert f'<pre class="plain" data-testid="conflict-yours">{escape("记录人 & 后保存")}</pre>' in html
    assert re.search(r'<textarea[^>]*name="text"[^>]*>' + re.escape(escape("记录人 & 后保存")) + "</textarea>", html)
    assert 'name="base_revision" value="1"' in html  # saving again goes on top of theirs
    assert 'value="补充"' in html
    assert list(MinutesRevision.objects.values_list("text", flat=True)) == ["主持人 <先> 保存"]
    assert taker.post(edit, {"text": "记录人 & 后保存", "base_revision": "1"}).status_code == 302
    assert list(MinutesRevision.objects.order_by("number").values_list("author", "text")) == [
        (ran.chair.pk, "主持人 <先> 保存"),
        (ran.taker.pk, "记录人 & 后保存"),
    ]


def test_the_same_text_sent_twice_is_one_revision(ran):
    once = minutes_save(actor=ran.taker, meeting=ran.meeting, text="纪要", base_revision=0)
    again = minutes_save(actor=ran.taker, meeting=ran.meeting, text="纪要", base_revision=0)
    assert again == once and MinutesRevision.objects.count() == 1
    edit = url("minutes_edit", ran.meeting)
    c = client(ran.taker)
    assert c.post(edit, {"text": "第二版", "base_revision": "1"}).status_code == 302
    assert c.post(edit, {"text": "第二版", "base_revision": "1"}).status_code == 302  # a double click, a retry
    assert list(MinutesRevision.objects.order_by("number").values_list("number", "text")) == [(1, "纪要"), (2, "第二版")]


@pytest.mark.parametrize(
    "text, base, comment, field",
    [
        ("", "1", "", "text"),
        (" \n\t\r\n ", "1", "", "text"),
        ("字" * (MAX_TEXT + 1), "1", "", "text"),
        ("有效的文字", "abc", "", "base_revision"),
        ("有效的文字", "", "", "base_revision"),
        ("有效的文字", "-1", "", "base_revision"),
        ("有效的文字", "1.0", "", "base_revision"),
        ("有效的文字", "²", "", "base_revision"),  # a digit to str.isdigit(), not to int()
        ("有效的文字", "9" * 5000, "", "base_revision"),  # more digits than int() parses
        ("有效的文字", "2", "", "base_revision"),  # from the future: revision 2 does not exist
        ("有效的文字", "7", "", "base_revision"),
        ("有效的文字", "1", "长" * 201, "comment"),
    ],
    ids=["empty", "blank", "too long", "letters", "no base", "negative", "decimal", "superscript", "huge", "next", "future", "long comment"],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(ran, text, base, comment, field):
    minutes_save(actor=ran.taker, meeting=ran.meeting, text="第一稿", base_revision=0)
    before = state(ran.meeting)
    response = client(ran.taker).post(url("minutes_edit", ran.meeting), {"text": text, "base_revision": base, "comment": comment})
    assert response.status_code == 422
    assert response.context["errors"] and field in response.context["errors"], response.context["errors"]
    assert 'class="errorlist"' in response.content.decode()
    assert response.context["text"] == text  # what was typed stays in the editor
    assert state(ran.meeting) == before


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"text": ""}, "text"),
        ({"text": "字" * (MAX_TEXT + 1)}, "text"),
        ({"base_revision": 2}, "base_revision"),
        ({"base_revision": 99}, "base_revision"),
        ({"comment": "长" * 201}, "comment"),
    ],
)
def test_service_refuses_bad_input(ran, kwargs, field):
    minutes_save(actor=ran.taker, meeting=ran.meeting, text="第一稿", base_revision=0)
    before = state(ran.meeting)
    with pytest.raises(ValidationError) as error:
        minutes_save(actor=ran.taker, meeting=ran.meeting, **{"text": "第二稿", "base_revision": 1, **kwargs})
    assert field in error.value.message_dict
    assert state(ran.meeting) == before


def test_a_base_from_the_future_with_the_latest_text_is_still_refused(ran):
    minutes_save(actor=ran.taker, meeting=ran.meeting, text="第一稿", base_revision=0)
    with pytest.raises(ValidationError):
        minutes_save(actor=ran.taker, meeting=ran.meeting, text="第一稿", base_revision=5)


def test_the_longest_text_is_accepted_and_nul_is_dropped(ran):
    longest = "字" * MAX_TEXT
    assert minutes_save(actor=ran.taker, meeting=ran.meeting, text=longest, base_revision=0).text == longest
    assert minutes_save(actor=ran.taker, meeting=ran.meeting, text="a\x00b\r\nc", base_revision=1).text == "ab\nc"


def test_a_refused_save_keeps_the_base_it_was_made_on(ran):
    """The taker's editor was opened on the draft; the chair saved meanwhile; the taker's save
    is refused for its length. Fixed and sent again, it must meet the conflict, not overwrite."""
    edit = url("minutes_edit", ran.meeting)
    taker = client(ran.taker)
    assert 'name="base_revision" value="0"' in taker.get(edit).content.decode()
    minutes_save(actor=ran.chair, meeting=ran.meeting, text="主持人的版本", base_revision=0)
    refused = taker.post(edit, {"text": "记" * (MAX_TEXT + 1), "base_revision": "0"})
    assert refused.status_code == 422
    assert 'name="base_revision" value="0"' in refused.content.decode()
    again = taker.post(edit, {"text": "记录人的版本", "base_revision": "0"})
    assert again.status_code == 409
    assert list(MinutesRevision.objects.values_list("text", flat=True)) == ["主持人的版本"]


def test_only_those_who_take_notes_save(ran):
    for person in (ran.member, ran.away):
        with pytest.raises(PermissionDenied):
            minutes_save(actor=person, meeting=ran.meeting, text="越权", base_revision=0)
        assert client(person).get(url("minutes_edit", ran.meeting)).status_code == 403
        assert client(person).post(url("minutes_edit", ran.meeting), {"text": "越权", "base_revision": "0"}).status_code == 403
    assert client(ran.outsider).get(url("minutes", ran.meeting)).status_code == 404
    assert not Minutes.objects.exists()


# --- publishing -----------------------------------------------------------------------------------------


def test_publishing_without_a_saved_revision_makes_revision_one_from_the_draft(ran):
    expected = draft(ran.meeting)
    record = minutes_publish(actor=ran.taker, meeting=fresh(ran.meeting))
    assert (record.state, record.head, record.published_by, record.approved_by) == ("published", 1, ran.taker, None)
    assert record.published_at == timezone.now()
    revision = record.revisions.get()
    assert (revision.number, revision.author, revision.published, revision.text) == (1, ran.taker, False, expected)
    assert revision.comment


def test_publishing_keeps_the_saved_text(ran):
    minutes_save(actor=ran.taker, meeting=ran.meeting, text="定稿", base_revision=0)
    record = minutes_publish(actor=ran.taker, meeting=fresh(ran.meeting))
    assert record.head == 1 and minutes_text(meeting=ran.meeting)[2] == "定稿"


def test_deadline_is_counted_from_the_actual_end(ran):
    assert minutes_deadline(meeting=ran.meeting) == END + dt.timedelta(hours=24)
    ran.series.minutes_deadline_hours = 48
    ran.series.save()
    assert minutes_deadline(meeting=fresh(ran.meeting)) == END + dt.timedelta(hours=48)


@pytest.mark.parametrize(
    "after_end, on_time",
    [
        (dt.timedelta(hours=2), True),
        (dt.timedelta(hours=24), True),  # at the deadline itself
        (dt.timedelta(hours=24, minutes=1), False),  # a minute late is late, not "0.0 h"
        (dt.timedelta(hours=30), False),
    ],
    ids=["early", "at the deadline", "a minute late", "hours late"],
)
def test_publish_time_is_kept_and_compared_with_the_deadline(ran, after_end, on_time):
    ran.traveller.move_to(END + after_end)
    c = client(ran.taker)
    assert c.post(url("minutes_publish", ran.meeting), {"do": "publish"}).status_code == 302
    record = Minutes.objects.get()
    assert record.published_at == END + after_end
    badge = re.search(r'data-testid="minutes-deadline">(.*?)</p>', c.get(url("minutes", ran.meeting)).content.decode(), re.S).group(1)
    if on_time:
        assert "on time" in badge and "after the deadline" not in badge
    else:
        late = max(round((after_end - dt.timedelta(hours=24)).total_seconds() / 3600, 1), 0.1)
        assert f"{late} h after the deadline" in badge and "on time" not in badge
    # later edits are new revisions: the first publication's time stays
    ran.traveller.shift(dt.timedelta(days=3))
    minutes_save(actor=ran.taker, meeting=ran.meeting, text="更正", base_revision=1)
    assert Minutes.objects.get().published_at == END + after_end


def test_overdue_draft_says_so(ran):
    ran.traveller.move_to(END + dt.timedelta(hours=36))
    badge = re.search(r'data-testid="minutes-deadline">(.*?)</p>', client(ran.chair).get(url("minutes", ran.meeting)).content.decode(), re.S)
    assert "12.0 h overdue" in badge.group(1)


def test_approval_flow(ran):
    ran.series.minutes_need_approval = True
    ran.series.save()
    meeting = fresh(ran.meeting)
    # the minute-taker may not publish, but submits
    with pytest.raises(ValidationError):
        minutes_publish(actor=ran.taker, meeting=meeting)
    assert not Minutes.objects.filter(state="published").exists()
    page = client(ran.taker).get(url("minutes", meeting)).content.decode()
    assert 'data-testid="minutes-submit"' in page and 'data-testid="minutes-publish"' not in page
    with pytest.raises(PermissionDenied):
        minutes_submit(actor=ran.member, meeting=meeting)
    record = minutes_submit(actor=ran.taker, meeting=meeting)
    assert (record.state, record.submitted_by, record.head) == ("submitted", ran.taker, 1)
    with pytest.raises(ValidationError):
        minutes_submit(actor=ran.taker, meeting=meeting)  # once is enough
    with pytest.raises(ValidationError):
        minutes_publish(actor=ran.taker, meeting=meeting)
    # the chair approves, which publishes
    page = client(ran.chair).get(url("minutes", meeting)).content.decode()
    assert 'data-testid="minutes-publish"' in page and "Approve and publish" in page
    ran.traveller.shift(dt.timedelta(hours=1))
    record = minutes_publish(actor=ran.chair, meeting=meeting)
    assert (record.state, record.approved_by, record.published_by, record.head) == ("published", ran.chair, ran.chair, 1)
    assert record.published_at == END + dt.timedelta(hours=1)
    assert "approved by 周云" in client(ran.member).get(url("minutes", meeting)).content.decode()
    with pytest.raises(ValidationError):
        minutes_publish(actor=ran.chair, meeting=meeting)  # published once


def test_approval_flow_through_the_pages(ran):
    ran.series.minutes_need_approval = True
    ran.series.save()
    publish = url("minutes_publish", ran.meeting)
    taker, chair = client(ran.taker), client(ran.chair)
    refused = taker.post(publish, {"do": "publish"}, follow=True)
    assert "submit them for approval" in refused.content.decode()
    assert not Minutes.objects.filter(state="published").exists()
    assert taker.post(publish, {"do": "submit"}).status_code == 302
    assert Minutes.objects.get().state == "submitted"
    assert client(ran.member).post(publish, {"do": "publish"}).status_code == 403
    assert chair.post(publish, {"do": "publish"}).status_code == 302
    record = Minutes.objects.get()
    assert (record.state, record.approved_by) == ("published", ran.chair)


def test_without_approval_there_is_nothing_to_submit(ran):
    with pytest.raises(ValidationError):
        minutes_submit(actor=ran.taker, meeting=ran.meeting)
    assert not Minutes.objects.exists()


def test_minutes_of_a_meeting_that_has_not_taken_place_are_refused(ran):
    upcoming = ran.series.meetings.filter(start__gt=ran.meeting.start).order_by("start").first()
    for act in (
        lambda: minutes_publish(actor=ran.chair, meeting=upcoming),
        lambda: minutes_save(actor=ran.chair, meeting=upcoming, text="提前写", base_revision=0),
    ):
        with pytest.raises(ValidationError):
            act()
    ran.series.minutes_need_approval = True
    ran.series.save()
    with pytest.raises(ValidationError):
        minutes_submit(actor=ran.taker, meeting=fresh(upcoming))
    c = client(ran.chair)
    response = c.post(url("minutes_publish", upcoming), {"do": "publish"}, follow=True)
    assert "has not taken place" in response.content.decode()
    assert c.post(url("minutes_edit", upcoming), {"text": "提前写", "base_revision": "0"}).status_code == 422
    page = c.get(url("minutes", upcoming)).content.decode()
    assert 'data-testid="minutes-publish"' not in page and 'data-testid="minutes-edit"' not in page
    assert not Minutes.objects.exists()


def test_only_the_minute_taker_chair_or_admin_publish(ran):
    for person in (ran.member, ran.away):
        with pytest.raises(PermissionDenied):
            minutes_publish(actor=person, meeting=ran.meeting)
        assert client(person).post(url("minutes_publish", ran.meeting), {"do": "publish"}).status_code == 403
    admin = PersonFactory(name="管理员", is_staff=True, language="en")
    assert minutes_publish(actor=admin, meeting=ran.meeting).published_by == admin


def test_edits_after_publishing_are_new_revisions_marked_published(ran):
    minutes_publish(actor=ran.taker, meeting=ran.meeting)
    later = minutes_save(actor=ran.taker, meeting=ran.meeting, text="发布后的更正", base_revision=1, comment="更正人数")
    record = Minutes.objects.get()
    assert (record.state, record.head) == ("published", 2)
    assert list(record.revisions.order_by("number").values_list("number", "published")) == [(1, False), (2, True)]
    assert later.published
    page = client(ran.member).get(url("minutes_revisions", ran.meeting)).content.decode()
    assert "after publication" in page and "更正人数" in page


def test_revisions_page_shows_who_changed_what(ran):
    minutes_save(actor=ran.taker, meeting=ran.meeting, text="第一行\n第二行\n第三行", base_revision=0, comment="初稿")
    ran.traveller.shift(dt.timedelta(minutes=30))
    minutes_save(actor=ran.chair, meeting=ran.meeting, text="第一行\n第二行（改）\n第三行\n<b>新增</b>", base_revision=1, comment="补充结论")
    revisions = minutes_revisions(meeting=ran.meeting)
    assert [r.number for r in revisions] == [2, 1]  # newest first
    assert ("-", "第二行") in revisions[0].diff and ("+", "第二行（改）") in revisions[0].diff
    assert ("+", "<b>新增</b>") in revisions[0].diff
    assert revisions[1].diff == [("@", "…"), ("+", "第一行"), ("+", "第二行"), ("+", "第三行")]
    html = client(ran.member).get(url("minutes_revisions", ran.meeting)).content.decode()
    assert html.count('data-testid="revision"') == 2
    assert "<del>- 第二行</del>" in html and "<ins>+ 第二行（改）</ins>" in html
    assert "<ins>+ &lt;b&gt;新增&lt;/b&gt;</ins>" in html and "<b>新增</b>" not in html
    assert "补充结论" in html and "初稿" in html and "周云" in html and "孙丽" in html


def test_revisions_page_before_any_save(ran):
    html = client(ran.member).get(url("minutes_revisions", ran.meeting)).content.decode()
    assert 'data-testid="revision"' not in html and "assembled from the meeting" in html


# --- the pages, and their cost ------------------------------------------------------------------------------


def test_pages_and_exports(ran):
    c = client(ran.member)
    page = c.get(url("minutes", ran.meeting))
    assert page.status_code == 200
    html = page.content.decode()
    assert "双十二增派客服" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "assembled from the meeting, not saved yet" in html
    assert 'data-testid="minutes-edit"' not in html and 'data-testid="minutes-publish"' not in html  # a member reads
    md = c.get(url("minutes_md", ran.meeting))
    assert md.status_code == 200 and md["Content-Type"] == "text/markdown; charset=utf-8"
    # the draft, with the notes' raw HTML escaped for programs that pass HTML through
    assert md.content.decode() == markdown_without_html(english(draft, ran.meeting))
    assert "\\<script>alert(1)\\</script>" in md.content.decode()
    minutes_save(actor=ran.taker, meeting=ran.meeting, text="# 已保存的纪要\n\n正文", base_revision=0)
    assert c.get(url("minutes_md", ran.meeting)).content.decode() == "# 已保存的纪要\n\n正文"
    html = c.get(url("minutes_print", ran.meeting)).content.decode()
    assert "<h1>已保存的纪要</h1>" in html and "Draft — not published" in html and "revision 1" in html
    assert Client().get(url("minutes", ran.meeting)).status_code == 302  # signed out: to the login page
    taker_page = client(ran.taker).get(url("minutes", ran.meeting)).content.decode()
    assert 'data-testid="minutes-edit"' in taker_page and 'data-testid="minutes-publish"' in taker_page


def test_a_staff_guest_reads_the_published_minutes_but_does_not_edit(ran):
    guest_invite(actor=ran.chair, item=ran.report_item, person=ran.outsider, reason="法务意见")
    c = client(ran.outsider)
    # The draft (it reviews the private series' open actions) and the revisions are the
    # series' business: 404 to a guest (lihui/api/tests/test_guest_scope.py).
    for name in ("minutes", "minutes_print", "minutes_md", "minutes_docx", "minutes_revisions"):
        assert c.get(url(name, ran.meeting)).status_code == 404, name
    assert c.get(url("minutes_edit", ran.meeting)).status_code == 403
    assert c.post(url("minutes_edit", ran.meeting), {"text": "x", "base_revision": "0"}).status_code == 403
    assert c.post(url("minutes_publish", ran.meeting), {"do": "publish"}).status_code == 403
    assert not Minutes.objects.exists()
    minutes_publish(actor=ran.chair, meeting=ran.meeting)
    for name in ("minutes", "minutes_print", "minutes_md", "minutes_docx"):
        assert c.get(url(name, ran.meeting)).status_code == 200, name
    assert c.get(url("minutes_revisions", ran.meeting)).status_code == 404


def _grow(ran, n: int) -> None:
    """More of everything the minutes list: items with notes and presenters, decisions,
    actions, earlier actions reviewed here, guests with attendance."""
    meeting = fresh(ran.meeting)
    for i in range(n):
        item = AgendaItem.objects.create(
            meeting=meeting, position=50 + i, title=f"议题 {i}", presenter=ran.member, notes=f"**要点** {i}", minutes_allotted=5
        )
        decision = decision_record(actor=ran.chair, meeting=meeting, item=item, text=f"决议 {i}")
        action_create(actor=ran.chair, meeting=meeting, item=item, decision=decision, title=f"行动 {i}", owner=ran.away, due=dt.date(2026, 12, 31))
        action_create(actor=ran.chair, meeting=meeting, title=f"会外行动 {i}", owner=ran.member, due=dt.date(2026, 12, 31))
        old = action_create(actor=ran.chair, meeting=ran.earlier, title=f"旧行动 {i}", owner=ran.member, due=dt.date(2026, 11, 28))
        action_review(actor=ran.chair, meeting=meeting, action=old, outcome="done", comment=f"完成 {i}")
        guest = guest_invite(actor=ran.chair, item=item, name=f"嘉宾 {i}", reason="列席")
        attendance_set(actor=ran.taker, meeting=meeting, guest=guest, status="present")


def _queries(c: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert c.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["minutes", "minutes_print", "minutes_docx", "minutes_md"])
def test_queries_do_not_grow_with_the_meeting(ran, name):
    c = client(ran.chair)
    path = url(name, ran.meeting)
    small = _queries(c, path)
    _grow(ran, 8)
    assert _queries(c, path) == small
    # once saved, the text is the latest revision's, however many there are
    minutes_save(actor=ran.taker, meeting=ran.meeting, text="第 1 稿", base_revision=0)
    one = _queries(c, path)
    for n in range(2, 8):
        minutes_save(actor=ran.taker, meeting=ran.meeting, text=f"第 {n} 稿", base_revision=n - 1)
    assert _queries(c, path) == one


def test_revisions_page_queries_do_not_grow(ran):
    c = client(ran.chair)
    path = url("minutes_revisions", ran.meeting)
    minutes_save(actor=ran.taker, meeting=ran.meeting, text="第 1 稿", base_revision=0)
    one = _queries(c, path)
    for n in range(2, 8):
        minutes_save(actor=ran.chair if n % 2 else ran.taker, meeting=ran.meeting, text=f"第 {n} 稿", base_revision=n - 1)
    assert _queries(c, path) == one


# --- Word ---------------------------------------------------------------------------------------------------


def _tables(document) -> dict[str, list[list[str]]]:
    """Each table's rows of cell texts, keyed by its header row."""
    return {" | ".join(c.text for c in t.rows[0].cells): [[c.text for c in r.cells] for r in t.rows[1:]] for t in document.tables}


def _east_asian_font(document, run) -> str | None:
    """The East Asian font Word uses for a run: the run's own, else its paragraph style's
    (and what that style is based on), else the table style's, else the document default.
    A theme font at any step wins over a named one, so it counts as not SimSun."""

    def named(rpr):
        rfonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
        if rfonts is None:
            return None
        if rfonts.get(qn("w:eastAsiaTheme")):
            return "theme:" + rfonts.get(qn("w:eastAsiaTheme"))
        return rfonts.get(qn("w:eastAsia"))

    found = named(run._r.rPr)
    if found:
        return found
    paragraph = run._parent
    style = paragraph.style
    while style is not None:
        found = named(style.element.rPr)
        if found:
            return found
        style = style.base_style
    tbl = next((a for a in paragraph._p.iterancestors() if a.tag == qn("w:tbl")), None)
    if tbl is not None:
        style_id = tbl.tblPr.find(qn("w:tblStyle")).get(qn("w:val"))
        style = next(s for s in document.styles if s.style_id == style_id)
        while style is not None:
            found = named(style.element.rPr)
            if found:
                return found
            style = style.base_style
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    return named(defaults)


def _all_runs(document):
    for paragraph in document.paragraphs:
        yield from paragraph.runs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    yield from paragraph.runs


def test_word_has_the_tables_and_names_simsun_for_every_run(ran):
    response = client(ran.chair).get(url("minutes_docx", ran.meeting))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["Content-Disposition"].startswith("attachment;") and response["Content-Disposition"].endswith('.docx"')
    document = docx.Document(io.BytesIO(response.content))
    tables = _tables(document)
    assert tables["Name | Role | Attendance | Note"] == [
        ["周云", "Chair", "Present", ""],
        ["孙丽", "Minute-taker", "Present", ""],
        ["王强", "Member", "Late", "arrived 09:30"],
        ["高欣", "Member", "Excused", "出差"],
    ]
    assert tables["KPI | Target | Actual | Achievement"] == [["订单准时发货率 (%)", "98", "97", "98.9%"]]
    assert tables["Action | Owner | Due | Outcome"] == [
        ["补齐双十一库存", "王强", "2026-11-27", "Done：已到货"],
        ["核对退货单", "高欣", "2026-12-07", "Continues：等财务"],
    ]
    assert tables["# | Action | Owner | Due | Priority"] == [["1", "整理 Q3 退货数据", "王强", "2026-12-04", "Normal"]]
    texts = docx_texts(response.content)
    assert texts[0] == "运营周例会 · Meeting No. 2 · Minutes"
    assert document.paragraphs[0].style.name == "Title"
    assert "**粗体** <script>alert(1)</script>" not in texts and "粗体 <script>alert(1)</script>" in texts
    bold = [r.text for p in document.paragraphs for r in p.runs if r.bold]
    assert "粗体" in bold  # the notes' Markdown became Word formatting
    assert texts[-1] == "Draft — not published"
    runs = list(_all_runs(document))
    assert len(runs) > 50
    fonts = {_east_asian_font(document, run) for run in runs}
    assert fonts == {"SimSun"}, fonts
    assert document.core_properties.title == "运营周例会 · Minutes"


def test_word_without_kpis_has_no_kpi_table_and_says_which_revision(ran):
    Kpi.objects.all().delete()
    english(minutes_publish, actor=ran.taker, meeting=ran.meeting)  # the published text keeps the publisher's language
    data = client(ran.chair).get(url("minutes_docx", ran.meeting)).content
    document = docx.Document(io.BytesIO(data))
    headers = list(_tables(document))
    assert not [h for h in headers if h.startswith("KPI")]
    assert "Name | Role | Attendance | Note" in headers and "# | Action | Owner | Due | Priority" in headers
    assert docx_texts(data)[-1] == "Published 2026-11-30 09:37 · revision 1, 2026-11-30 09:37"


def test_word_from_a_saved_text_with_lists_quotes_code_and_control_characters(ran):
    text = "# 标题\n\n## 小节\n\n1. 一\n2. 二\n   - 嵌套\n\n> 引用 **重点**\n\n```\ncode <x>\n```\n\n控制\x07字符 `行内`\n\n| a | b |\n| - | - |\n| 1 | 2 |\n"
    minutes_save(actor=ran.taker, meeting=ran.meeting, text=text, base_revision=0)
    data = client(ran.chair).get(url("minutes_docx", ran.meeting)).content
    document = docx.Document(io.BytesIO(data))
    styles = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Title", "标题") in styles and ("Heading 1", "小节") in styles
    assert ("List Number", "一") in styles and ("List Bullet 2", "嵌套") in styles
    assert ("Normal", "code <x>") in styles and ("Normal", "控制字符 行内") in styles
    assert _tables(document) == {"a | b": [["1", "2"]]}
    assert {_east_asian_font(document, run) for run in _all_runs(document)} == {"SimSun"}
