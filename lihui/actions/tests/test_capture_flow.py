"""Quick capture wired to meetings: the API, the proposals panel, confirm / edit / dismiss,
owners among participants first, the rate limit, and bad input."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client

from lihui.actions.models import ActionItem, Decision
from lihui.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

NOTES = """会议记录
行动：王强负责整理Q3退货数据，下周五前完成
决议：双十二增派客服
待办：@孙丽 更新排班表 明天
这一行什么都不是
Action: owner: 路人甲 check Q4 budget by Friday"""


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def meeting(cast):
    return cast.series.meetings.order_by("start").first()  # Monday 2026-11-02, Asia/Shanghai


def _client(person):
    c = Client()
    c.force_login(person)
    return c


def test_api_parses_with_the_meeting_date_and_participants(cast, meeting):
    r = _client(cast.minute_taker).post(
        "/api/v1/capture/parse", {"text": NOTES, "meeting": meeting.pk}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    items = r.json()["items"]
    assert [(i["line"], i["kind"]) for i in items] == [(2, "action"), (3, "decision"), (4, "action"), (6, "action")]
    first = items[0]
    assert first["owner"] == {"id": cast.presenter.pk, "name": "王强"} and first["title"] == "整理Q3退货数据"
    assert first["due"] == "2026-11-13"  # 下周五 from Monday 2 November
    assert items[2]["owner"]["id"] == cast.minute_taker.pk and items[2]["due"] == "2026-11-03"
    assert items[3]["owner"]["id"] == cast.outsider.pk  # staff outside the roster can own actions
    assert ActionItem.objects.count() == 0 and Decision.objects.count() == 0  # nothing created


def test_two_people_with_the_name_are_not_guessed(cast, meeting):
    PersonFactory(name="王强")
    r = _client(cast.chair).post("/api/v1/capture/parse", {"text": "行动：@王强 跟进物流", "reference_date": "2026-11-27"}, content_type="application/json")
    item = r.json()["items"][0]
    assert item["owner"] is None and len(item["owner_candidates"]) == 2
    assert "owner_ambiguous" in [w["code"] for w in item["warnings"]]


def test_reference_date_defaults_to_today_without_meeting(cast):
    r = _client(cast.chair).post("/api/v1/capture/parse", {"text": "行动：王强 明天 提交报告"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["items"][0]["due"] is not None


@pytest.mark.parametrize(
    "body",
    [{"text": "x" * 100_001}, {"text": 5}, {"text": "行动：a", "reference_date": "2026-13-01"}, {"text": "a", "extra": 1}, {}],
)
def test_bad_input_is_a_clear_error(cast, body):
    r = _client(cast.chair).post("/api/v1/capture/parse", body, content_type="application/json")
    assert r.status_code == 422 and set(r.json()) == {"error", "fields"}


@pytest.mark.parametrize("text", ["", "\x01\x02", "行动：\u202e反转 \u0007"])
def test_odd_text_never_fails(cast, text):
    r = _client(cast.chair).post("/api/v1/capture/parse", {"text": text}, content_type="application/json")
    assert r.status_code == 200


def test_a_nul_character_is_refused_like_everywhere_in_the_api(cast):
    """No API input may carry NUL (PostgreSQL cannot store it): a clear 422, not a crash."""
    r = _client(cast.chair).post("/api/v1/capture/parse", {"text": "行动：\x00张三"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["fields"]


def test_a_meeting_the_caller_cannot_see_is_404(cast, meeting):
    r = _client(cast.outsider).post("/api/v1/capture/parse", {"text": NOTES, "meeting": meeting.pk}, content_type="application/json")
    assert r.status_code == 404


def test_rate_limited_per_person(cast):
    c = _client(cast.chair)
    codes = [c.post("/api/v1/capture/parse", {"text": "行动：a"}, content_type="application/json").status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429
    other = _client(cast.presenter).post("/api/v1/capture/parse", {"text": "行动：a"}, content_type="application/json")
    assert other.status_code == 200


def test_panel_confirm_edit_dismiss(cast, meeting):
    c = _client(cast.minute_taker)
    html = c.post(f"/meetings/{meeting.pk}/capture/", {"text": NOTES}).content.decode()
    assert html.count('data-testid="proposal"') == 4 and "整理Q3退货数据" in html
    assert ActionItem.objects.count() == 0
    # confirm one as proposed, one edited (another title and owner), dismiss one
    r = c.post(f"/meetings/{meeting.pk}/capture/confirm/", {"kind": "action", "title": "整理Q3退货数据", "owner": cast.presenter.pk, "due": "2026-11-13"})
    assert r.status_code == 200 and 'data-testid="proposal-done"' in r.content.decode() and 'id="followup"' in r.content.decode()
    r = c.post(f"/meetings/{meeting.pk}/capture/confirm/", {"kind": "action", "title": "更新 12 月排班表", "owner": cast.chair.pk, "due": "2026-11-04"})
    assert r.status_code == 200
    r = c.post(f"/meetings/{meeting.pk}/capture/confirm/", {"kind": "decision", "title": "双十二增派客服"})
    assert r.status_code == 200
    assert c.post(f"/meetings/{meeting.pk}/capture/dismiss/").content == b""
    assert sorted(ActionItem.objects.values_list("title", "owner_id", "due")) == [
        ("整理Q3退货数据", cast.presenter.pk, dt.date(2026, 11, 13)),
        ("更新 12 月排班表", cast.chair.pk, dt.date(2026, 11, 4)),
    ]
    assert list(Decision.objects.values_list("text", flat=True)) == ["双十二增派客服"]
    # the owner sees it on their list
    assert "整理Q3退货数据" in _client(cast.presenter).get("/actions/").content.decode()


def test_confirm_with_bad_fields_keeps_the_proposal(cast, meeting):
    c = _client(cast.minute_taker)
    r = c.post(f"/meetings/{meeting.pk}/capture/confirm/", {"kind": "action", "title": "无负责人", "owner": "", "due": "2026-11-13"})
    assert r.status_code == 422 and 'data-testid="proposal"' in r.content.decode() and "无负责人" in r.content.decode()
    r = c.post(f"/meetings/{meeting.pk}/capture/confirm/", {"kind": "action", "title": "x", "owner": cast.presenter.pk, "due": "2026-02-30"})
    assert r.status_code == 422
    r = c.post(f"/meetings/{meeting.pk}/capture/confirm/", {"kind": "other", "title": "x"})
    assert r.status_code == 422
    assert ActionItem.objects.count() == 0


def test_only_note_takers_capture(cast, meeting):
    for url in ("capture/", "capture/confirm/", "capture/dismiss/"):
        assert _client(cast.presenter).post(f"/meetings/{meeting.pk}/{url}", {"text": NOTES}).status_code == 403
        assert _client(cast.outsider).post(f"/meetings/{meeting.pk}/{url}", {"text": NOTES}).status_code == 404


def test_recorded_lines_are_not_proposed_again(cast, meeting):
    c = _client(cast.minute_taker)
    c.post(f"/meetings/{meeting.pk}/capture/confirm/", {"kind": "action", "title": "整理Q3退货数据", "owner": cast.presenter.pk, "due": "2026-11-13"})
    html = c.post(f"/meetings/{meeting.pk}/capture/", {"text": NOTES + "\n- **行动项**: 整理Q3退货数据 — 王强, 2026-11-13"}).content.decode()
    assert html.count('data-testid="proposal"') == 3 and 'data-testid="capture-skipped"' in html
    # the API reports every recognised line, recorded or not
    r = c.post("/api/v1/capture/parse", {"text": NOTES, "meeting": meeting.pk}, content_type="application/json")
    assert len(r.json()["items"]) == 4


def test_lines_that_do_not_read_are_shown_back_and_a_person_with_a_date_is_an_action(cast, meeting):
    """Issue 16, list 6: 「张伟下周三前给出方案」 and 「@孙悦 明天发出通知」 were dropped without
    a word. A line that starts with a person and holds a date is proposed (with a warning to
    check it); every other line that was not read is listed back, not lost."""
    c = _client(cast.minute_taker)
    text = "王强下周三前给出方案\n@孙丽 明天发出通知\n这一行什么都不是\n王强说了很多"
    html = c.post(f"/meetings/{meeting.pk}/capture/", {"text": text}).content.decode()
    assert html.count('data-testid="proposal"') == 2
    assert 'value="给出方案"' in html and 'value="发出通知"' in html
    assert "「行动：」标记" in html  # the warning to check it (the cast reads Chinese)
    unread = html.split('data-testid="capture-unread"')[1].split("</ul>")[0]
    assert "这一行什么都不是" in unread and "王强说了很多" in unread and "给出方案" not in unread
    assert 'data-testid="capture-error"' not in html
    # only unread lines: they are listed, with no "nothing found" error hiding them
    html = c.post(f"/meetings/{meeting.pk}/capture/", {"text": "这一行什么都不是"}).content.decode()
    assert 'data-testid="capture-unread"' in html and "这一行什么都不是" in html
    # the API says the same
    r = c.post("/api/v1/capture/parse", {"text": text, "meeting": meeting.pk}, content_type="application/json").json()
    assert [i["title"] for i in r["items"]] == ["给出方案", "发出通知"]
    assert r["unread"] == [{"line": 3, "text": "这一行什么都不是"}, {"line": 4, "text": "王强说了很多"}]


def test_a_captured_action_implements_the_decision_above_it_so_compliance_passes(cast, meeting):
    """Issue 16, list 6: a captured action could not name the decision it implements, so
    「每项决议均有行动项」 failed. The action below a 决议 line offers that decision (once it is
    recorded, or any of the meeting's decisions), and confirming links it."""
    from lihui.insights.selectors import meeting_compliance
    from lihui.meetings.models import Meeting

    c = _client(cast.minute_taker)
    text = "决议：双十二增派客服\n行动：王强负责排班，11月10日前"
    html = c.post(f"/meetings/{meeting.pk}/capture/", {"text": text}).content.decode()
    assert '<option value="above" selected>' in html and 'name="decision_text" value="双十二增派客服"' in html
    action = {"kind": "action", "title": "排班", "owner": cast.presenter.pk, "due": "2026-11-10",
              "decision": "above", "decision_text": "双十二增派客服"}  # fmt: skip
    # the decision is not recorded yet: the action says so and waits
    r = c.post(f"/meetings/{meeting.pk}/capture/confirm/", action)
    assert r.status_code == 422 and "请先确认上方的决议" in r.content.decode()  # "Confirm the decision above first"
    assert '<option value="above" selected>' in r.content.decode()
    c.post(f"/meetings/{meeting.pk}/capture/confirm/", {"kind": "decision", "title": "双十二增派客服"})
    decision = Decision.objects.get()
    # captured again now, the recorded decision is chosen by its id
    html = c.post(f"/meetings/{meeting.pk}/capture/", {"text": "决议：另一件事\n行动：王强负责排班表，11月10日前"}).content.decode()
    assert f'<option value="{decision.pk}">' in html
    assert c.post(f"/meetings/{meeting.pk}/capture/confirm/", action).status_code == 200
    assert ActionItem.objects.get(title="排班").decision == decision
    # a decision of another meeting, or garbage, is refused without a 500
    for bad in ("999999", "x" * 30, "above"):
        r = c.post(f"/meetings/{meeting.pk}/capture/confirm/", {**action, "title": "另一个", "decision": bad, "decision_text": "无此决议"})
        assert r.status_code == 422
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.HELD)
    check = {c.key: c.passed for c in meeting_compliance(meeting=Meeting.objects.get(pk=meeting.pk)).checks}
    assert check["decisions_have_actions"] is True
