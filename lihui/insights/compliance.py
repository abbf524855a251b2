"""制度执行情况: each held meeting checked against its own series' rules.

Every check is an entry of `CHECKS` (a `CheckRule`: key, label, its database expression,
its evidence): one expression per meeting — 1 (passed), 0 (failed) or NULL (not
applicable: no decisions, no reports on the agenda, no survey, nothing recorded yet) —
annotated next to the raw figures it was judged on (`compliance_annotate`). The same
expressions serve three readers, so they can never disagree:

- `compliance_table` — the checklist of many meetings, with evidence and score (one query,
  whatever their number); `lihui.insights.selectors.meeting_compliance` gives one meeting's;
- `lihui.insights.health` — per-period rates, by grouping the same annotations with SUM
  (passed) and COUNT (applicable, since COUNT skips NULL) inside the database.

The figures from related tables come from one grouped subquery per table, restricted to
the meetings asked for and LEFT JOINed by meeting id (`_DerivedJoin`), not from
correlated subqueries: those ran once per meeting and again for every reference to their
figure (a check and its SUM and COUNT), some 40 per meeting, 15 s for a year of 300
weekly series on SQLite. `tests/test_compliance_reference.py` holds the results to a
plain per-meeting computation in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import NotSupportedError
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.db.models.sql.constants import LOUTER
from django.db.models.sql.datastructures import Join
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lihui.actions.models import ActionItem, ActionUpdate, Decision
from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.regime.models import AgendaKind, Membership
from lihui.surveys.models import Respondent

PRESENT = (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.REMOTE)


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


HOUR = Value(3_600_000_000)  # in microseconds
MINUTE = Value(60_000_000)


class _Micros(Func):
    """A datetime as whole microseconds since the epoch, on SQLite: the time checks compare
    these there, in native integer arithmetic, instead of calling Django's date arithmetic
    (django_format_dtdelta, a Python function) some 20 times per meeting. Exact: Django
    stores datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: whole seconds from the first
    19 characters (strftime alone would round .999999 up to the next second — SQLite keeps
    milliseconds), microseconds from the rest. Other databases compute with their own
    timestamps (`_Timely`)."""

    output_field = IntegerField()

    def __init__(self, expression, **extra):
        super().__init__(F(expression) if isinstance(expression, str) else expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("_Micros is for SQLite only")

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(CAST(strftime('%%s', substr({sql}, 1, 19)) AS INTEGER) * 1000000"
            f" + CAST(substr({sql} || '.000000', 21, 6) AS INTEGER))",
            (*params, *params),
        )


class _Timely(Expression):
    """A time condition: `native` (Django's timestamp arithmetic, fast in the database's
    own types), or on SQLite `sqlite`, the same comparison in `_Micros`."""

    def __init__(self, native, sqlite):
        super().__init__(output_field=BooleanField())
        self.native, self.sqlite = native, sqlite

    def get_source_expressions(self):
        return [self.native, self.sqlite]

    def set_source_expressions(self, exprs):
        self.native, self.sqlite = exprs

    def as_sql(self, compiler, connection):
        return compiler.compile(self.native)

    def as_sqlite(self, compiler, connection):
        return compiler.compile(self.sqlite)


class _DerivedJoin(Join):
    """`LEFT OUTER JOIN (<grouped subquery>) alias ON alias.key = parent.column`: the figures
    of one related table, aggregated once per meeting (or series) and joined by key — the
    table is scanned once for all the meetings, not once per meeting and per reference.
    `Join` is private Django API with no public equivalent for this: tests/test_private_join.py
    pins the Django series and `Join.__init__`'s signature it was written against."""

    def __init__(self, name: str, query, parent_alias: str, parent_column: str, key: str = "key", table_alias: str | None = None):
        self.table_name = name
        self.table_alias = table_alias
        self.parent_alias = parent_alias
        self.parent_column = parent_column
        self.key = key
        self.query = query  # an sql.Query, compiled when the outer query is
        self.join_type = LOUTER
        self.join_field = None
        self.join_fields = self.join_cols = ()
        self.nullable = True
        self.filtered_relation = None

    def as_sql(self, compiler, connection):
        sql, params = self.query.get_compiler(connection=connection).as_sql()
        qn = compiler.quote_name_unless_alias
        qn2 = connection.ops.quote_name
        on = f"{qn2(self.table_alias)}.{qn2(self.key)} = {qn(self.parent_alias)}.{qn2(self.parent_column)}"
        return f"{self.join_type} ({sql}) {qn2(self.table_alias)} ON ({on})", params

    def relabeled_clone(self, change_map):
        parent, alias = change_map.get(self.parent_alias, self.parent_alias), change_map.get(self.table_alias, self.table_alias)
        return self.__class__(self.table_name, self.query, parent, self.parent_column, self.key, alias)

    @property
    def identity(self):
        return (self.__class__, self.table_name, self.parent_alias, self.parent_column)


