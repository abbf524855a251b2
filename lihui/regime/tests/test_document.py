"""The regime document (例会制度): written from the configuration, versioned as it changes,
inert to hostile text, in both languages, as Markdown, HTML and .docx, on pages and the API."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lihui.markdown import markdown_html
from lihui.notify.models import Channel
from lihui.people.models import Department
from lihui.people.services import api_token_create
from lihui.regime.documents import (
    chinese_number,
    regime_document,
    regime_docx,
    regime_markdown,
    regime_version_ensure,
    standard_ground_rules,
)
from lihui.regime.models import RegimeVersion
from lihui.regime.services import (
    RosterEntry,
    agenda_template_save,
    cadence_window_add,
    cadence_window_remove,
    series_update,
)
from lihui.reports.models import Kpi
from lihui.testing.factories import PersonFactory, make_series

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=SH)
ROBOT_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY-123"
ROBOT_SECRET = "SEC-very-secret"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world():
    sales = Department.objects.create(name="华东销售部")
    chair = PersonFactory(username="chair", name="周云")
    taker = PersonFactory(username="taker", name="孙丽")
    head = PersonFactory(username="head", name="王强", department=sales)
    outsider = PersonFactory(username="outsider", name="路人甲")
    sales.head = head
    sales.save()
    Kpi.objects.create(department=sales, name="订单准时发货率", unit="%", default_target=Decimal("98.5000"))
    Kpi.objects.create(department=sales, name="客户投诉数", unit="件", higher_is_better=False)
    series = make_series(
        chair=chair,
        roster=[(taker, "minute_taker"), (head, "member")],
        purpose="回顾上周经营数据\n确定下周重点",
        location="三楼会议室",
        video_link="https://meeting.example.com/j/123",
        minutes_deadline_hours=24,
        escalate_after_days=3,
        agenda_lead_hours=24,
    )
    Channel.objects.create(series=series, kind="wecom", name="运营群机器人", url=ROBOT_URL, secret=ROBOT_SECRET, kinds=["agenda_published", "minutes_published"])
    return {"series": series, "chair": chair, "taker": taker, "head": head, "outsider": outsider, "sales": sales}


def roster(w):
    return [RosterEntry(w["chair"], "chair"), RosterEntry(w["taker"], "minute_taker"), RosterEntry(w["head"], "member")]


def text_zh(series) -> str:
    with translation.override("zh-hans"):
        return regime_markdown(regime_document(series=series))


def test_chinese_numbers():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 12, 20, 21, 99)] == ["一", "九", "十", "十一", "十二", "二十", "二十一", "九十九"]


def test_the_document_holds_every_chapter_with_the_configuration(world):
    series = world["series"]
    with translation.override("en"):
        text = regime_markdown(regime_document(series=series))
    for n, chapter in enumerate(
        [
            "Purpose", "Cadence", "Participants", "Agenda and time management", "Department reports and KPIs", "Minutes",
            "Follow-up", "Recap and feedback", "Meeting culture", "Tools", "Evaluation and continuous improvement",
            "Supplementary provisions",
        ],
        1,
    ):  # fmt: skip
        assert f"## {n}. {chapter}\n" in text
    assert "every Monday at 09:30 for 60 minutes" in text
    assert "回顾上周经营数据" in text and "确定下周重点" in text
    assert "24 hours before the meeting" in text  # agenda lead time
    assert "within 24 hours after the meeting ends" in text  # minutes deadline
    assert "overdue for 3 days is escalated to the chair, 周云" in text
    assert "The minute-taker is 孙丽" in text
    assert "订单准时发货率" in text and "| 98.5 |" in text and "lower is better" in text
    assert "运营群机器人" in text and "WeCom group robot" in text
    assert "SECRETKEY" not in text and ROBOT_SECRET not in text and "qyapi" not in text
    assert "meeting\\.example\\.com" in text  # the video link, as text
    with translation.override("en"):
        rules = standard_ground_rules()
    for rule in rules:
        assert rule in text
    assert "1.1 " in text and "12.3 " in text


def test_chinese_numbering_and_the_chairs_rules(world):
    series = world["series"]
    series_update(actor=world["chair"], series=series, data={"ground_rules": "手机静音\n先说结论"})
    text = text_zh(series)
    assert "## 第一章\u3000" in text and "## 第十二章\u3000" in text
    assert "\n一、" in text and "\n三、" in text
    assert "- 手机静音" in text and "- 先说结论" in text
    with translation.override("zh-hans"):
        assert standard_ground_rules()[0] not in text


def test_windows_and_holiday_rule_are_written(world):
    series = world["series"]
    cadence_window_add(
        actor=world["chair"], series=series,
        data={"kind": "peak", "name": "双十一", "start_date": dt.date(2026, 11, 1), "end_date": dt.date(2026, 11, 15),
              "frequency": "daily", "interval": 2},
    )  # fmt: skip
    with translation.override("en"):
        text = regime_markdown(regime_document(series=series))
    assert "Peak period “双十一”" in text and "Every 2 days" in text
    assert "moves to the next working day" in text


def test_versions_follow_the_configuration(world):
    series, chair = world["series"], world["chair"]
    v1 = RegimeVersion.objects.get(series=series)  # made by series_create
    assert v1.number == 1 and v1.language == "zh-hans" and v1.effective_date == dt.date(2026, 11, 25)
    assert v1.created_by == chair

    # The robot was connected after creation (notify): the next read brings the version up to date.
    v2 = regime_version_ensure(series=series)
    assert v2.number == 2 and "运营群机器人" in v2.text
    assert regime_version_ensure(series=series).number == 2  # nothing changed: no version

    series_update(actor=chair, series=series, data={"title": series.title}, roster=roster(world))  # no real change
    assert RegimeVersion.objects.filter(series=series).count() == 2

    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        series_update(actor=chair, series=series, data={"minutes_deadline_hours": 12})
    v3 = RegimeVersion.objects.get(series=series, number=3)
    assert v3.effective_date == dt.date(2026, 11, 28)
    assert v3.text.startswith("# ") and "第 3 版" in v3.text.splitlines()[2] and "2026年11月28日" in v3.text.splitlines()[2]

    from lihui.markdown import line_diff

    changed = [(op, line) for op, line in line_diff(v2.text, v3.text) if op in "+-"]
    assert len(changed) == 4, changed  # the version line and the minutes-deadline clause
    assert any(op == "-" and "24" in line for op, line in changed)
    assert any(op == "+" and "12" in line for op, line in changed)


def test_every_regime_service_makes_a_version_when_the_text_changes(world):
    series, chair = world["series"], world["chair"]
    regime_version_ensure(series=series)
    count = lambda: RegimeVersion.objects.filter(series=series).count()  # noqa: E731
    before = count()
    window = cadence_window_add(
        actor=chair, series=series,
        data={"kind": "calm", "name": "春节后", "start_date": dt.date(2027, 2, 20), "end_date": dt.date(2027, 3, 31),
              "frequency": "weekly", "interval": 2, "weekdays": [0]},
    )  # fmt: skip
    assert count() == before + 1
    cadence_window_remove(actor=chair, window=window)
    assert count() == before + 2
    items = [{"kind": "opening", "title": "开场", "presenter_role": "chair", "minutes": 5}]
    agenda_template_save(actor=chair, series=series, items=items)
    assert count() == before + 3
    agenda_template_save(actor=chair, series=series, items=items)
    assert count() == before + 3
    series_update(actor=chair, series=series, data={}, roster=roster(world)[:2])  # the head leaves
    assert count() == before + 4
    assert "王强" not in RegimeVersion.objects.filter(series=series).order_by("-number").first().text


def test_hostile_text_stays_inert(world):
    series, chair = world["series"], world["chair"]
    series_update(
        actor=chair, series=series,
        data={"title": "**x** <script>alert(1)</script>", "ground_rules": "=1+1\n[点我](javascript:alert(1))\n| a | b |",
              "purpose": "# 不是标题\n<img src=x onerror=alert(1)>"},
    )  # fmt: skip
    text = regime_version_ensure(series=series).text
    html = str(markdown_html(text))
    assert "<script" not in html and "<img" not in html and "href=" not in html and "<strong>x</strong>" not in html
    assert "**x** &lt;script&gt;" in html  # shown as typed
    assert "=1+1" in html and "[点我](javascript:alert(1))" in html  # text, not a link
    data = regime_docx(text=text, title=series.title, language="zh-hans")
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "**x** <script>alert(1)</script>" in body
    assert "=1+1" in body and "# 不是标题" in body


def test_docx_opens_with_the_headings(world):
    series = world["series"]
    version = regime_version_ensure(series=series)
    with translation.override("zh-hans"):
        data = regime_docx(text=version.text, title=series.title, language="zh-hans")
    d = docx.Document(io.BytesIO(data))
    styles = [(p.style.name, p.text) for p in d.paragraphs]
    assert styles[0][0] == "Title" and series.title in styles[0][1]
    headings = [t for s, t in styles if s == "Heading 1"]
    assert len(headings) == 12 and headings[0].startswith("第一章")
    assert any("第 2 版" in t for _, t in styles[:3])
    assert len(d.tables) >= 3  # roster, agenda template, KPIs (and robots)


# --- pages ----------------------------------------------------------------------------


def login(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_pages(world):
    series = world["series"]
    client = login(world["taker"])
    page = client.get(reverse("regime:regime_page", kwargs={"pk": series.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="regime-text"' in html and "运营群机器人" in html and "SECRETKEY" not in html
    series_update(actor=world["chair"], series=series, data={"escalate_after_days": 5})
    current = RegimeVersion.objects.filter(series=series).order_by("-number").first()
    assert client.get(reverse("regime:regime_version_page", kwargs={"pk": series.pk, "number": 1})).status_code == 200
    assert client.get(reverse("regime:regime_version_page", kwargs={"pk": series.pk, "number": 99})).status_code == 404
    url = reverse("regime:regime_compare", kwargs={"pk": series.pk})
    diff = client.get(url, {"a": current.number - 1, "b": current.number})
    assert diff.status_code == 200 and "<ins>" in diff.content.decode() and "<del>" in diff.content.decode()
    assert client.get(url).status_code == 200  # defaults to the last two
    bad = client.get(url, {"a": "x", "b": "1"})
    assert bad.status_code == 400 and 'data-testid="regime-compare-error"' in bad.content.decode()
    assert client.get(url, {"a": "1", "b": "999"}).status_code == 404
    md = client.get(reverse("regime:regime_markdown_file", kwargs={"pk": series.pk}))
    assert md.status_code == 200 and md["Content-Type"].startswith("text/markdown")
    assert f"v{current.number}.md" in md["Content-Disposition"]
    old = client.get(reverse("regime:regime_markdown_file", kwargs={"pk": series.pk}), {"version": "1"})
    assert "v1.md" in old["Content-Disposition"]
    assert client.get(reverse("regime:regime_markdown_file", kwargs={"pk": series.pk}), {"version": "abc"}).status_code == 404
    word = client.get(reverse("regime:regime_docx_file", kwargs={"pk": series.pk}))
    assert word.status_code == 200
    docx.Document(io.BytesIO(word.content))
    english = client.get(reverse("regime:regime_page", kwargs={"pk": series.pk}), {"lang": "en"}).content.decode()
    assert "1. Purpose" in english and 'data-testid="regime-unversioned"' in english
    assert RegimeVersion.objects.filter(series=series, language="en").count() == 0
    detail = client.get(reverse("regime:series_detail", kwargs={"pk": series.pk})).content.decode()
    assert reverse("regime:regime_page", kwargs={"pk": series.pk}) in detail


def test_an_outsider_sees_nothing(world):
    series = world["series"]
    client = login(world["outsider"])
    for name in ("regime_page", "regime_compare", "regime_docx_file", "regime_markdown_file"):
        assert client.get(reverse(f"regime:{name}", kwargs={"pk": series.pk})).status_code == 404
    assert client.get(reverse("regime:regime_version_page", kwargs={"pk": series.pk, "number": 1})).status_code == 404


# --- API --------------------------------------------------------------------------------


def api_client(person) -> Client:
    _token, secret = api_token_create(person=person, name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_api(world):
    series = world["series"]
    client = api_client(world["head"])
    base = f"/api/v1/series/{series.pk}/regime"
    current = client.get(base)
    assert current.status_code == 200
    body = current.json()
    assert body["number"] == 2 and body["effective_date"] == "2026-11-25" and "运营群机器人" in body["markdown"]
    series_update(actor=world["chair"], series=series, data={"agenda_lead_hours": 48})
    versions = client.get(base + "/versions").json()
    assert [v["number"] for v in versions] == [3, 2, 1]
    assert client.get(base + "/versions/1").json()["number"] == 1
    assert client.get(base + "/versions/9").status_code == 404
    diff = client.get(base + "/compare", {"a": 2, "b": 3})
    assert diff.status_code == 200
    ops = [d for d in diff.json()["diff"] if d["op"] in "+-"]
    assert any("48" in d["line"] for d in ops if d["op"] == "+")
    assert client.get(base + "/compare", {"a": 2, "b": 99}).status_code == 404
    bad = client.get(base + "/compare", {"a": "x", "b": 3})
    assert bad.status_code == 422 and "a" in bad.json()["fields"]
    assert client.get(base + "/compare", {"b": 3}).status_code == 422
    assert client.get(base + "/compare", {"a": 0, "b": 3}).status_code == 422
    md = client.get(f"/api/v1/series/{series.pk}/regime.md", {"version": 1})
    assert md.status_code == 200 and "v1.md" in md["Content-Disposition"]
    word = client.get(f"/api/v1/series/{series.pk}/regime.docx")
    assert word.status_code == 200
    assert any(p.style.name == "Title" for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert client.get(f"/api/v1/series/{series.pk}/regime.docx", {"version": 42}).status_code == 404
    assert api_client(world["outsider"]).get(base).status_code == 404
