"""The survey after a meeting (会后反馈): opened when the meeting ends (through `meeting_end`
and the notices hook), answered once per person, anonymous without a link from answer to
person (answers wait in a pool and are written in batches: test_anonymity.py), closed
after the series' days; results and rate computed in the database, shown only from
LIHUI_SURVEY_MIN_ANSWERS answers up."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lihui.meetings.models import Meeting
from lihui.meetings.services.live import attendance_set, meeting_end, meeting_start
from lihui.notify.models import Message
from lihui.people.services import api_token_create
from lihui.regime.models import Membership, Series
from lihui.surveys.models import AnswerPool, Respondent, Response, Survey
from lihui.surveys.selectors import survey_results, survey_scores
from lihui.surveys.services import AlreadyAnswered, survey_answer, survey_open, surveys_release_closed
from lihui.testing.factories import PersonFactory

GOOD = {"purpose_clear": 5, "time_well_used": 4, "outcomes_useful": 4, "discussion_open": 3, "overall": 4}


def held(series: Series, *, chair, index: int = 0, attendance: dict | None = None) -> Meeting:
    """A scheduled meeting of the series, run and ended by its chair (attendance taken first if given)."""
    meeting = series.meetings.filter(status=Meeting.Status.SCHEDULED).order_by("start")[index]
    meeting_start(actor=chair, meeting=meeting, confirm_early=True)
    for person, status in (attendance or {}).items():
        attendance_set(actor=chair, meeting=meeting, person=person, status=status, reason="出差" if status == "excused" else "")
    return meeting_end(actor=chair, meeting=Meeting.objects.get(pk=meeting.pk))


def survey_of(meeting: Meeting) -> Survey:
    return Survey.objects.select_related("meeting__series").get(meeting=meeting)


def answer(person, meeting, scores=None, comment="", suggestion=""):
    return survey_answer(actor=person, survey=survey_of(meeting), scores=scores or GOOD, comment=comment, suggestion=suggestion)


def received() -> list[dict]:
    """Every answer kept, written or waiting in a pool (comment and scores)."""
    fields = [*GOOD, "comment", "suggestion"]
    written = list(Response.objects.values(*fields))
    return written + [{k: a[k] for k in fields} for pool in AnswerPool.objects.all() for a in pool.answers]


def nothing_kept() -> bool:
    return not received() and not Respondent.objects.exists()


@contextmanager
def closed(meeting):
    """Past the close, after the worker's pass has written what waited."""
    with time_machine.travel(survey_of(meeting).closes_at + dt.timedelta(minutes=1)):
        surveys_release_closed()
        yield