class _DerivedCol(Expression):
    """A column of a `_DerivedJoin`; NULL when the meeting has no row there."""

    def __init__(self, alias: str, column: str):
        super().__init__(output_field=IntegerField())
        self.alias, self.column = alias, column

    def as_sql(self, compiler, connection):
        return f"{connection.ops.quote_name(self.alias)}.{connection.ops.quote_name(self.column)}", []

    def relabeled_clone(self, change_map):
        return self.__class__(change_map.get(self.alias, self.alias), self.column)

    def get_group_by_cols(self):
        return [self]

    def __repr__(self):
        return f"{self.__class__.__name__}({self.alias}.{self.column})"


def _derived(qs: QuerySet, name: str, figures: QuerySet, *, on: str = "id") -> tuple[QuerySet, str]:
    """`qs` LEFT JOINed to `figures` (a grouped queryset with a `key` column) on
    key = meeting.<on>; returns the new queryset and the join's alias."""
    qs = qs.all()
    query = figures.order_by().query
    alias = qs.query.join(_DerivedJoin(name, query, qs.query.get_initial_alias(), on))
    return qs, alias


def _began(prefix: str = ""):
    return Coalesce(f"{prefix}actual_start", f"{prefix}start")


# --- the figures the checks are judged on ----------------------------------------------

_NOT_OPTIONAL = ~Q(role=Membership.Role.OPTIONAL)


def _roster(meetings: QuerySet[Meeting], held: QuerySet) -> QuerySet:
    """Required (not optional) members, per series."""
    series = meetings.order_by().values("series_id")
    return Membership.objects.filter(_NOT_OPTIONAL, series__in=series).values(key=F("series_id")).annotate(required=Count("pk"))


def _attendance(meetings: QuerySet[Meeting], held: QuerySet) -> QuerySet:
    required = Membership.objects.filter(_NOT_OPTIONAL, series_id=OuterRef("meeting__series_id"), person_id=OuterRef("person_id"))
    return Attendance.objects.filter(meeting__in=held).values(key=F("meeting_id")).annotate(
        taken=Count("pk"),
        # The status first: the roster is looked up only for the rows it can count.
        attended=Count("pk", filter=Q(status__in=PRESENT) & Q(Exists(required))),
        excused=Count("pk", filter=Q(status=Attendance.Status.EXCUSED) & Q(Exists(required))),
    )


def _reports(meetings: QuerySet[Meeting], held: QuerySet) -> QuerySet:
    # Report is one-to-one with its agenda item: the LEFT JOIN to it fans nothing out.
    return AgendaItem.objects.filter(meeting__in=held, kind=AgendaKind.REPORT).values(key=F("meeting_id")).annotate(
        reports=Count("pk"), reports_in=Count("pk", filter=Q(report__submitted_at__lte=_began("meeting__"))),
    )  # fmt: skip


def _decisions(meetings: QuerySet[Meeting], held: QuerySet) -> QuerySet:
    has_action = Exists(ActionItem.objects.filter(decision_id=OuterRef("pk")))
    return Decision.objects.filter(meeting__in=held).values(key=F("meeting_id")).annotate(
        decisions=Count("pk"), decided=Count("pk", filter=Q(has_action)),
    )  # fmt: skip


def _review_due(meetings: QuerySet[Meeting], held: QuerySet) -> QuerySet:
    """Earlier open actions: those of the series, recorded in a meeting that started before
    this one, created before it began and not closed by then — (meeting, action) pairs,
    all conditions in one filter() so that they hold for the same pair, counted after it."""
    began = _began()
    return Meeting.objects.filter(pk__in=held).filter(
        Q(series__actions__meeting__start__lt=F("start"), series__actions__created__lt=began)
        & (Q(series__actions__closed_at__isnull=True) | Q(series__actions__closed_at__gte=began))
    ).values(key=F("pk")).annotate(due=Count("series__actions"))


