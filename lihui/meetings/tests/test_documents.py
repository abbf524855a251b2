"""The agenda as a Word document: fonts that show Chinese, content in order, hostile text inert."""

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from lihui.documents import FONT_EAST_ASIA, new_document, paragraph, table, to_bytes, xml_safe
from lihui.meetings.documents import agenda_docx
from lihui.meetings.models import AgendaItem, Guest, Material
from lihui.meetings.selectors import meeting_agenda, meeting_participants
from lihui.meetings.services.agenda import agenda_ensure
from lihui.people.models import Department
from lihui.testing.factories import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
HOSTILE = "<script>alert(1)</script>\x07=cmd|' /C calc'!A0 &amp; ]]>"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 10, 28, 12, 0, tzinfo=SH), tick=False):
        yield


def body_texts(data: bytes) -> list[str]:
    """Every paragraph's text in document order, table cells included."""
    document = docx.Document(io.BytesIO(data))
    return [Paragraph(p, document).text for p in document.element.body.iter(qn("w:p"))]


def zh(translate, *args) -> str:
    """A message as the Chinese document says it (msgids still untranslated read in English)."""
    with translation.override("zh-hans"):
        return translate(*args)


def assert_in_order(texts: list[str], expected: list[str]) -> None:
    """Each expected text is found in a paragraph after the previous one's."""
    at = 0
    for text in expected:
        found = next((i for i in range(at, len(texts)) if text in texts[i]), None)
        assert found is not None, f"{text!r} missing after paragraph {at}"
        at = found + 1


def build(*, language: str = "zh-hans", hostile: bool = False, overrun: int | None = None, duration: int = 120):
    """A meeting with the series' default agenda; with `overrun`, one more item (a material and
    a guest with it) that makes the plan that many minutes longer than the meeting."""
    with translation.override(language):
        chair = PersonFactory(name="周云")
        taker = PersonFactory(name="孙丽")
        head = PersonFactory(name="王强")
        head.department = Department.objects.create(name="仓储部", head=head)
        head.save()
        series = make_series(
            chair=chair,
            roster=[(taker, "minute_taker"), (head, "member")],
            purpose="同步各部门运营状况\n决定下周重点",
            location="三楼大会议室",
            video_link="https://meet.example.com/ops",
            duration_minutes=duration,
        )
        meeting = series.meetings.order_by("start").first()
        meeting.purpose = "确认双十一备货计划"
        meeting.save()
        agenda_ensure(meeting=meeting)
        if hostile or overrun is not None:
            planned = sum(meeting.items.values_list("minutes_allotted", flat=True))
            item = AgendaItem.objects.create(
                meeting=meeting,
                position=99,
                title=HOSTILE if hostile else "双十一备货",
                description="先看数据\n再讨论",
                presenter=head,
                minutes_allotted=max(1, duration - planned + (overrun or 0)) if overrun is not None else 1,
            )
            Material.objects.create(item=item, file="materials/x/1", name="备货表.xlsx", size=10, content_type="text/plain")
            Guest.objects.create(item=item, name="外部顾问", reason="讲解新流程")
        items = meeting_agenda(meeting=meeting)
        data = agenda_docx(meeting=meeting, items=items, participants=meeting_participants(meeting=meeting, items=items))
    return meeting, items, data


def test_agenda_sets_the_chinese_font_and_language():
    _, _, data = build()
    document = docx.Document(io.BytesIO(data))
    for name in ("Normal", "Title", "Heading 1"):
        rfonts = document.styles[name].element.rPr.rFonts
        assert rfonts.get(qn("w:eastAsia")) == FONT_EAST_ASIA == "SimSun"
        assert rfonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would win over ours
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert document.core_properties.title == "运营周例会 · 第 1 次例会 议程"
    assert abs(document.sections[0].page_width.cm - 21) < 0.01  # A4


def test_agenda_content_in_order():
    meeting, items, data = build(overrun=15, duration=60)
    texts = body_texts(data)
    assert texts[0] == "运营周例会 · 第 1 次例会 议程"
    expected = [
        "2026年11月2日 周一 09:30–10:30",  # Monday 09:30 in the series' zone
        "三楼大会议室",
        "https://meet.example.com/ops",
        "周云",  # chair
        "孙丽",  # minute-taker
        "同步各部门运营状况",
        "决定下周重点",
        "确认双十一备货计划",
        "议程",
        *[item.title for item in items],
        "先看数据\n再讨论",  # the description, under its title
        "备货表.xlsx",
        zh(gettext, "Participants"),
        "周云",
        "王强",
        "外部顾问",  # guests after the roster, with the reason they come
        "讲解新流程",
    ]
    assert_in_order(texts, expected)
    # Each slot starts where the one before ended, from the scheduled 09:30.
    at = dt.datetime(2026, 11, 2, 9, 30)
    slots = []
    for item in items:
        end = at + dt.timedelta(minutes=item.minutes_allotted)
        slots.append(f"{at:%H:%M}–{end:%H:%M}")
        at = end
    assert slots[0].startswith("09:30–")
    assert_in_order(texts, [text for item, slot in zip(items, slots) for text in (slot, item.title)])
    assert sum(i.minutes_allotted for i in items) == 75
    assert zh(gettext, "Planned: %(planned)s min of the %(slot)s-minute meeting.") % {"planned": 75, "slot": 60} in texts
    overrun = zh(gettext, "The agenda runs %(over)s min over the meeting's time: shorten items or move some to the next meeting.")
    assert overrun % {"over": 15} in texts
    assert "仓储部" in texts  # the head's department, in the participants table


def test_agenda_within_time_has_no_warning_and_follows_the_language():
    _, items, data = build(language="en", duration=120)
    texts = body_texts(data)
    assert texts[0] == "运营周例会 · Meeting No. 1 Agenda"
    assert "Mon 2 Nov 2026 09:30–11:30 (Asia/Shanghai)" in "\n".join(texts)
    planned = sum(i.minutes_allotted for i in items)
    assert planned <= 120
    assert f"Planned: {planned} min of the 120-minute meeting." in texts
    assert not any(" over " in t for t in texts)
    document = docx.Document(io.BytesIO(data))
    assert document.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "SimSun"  # Chinese names in English too


def test_hostile_text_stays_literal_and_the_file_opens():
    _, _, data = build(hostile=True, duration=60)
    texts = body_texts(data)  # opens again: the file is well-formed
    literal = "<script>alert(1)</script>=cmd|' /C calc'!A0 &amp; ]]>"
    assert literal in texts
    assert not any("\x07" in t for t in texts)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
    assert "&lt;script&gt;" in xml and "<script>" not in xml
    assert "instrText" not in xml and "fldSimple" not in xml  # no field was made of it


def test_toolkit_strips_what_xml_cannot_hold():
    assert xml_safe("a\x00b\x07c\x0bd\x1fe\ud800f\uffffg\th\r\ni") == "abcdefg\th\ni"
    assert xml_safe(None) == ""
    doc = new_document("zh-hans")
    paragraph(doc, "控制字符\x01\x02测试", bold=True, size=12)
    t = table(doc, ["甲", "乙"], [["1\x1b", "二"]])
    assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # the header repeats on each page
    texts = body_texts(to_bytes(doc))
    assert texts == ["控制字符测试", "甲", "乙", "1", "二"]
