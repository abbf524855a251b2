"""Browser test: the survey after a meeting (issue 6), in Chromium, in Simplified Chinese.

周云 chairs this morning's 运营周例会 and ends it: the survey opens (the roster of five is
asked). Two members have answered already. 王强 opens the meeting page, follows 「填写会后
反馈」, first sends the form with one question unanswered (refused, what he chose is kept),
then answers all five, a comment and a suggestion, and sees the thank-you. The chair opens
the results: 3 of 5 answered (60%) against the series' 60% target, but the anonymous
answers still wait to be written together (hidden); once the survey has closed, averages
with bars, the comments and suggestions without names.

Same Playwright setup as lihui/actions/tests/test_browser_capture.py; screenshots in
<repo>/screenshots/survey-NN-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from lihui.meetings.models import Meeting
from lihui.meetings.services.live import meeting_end, meeting_start
from lihui.surveys.models import AnswerPool, Response, Survey
from lihui.surveys.services import survey_answer
from lihui.testing.factories import PersonFactory, make_series

sync_api = pytest.importorskip("playwright.sync_api")

from lihui.testing.browser import BROWSER_MARKS, Shots, browser_pages, follow, log_in, zh  # noqa: E402

expect = sync_api.expect
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = BROWSER_MARKS


@pytest.fixture
def new_page(live_server, monkeypatch):
    yield from browser_pages(live_server, monkeypatch)


def person(username, name):
    return PersonFactory(username=username, name=name, language="zh-hans", time_zone="Asia/Shanghai")


def test_member_answers_and_the_chair_reads_the_results(new_page):
    chair, taker = person("zhouyun", "周云"), person("chenjing", "陈静")
    wang, li, zhao = person("wangqiang", "王强"), person("lina", "李娜"), person("zhaolei", "赵磊")
    now = timezone.now().astimezone(SHANGHAI)
    series = make_series(
        chair=chair, roster=[(taker, "minute_taker"), (wang, "member"), (li, "member"), (zhao, "member")],
        title="运营周例会", weekdays=str(now.weekday()), start_date=now.date(), start_time=dt.time(0, 0), holiday_policy="keep",
    )  # fmt: skip
    meeting = series.meetings.filter(status=Meeting.Status.SCHEDULED).order_by("start").first()
    meeting_start(actor=chair, meeting=meeting, confirm_early=True)
    meeting_end(actor=chair, meeting=Meeting.objects.get(pk=meeting.pk))
    survey = Survey.objects.select_related("meeting__series").get(meeting=meeting)
    assert survey.invited == 5
    survey_answer(actor=li, survey=survey, scores={"purpose_clear": 5, "time_well_used": 3, "outcomes_useful": 4,
                                                   "discussion_open": 4, "overall": 4},
                  comment="汇报部分偏长，讨论时间不够。", suggestion="部门汇报每人限时 5 分钟。")  # fmt: skip
    survey_answer(actor=taker, survey=survey, scores={"purpose_clear": 4, "time_well_used": 2, "outcomes_useful": 3,
                                                      "discussion_open": 5, "overall": 3}, comment="", suggestion="会前一天发材料。")  # fmt: skip
    shots = Shots("survey")

    # 王强 answers.
    page = new_page()
    log_in(page, wang)
    page.goto(f"/meetings/{meeting.pk}/")
    link = page.get_by_test_id("survey-answer-link")
    expect(link).to_have_text(zh("Answer the post-meeting survey"))
    follow(page, link, re.compile(rf"/meetings/{meeting.pk}/survey/$"))
    expect(page.locator("h1")).to_contain_text(zh("Post-meeting survey"))
    expect(page.locator("legend").first).to_contain_text(zh("The purpose of the meeting was clear"))
    shots(page, "form")

    choices = {"purpose_clear": 4, "time_well_used": 2, "outcomes_useful": 4, "discussion_open": 5}  # overall forgotten
    for name, score in choices.items():
        page.locator(f"#field-{name} label.choice").nth(score - 1).click()
    page.fill("#id_comment", "目的清楚，但超时二十分钟。")
    page.fill("#id_suggestion", "主持人提醒每个议题的剩余时间。")
    page.get_by_test_id("survey-submit").click()
    error = page.locator("#field-overall .errors")
    expect(error).to_have_text(zh("Choose a score from 1 to 5."))
    expect(page.locator("#field-time_well_used input[value='2']")).to_be_checked()  # kept
    expect(page.locator("#id_comment")).to_have_value("目的清楚，但超时二十分钟。")
    shots(page, "missing-answer")
    assert AnswerPool.objects.get(survey=survey).size == 2

    page.locator("#field-overall label.choice").nth(3).click()
    with page.expect_navigation():
        page.get_by_test_id("survey-submit").click()
    expect(page.get_by_test_id("survey-thanks")).to_have_text(zh("Thank you: your answer was recorded."))
    shots(page, "thanks")
    scores = ("purpose_clear", "time_well_used", "outcomes_useful", "discussion_open", "overall")
    mine = [a for a in AnswerPool.objects.get(survey=survey).answers if a["comment"] == "目的清楚，但超时二十分钟。"]
    assert [tuple(a[k] for k in scores) for a in mine] == [(4, 2, 4, 5, 4)]
    assert not Response.objects.exists()

    # The chair reads the results: while open, the three answers wait.
    page = new_page()
    log_in(page, chair)
    page.goto(f"/meetings/{meeting.pk}/")
    follow(page, page.get_by_test_id("survey-results-link"), re.compile(rf"/meetings/{meeting.pk}/survey/results/$"))
    expect(page.get_by_test_id("survey-rate")).to_contain_text(zh("%(n)s of %(total)s answered (%(p)s%%)", n=3, total=5, p=60))
    expect(page.get_by_test_id("survey-hidden")).to_be_visible()
    expect(page.get_by_test_id("survey-waiting")).to_be_visible()
    expect(page.get_by_test_id("survey-comments")).to_have_count(0)
    shots(page, "results-waiting")

    # Closed: the chair's next look writes them, shuffled, and shows them.
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now())
    page.reload()
    expect(page.get_by_test_id("survey-rate")).to_contain_text(zh("%(n)s of %(total)s answered (%(p)s%%)", n=3, total=5, p=60))
    mine = Response.objects.get(comment="目的清楚，但超时二十分钟。")
    assert mine.person_id is None
    expect(page.get_by_test_id("survey-target")).to_have_text(zh("target %(t)s%%", t=60))
    # time well used: (3 + 2 + 2) / 3 = 2.3; overall: (4 + 3 + 4) / 3 = 3.7
    expect(page.locator("tr[data-question=time_well_used] td.avg strong")).to_have_text("2.3")
    expect(page.locator("tr[data-question=overall] td.avg strong")).to_have_text("3.7")
    comments = page.get_by_test_id("survey-comments")
    expect(comments).to_contain_text("目的清楚，但超时二十分钟。")
    expect(comments).not_to_contain_text("王强")
    expect(page.get_by_test_id("survey-suggestions").locator("li")).to_have_count(3)
    shots(page, "results")