def _reviewed(meetings: QuerySet[Meeting], held: QuerySet) -> QuerySet:
    """…and of those, the ones reviewed in this meeting (an action reviewed twice counts once)."""
    began = _began("meeting__")
    return ActionUpdate.objects.filter(
        Q(action__closed_at__isnull=True) | Q(action__closed_at__gte=began),
        kind=ActionUpdate.Kind.REVIEW, meeting__in=held, action__series_id=F("meeting__series_id"),
        action__meeting__start__lt=F("meeting__start"), action__created__lt=began,
    ).values(key=F("meeting_id")).annotate(reviewed=Count("action_id", distinct=True))  # fmt: skip


def _respondents(meetings: QuerySet[Meeting], held: QuerySet) -> QuerySet:
    return Respondent.objects.filter(survey__meeting__in=held).values(key=F("survey__meeting_id")).annotate(respondents=Count("pk"))


# (join name, the meeting column its `key` is joined on, the grouped figures), in join order.
RELATED = (
    ("cx_roster", "series_id", _roster),
    ("cx_attendance", "id", _attendance),
    ("cx_reports", "id", _reports),
    ("cx_decisions", "id", _decisions),
    ("cx_review_due", "id", _review_due),
    ("cx_reviewed", "id", _reviewed),
    ("cx_respondents", "id", _respondents),
)


def _join_related(meetings: QuerySet[Meeting]) -> tuple[QuerySet[Meeting], dict[str, str]]:
    """`meetings` LEFT JOINed to each table of RELATED, restricted to these meetings; the
    queryset and each join's alias by join name."""
    held = meetings.order_by().values("pk")
    qs, aliases = meetings, {}
    for name, on, figures in RELATED:
        qs, aliases[name] = _derived(qs, name, figures(meetings, held), on=on)
    return qs, aliases


def _figures(aliases: dict[str, str]) -> dict[str, Expression]:
    """The `cx_*` annotations: the meeting's own times and the figures of the joins (0 when
    the meeting has no row there)."""

    def figure(join: str, column: str) -> Coalesce:
        return Coalesce(_DerivedCol(aliases[join], column), Value(0), output_field=IntegerField())

    planned_end = _at(F("start") + _minutes(F("duration_minutes")))
    return {
        "cx_began": Coalesce("actual_start", "start"),
        "cx_planned_end": planned_end,
        # Meeting.target_end: a run started outside its slot (early, ad hoc) is judged from its own start.
        "cx_target_end": Case(
            When(
                Q(actual_start__lt=_at(F("start") - Value(dt.timedelta(hours=1))))
                | Q(actual_start__gt=_at(F("start") + _minutes(F("duration_minutes")))),
                then=_at(F("actual_start") + _minutes(F("duration_minutes"))),
            ),
            default=planned_end,
            output_field=DateTimeField(),
        ),
        "cx_minutes_deadline": _at(Coalesce("actual_end", planned_end) + _hours(F("series__minutes_deadline_hours"))),
        "cx_minutes_published": F("minutes__published_at"),
        "cx_required": figure("cx_roster", "required"),
        "cx_attendance": figure("cx_attendance", "taken"),
        "cx_attended": figure("cx_attendance", "attended"),
        "cx_excused": figure("cx_attendance", "excused"),
        "cx_reports": figure("cx_reports", "reports"),
        "cx_reports_in": figure("cx_reports", "reports_in"),
        "cx_decisions": figure("cx_decisions", "decisions"),
        "cx_decided": figure("cx_decisions", "decided"),
        "cx_review_due": figure("cx_review_due", "due"),
        "cx_reviewed": figure("cx_reviewed", "reviewed"),
        "cx_invited": F("survey__invited"),
        "cx_survey_closes": F("survey__closes_at"),
        "cx_respondents": figure("cx_respondents", "respondents"),
    }


# The time checks on SQLite, in integer microseconds (see _Micros): the same instants as
# cx_target_end and cx_minutes_deadline.


def _length_us() -> Expression:
    return _int(F("duration_minutes")) * MINUTE


def _target_end_us() -> Case:
    start, length = _Micros("start"), _length_us()
    return Case(
        When(LessThan(_Micros("actual_start"), start - HOUR) | GreaterThan(_Micros("actual_start"), start + length),
             then=_Micros("actual_start") + length),
        default=start + length,
        output_field=IntegerField(),
    )  # fmt: skip


