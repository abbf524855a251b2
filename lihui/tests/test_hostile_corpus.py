"""Issue 8: hostile text typed into every free-text field stays inert in every output —
pages, Word files, the Excel export, e-mail, calendar files and group-robot messages.
The corpus is in hostile.py; each test pushes it through one output and checks that
nothing became markup, a link, a formula, a header, a calendar component or a mention."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from html.parser import HTMLParser
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from icalendar import Calendar

from lihui.actions.services import action_create, decision_record
from lihui.markdown import markdown_escape
from lihui.meetings.ics import feed_ics, meeting_ics
from lihui.meetings.models import AgendaItem, Meeting
from lihui.meetings.services.agenda import agenda_item_add
from lihui.notices import render
from lihui.notify.models import Channel
from lihui.notify.services import message_enqueue
from lihui.notify.tests.conftest import stub_http  # noqa: F401  (the HTTP stub fixture)
from lihui.notify.transports import transport_for
from lihui.search.services import search_refresh
from lihui.testing.factories import PersonFactory, make_series

from . import hostile as H

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 1, 10, 0, tzinfo=SH)
ALERT = re.compile(r"alert\(\d+\)")


# --- the world: hostile text everywhere people type --------------------------------------------------


@pytest.fixture
def world():
    with time_machine.travel(NOW, tick=False):
        chair = PersonFactory(name="周云", language="zh-hans")
        member = PersonFactory(name="王强<@all>", language="zh-hans")
        series = make_series(
            chair=chair, roster=[(member, "member")], visibility="organization",
            title="<script>alert(1)</script> =1+1 <@all> @所有人",
            purpose="\n".join(H.ONE_LINE), location="3楼" + H.ICS,
        )  # fmt: skip
        meeting = series.meetings.order_by("start").first()
        Meeting.objects.filter(pk=meeting.pk).update(purpose="\n".join(H.ONE_LINE), cancel_reason=H.ICS)
        meeting = Meeting.objects.select_related("series").get(pk=meeting.pk)
        items = [
            agenda_item_add(actor=chair, meeting=meeting, data={"title": p, "description": p, "minutes_allotted": 5})
            for p in H.ONE_LINE + [H.CRLF]
        ]
        AgendaItem.objects.filter(pk=items[0].pk).update(notes="\n\n".join(H.ALL + [H.LONG]))
        decisions = [decision_record(actor=chair, meeting=meeting, item=items[0], text=p) for p in H.ALL]
        actions = [
            action_create(actor=chair, meeting=meeting, item=items[0], title=p, owner=member, due=dt.date(2026, 12, 31))
            for p in H.ONE_LINE + [H.CRLF]
        ]
    return SimpleNamespace(chair=chair, member=member, series=series, meeting=meeting, items=items, decisions=decisions, actions=actions)


def client(person) -> Client:
    c = Client(raise_request_exception=True)
    c.force_login(person)
    return c


# --- pages --------------------------------------------------------------------------------------------


class Page(HTMLParser):
    """Start tags with their attributes, and what is inside each <script>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [(n, v or "") for n, v in attrs]))
        self._in_script = tag == "script"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def url_scheme(value: str) -> str | None:
    """The scheme a browser reads from an attribute's (entity-decoded) URL, as the URL standard
    parses it: C0 controls and spaces around it dropped, tabs and newlines anywhere removed."""
    cleaned = re.sub(r"[\t\n\r]", "", value.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"
                                                 "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else None


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcdoc", "data", "poster"}


def assert_page_inert(html: str) -> None:
    page = Page()
    page.feed(html)
    page.close()
    for tag, attrs in page.tags:
        assert tag not in ("iframe", "svg", "object", "embed"), tag
        for name, value in attrs:
            assert not name.startswith(("on", "hx-on")), (tag, name, value)
            if name in URL_ATTRIBUTES:
                scheme = url_scheme(value)
                assert scheme in (None, "http", "https", "mailto", "tel"), (tag, name, value)
                # With a scheme, no payload may be in it; without one it is a path on this site
                # ("java%0ascript:alert(33)" is a relative path to every browser).
                assert scheme is None or not ALERT.search(value), (tag, name, value)
            if name == "style":
                assert "javascript" not in value.lower() and not ALERT.search(value), (tag, name, value)
        if tag == "img":
            assert dict(attrs).get("src") != "x", attrs
    for script in page.scripts:
        assert not ALERT.search(script), script[:200]


def test_pages_show_the_corpus_as_text(world):
    with time_machine.travel(NOW, tick=False):
        search_refresh()
        c = client(world.chair)
        m, s = world.meeting, world.series
        urls = {
            "meeting": reverse("meetings:meeting_detail", kwargs={"pk": m.pk}),
            "agenda print": reverse("meetings:agenda_print", kwargs={"pk": m.pk}),
            "minutes": reverse("minutes:minutes", kwargs={"pk": m.pk}),
            "minutes print": reverse("minutes:minutes_print", kwargs={"pk": m.pk}),
            "series": reverse("regime:series_detail", kwargs={"pk": s.pk}),
            "regime document": reverse("regime:regime_page", kwargs={"pk": s.pk}),
            "action board": reverse("actions:series_board", kwargs={"pk": s.pk}),
            "audit log": reverse("audit:series_log", kwargs={"pk": s.pk}),
            "action list": reverse("actions:action_index"),
            "action": reverse("actions:action_detail", kwargs={"pk": world.actions[1].pk}),
            "search alert": reverse("search:search_page") + "?q=alert",
            "search mention": reverse("search:search_page") + "?q=所有人",
            "search script": reverse("search:search_page") + "?q=%3Cscript%3E",
        }
        shown = {}
        for name, url in urls.items():
            response = c.get(url)
            assert response.status_code == 200, (name, response.status_code)
            html = response.content.decode()
            assert_page_inert(html)
            shown[name] = html
    # The payloads are there, as escaped text.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown["meeting"]
    assert "&lt;img src=x onerror=alert(2)&gt;" in shown["meeting"]
    assert "alert(1)" in shown["search alert"] or "alert" in shown["search alert"]
    assert "<mark>" in shown["search alert"]  # the search found the hostile text and marked it, escaped
    for name in ("meeting", "minutes", "action board", "audit log"):
        assert "&lt;@all&gt;" in shown[name], name


def test_nul_byte_in_forms_and_notes_is_refused_or_dropped(world):
    """Django forms refuse NUL; the notes autosave (raw POST) must not 500 on PostgreSQL."""
    c = Client(raise_request_exception=False)
    c.force_login(world.chair)
    before = AgendaItem.objects.count()
    r = c.post(reverse("meetings:agenda_add", kwargs={"pk": world.meeting.pk}), {"title": H.NUL, "minutes_allotted": 5})
    assert r.status_code < 500
    assert AgendaItem.objects.count() == before
    item = world.items[1]
    r = c.post(reverse("meetings:notes", kwargs={"item_id": item.pk}), {"text": "**笔记** " + H.NUL, "revision": 0})
    assert r.status_code < 500, r.status_code
    assert "\x00" not in AgendaItem.objects.get(pk=item.pk).notes


# --- Word ---------------------------------------------------------------------------------------------


def docx_inert_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
        rels = z.read("word/_rels/document.xml.rels").decode()
        names = z.namelist()
    for mark in ("<w:hyperlink", "instrText", "fldSimple", "<w:drawing", "<w:pict", "<w:object", "altChunk", "<script"):
        assert mark not in xml, mark
    assert "javascript" not in rels.lower()
    assert 'TargetMode="External"' not in rels
    assert not [n for n in names if n.startswith("word/media/")]
    document = docx.Document(io.BytesIO(data))
    return "\n".join(Paragraph(p, document).text for p in document.element.body.iter(qn("w:p")))


def test_word_files_hold_the_corpus_as_plain_text(world):
    c = client(world.chair)
    m, s = world.meeting, world.series
    with time_machine.travel(NOW, tick=False):
        files = {
            "agenda": c.get(reverse("meetings:agenda_docx", kwargs={"pk": m.pk})),
            "minutes": c.get(reverse("minutes:minutes_docx", kwargs={"pk": m.pk})),
            "regime": c.get(reverse("regime:regime_docx_file", kwargs={"pk": s.pk})),
        }
    texts = {}
    for name, response in files.items():
        assert response.status_code == 200, name
        texts[name] = docx_inert_text(response.content)
    for payload in H.HTML + H.FORMULAS + ["<@all>", "@所有人"]:
        assert payload in texts["agenda"], payload  # the item titles, literally
    for payload in H.HTML + ["[x](javascript:alert(6))", "<@all>"]:
        assert payload in texts["minutes"], payload  # decisions and action titles, literally
    assert "<script>alert(1)</script>" in texts["regime"]  # the series title


# --- Excel --------------------------------------------------------------------------------------------


def test_excel_export_stores_formulas_as_quoted_text(world):
    with time_machine.travel(NOW, tick=False):
        response = client(world.member).get(reverse("actions:action_export"))  # the owner's list
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in x or "<f " in x for x in sheets)  # no formula anywhere
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = {c.value: c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    for payload in H.FORMULAS:
        cell = cells[payload]
        assert cell.data_type == "s", payload
        assert cell.quotePrefix, payload  # Excel keeps it text even when the cell is edited
    series_cell = cells[world.series.title]
    assert series_cell.data_type == "s"
    crlf = next(v for v in cells if v.startswith("x") and "BCC" in v)
    assert cells[crlf].data_type == "s"
    for value, cell in cells.items():
        if value.startswith(("=", "+", "-", "@")):
            assert cell.data_type == "s" and cell.quotePrefix, value


# --- e-mail -------------------------------------------------------------------------------------------


def renderings(w) -> dict[str, render.Rendered]:
    m, a = w.meeting, w.actions[0]
    today = dt.date(2027, 1, 5)
    return {
        "agenda": render.agenda(m, w.items),
        "reminder": render.reminder(m),
        "invitation": render.invitation(m, method="REQUEST", first=True),
        "cancel": render.invitation(m, method="CANCEL", first=False),
        "minutes": render.minutes(m, w.decisions, w.actions),
        "assigned": render.action_assigned(w.actions[-1]),  # the CRLF title: it is in the subject
        "overdue": render.action_overdue(a, today),
        "escalated": render.action_escalated(a, today),
        "summary": render.overdue_summary(w.series, w.actions, len(w.actions), today),
        "digest": render.digest(w.series, meetings=[m], overdue=w.actions, overdue_total=len(w.actions),
                                missing_reports=w.items[:3], today=today),  # fmt: skip
    }


def test_email_html_is_inert_and_headers_are_not_injected(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(NOW, tick=False), translation.override("zh-hans"), timezone.override(SH):
        rendered = renderings(world)
        for name, r in rendered.items():
            for m in message_enqueue(kind=f"hostile_{name}", object=world.meeting, recipients=[world.member],
                                     subject=r.subject, text=r.text, markdown=r.markdown):  # fmt: skip
                transport_for("email").send(m)
    assert len(mail.outbox) == len(rendered)
    for sent in mail.outbox:
        assert sent.recipients() == [world.member.email]
        raw = sent.message().as_string()
        headers = raw.split("\n\n", 1)[0]
        assert not re.search(r"^(bcc|cc):", headers, re.I | re.M), headers
        assert "\r" not in sent.subject and "\n" not in sent.subject
        html = [body for body, kind in sent.alternatives if kind == "text/html"][0]
        assert_page_inert(html)
        assert "<a" not in html or not re.search(r"<a\s[^>]*href=\"(?!https?://)", html)
    subjects = [s.subject for s in mail.outbox]
    assert any("BCC: evil@example.com" in s for s in subjects)  # kept as text on one line
    minutes_html = [b for s in mail.outbox if "<script>" in s.subject for b, k in s.alternatives if k == "text/html"]
    assert minutes_html


# --- calendar files ----------------------------------------------------------------------------------


def _events(data: bytes) -> list:
    cal = Calendar.from_ical(data)
    return [c for c in cal.walk() if c.name == "VEVENT"]


def test_calendar_files_keep_one_event_per_meeting(world):
    attendee = PersonFactory(name="客人\r\nBEGIN:VEVENT\r\nUID:evil", email="guest@example.com")
    from lihui.meetings.ics import Attendee

    with time_machine.travel(NOW, tick=False):
        m = Meeting.objects.select_related("series").get(pk=world.meeting.pk)
        for method in ("REQUEST", "CANCEL", "PUBLISH"):
            data = meeting_ics(meeting=m, method=method, attendees=[Attendee(attendee.name, attendee.email)])
            lines = data.replace(b"\r\n ", b"").split(b"\r\n")  # unfolded content lines
            assert lines.count(b"BEGIN:VEVENT") == 1 and lines.count(b"END:VEVENT") == 1, method
            assert lines.count(b"END:VCALENDAR") == 1
            assert not [x for x in lines if x.startswith((b"UID:evil", b"SUMMARY:injected"))]
            events = _events(data)
            assert len(events) == 1
            event = events[0]
            assert str(event["uid"]).startswith("lihui-meeting-")
            assert str(event["location"]).endswith(H.ICS.replace("\r\n", "\n")) or H.ICS.replace("\r\n", "\n") in str(event["location"])
            assert "<script>alert(1)</script>" in str(event["summary"])
        feed = feed_ics(meetings=list(world.series.meetings.select_related("series")[:3]), name=world.series.title + H.ICS)
    assert len(_events(feed)) == 3
    feed_lines = feed.replace(b"\r\n ", b"").split(b"\r\n")
    assert feed_lines.count(b"BEGIN:VEVENT") == 3 and feed_lines.count(b"END:VCALENDAR") == 1
    assert len([x for x in feed_lines if x.startswith(b"X-WR-CALNAME:")]) == 1
    assert b"\r\nUID:evil" not in feed and b"\r\nBEGIN:VEVENT\r\nUID:evil" not in feed


def test_calendar_files_parse_the_same_with_vobject(world):
    vobject = pytest.importorskip("vobject")
    with time_machine.travel(NOW, tick=False):
        m = Meeting.objects.select_related("series").get(pk=world.meeting.pk)
        data = meeting_ics(meeting=m, method="PUBLISH")
    cal = vobject.readOne(data.decode())
    assert len(cal.vevent_list) == 1
    assert cal.vevent.uid.value.startswith("lihui-meeting-")


# --- group robots ------------------------------------------------------------------------------------

MENTION_KEYS = {"mentioned_list", "mentioned_mobile_list", "at", "isAtAll", "atMobiles", "atUserIds"}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value)) if value else set()
    return set()


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu", "webhook"])
def test_robot_messages_carry_no_mention_and_no_live_markup(world, stub_http, kind):  # noqa: F811
    urls = {
        "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY-123",
        "dingtalk": "https://oapi.dingtalk.com/robot/send?access_token=T-abc",
        "feishu": "https://open.feishu.cn/open-apis/bot/v2/hook/HOOK-ID",
        "webhook": "https://hooks.example.com/lihui",
    }
    channel = Channel.objects.create(series=world.series, kind=kind, name="robot", url=urls[kind])
    with time_machine.travel(NOW, tick=False), translation.override("zh-hans"), timezone.override(SH):
        rendered = renderings(world)
        for name, r in rendered.items():
            for m in message_enqueue(kind=f"hostile_{name}", object=world.meeting, channels=[channel],
                                     subject=r.subject, text=r.text, markdown=r.markdown):  # fmt: skip
                transport_for(kind).send(m)
    assert len(stub_http.requests) == len(rendered)
    for request in stub_http.requests:
        body = request["json"]
        assert not (_keys(body) & MENTION_KEYS), _keys(body) & MENTION_KEYS
        if kind == "webhook":
            markdown = body["markdown"]
        elif kind == "wecom":
            markdown = body["markdown"]["content"]
        elif kind == "dingtalk":
            markdown = body["markdown"]["text"]
        else:
            markdown = body["card"]["elements"][0]["content"]
        # User text reaches the robot's Markdown escaped: no raw `<@…>`, `<at …>` or tag.
        assert not re.search(r"(?<!\\)<", markdown), markdown[:500]
        assert not re.search(r"(?<!\\)<[@a-z/]", markdown, re.I), markdown[:500]  # no mention or tag
        assert "](javascript:" not in markdown.lower()
    everything = "\n".join(m for r in stub_http.requests for m in _strings(r["json"]))
    assert markdown_escape("<@all>") in everything and "@所有人" in everything  # shown, as text


def test_markdown_escape_renders_every_payload_as_plain_text():
    """What robots and e-mails get: each payload, escaped, renders as a paragraph of text."""
    from lihui.markdown import markdown_html

    for payload in H.ALL + [H.LONG]:
        page = Page()
        page.feed(str(markdown_html(markdown_escape(payload))))
        assert {tag for tag, _a in page.tags} <= {"p", "br"}, payload
        assert not any(attrs for _t, attrs in page.tags), payload
