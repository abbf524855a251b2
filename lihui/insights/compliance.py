"""制度执行情况: each held meeting checked against its own series' rules.

Every check is one database expression per meeting — 1 (passed), 0 (failed) or NULL (not
applicable: no decisions, no reports on the agenda, no survey, nothing recorded yet) —
annotated next to the raw figures it was judged on (`compliance_annotate`). The same
expressions serve three readers, so they can never disagree:

- `meeting_compliance` — one meeting's checklist with evidence and score (one query);
- `compliance_table` — the checklist of many meetings (one query, whatever their number);
- `lihui.insights.health` — per-period rates, by grouping the same annotations with SUM
  (passed) and COUNT (applicable, since COUNT skips NULL) inside the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lihui.actions.models import ActionItem, ActionUpdate, Decision
from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.regime.models import AgendaKind, Membership
from lihui.reports.models import Report
from lihui.surveys.models import Respondent

PRESENT = (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.REMOTE)

# (key, label) in checklist order. The keys are stable: API fields, CSV columns, URLs.
CHECKS: list[tuple[str, object]] = [
    ("agenda_on_time", gettext_lazy("Agenda sent on time")),
    ("started_on_time", gettext_lazy("Started on time")),
    ("ended_on_time", gettext_lazy("Ended on time")),
    ("required_present", gettext_lazy("Required members present")),
    ("reports_in", gettext_lazy("Reports in before the meeting")),
    ("minutes_on_time", gettext_lazy("Minutes published on time")),
    ("decisions_have_actions", gettext_lazy("Every decision has an action")),
    ("actions_reviewed", gettext_lazy("Previous actions reviewed")),
    ("survey_response", gettext_lazy("Survey response rate")),
]
CHECK_KEYS = [key for key, _label in CHECKS]
CHECK_LABELS = dict(CHECKS)


class SubqueryCount(Subquery):
    """COUNT(*) of a correlated subquery: 0, never NULL, when nothing matches."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()

    def __init__(self, queryset, **extra):
        # A count needs no order: the models' default ordering would sort every subquery.
        super().__init__(queryset.order_by(), **extra)


def _int(expr) -> ExpressionWrapper:
    # Typed as a plain integer: SQLite's duration arithmetic refuses PositiveSmallIntegerField.
    return ExpressionWrapper(expr, output_field=IntegerField())


def _hours(expr) -> ExpressionWrapper:
    return ExpressionWrapper(Value(dt.timedelta(hours=1)) * _int(expr), output_field=DurationField())


def _minutes(expr) -> ExpressionWrapper:
    return ExpressionWrapper(Value(dt.timedelta(minutes=1)) * _int(expr), output_field=DurationField())


def _at(expr) -> ExpressionWrapper:
    return ExpressionWrapper(expr, output_field=DateTimeField())


def _check(*whens: When, default: int | None = 0) -> Case:
    return Case(*whens, default=Value(default), output_field=IntegerField())


NA = Value(None, output_field=IntegerField())