def _minutes_deadline_us() -> Expression:
    return Coalesce(_Micros("actual_end"), _Micros("start") + _length_us()) + _int(F("series__minutes_deadline_hours")) * HOUR


def _now(now: dt.datetime) -> Value:
    return Value(now, output_field=DateTimeField())


# --- the checks: each one's expression (1 passed, 0 failed, NULL not applicable) and evidence


def _h(delta: dt.timedelta) -> str:
    return f"{abs(delta.total_seconds()) / 3600:.1f}".rstrip("0").rstrip(".")


def _m(delta: dt.timedelta) -> int:
    return round(abs(delta.total_seconds()) / 60)


def _agenda_on_time(now: dt.datetime) -> Case:
    return _check(
        When(_Timely(
            Q(agenda_published_at__lte=_at(F("start") - _hours(F("series__agenda_lead_hours")))),
            LessThanOrEqual(_Micros("agenda_published_at"), _Micros("start") - _int(F("series__agenda_lead_hours")) * HOUR),
        ), then=Value(1)),
    )  # fmt: skip


def _agenda_on_time_evidence(m: Meeting, passed: bool | None) -> str:
    required = m.series.agenda_lead_hours
    if m.agenda_published_at is None:
        return _("The agenda was not published (required: %(required)s h before the start).") % {"required": required}
    lead = m.start - m.agenda_published_at
    if lead.total_seconds() < 0:
        return _("Agenda published %(hours)s h after the start (required: %(required)s h before).") % {
            "hours": _h(lead), "required": required}  # fmt: skip
    return _("Agenda published %(hours)s h before the meeting (required: %(required)s h).") % {
        "hours": _h(lead), "required": required}  # fmt: skip


def _started_on_time(now: dt.datetime) -> Case:
    return _check(
        When(actual_start__isnull=True, then=NA),
        # On time: from an hour before the slot (Meeting.target_end's "early") to the tolerance after.
        When(_Timely(
            Q(actual_start__lte=_at(F("start") + _minutes(F("series__start_tolerance_minutes"))),
              actual_start__gte=_at(F("start") - Value(dt.timedelta(hours=1)))),
            LessThanOrEqual(_Micros("actual_start"), _Micros("start") + _int(F("series__start_tolerance_minutes")) * MINUTE)
            & GreaterThanOrEqual(_Micros("actual_start"), _Micros("start") - HOUR),
        ), then=Value(1)),
    )  # fmt: skip


def _started_on_time_evidence(m: Meeting, passed: bool | None) -> str:
    s = m.series
    if m.actual_start is None:
        return _("No start time was recorded.")
    late = m.actual_start - m.start
    if late < -dt.timedelta(hours=1):
        local = timezone.localtime(m.start, ZoneInfo(s.time_zone))
        return _("Started %(hours)s h before its slot (planned for %(when)s).") % {
            "hours": _h(-late), "when": f"{local:%Y-%m-%d %H:%M}"}  # fmt: skip
    if late.total_seconds() > 59:
        return _("Started %(minutes)s min late (tolerance: %(tolerance)s min).") % {
            "minutes": _m(late), "tolerance": s.start_tolerance_minutes}  # fmt: skip
    return _("Started on time (tolerance: %(tolerance)s min).") % {"tolerance": s.start_tolerance_minutes}


def _ended_on_time(now: dt.datetime) -> Case:
    return _check(
        When(actual_end__isnull=True, then=NA),
        When(_Timely(
            Q(actual_end__lte=_at(F("cx_target_end") + _minutes(F("series__end_tolerance_minutes")))),
            LessThanOrEqual(_Micros("actual_end"), _target_end_us() + _int(F("series__end_tolerance_minutes")) * MINUTE),
        ), then=Value(1)),
    )  # fmt: skip


def _ended_on_time_evidence(m: Meeting, passed: bool | None) -> str:
    tolerance = m.series.end_tolerance_minutes
    if m.actual_end is None:
        return _("No end time was recorded.")
    over = m.actual_end - m.target_end
    if over.total_seconds() > 59:
        return _("Ended %(minutes)s min after the planned end (tolerance: %(tolerance)s min).") % {
            "minutes": _m(over), "tolerance": tolerance}  # fmt: skip
    return _("Ended within the slot (tolerance: %(tolerance)s min).") % {"tolerance": tolerance}


