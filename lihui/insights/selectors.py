"""Reads for insights: what the pages, the API and other apps ask of it.

The engines keep their own modules and are read through these: `compliance.py` (the checks
of a held meeting), `recommendations.py` (the rules of 改进建议), `review_report.py` (复盘报告:
its periods, its Markdown and Word). `health.py` (例会健康度) is its own entry:
`health_report`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lihui.actions.models import ActionItem
from lihui.meetings.models import Attendance, Meeting
from lihui.people.models import Person
from lihui.regime.models import Membership, Series
from lihui.regime.selectors import person_is_admin, series_visible_to

from .compliance import MeetingCompliance, compliance_table
from .health import health_report
from .recommendations import (
    Recommendation,
    rule_absentee,
    rule_action_on_time,
    rule_overrun,
    rule_reporting,
    rule_satisfaction,
)
from .review_report import ReviewReport, period_label

RECOMMENDED_SERIES = 10  # the organisation page advises on at most this many series


def meeting_compliance(*, meeting: Meeting, now: dt.datetime | None = None) -> MeetingCompliance | None:
    """One meeting's checklist and score; None unless it was held (only held meetings are
    measured). One query."""
    if meeting.status != Meeting.Status.HELD or meeting.is_history:
        return None  # history (补录) was not run under the regime
    rows = compliance_table(meetings=Meeting.objects.filter(pk=meeting.pk), now=now)
    return rows[0] if rows else None


def series_recommendations(*, series: Series, now: dt.datetime | None = None) -> list[Recommendation]:
    """What to improve in this series now. Five queries, whatever the history."""
    now = now or timezone.now()
    out: list[Recommendation] = []
    for rule in (rule_overrun, rule_action_on_time, rule_reporting, rule_satisfaction):
        found = rule(series, now)
        if found:
            out.append(found)
    out += rule_absentee(series, now)
    return out


def recommendation_list(*, person: Person) -> list[tuple[Series, list[Recommendation]]]:
    """The recommendations of the series `person` chairs (admins: every series they see),
    at most RECOMMENDED_SERIES series, by title, those with something to say only: the cost
    is bounded whatever the size of the organisation."""
    managed = series_visible_to(person=person)
    if not person_is_admin(person):
        managed = managed.filter(memberships__person=person, memberships__role=Membership.Role.CHAIR)
    advice = []
    for s in managed.order_by("title", "pk")[:RECOMMENDED_SERIES]:
        found = series_recommendations(series=s)
        if found:
            advice.append((s, found))
    return advice


def _percent(part, whole) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def review_report(*, series: Series, kind: str, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> ReviewReport:
    """The review report (复盘报告) of `series` for [start, end) (dates in the series' zone)."""
    now = now or timezone.now()
    zone = ZoneInfo(series.time_zone)
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end, dt.time.min, tzinfo=zone)
    at = min(now, until)  # figures as they stood at the end of the period
    held_qs = Meeting.objects.filter(series=series, status=Meeting.Status.HELD, is_history=False, start__gte=since, start__lt=until)
    held = held_qs.count()
    label = period_label(kind, start)
    title = (_("%(series)s — monthly review, %(period)s") if kind == "monthly" else _("%(series)s — quarterly review, %(period)s")) % {
        "series": series.title, "period": label}  # fmt: skip
    health = health_report(series=Series.objects.filter(pk=series.pk), period="6m", now=at - dt.timedelta(seconds=1), zone=zone)
    if not held:
        return ReviewReport(series, kind, start, end, title, [], 0, health, [])
    scores = [c.score for c in compliance_table(meetings=held_qs, now=at) if c.score is not None]
    actions = ActionItem.objects.filter(series=series, due__gte=start, due__lt=end).exclude(status=ActionItem.Status.CANCELLED)
    a = actions.aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=ActionItem.Status.DONE)),
        on_time=Count("id", filter=Q(status=ActionItem.Status.DONE, closed_at__date__lte=F("due"))),
    )
    from lihui.surveys.models import Response
    from lihui.surveys.selectors import surveys_with_enough_answers

    # Only surveys with the minimum of answers, as on the health page.
    overall = Response.objects.filter(survey__meeting__in=held_qs, survey__in=surveys_with_enough_answers()).aggregate(
        avg=Avg("overall"), n=Count("id")
    )
    present = Attendance.objects.filter(meeting__in=held_qs, status__in=["present", "late", "remote"]).count()
    minutes = held_qs.aggregate(m=Sum("duration_minutes"))["m"] or 0
    headline = [
        (_("Meetings held"), str(held)),
        (_("Average compliance with the regime"), f"{round(sum(scores) / len(scores))}%" if scores else "—"),
        (_("Actions due in the period"), str(a["total"])),
        (_("Completed"), _percent(a["done"], a["total"])),
        (_("Completed on time"), _percent(a["on_time"], a["total"])),
        (_("Average overall satisfaction (1–5)"), _("%(avg).1f (%(n)d answers)") % {"avg": overall["avg"], "n": overall["n"]} if overall["avg"] else "—"),
        (_("Attendances"), str(present)),
        (_("Meeting time"), _("%(hours).1f h") % {"hours": minutes / 60}),
    ]
    recommendations = series_recommendations(series=series, now=at)
    return ReviewReport(series, kind, start, end, title, headline, held, health, recommendations)