def compliance_annotate(meetings: QuerySet[Meeting], *, now: dt.datetime | None = None) -> QuerySet[Meeting]:
    """`meetings` annotated with the raw figures (`cx_*`) and one `c_<check>` per check
    (1 passed, 0 failed, NULL not applicable). Correlated subqueries only: no join fans
    rows out, so the queryset can be grouped and summed as it is."""
    now = now or timezone.now()
    required = Membership.objects.filter(series_id=OuterRef(OuterRef("series_id")), person_id=OuterRef("person_id")).exclude(
        role=Membership.Role.OPTIONAL
    )
    attendance = Attendance.objects.filter(meeting_id=OuterRef("pk"))
    earlier_open = ActionItem.objects.filter(
        series_id=OuterRef("series_id"),
        meeting__start__lt=OuterRef("start"),
        created__lt=OuterRef("cx_began"),
    ).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=OuterRef("cx_began")))
    reviewed_here = ActionUpdate.objects.filter(
        action_id=OuterRef("pk"), meeting_id=OuterRef(OuterRef("pk")), kind=ActionUpdate.Kind.REVIEW
    )
    qs = meetings.annotate(
        cx_began=Coalesce("actual_start", "start"),
        cx_planned_end=_at(F("start") + _minutes(F("duration_minutes"))),
        # Meeting.target_end: a run started outside its slot (early, ad hoc) is judged from its own start.
        cx_target_end=Case(
            When(
                Q(actual_start__lt=_at(F("start") - Value(dt.timedelta(hours=1))))
                | Q(actual_start__gt=_at(F("start") + _minutes(F("duration_minutes")))),
                then=_at(F("actual_start") + _minutes(F("duration_minutes"))),
            ),
            default=_at(F("start") + _minutes(F("duration_minutes"))),
            output_field=DateTimeField(),
        ),
        cx_minutes_deadline=_at(Coalesce("actual_end", _at(F("start") + _minutes(F("duration_minutes")))) + _hours(F("series__minutes_deadline_hours"))),
        cx_minutes_published=F("minutes__published_at"),
        cx_required=SubqueryCount(Membership.objects.filter(series_id=OuterRef("series_id")).exclude(role=Membership.Role.OPTIONAL).values("pk")),
        cx_attendance=SubqueryCount(attendance.values("pk")),
        cx_attended=SubqueryCount(attendance.filter(Exists(required), status__in=PRESENT).values("pk")),
        cx_excused=SubqueryCount(attendance.filter(Exists(required), status=Attendance.Status.EXCUSED).values("pk")),
        cx_reports=SubqueryCount(AgendaItem.objects.filter(meeting_id=OuterRef("pk"), kind=AgendaKind.REPORT).values("pk")),
        cx_reports_in=SubqueryCount(
            Report.objects.filter(item__meeting_id=OuterRef("pk"), item__kind=AgendaKind.REPORT, submitted_at__lte=OuterRef("cx_began")).values("pk")
        ),
        cx_decisions=SubqueryCount(Decision.objects.filter(meeting_id=OuterRef("pk")).values("pk")),
        cx_decided=SubqueryCount(
            Decision.objects.filter(meeting_id=OuterRef("pk")).filter(Exists(ActionItem.objects.filter(decision_id=OuterRef("pk")))).values("pk")
        ),
        cx_review_due=SubqueryCount(earlier_open.values("pk")),
        cx_reviewed=SubqueryCount(earlier_open.filter(Exists(reviewed_here)).values("pk")),
        cx_invited=F("survey__invited"),
        cx_survey_closes=F("survey__closes_at"),
        cx_respondents=SubqueryCount(Respondent.objects.filter(survey__meeting_id=OuterRef("pk")).values("pk")),
    ).annotate(cx_respondents_pct=F("cx_respondents") * 100)
    return qs.annotate(
        c_agenda_on_time=_check(
            When(agenda_published_at__lte=_at(F("start") - _hours(F("series__agenda_lead_hours"))), then=Value(1)),
        ),
        c_started_on_time=_check(
            When(actual_start__isnull=True, then=NA),
            When(actual_start__lte=_at(F("start") + _minutes(F("series__start_tolerance_minutes"))), then=Value(1)),
        ),
        c_ended_on_time=_check(
            When(actual_end__isnull=True, then=NA),
            When(actual_end__lte=_at(F("cx_target_end") + _minutes(F("series__end_tolerance_minutes"))), then=Value(1)),
        ),
        c_required_present=_check(
            When(Q(cx_attendance=0) | Q(cx_required=0), then=NA),
            When(cx_required__lte=F("cx_attended") + F("cx_excused"), then=Value(1)),
        ),
        c_reports_in=_check(
            When(cx_reports=0, then=NA),
            When(cx_reports_in__gte=F("cx_reports"), then=Value(1)),
        ),
        c_minutes_on_time=_check(
            When(cx_minutes_published__lte=F("cx_minutes_deadline"), then=Value(1)),
            When(cx_minutes_published__isnull=False, then=Value(0)),
            When(cx_minutes_deadline__gt=Value(now, output_field=DateTimeField()), then=NA),  # not due yet
        ),
        c_decisions_have_actions=_check(
            When(cx_decisions=0, then=NA),
            When(cx_decided__gte=F("cx_decisions"), then=Value(1)),
        ),
        c_actions_reviewed=_check(
            When(Q(series__review_actions=False) | Q(cx_review_due=0), then=NA),
            When(cx_reviewed__gte=F("cx_review_due"), then=Value(1)),
        ),
        c_survey_response=_check(
            When(Q(series__survey_enabled=False) | Q(cx_invited__isnull=True) | Q(cx_invited=0), then=NA),
            When(cx_respondents_pct__gte=F("cx_invited") * F("series__survey_target_percent"), then=Value(1)),
            When(cx_survey_closes__gt=Value(now, output_field=DateTimeField()), then=NA),  # still open, target not reached yet
        ),
    )


@dataclass
class Check:
    key: str
    label: str
    passed: bool | None  # None: not applicable to this meeting
    evidence: str


@dataclass
class MeetingCompliance:
    meeting: Meeting
    checks: list[Check] = field(default_factory=list)

    @property
    def applicable(self) -> int:
        return sum(1 for c in self.checks if c.passed is not None)

    @property
    def passed(self) -> int:
        return sum(1 for c in self.checks if c.passed)

    @property
    def score(self) -> int | None:
        """Passed ÷ applicable checks, in percent (None when nothing applies)."""
        return round(100 * self.passed / self.applicable) if self.applicable else None


def _h(delta: dt.timedelta) -> str:
    return f"{abs(delta.total_seconds()) / 3600:.1f}".rstrip("0").rstrip(".")


def _m(delta: dt.timedelta) -> int:
    return round(abs(delta.total_seconds()) / 60)