def _required_present(now: dt.datetime) -> Case:
    return _check(
        When(Q(cx_attendance=0) | Q(cx_required=0), then=NA),
        When(cx_required__lte=F("cx_attended") + F("cx_excused"), then=Value(1)),
    )


def _required_present_evidence(m: Meeting, passed: bool | None) -> str:
    if m.cx_required == 0:
        return _("The roster has no required members.")
    if m.cx_attendance == 0:
        return _("No attendance was taken.")
    return _("%(present)s of %(required)s required members present, %(excused)s excused, %(missing)s absent.") % {
        "present": m.cx_attended, "required": m.cx_required, "excused": m.cx_excused,
        "missing": max(0, m.cx_required - m.cx_attended - m.cx_excused)}  # fmt: skip


def _reports_in(now: dt.datetime) -> Case:
    return _check(
        When(cx_reports=0, then=NA),
        When(cx_reports_in__gte=F("cx_reports"), then=Value(1)),
    )


def _reports_in_evidence(m: Meeting, passed: bool | None) -> str:
    if m.cx_reports == 0:
        return _("No department reports on the agenda.")
    return _("%(done)s of %(total)s reports submitted before the meeting.") % {"done": m.cx_reports_in, "total": m.cx_reports}


def _minutes_on_time(now: dt.datetime) -> Case:
    return _check(
        When(_Timely(
            Q(cx_minutes_published__lte=F("cx_minutes_deadline")),
            LessThanOrEqual(_Micros("minutes__published_at"), _minutes_deadline_us()),
        ), then=Value(1)),
        When(cx_minutes_published__isnull=False, then=Value(0)),
        When(_Timely(  # not due yet
            Q(cx_minutes_deadline__gt=_now(now)),
            GreaterThan(_minutes_deadline_us(), _Micros(_now(now))),
        ), then=NA),
    )  # fmt: skip


def _minutes_on_time_evidence(m: Meeting, passed: bool | None) -> str:
    deadline = m.series.minutes_deadline_hours
    if m.cx_minutes_published is not None:
        return _("Minutes published %(hours)s h after the end (deadline: %(deadline)s h).") % {
            "hours": _h(m.cx_minutes_published - (m.actual_end or m.end)), "deadline": deadline}  # fmt: skip
    if passed is None:
        return _("Minutes not published yet; due %(deadline)s h after the end.") % {"deadline": deadline}
    return _("Minutes not published within %(deadline)s h of the end.") % {"deadline": deadline}


def _decisions_have_actions(now: dt.datetime) -> Case:
    return _check(
        When(cx_decisions=0, then=NA),
        When(cx_decided__gte=F("cx_decisions"), then=Value(1)),
    )


def _decisions_have_actions_evidence(m: Meeting, passed: bool | None) -> str:
    if m.cx_decisions == 0:
        return _("No decisions recorded.")
    return _("%(done)s of %(total)s decisions have an action with an owner and a due date.") % {
        "done": m.cx_decided, "total": m.cx_decisions}  # fmt: skip


def _actions_reviewed(now: dt.datetime) -> Case:
    return _check(
        When(Q(series__review_actions=False) | Q(cx_review_due=0), then=NA),
        When(cx_reviewed__gte=F("cx_review_due"), then=Value(1)),
    )


def _actions_reviewed_evidence(m: Meeting, passed: bool | None) -> str:
    if not m.series.review_actions:
        return _("This series does not review previous actions.")
    if m.cx_review_due == 0:
        return _("No earlier open actions to review.")
    return _("%(done)s of %(total)s earlier open actions reviewed.") % {"done": m.cx_reviewed, "total": m.cx_review_due}


def _survey_response(now: dt.datetime) -> Case:
    return _check(
        When(Q(series__survey_enabled=False) | Q(cx_invited__isnull=True) | Q(cx_invited=0), then=NA),
        When(cx_respondents_pct__gte=F("cx_invited") * F("series__survey_target_percent"), then=Value(1)),
        When(cx_survey_closes__gt=_now(now), then=NA),  # still open, target not reached yet
    )


