"""Reads for the survey (会后反馈): who is asked, where a survey stands, its results, and
the scores of many meetings at once for the health pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import ngettext

from lihui.meetings.models import Attendance, Guest, Meeting
from lihui.meetings.selectors import meeting_can_take_notes
from lihui.people.models import Person
from lihui.regime.models import Membership

from .models import QUESTIONS, AnswerPool, Respondent, Response, Survey

NAMES = [name for name, _label in QUESTIONS]
SCORES = (1, 2, 3, 4, 5)
ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.REMOTE)


class State:
    OFF = "off"  # the series runs no survey
    NOT_OPEN = "not_open"  # the meeting has not ended yet
    OPEN = "open"
    CLOSED = "closed"


def survey_invitee_ids(*, meeting: Meeting) -> set[int]:
    """Who is asked, and so who may answer: those who attended (present, late, remote)
    when attendance was taken; otherwise the roster and the staff guests. Active people
    only. At most two queries."""
    attended = list(
        Attendance.objects.filter(meeting=meeting, person__isnull=False).values_list("person_id", "status", "person__is_active")
    )
    if attended:
        return {pid for pid, status, active in attended if status in ATTENDED and active}
    roster = Membership.objects.filter(series_id=meeting.series_id, person__is_active=True).order_by().values_list("person_id", flat=True)
    guests = (
        Guest.objects.filter(item__meeting=meeting, person__isnull=False, person__is_active=True)
        .order_by()
        .values_list("person_id", flat=True)
    )
    return set(roster.union(guests))


def survey_for_meeting(*, meeting: Meeting) -> Survey | None:
    return Survey.objects.filter(meeting=meeting).first()


def survey_state(*, meeting: Meeting, survey: Survey | None, now: dt.datetime | None = None) -> str:
    if survey is None:
        return State.NOT_OPEN if meeting.series.survey_enabled else State.OFF
    return State.OPEN if (now or timezone.now()) < survey.closes_at else State.CLOSED


def survey_may_answer(*, person: Person, meeting: Meeting) -> bool:
    return person.is_authenticated and person.pk in survey_invitee_ids(meeting=meeting)


def survey_answered(*, person: Person, survey: Survey | None) -> bool:
    return survey is not None and Respondent.objects.filter(survey=survey, person=person).exists()


def survey_min_answers() -> int:
    """Below this many answers a survey shows no results and counts in no aggregate."""
    return max(1, settings.LIHUI_SURVEY_MIN_ANSWERS)


def survey_hidden_notice(minimum: int) -> str:
    """What to say instead of results below the minimum (the API; the page says the same)."""
    return ngettext(
        "Fewer than %(n)s answer — results are hidden to keep answers anonymous.",
        "Fewer than %(n)s answers — results are hidden to keep answers anonymous.",
        minimum,
    ) % {"n": minimum}


def surveys_with_enough_answers() -> QuerySet:
    """The ids of surveys with at least the minimum of answers written, for the aggregates
    elsewhere (health, review, recommendations): `Response.objects.filter(survey__in=…)`.
    Counting only such surveys, no choice of periods or meetings singles out fewer answers."""
    return Survey.objects.annotate(n=Count("responses")).filter(n__gte=survey_min_answers()).values("pk")


def survey_can_see_results(*, person: Person, meeting: Meeting) -> bool:
    """The chair, the minute-taker and admins."""
    return person.is_authenticated and meeting_can_take_notes(person=person, meeting=meeting)


# --- results -------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    name: str
    label: str
    average: float | None
    # (score, count, percent of the answers), 1 to 5
    distribution: list[tuple[int, int, int]]

    @property
    def percent(self) -> int:
        """The average on a 0–100 scale (1 → 0, 5 → 100), for a bar."""
        return round((self.average - 1) / 4 * 100) if self.average is not None else 0


@dataclass
class Remark:
    text: str
    name: str = ""  # only when the survey is not anonymous


@dataclass
class SurveyResults:
    survey: Survey
    # every answer received (the response rate), written or still in the pool
    responses: int
    invited: int
    target_percent: int
    # the answers the scores and texts are made of (the pool's wait until a batch is written)
    in_results: int = 0
    min_answers: int = 1
    questions: list[QuestionResult] = field(default_factory=list)
    comments: list[Remark] = field(default_factory=list)
    suggestions: list[Remark] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        """Answers ÷ people asked, 0–1; None when nobody was asked."""
        return self.responses / self.invited if self.invited else None

    @property
    def rate_percent(self) -> int | None:
        return round(self.rate * 100) if self.rate is not None else None

    @property
    def rate_bar(self) -> int:
        """The rate for a bar, at most 100 (attendance corrected after the survey opened)."""
        return min(self.rate_percent or 0, 100)

    @property
    def meets_target(self) -> bool:
        return self.rate is not None and self.rate * 100 >= self.target_percent

    @property
    def hidden(self) -> bool:
        """Too few answers to show any without telling what someone answered."""
        return self.in_results < self.min_answers

    @property
    def waiting(self) -> int:
        """Answers received but not yet in the results (an anonymous survey's pool)."""
        return self.responses - self.in_results


def _score_aggregates(prefix: str = "") -> dict:
    out = {}
    for name in NAMES:
        out[f"avg_{name}"] = Avg(prefix + name)
    return out


def survey_results(*, survey: Survey) -> SurveyResults:
    """Averages and the 1–5 distribution of every question, the response rate against the
    series' target, and the comments and suggestions (named only when not anonymous).

    The rate counts every answer received (`Response`s, which stay when a person is
    removed, and those waiting in an anonymous survey's pool). Scores and texts come from
    the written `Response`s only, and only from the minimum number of answers up
    (`hidden` below it). A closed survey's waiting answers are written first. Three
    queries whatever the number of answers: the pool, one aggregate, the texts."""
    from .services import survey_release  # the close is due: do it rather than show less

    if timezone.now() >= survey.closes_at:
        survey_release(survey=survey)
        waiting = 0
    else:
        waiting = AnswerPool.objects.filter(survey=survey).values_list("size", flat=True).first() or 0
    aggregates = {"n": Count("id"), **_score_aggregates()}
    for name in NAMES:
        for score in SCORES:
            aggregates[f"n_{name}_{score}"] = Count("id", filter=Q(**{name: score}))
    row = Response.objects.filter(survey=survey).aggregate(**aggregates)
    n = row["n"]
    out = SurveyResults(
        survey=survey,
        responses=n + waiting,
        invited=survey.invited,
        target_percent=survey.meeting.series.survey_target_percent,
        in_results=n,
        min_answers=survey_min_answers(),
    )
    shown = not out.hidden
    for name, label in QUESTIONS:
        counts = [(score, row[f"n_{name}_{score}"] if shown else 0) for score in SCORES]
        out.questions.append(
            QuestionResult(
                name=name,
                label=str(label),
                average=row[f"avg_{name}"] if shown else None,
                distribution=[(score, count, round(count * 100 / n) if shown else 0) for score, count in counts],
            )
        )
    if not shown:
        return out
    texts = Response.objects.filter(survey=survey).exclude(comment="", suggestion="")
    if survey.anonymous:
        # Random keys: this order says nothing about who answered when.
        rows = texts.order_by("id").values_list("comment", "suggestion")
        pairs = [(c, s, "") for c, s in rows]
    else:
        rows = texts.order_by("person__sort_key", "id").values_list("comment", "suggestion", "person__name")
        pairs = [(c, s, who or "") for c, s, who in rows]
    out.comments = [Remark(c, who) for c, _s, who in pairs if c]
    out.suggestions = [Remark(s, who) for _c, s, who in pairs if s]
    return out


def survey_scores(*, meetings: Iterable[Meeting | int]) -> dict[int, dict]:
    """Survey scores of many meetings in ONE query, for the health pages.

    `meetings`: a queryset of meetings (used as a subquery), or meetings / meeting ids.
    Returns `{meeting_id: {"purpose_clear": avg, "time_well_used": avg,
    "outcomes_useful": avg, "discussion_open": avg, "overall": avg, "responses": n,
    "invited": i, "rate": r}}` where each avg is a float from 1 to 5, or None with fewer
    answers written than the minimum, `responses` counts every answer received (also
    those waiting in an anonymous survey's pool) and `rate` is responses ÷ invited from 0
    to 1 (None when nobody was asked). Meetings without a survey (not held, or the series
    runs none) are left out."""
    if not hasattr(meetings, "query"):
        meetings = [m.pk if isinstance(m, Meeting) else m for m in meetings]
    rows = (
        Survey.objects.filter(meeting__in=meetings)
        .values("meeting_id", "invited", waiting=Coalesce("pool__size", 0))
        .annotate(n=Count("responses"), **_score_aggregates("responses__"))
        .order_by()
    )
    least = survey_min_answers()
    out: dict[int, dict] = {}
    for row in rows:
        invited = row["invited"]
        received = row["n"] + row["waiting"]
        out[row["meeting_id"]] = {
            **{name: row[f"avg_{name}"] if row["n"] >= least else None for name in NAMES},
            "responses": received,
            "invited": invited,
            "rate": received / invited if invited else None,
        }
    return out