def _evidence(key: str, m: Meeting, passed: bool | None, now: dt.datetime) -> str:
    s = m.series
    if key == "agenda_on_time":
        if m.agenda_published_at is None:
            return _("The agenda was not published (required: %(required)s h before the start).") % {"required": s.agenda_lead_hours}
        lead = m.start - m.agenda_published_at
        if lead.total_seconds() < 0:
            return _("Agenda published %(hours)s h after the start (required: %(required)s h before).") % {
                "hours": _h(lead), "required": s.agenda_lead_hours}
        return _("Agenda published %(hours)s h before the meeting (required: %(required)s h).") % {
            "hours": _h(lead), "required": s.agenda_lead_hours}
    if key == "started_on_time":
        if m.actual_start is None:
            return _("No start time was recorded.")
        late = m.actual_start - m.start
        if late.total_seconds() > 59:
            return _("Started %(minutes)s min late (tolerance: %(tolerance)s min).") % {
                "minutes": _m(late), "tolerance": s.start_tolerance_minutes}
        return _("Started on time (tolerance: %(tolerance)s min).") % {"tolerance": s.start_tolerance_minutes}
    if key == "ended_on_time":
        if m.actual_end is None:
            return _("No end time was recorded.")
        over = m.actual_end - m.target_end
        if over.total_seconds() > 59:
            return _("Ended %(minutes)s min after the planned end (tolerance: %(tolerance)s min).") % {
                "minutes": _m(over), "tolerance": s.end_tolerance_minutes}
        return _("Ended within the slot (tolerance: %(tolerance)s min).") % {"tolerance": s.end_tolerance_minutes}
    if key == "required_present":
        if m.cx_required == 0:
            return _("The roster has no required members.")
        if m.cx_attendance == 0:
            return _("No attendance was taken.")
        return _("%(present)s of %(required)s required members present, %(excused)s excused, %(missing)s absent.") % {
            "present": m.cx_attended, "required": m.cx_required, "excused": m.cx_excused,
            "missing": max(0, m.cx_required - m.cx_attended - m.cx_excused)}
    if key == "reports_in":
        if m.cx_reports == 0:
            return _("No department reports on the agenda.")
        return _("%(done)s of %(total)s reports submitted before the meeting.") % {"done": m.cx_reports_in, "total": m.cx_reports}
    if key == "minutes_on_time":
        deadline = s.minutes_deadline_hours
        if m.cx_minutes_published is not None:
            return _("Minutes published %(hours)s h after the end (deadline: %(deadline)s h).") % {
                "hours": _h(m.cx_minutes_published - (m.actual_end or m.end)), "deadline": deadline}
        if passed is None:
            return _("Minutes not published yet; due %(deadline)s h after the end.") % {"deadline": deadline}
        return _("Minutes not published within %(deadline)s h of the end.") % {"deadline": deadline}
    if key == "decisions_have_actions":
        if m.cx_decisions == 0:
            return _("No decisions recorded.")
        return _("%(done)s of %(total)s decisions have an action with an owner and a due date.") % {
            "done": m.cx_decided, "total": m.cx_decisions}
    if key == "actions_reviewed":
        if not s.review_actions:
            return _("This series does not review previous actions.")
        if m.cx_review_due == 0:
            return _("No earlier open actions to review.")
        return _("%(done)s of %(total)s earlier open actions reviewed.") % {"done": m.cx_reviewed, "total": m.cx_review_due}
    if key == "survey_response":
        if not s.survey_enabled:
            return _("This series runs no survey.")
        if not m.cx_invited:
            return _("No survey was opened.")
        values = {"answered": m.cx_respondents, "invited": m.cx_invited, "target": s.survey_target_percent,
                  "rate": round(100 * m.cx_respondents / m.cx_invited)}
        if passed is None:
            return _("Survey still open: %(answered)s of %(invited)s answered so far (%(rate)s%%, target %(target)s%%).") % values
        return _("%(answered)s of %(invited)s answered (%(rate)s%%, target %(target)s%%).") % values
    raise KeyError(key)


def _checklist(m: Meeting, now: dt.datetime) -> MeetingCompliance:
    result = MeetingCompliance(meeting=m)
    for key, label in CHECKS:
        value = getattr(m, f"c_{key}")
        passed = None if value is None else bool(value)
        result.checks.append(Check(key=key, label=str(label), passed=passed, evidence=_evidence(key, m, passed, now)))
    return result


def compliance_table(*, meetings: QuerySet[Meeting], now: dt.datetime | None = None) -> list[MeetingCompliance]:
    """The checklist of every held meeting in `meetings`, oldest first. One query."""
    now = now or timezone.now()
    qs = compliance_annotate(meetings.filter(status=Meeting.Status.HELD), now=now).select_related("series").order_by("start", "id")
    return [_checklist(m, now) for m in qs]


def meeting_compliance(*, meeting: Meeting, now: dt.datetime | None = None) -> MeetingCompliance | None:
    """One meeting's checklist and score; None unless it was held (only held meetings are
    measured). One query."""
    if meeting.status != Meeting.Status.HELD:
        return None
    rows = compliance_table(meetings=Meeting.objects.filter(pk=meeting.pk), now=now)
    return rows[0] if rows else None


__all__ = [
    "CHECKS", "CHECK_KEYS", "CHECK_LABELS", "Check", "MeetingCompliance",
    "compliance_annotate", "compliance_table", "meeting_compliance",
]