def _survey_response_evidence(m: Meeting, passed: bool | None) -> str:
    s = m.series
    if not s.survey_enabled:
        return _("This series runs no survey.")
    if not m.cx_invited:
        return _("No survey was opened.")
    values = {"answered": m.cx_respondents, "invited": m.cx_invited, "target": s.survey_target_percent,
              "rate": round(100 * m.cx_respondents / m.cx_invited)}  # fmt: skip
    if passed is None:
        return _("Survey still open: %(answered)s of %(invited)s answered so far (%(rate)s%%, target %(target)s%%).") % values
    return _("%(answered)s of %(invited)s answered (%(rate)s%%, target %(target)s%%).") % values


@dataclass(frozen=True)
class CheckRule:
    """One rule of the regime a held meeting is checked against."""

    key: str  # stable: API fields, CSV columns, URLs
    label: Promise
    expression: Callable[[dt.datetime], Case]  # now → the `c_<key>` annotation: 1, 0 or NULL
    evidence: Callable[[Meeting, bool | None], str]  # an annotated meeting and its result → what it was judged on


# The checks, in checklist order.
CHECKS: tuple[CheckRule, ...] = (
    CheckRule("agenda_on_time", gettext_lazy("Agenda sent on time"), _agenda_on_time, _agenda_on_time_evidence),
    CheckRule("started_on_time", gettext_lazy("Started on time"), _started_on_time, _started_on_time_evidence),
    CheckRule("ended_on_time", gettext_lazy("Ended on time"), _ended_on_time, _ended_on_time_evidence),
    CheckRule("required_present", gettext_lazy("Required members present"), _required_present, _required_present_evidence),
    CheckRule("reports_in", gettext_lazy("Reports in before the meeting"), _reports_in, _reports_in_evidence),
    CheckRule("minutes_on_time", gettext_lazy("Minutes published on time"), _minutes_on_time, _minutes_on_time_evidence),
    CheckRule("decisions_have_actions", gettext_lazy("Every decision has an action"),
              _decisions_have_actions, _decisions_have_actions_evidence),  # fmt: skip
    CheckRule("actions_reviewed", gettext_lazy("Previous actions reviewed"), _actions_reviewed, _actions_reviewed_evidence),
    CheckRule("survey_response", gettext_lazy("Survey response rate"), _survey_response, _survey_response_evidence),
)
CHECK_KEYS = [check.key for check in CHECKS]
CHECK_LABELS = {check.key: check.label for check in CHECKS}


def compliance_annotate(meetings: QuerySet[Meeting], *, now: dt.datetime | None = None) -> QuerySet[Meeting]:
    """`meetings` annotated with the raw figures (`cx_*`) and one `c_<check>` per check of
    CHECKS (1 passed, 0 failed, NULL not applicable).

    The figures of each related table (RELATED: the roster by series; attendance, agenda
    items and reports, decisions, earlier open actions, their reviews, survey respondents by
    meeting) are aggregated once, in one grouped subquery over the rows of `meetings` only,
    LEFT JOINed by meeting id: one row per meeting still, so the queryset can be grouped and
    summed as it is, and each table is read once whatever the number of meetings or of
    checks that use a figure (correlated subqueries were evaluated per meeting, and again
    for every reference to their figure)."""
    now = now or timezone.now()
    qs, aliases = _join_related(meetings)
    qs = qs.annotate(**_figures(aliases)).annotate(cx_respondents_pct=F("cx_respondents") * 100)
    return qs.annotate(**{f"c_{check.key}": check.expression(now) for check in CHECKS})


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


def _checklist(m: Meeting) -> MeetingCompliance:
    result = MeetingCompliance(meeting=m)
    for check in CHECKS:
        value = getattr(m, f"c_{check.key}")
        passed = None if value is None else bool(value)
        result.checks.append(Check(key=check.key, label=str(check.label), passed=passed, evidence=check.evidence(m, passed)))
    return result


def compliance_table(*, meetings: QuerySet[Meeting], now: dt.datetime | None = None) -> list[MeetingCompliance]:
    """The checklist of every held meeting in `meetings`, oldest first. One query."""
    now = now or timezone.now()
    qs = compliance_annotate(meetings.filter(status=Meeting.Status.HELD, is_history=False), now=now).select_related("series").order_by("start", "id")
    return [_checklist(m) for m in qs]


__all__ = [
    "CHECKS", "CHECK_KEYS", "CHECK_LABELS", "Check", "CheckRule", "MeetingCompliance",
    "compliance_annotate", "compliance_table",
]
