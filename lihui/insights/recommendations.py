"""改进建议: rules that read a series' recent record and say what to change, with the
evidence that made them fire. Each rule is a function of (series, now) returning a
Recommendation or None; all read the database with a few bounded queries (the last N
meetings, a period's aggregate), never a whole history.
`lihui.insights.selectors.series_recommendations` runs them for a series.

The rules (thresholds are module constants, documented with each):
- overrun:        the last 4 held meetings ran on average more than the series' overrun
                  tolerance past their slot → trim the agenda or lengthen the slot
                  (opens the agenda template).
- action_on_time: of the actions due in the last 90 days and closed (or still open past
                  due), fewer than 70 % closed by their due date → set clear due dates in
                  the meeting and follow up mid-way (opens the series' action board).
- absentee:       a required member was absent (not excused) at each of the last 3 held
                  meetings → ask whether they still need to attend (one click: make them
                  an optional member).
- reporting:      in the last 6 weeks, report items took 60 % or more of the time used →
                  make room for discussion and decisions (opens the agenda template).
- satisfaction:   the average "overall" survey score fell at each of the last 3 surveys
                  (4 surveys with answers, each lower than the one before) → talk about it
                  in the recap (opens the last survey's results).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lihui.actions.models import ActionItem
from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.people.models import Person
from lihui.regime.models import AgendaKind, Membership, Series

OVERRUN_MEETINGS = 4
ON_TIME_DAYS = 90
ON_TIME_MIN_ACTIONS = 5
ON_TIME_THRESHOLD = 70  # %
ABSENT_STREAK = 3
REPORTING_DAYS = 42
REPORTING_THRESHOLD = 60  # %
SATISFACTION_DROPS = 3


@dataclass
class Apply:
    label: str
    url: str
    method: str = "get"  # "confirm": a change, on a page that shows it and asks (the managers' only)
    fields: dict = field(default_factory=dict)


@dataclass
class Recommendation:
    key: str
    text: str  # the advice with its figure, e.g. 「近 4 次会议平均超时 18 分钟：精简议程或延长时长」
    evidence: list[str]  # the facts behind it, one line each
    apply: Apply | None = None
    figures: dict = field(default_factory=dict)


def _held(series: Series):
    return Meeting.objects.filter(series=series, status=Meeting.Status.HELD, actual_start__isnull=False)


def rule_overrun(series: Series, now: dt.datetime) -> Recommendation | None:
    meetings = list(
        _held(series).filter(actual_end__isnull=False, start__lte=now).order_by("-start")
        .values("number", "start", "duration_minutes", "actual_start", "actual_end")[:OVERRUN_MEETINGS]  # fmt: skip
    )
    if len(meetings) < OVERRUN_MEETINGS:
        return None
    overruns = []
    for m in meetings:
        used = (m["actual_end"] - m["actual_start"]).total_seconds() / 60
        overruns.append(used - m["duration_minutes"])
    average = round(sum(overruns) / len(overruns))
    if average <= series.end_tolerance_minutes:
        return None
    evidence = [
        _("Meeting %(number)s: %(minutes)+d minutes against the slot") % {"number": m["number"] or "—", "minutes": round(o)}
        for m, o in zip(meetings, overruns)
    ]
    text = _("The last %(n)d meetings ran %(minutes)d minutes over on average: trim the agenda or lengthen the slot") % {
        "n": OVERRUN_MEETINGS, "minutes": average}  # fmt: skip
    return Recommendation(
        "overrun", text, evidence, Apply(_("Open the agenda template"), reverse("regime:agenda_template", args=[series.pk])),
        {"average_overrun_minutes": average},
    )  # fmt: skip


def rule_action_on_time(series: Series, now: dt.datetime) -> Recommendation | None:
    today = timezone.localtime(now).date()
    since = today - dt.timedelta(days=ON_TIME_DAYS)
    due = ActionItem.objects.filter(series=series, due__gte=since, due__lt=today).exclude(status=ActionItem.Status.CANCELLED)
    figures = due.aggregate(
        total=Count("id"),
        on_time=Count("id", filter=Q(status=ActionItem.Status.DONE, closed_at__date__lte=F("due"))),
    )
    total, on_time = figures["total"], figures["on_time"]
    if total < ON_TIME_MIN_ACTIONS:
        return None
    rate = round(100 * on_time / total)
    if rate >= ON_TIME_THRESHOLD:
        return None
    text = _("Actions closed by their due date: %(rate)d%%. Agree clear due dates in the meeting and follow up mid-way") % {"rate": rate}
    evidence = [
        ngettext(
            "%(on_time)d of %(n)d action due in the last %(days)d days was closed on time",
            "%(on_time)d of %(n)d actions due in the last %(days)d days were closed on time",
            total,
        ) % {"on_time": on_time, "n": total, "days": ON_TIME_DAYS}
    ]
    return Recommendation(
        "action_on_time", text, evidence, Apply(_("Open the action board"), reverse("actions:series_board", args=[series.pk])),
        {"on_time_percent": rate, "actions": total},
    )  # fmt: skip


def rule_absentee(series: Series, now: dt.datetime) -> list[Recommendation]:
    """One query: members absent at each of the last ABSENT_STREAK held meetings (with
    fewer meetings than that, nobody can reach the streak)."""
    last = _held(series).filter(start__lte=now).order_by("-start").values("pk")[:ABSENT_STREAK]
    required = Membership.objects.filter(series=series, role=Membership.Role.MEMBER).values("person_id")
    streaks = (
        Attendance.objects.filter(meeting_id__in=Subquery(last), status=Attendance.Status.ABSENT, person_id__in=required)
        .values("person_id").annotate(n=Count("meeting_id", distinct=True)).filter(n=ABSENT_STREAK).values("person_id")  # fmt: skip
    )
    out = []
    for person in Person.objects.filter(pk__in=Subquery(streaks)).order_by("sort_key"):
        text = _("%(name)s was absent %(n)d times in a row: confirm whether they still need to attend") % {
            "name": person.name, "n": ABSENT_STREAK}  # fmt: skip
        out.append(Recommendation(
            f"absentee:{person.pk}", text,
            [_("Absent, not excused, at each of the last %(n)d meetings") % {"n": ABSENT_STREAK}],
            Apply(_("Make %(name)s an optional member") % {"name": person.name},
                  reverse("insights:apply_optional", args=[series.pk]), "confirm", {"person": person.pk}),
            {"person": person.pk},
        ))  # fmt: skip
    return out


def rule_reporting(series: Series, now: dt.datetime) -> Recommendation | None:
    since = now - dt.timedelta(days=REPORTING_DAYS)
    figures = AgendaItem.objects.filter(
        meeting__series=series, meeting__status=Meeting.Status.HELD, meeting__start__gte=since, meeting__start__lte=now
    ).aggregate(total=Sum("seconds_used"), reports=Sum("seconds_used", filter=Q(kind=AgendaKind.REPORT)),
                meetings=Count("meeting_id", distinct=True))  # fmt: skip
    total = figures["total"] or 0
    if not total or figures["meetings"] < 2:
        return None
    share = round(100 * (figures["reports"] or 0) / total)
    if share < REPORTING_THRESHOLD:
        return None
    text = _("In the last %(weeks)d weeks reports took %(share)d%% of the time: make room for discussion and decisions") % {
        "weeks": REPORTING_DAYS // 7, "share": share}  # fmt: skip
    evidence = [
        _("%(report)d of %(total)d minutes used in %(n)d meetings went to department reports") % {
            "report": round((figures["reports"] or 0) / 60), "total": round(total / 60), "n": figures["meetings"]}  # fmt: skip
    ]
    return Recommendation(
        "reporting", text, evidence, Apply(_("Open the agenda template"), reverse("regime:agenda_template", args=[series.pk])),
        {"report_share_percent": share},
    )  # fmt: skip


def rule_satisfaction(series: Series, now: dt.datetime) -> Recommendation | None:
    from lihui.surveys.models import Response
    from lihui.surveys.selectors import surveys_with_enough_answers

    # A meeting's average is shown here as evidence: only from the minimum of answers up.
    rows = list(
        Response.objects.filter(
            survey__meeting__series=series, survey__meeting__start__lte=now, survey__in=surveys_with_enough_answers()
        )
        .values("survey__meeting_id", "survey__meeting__start", "survey__meeting__number")
        .annotate(overall=Avg("overall")).order_by("-survey__meeting__start")[: SATISFACTION_DROPS + 1]  # fmt: skip
    )
    if len(rows) < SATISFACTION_DROPS + 1:
        return None
    scores = [r["overall"] for r in reversed(rows)]  # oldest first
    if not all(b < a for a, b in zip(scores, scores[1:])):
        return None
    text = _("Satisfaction fell %(n)d times in a row (%(first).1f → %(last).1f): ask what to change in the recap") % {
        "n": SATISFACTION_DROPS, "first": scores[0], "last": scores[-1]}  # fmt: skip
    evidence = [
        _("Meeting %(number)s: overall %(score).1f") % {"number": r["survey__meeting__number"] or "—", "score": r["overall"]}
        for r in reversed(rows)
    ]
    latest = rows[0]["survey__meeting_id"]
    return Recommendation(
        "satisfaction", text, evidence, Apply(_("Read the latest survey"), reverse("surveys:results", args=[latest])),
        {"overall": [round(s, 2) for s in scores]},
    )  # fmt: skip