def bearer(person) -> dict:
    _token, secret = api_token_create(person=person, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post_json(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


# --- opening --------------------------------------------------------------------------------


def test_meeting_end_opens_the_survey_and_asks_the_participants(cast):
    meeting = held(cast.series, chair=cast.chair)

    survey = survey_of(meeting)
    assert survey.anonymous is True  # the series' default
    assert survey.closes_at == meeting.actual_end + dt.timedelta(days=3)
    assert survey.invited == 3  # chair, minute-taker, member: no attendance taken
    requests = Message.objects.filter(kind="survey_request")
    assert sorted(requests.values_list("recipient_id", flat=True)) == sorted([cast.chair.pk, cast.minute_taker.pk, cast.presenter.pk])
    body = requests.first().body_text
    assert f"/meetings/{meeting.pk}/survey/" in body


def test_opening_is_idempotent_and_copies_the_series_settings(cast):
    Series.objects.filter(pk=cast.series.pk).update(survey_anonymous=False, survey_open_days=7)
    meeting = held(cast.series, chair=cast.chair)
    first = survey_open(meeting=meeting)
    assert survey_open(meeting=meeting).pk == first.pk
    assert Survey.objects.filter(meeting=meeting).count() == 1
    assert first.anonymous is False
    assert first.closes_at == meeting.actual_end + dt.timedelta(days=7)


def test_no_survey_when_the_series_runs_none(cast):
    Series.objects.filter(pk=cast.series.pk).update(survey_enabled=False)
    meeting = held(cast.series, chair=cast.chair)
    assert not Survey.objects.filter(meeting=meeting).exists()
    assert not Message.objects.filter(kind="survey_request").exists()


def test_no_survey_before_the_meeting_ends(cast):
    meeting = cast.series.meetings.filter(status=Meeting.Status.SCHEDULED).first()
    assert survey_open(meeting=meeting) is None


def test_with_attendance_those_who_attended_are_asked(cast):
    extra = PersonFactory()
    Membership.objects.create(series=cast.series, person=extra, role="member")
    meeting = held(
        cast.series, chair=cast.chair,
        attendance={cast.chair: "present", cast.minute_taker: "remote", cast.presenter: "late", extra: "absent"},
    )  # fmt: skip
    assert survey_of(meeting).invited == 3
    answer(cast.presenter, meeting)
    with pytest.raises(PermissionDenied):
        answer(extra, meeting)


def test_the_survey_request_goes_to_the_people_it_counts_as_invited(cast):
    """Issue 16, list 6: the request went to 9 people (absent and excused included) while the
    survey counted 7 invited. Both are the people who attended: present, late or remote."""
    absent, excused = PersonFactory(), PersonFactory()
    for person in (absent, excused):
        Membership.objects.create(series=cast.series, person=person, role="member")
    meeting = held(
        cast.series, chair=cast.chair,
        attendance={cast.chair: "present", cast.minute_taker: "remote", cast.presenter: "late", absent: "absent", excused: "excused"},
    )  # fmt: skip
    asked = set(Message.objects.filter(kind="survey_request").values_list("recipient_id", flat=True))
    assert asked == {cast.chair.pk, cast.minute_taker.pk, cast.presenter.pk}
    assert survey_of(meeting).invited == len(asked)


# --- answering ------------------------------------------------------------------------------


def test_anonymous_answer_keeps_no_link_to_the_person(cast):
    meeting = held(cast.series, chair=cast.chair)
    assert answer(cast.presenter, meeting, comment="节奏不错", suggestion="材料提前一天发") is None
    # Waiting in the pool, not yet an answer row; the person only as a respondent.
    assert not Response.objects.exists()
    assert AnswerPool.objects.get().answers == [{**GOOD, "comment": "节奏不错", "suggestion": "材料提前一天发"}]
    assert AnswerPool.objects.get().size == 1
    assert list(Respondent.objects.values_list("person_id", flat=True)) == [cast.presenter.pk]
    with closed(meeting):
        response = Response.objects.get()
    assert response.person_id is None
    assert (response.purpose_clear, response.overall, response.comment) == (5, 4, "节奏不错")
    assert not AnswerPool.objects.exists()


def test_anonymous_answers_are_written_in_shuffled_batches(cast, settings):
    """Twice the minimum waiting: a random half is written, the minimum stays back; at the
    close the rest. No batch is smaller than the minimum."""
    settings.LIHUI_SURVEY_MIN_ANSWERS = 2
    meeting = team_meeting(cast, extra=2)  # 5 asked
    people = [m.person for m in Membership.objects.filter(series=cast.series).select_related("person").order_by("pk")]
    counts = []
    for i, person in enumerate(people):
        answer(person, meeting, comment=f"c{i}")
        counts.append((Response.objects.count(), AnswerPool.objects.get().size))
    assert counts == [(0, 1), (0, 2), (0, 3), (2, 2), (2, 3)]
    assert sorted(a["comment"] for a in received()) == [f"c{i}" for i in range(5)]
    with closed(meeting):
        assert sorted(Response.objects.values_list("comment", flat=True)) == [f"c{i}" for i in range(5)]
        assert not AnswerPool.objects.exists()
        assert Respondent.objects.count() == 5


def test_the_worker_writes_the_waiting_answers_once_the_survey_closed(cast, settings):
    settings.LIHUI_NOTIFY_ENABLED = False
    meeting = held(cast.series, chair=cast.chair)
    answer(cast.presenter, meeting, comment="会前发材料")
    # The pass starts by dropping old connections: here that would be the test's own.
    with mock.patch("lihui.ops.management.commands.worker.close_old_connections"):
        call_command("worker", "--once")  # still open: they wait
        assert not Response.objects.exists() and AnswerPool.objects.get().size == 1
        with time_machine.travel(survey_of(meeting).closes_at + dt.timedelta(seconds=1)):
            call_command("worker", "--once")
    assert list(Response.objects.values_list("comment", "person")) == [("会前发材料", None)]
    assert not AnswerPool.objects.exists()


def test_named_answer_keeps_the_person(cast):
    Series.objects.filter(pk=cast.series.pk).update(survey_anonymous=False)
    meeting = held(cast.series, chair=cast.chair)
    assert answer(cast.presenter, meeting).person_id == cast.presenter.pk


def test_a_second_answer_is_refused(cast):
    meeting = held(cast.series, chair=cast.chair)
    answer(cast.presenter, meeting)
    with pytest.raises(AlreadyAnswered):
        answer(cast.presenter, meeting, scores={**GOOD, "overall": 1})
    assert [a["overall"] for a in received()] == [4]


def test_a_second_answer_sent_at_the_same_moment_is_refused_by_the_database(cast):
    """Both requests passed the "already answered?" check: the unique respondent row refuses
    the second, the same error, and nothing of it is kept."""
    meeting = held(cast.series, chair=cast.chair)
    answer(cast.presenter, meeting)
    with mock.patch.object(QuerySet, "exists", return_value=False), pytest.raises(AlreadyAnswered):
        answer(cast.presenter, meeting)
    assert len(received()) == 1 and Respondent.objects.count() == 1


@pytest.mark.parametrize(
    "scores, field",
    [
        ({**GOOD, "overall": 6}, "overall"),
        ({**GOOD, "overall": 0}, "overall"),
        ({**GOOD, "purpose_clear": "4"}, "purpose_clear"),
        ({**GOOD, "purpose_clear": 4.5}, "purpose_clear"),
        ({**GOOD, "purpose_clear": True}, "purpose_clear"),
        ({k: v for k, v in GOOD.items() if k != "discussion_open"}, "discussion_open"),
        ({**GOOD, "mood": 3}, "__all__"),
    ],
)
def test_bad_scores_are_refused(cast, scores, field):
    meeting = held(cast.series, chair=cast.chair)
    with pytest.raises(ValidationError) as exc:
        answer(cast.presenter, meeting, scores=scores)
    assert field in exc.value.message_dict
    assert nothing_kept()


def test_too_long_texts_are_refused(cast):
    meeting = held(cast.series, chair=cast.chair)
    with pytest.raises(ValidationError) as exc:
        answer(cast.presenter, meeting, comment="长" * 2001)
    assert "comment" in exc.value.message_dict
    assert nothing_kept()


def test_no_answer_after_closing(cast):
    meeting = held(cast.series, chair=cast.chair)
    survey = survey_of(meeting)
    with time_machine.travel(survey.closes_at + dt.timedelta(seconds=1)):
        with pytest.raises(ValidationError) as exc:
            answer(cast.presenter, meeting)
    assert "__all__" in exc.value.message_dict
    assert nothing_kept()


def test_an_answer_that_reaches_the_pool_after_the_close_is_refused(cast):
    """It passed the "closed?" check, then waited for the pool while the close wrote it: a
    pool made now would be written later as a batch of one. Refused, nothing kept."""
    meeting = held(cast.series, chair=cast.chair)
    closes = survey_of(meeting).closes_at
    times = iter([closes - dt.timedelta(seconds=1)])
    real_now = timezone.now
    with mock.patch("lihui.surveys.services.timezone.now", side_effect=lambda: next(times, closes + dt.timedelta(seconds=1))):
        with pytest.raises(ValidationError) as exc:
            answer(cast.presenter, meeting)
    assert "__all__" in exc.value.message_dict and real_now() < closes
    assert nothing_kept()


def test_only_the_people_asked_answer(cast):
    meeting = held(cast.open_series, chair=cast.chair)
    for person in (cast.outsider, cast.admin):  # sees the open series; an admin, not on the roster
        with pytest.raises(PermissionDenied):
            answer(person, meeting)
    assert nothing_kept()


# --- results ----------------------------------------------------------------------------------


def team_meeting(cast, *, extra: int = 2, anonymous: bool = True) -> Meeting:
    """The private series with `extra` more members: 3 + extra people asked."""
    for _i in range(extra):
        Membership.objects.create(series=cast.series, person=PersonFactory(), role="member")
    Series.objects.filter(pk=cast.series.pk).update(survey_anonymous=anonymous)
    return held(cast.series, chair=cast.chair)


def test_results_by_hand(cast):
    meeting = team_meeting(cast, anonymous=False)  # 5 asked
    answer(cast.chair, meeting, {"purpose_clear": 5, "time_well_used": 2, "outcomes_useful": 4, "discussion_open": 3, "overall": 2},
           comment="超时了", suggestion="控制汇报时长")  # fmt: skip
    answer(cast.minute_taker, meeting, {"purpose_clear": 4, "time_well_used": 3, "outcomes_useful": 4, "discussion_open": 3, "overall": 2})
    answer(cast.presenter, meeting, {"purpose_clear": 3, "time_well_used": 4, "outcomes_useful": 4, "discussion_open": 5, "overall": 5},
           suggestion="提前发材料")  # fmt: skip

    r = survey_results(survey=survey_of(meeting))

    assert (r.responses, r.invited, r.rate, r.rate_percent, r.target_percent, r.meets_target) == (3, 5, 0.6, 60, 60, True)
    by = {q.name: q for q in r.questions}
    assert by["purpose_clear"].average == pytest.approx(4.0)
    assert by["time_well_used"].average == pytest.approx(3.0)
    assert by["discussion_open"].average == pytest.approx(11 / 3)
    assert by["overall"].average == pytest.approx(3.0)
    assert [c for _s, c, _p in by["overall"].distribution] == [0, 2, 0, 0, 1]
    assert [p for _s, _c, p in by["overall"].distribution] == [0, 67, 0, 0, 33]
    assert [c for _s, c, _p in by["outcomes_useful"].distribution] == [0, 0, 0, 3, 0]
    assert [(x.text, x.name) for x in r.comments] == [("超时了", cast.chair.name)]
    assert sorted((x.text, x.name) for x in r.suggestions) == sorted([("控制汇报时长", cast.chair.name), ("提前发材料", cast.presenter.name)])


def test_anonymous_results_show_no_names(cast):
    meeting = team_meeting(cast, extra=0)
    answer(cast.presenter, meeting, comment="很好")
    answer(cast.chair, meeting)
    answer(cast.minute_taker, meeting)
    with time_machine.travel(survey_of(meeting).closes_at + dt.timedelta(minutes=1)):
        client = Client()
        client.force_login(cast.chair)
        # The chair's look after the close writes the waiting answers first.
        page = client.get(reverse("surveys:results", args=[meeting.pk])).content.decode()
        r = survey_results(survey=survey_of(meeting))
    assert [(x.text, x.name) for x in r.comments] == [("很好", "")]
    assert "很好" in page and cast.presenter.name not in page


def test_results_are_hidden_below_the_minimum(cast):
    """Two answers of a named survey, minimum 3: the rate, but no average, count or text."""
    meeting = team_meeting(cast, extra=0, anonymous=False)
    answer(cast.presenter, meeting, {**GOOD, "overall": 1}, comment="太长了")
    answer(cast.chair, meeting, {**GOOD, "overall": 5})
    r = survey_results(survey=survey_of(meeting))
    assert (r.responses, r.in_results, r.min_answers, r.hidden, r.rate_percent) == (2, 2, 3, True, 67)
    assert all(q.average is None and [c for _s, c, _p in q.distribution] == [0] * 5 for q in r.questions)
    assert r.comments == [] and r.suggestions == []
    client = Client()
    client.force_login(cast.chair)
    page = client.get(reverse("surveys:results", args=[meeting.pk])).content.decode()
    assert 'data-testid="survey-hidden"' in page and "答卷少于 3 份" in page
    assert "太长了" not in page and 'data-testid="survey-scores"' not in page
    answer(cast.minute_taker, meeting, {**GOOD, "overall": 3})
    r = survey_results(survey=survey_of(meeting))
    assert not r.hidden and {q.name: q.average for q in r.questions}["overall"] == pytest.approx(3.0)
    assert "太长了" in client.get(reverse("surveys:results", args=[meeting.pk])).content.decode()


def test_live_anonymous_results_change_only_by_whole_batches(cast):
    """While open, the chair sees written batches only: three answers wait (hidden, the rate
    counts them); the sixth writes three at once."""
    meeting = team_meeting(cast, extra=3)  # 6 asked
    people = [m.person for m in Membership.objects.filter(series=cast.series).select_related("person").order_by("pk")]
    seen = []
    for person in people:
        answer(person, meeting)
        r = survey_results(survey=survey_of(meeting))
        seen.append((r.responses, r.in_results, r.hidden))
    assert seen == [(1, 0, True), (2, 0, True), (3, 0, True), (4, 0, True), (5, 0, True), (6, 3, False)]


def test_results_without_answers(cast):
    meeting = held(cast.series, chair=cast.chair)
    r = survey_results(survey=survey_of(meeting))
    assert (r.responses, r.rate, r.meets_target) == (0, 0.0, False)
    assert all(q.average is None and q.percent == 0 for q in r.questions)


def test_results_page_queries_do_not_grow_with_answers(cast):
    meeting = team_meeting(cast, extra=0)
    survey = survey_of(meeting)
    client = Client()
    client.force_login(cast.chair)
    url = reverse("surveys:results", args=[meeting.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    Response.objects.bulk_create([Response(survey=survey, comment="一", suggestion="二", **GOOD) for _i in range(3)])
    one = count()
    Response.objects.bulk_create([Response(survey=survey, comment=f"意见{i}", suggestion=f"建议{i}", **GOOD) for i in range(19)])
    assert count() == one


def test_survey_scores_in_one_query(cast, django_assert_num_queries):
    first = held(cast.series, chair=cast.chair, index=0)
    second = held(cast.series, chair=cast.chair, index=0)  # the next scheduled one
    not_held = cast.series.meetings.filter(status=Meeting.Status.SCHEDULED).first()
    answer(cast.presenter, first, {**GOOD, "overall": 2})
    answer(cast.chair, first, {**GOOD, "overall": 5})

    with django_assert_num_queries(1):
        scores = survey_scores(meetings=Meeting.objects.filter(series=cast.series))
    # Waiting in the pool: counted in the rate, not (yet, and below the minimum) in the averages.
    assert (scores[first.pk]["responses"], scores[first.pk]["invited"], scores[first.pk]["overall"]) == (2, 3, None)
    assert scores[first.pk]["rate"] == pytest.approx(2 / 3)

    answer(cast.minute_taker, first, {**GOOD, "overall": 5})
    with closed(first), django_assert_num_queries(1):
        scores = survey_scores(meetings=Meeting.objects.filter(series=cast.series))

    assert set(scores) == {first.pk, second.pk}
    assert scores[first.pk]["overall"] == pytest.approx(4.0)
    assert scores[first.pk]["purpose_clear"] == pytest.approx(5.0)
    assert (scores[first.pk]["responses"], scores[first.pk]["invited"]) == (3, 3)
    assert scores[first.pk]["rate"] == pytest.approx(1.0)
    assert scores[second.pk]["responses"] == 0 and scores[second.pk]["overall"] is None and scores[second.pk]["rate"] == 0
    with django_assert_num_queries(1):
        assert set(survey_scores(meetings=[first, not_held.pk])) == {first.pk}


# --- the pages ----------------------------------------------------------------------------------


def login(person) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(person)
    return client


def form_data(**override) -> dict:
    return {**{k: str(v) for k, v in GOOD.items()}, "comment": "议程清晰", "suggestion": "", **override}


def test_page_states_and_answering(cast):
    meeting = cast.series.meetings.filter(status=Meeting.Status.SCHEDULED).first()
    member = login(cast.presenter)
    url = reverse("surveys:survey", args=[meeting.pk])
    page = member.get(url)
    assert page.status_code == 200 and 'data-testid="survey-form"' not in page.content.decode()  # not open yet

    meeting = held(cast.series, chair=cast.chair)
    url = reverse("surveys:survey", args=[meeting.pk])
    assert 'data-testid="survey-form"' in member.get(url).content.decode()
    response = member.post(url, form_data())
    assert response.status_code == 302
    page = member.get(url).content.decode()
    assert 'data-testid="survey-thanks"' in page and 'data-testid="survey-form"' not in page
    assert [a["comment"] for a in received()] == ["议程清晰"]

    again = member.post(url, form_data(overall="1"))
    assert again.status_code == 409 and 'data-testid="survey-error"' in again.content.decode()
    assert [a["overall"] for a in received()] == [4]


@pytest.mark.parametrize("override, field", [({"overall": "6"}, "overall"), ({"overall": "abc"}, "overall"),
                                             ({"purpose_clear": ""}, "purpose_clear"), ({"comment": "长" * 2001}, "comment")])  # fmt: skip
def test_page_refuses_bad_input_with_the_form_again(cast, override, field):
    meeting = held(cast.series, chair=cast.chair)
    response = login(cast.presenter).post(reverse("surveys:survey", args=[meeting.pk]), form_data(**override))
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert 'id="field-%s"' % field in response.content.decode()
    assert nothing_kept()


def test_page_after_closing(cast):
    meeting = held(cast.series, chair=cast.chair)
    url = reverse("surveys:survey", args=[meeting.pk])
    with time_machine.travel(survey_of(meeting).closes_at + dt.timedelta(minutes=1)):
        member = login(cast.presenter)
        assert 'data-testid="survey-closed"' in member.get(url).content.decode()
        response = member.post(url, form_data())
        assert response.status_code == 422 and 'data-testid="survey-error"' in response.content.decode()
    assert nothing_kept()


def test_page_permissions(cast):
    private = held(cast.series, chair=cast.chair)
    open_meeting = held(cast.open_series, chair=cast.chair)
    outsider = login(cast.outsider)
    assert outsider.get(reverse("surveys:survey", args=[private.pk])).status_code == 404
    assert outsider.post(reverse("surveys:survey", args=[private.pk]), form_data()).status_code == 404
    page = outsider.get(reverse("surveys:survey", args=[open_meeting.pk]))
    assert page.status_code == 200 and 'data-testid="survey-not-asked"' in page.content.decode()
    assert outsider.post(reverse("surveys:survey", args=[open_meeting.pk]), form_data()).status_code == 403
    assert login(cast.admin).post(reverse("surveys:survey", args=[open_meeting.pk]), form_data()).status_code == 403
    assert nothing_kept()
    results = reverse("surveys:results", args=[private.pk])
    assert {who: login(getattr(cast, who)).get(results).status_code for who in ("chair", "minute_taker", "presenter", "outsider", "admin")} == {
        "chair": 200, "minute_taker": 200, "presenter": 403, "outsider": 404, "admin": 200,
    }  # fmt: skip


def test_meeting_page_links_to_the_survey(cast):
    meeting = held(cast.open_series, chair=cast.chair)
    detail = reverse("meetings:meeting_detail", args=[meeting.pk])
    member_page = login(cast.presenter).get(detail).content.decode()
    assert 'data-testid="survey-answer-link"' in member_page and 'data-testid="survey-results-link"' not in member_page
    chair_page = login(cast.chair).get(detail).content.decode()
    assert 'data-testid="survey-results-link"' in chair_page
    assert 'data-testid="survey-card"' not in login(cast.outsider).get(detail).content.decode()


# --- the API ------------------------------------------------------------------------------------


def api_url(meeting, tail=""):
    return f"/api/v1/meetings/{meeting.pk}/survey{tail}"


def test_api_get_and_answer(cast):
    meeting = held(cast.series, chair=cast.chair)
    client = Client()
    member = bearer(cast.presenter)

    got = client.get(api_url(meeting), **member).json()
    assert got["state"] == "open" and got["may_answer"] and not got["answered_by_me"] and got["results"] is None
    assert [q["name"] for q in got["questions"]] == list(GOOD)
    assert all(len(q["scale"]) == 5 and q["label"] for q in got["questions"])

    body = {"scores": GOOD, "comment": "好", "suggestion": "早点开始"}
    created = post_json(client, api_url(meeting, "/responses"), body, member)
    assert created.status_code == 201 and created.json()["answered_by_me"] is True

    again = post_json(client, api_url(meeting, "/responses"), body, member)
    assert again.status_code == 409 and set(again.json()) == {"error", "fields"} and again.json()["error"]
    assert len(received()) == 1

    chair = client.get(api_url(meeting), **bearer(cast.chair)).json()
    assert chair["results"]["responses"] == 1 and chair["results"]["rate"] == pytest.approx(1 / 3)
    # One answer: hidden, and said why.
    assert (chair["results"]["in_results"], chair["results"]["min_answers"], chair["results"]["hidden"]) == (0, 3, True)
    assert chair["results"]["notice"] == "答卷少于 3 份，为保证匿名，暂不显示结果。"
    assert chair["results"]["comments"] == [] and all(q["average"] is None for q in chair["results"]["questions"])

    for person in (cast.chair, cast.minute_taker):
        assert post_json(client, api_url(meeting, "/responses"), {"scores": GOOD}, bearer(person)).status_code == 201
    with time_machine.travel(survey_of(meeting).closes_at + dt.timedelta(minutes=1)):
        chair = client.get(api_url(meeting), **bearer(cast.chair)).json()
    assert (chair["results"]["responses"], chair["results"]["in_results"], chair["results"]["hidden"]) == (3, 3, False)
    assert chair["results"]["notice"] is None
    assert chair["results"]["comments"] == [{"text": "好", "name": None}]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"scores": {**GOOD, "overall": 6}}, "scores.overall"),
        ({"scores": {**GOOD, "overall": 0}}, "scores.overall"),
        ({"scores": {**GOOD, "overall": "4"}}, "scores.overall"),
        ({"scores": {**GOOD, "overall": 3.5}}, "scores.overall"),
        ({"scores": {**GOOD, "overall": True}}, "scores.overall"),
        ({"scores": {k: v for k, v in GOOD.items() if k != "overall"}}, "scores.overall"),
        ({"scores": {**GOOD, "mood": 3}}, "scores.mood"),
        ({}, "scores"),
        ({"scores": GOOD, "comment": "长" * 2001}, "comment"),
    ],
)
def test_api_refuses_bad_input(cast, body, field):
    meeting = held(cast.series, chair=cast.chair)
    response = post_json(Client(), api_url(meeting, "/responses"), body, bearer(cast.presenter))
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["error"] and data["fields"][field]
    assert nothing_kept()


def test_api_refusals(cast):
    client = Client()
    private = held(cast.series, chair=cast.chair)
    open_meeting = held(cast.open_series, chair=cast.chair)
    body = {"scores": GOOD}
    assert post_json(client, api_url(private, "/responses"), body, bearer(cast.outsider)).status_code == 404
    assert post_json(client, api_url(open_meeting, "/responses"), body, bearer(cast.outsider)).status_code == 403
    assert client.get(api_url(open_meeting), **bearer(cast.outsider)).json()["results"] is None
    not_yet = cast.series.meetings.filter(status=Meeting.Status.SCHEDULED).first()
    response = post_json(client, api_url(not_yet, "/responses"), body, bearer(cast.presenter))
    assert response.status_code == 422 and response.json()["fields"]["__all__"]
    with time_machine.travel(survey_of(private).closes_at + dt.timedelta(minutes=1)):
        response = post_json(client, api_url(private, "/responses"), body, bearer(cast.presenter))
        assert response.status_code == 422 and response.json()["fields"]["__all__"]
        assert client.get(api_url(private), **bearer(cast.presenter)).json()["state"] == "closed"
    assert nothing_kept()
