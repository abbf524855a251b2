"""例会健康度: how a series (or every series a person sees) keeps its regime, over time.

Entry point: `health_report(series=..., period="12w")` → `HealthReport`, a list of
`Measure`s. Each measure has table columns and rows (what the page's table, the CSV and
the API show) and charts built from the same rows. One measure is also available alone:
`MEASURES[key](scope)` with a `Scope` from `health_scope(...)`.

Every figure is an aggregate computed in the database, grouped by period (week or month in
the viewer's time zone); Python only formats the grouped rows. Each measure costs one or
two queries whatever the number of meetings, actions or people. A period with no data still
has its row (with empty cells), so tables and charts line up.

Periods: "12w" (12 weeks by week, the default), "6m" and "12m" (by month), each ending
with the current week or month.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Lag, RowNumber
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lihui.actions.models import ActionItem
from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.regime.models import AgendaKind, Membership, Series
from lihui.reports.models import KpiValue, achievement
from lihui.surveys.models import QUESTIONS, Response
from lihui.surveys.selectors import survey_min_answers, surveys_with_enough_answers

from .charts import Chart, ChartSeries
from .compliance import CHECK_KEYS, CHECK_LABELS, PRESENT, SubqueryCount, compliance_annotate

PERIODS: dict[str, tuple[str, int]] = {"12w": ("week", 12), "6m": ("month", 6), "12m": ("month", 12)}
PERIOD_LABELS = {"12w": gettext_lazy("12 weeks"), "6m": gettext_lazy("6 months"), "12m": gettext_lazy("12 months")}
DEFAULT_PERIOD = "12w"
CHRONIC_ABSENCES = 3  # absent (not excused) from this many consecutive held meetings
SILENT_MIN_MEETINGS = 3  # attended at least this many meetings, presented nothing, owns no action


class PeriodError(ValueError):
    """An unknown period key; its message is translated and says what is allowed."""


# --- periods and scope ----------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date  # local, inclusive (a Monday, or the 1st of a month)
    end: dt.date  # local, exclusive
    label: str

    @property
    def weeks(self) -> float:
        return (self.end - self.start).days / 7


def _label(day: dt.date, unit: str) -> str:
    zh = (translation.get_language() or "").startswith("zh")
    if unit == "week":
        return f"{day.month}月{day.day}日" if zh else date_format(day, "j M")
    return f"{day.year}年{day.month}月" if zh else date_format(day, "M Y")


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_buckets(period: str, *, today: dt.date) -> tuple[str, list[Period]]:
    """The unit ("week" / "month") and the periods of `period`, oldest first, the last one
    holding `today`. Raises PeriodError for an unknown key."""
    if period not in PERIODS:
        raise PeriodError(
            _("Unknown period “%(period)s”: choose one of %(choices)s.") % {"period": period, "choices": ", ".join(PERIODS)}
        )
    unit, n = PERIODS[period]
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday())
        starts = [monday - dt.timedelta(weeks=i) for i in range(n - 1, -1, -1)]
        return unit, [Period(s, s + dt.timedelta(weeks=1), _label(s, unit)) for s in starts]
    first = today.replace(day=1)
    starts = [_add_months(first, -i) for i in range(n - 1, -1, -1)]
    return unit, [Period(s, _add_months(s, 1), _label(s, unit)) for s in starts]


@dataclass
class Scope:
    """What a health report looks at: the series, the periods, the zone periods are cut in."""

    series: QuerySet[Series]
    period: str
    unit: str
    periods: list[Period]
    zone: ZoneInfo
    now: dt.datetime

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.periods[0].start, dt.time.min, tzinfo=self.zone)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.periods[-1].end, dt.time.min, tzinfo=self.zone)

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.zone).date()

    def held(self) -> QuerySet[Meeting]:
        """Held meetings of the scope's series that started in the periods (history entered
        afterwards, 补录, was not run under the regime and is not measured)."""
        return Meeting.objects.filter(
            series__in=self.series, status=Meeting.Status.HELD, is_history=False, start__gte=self.start, start__lt=self.end
        )

    def bucket(self, field_name: str) -> PeriodBucket:
        """The period a datetime falls in, as the period's first day: what truncating it to
        the week or month in the scope's zone gives (TruncWeek/TruncMonth), as a CASE over
        the periods' boundaries — plain comparisons of the stored instants, no time zone
        conversion per row (on SQLite, a call to a Python function per row). NULL outside
        the periods."""
        bounds = [dt.datetime.combine(p.end, dt.time.min, tzinfo=self.zone) for p in self.periods]
        return PeriodBucket(field_name, start=self.start, periods=[(end, p.start) for p, end in zip(self.periods, bounds)])

    def key(self, value) -> dt.date:
        """A truncated value from the database → the period's start date."""
        if isinstance(value, dt.datetime):
            value = (value.astimezone(self.zone) if timezone.is_aware(value) else value).date()
        return value


class PeriodBucket(Func):
    """`CASE WHEN f < start THEN NULL WHEN f < end₁ THEN first day₁ … END`: `Scope.bucket`.
    Compiled directly (the field once, the boundaries as parameters): a CASE of When()
    lookups costs more to build in Python, per query, than the database takes to run it
    for a series page."""

    output_field = DateField()

    def __init__(self, expression, *, start: dt.datetime, periods: list[tuple[dt.datetime, dt.date]]):
        super().__init__(F(expression) if isinstance(expression, str) else expression)
        self.start, self.periods = start, periods

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        when_dt = DateTimeField().get_db_prep_value
        when_day = DateField().get_db_prep_value
        parts, out = [f"CASE WHEN {sql} < %s THEN NULL"], [*params, when_dt(self.start, connection)]
        for end, first_day in self.periods:
            parts.append(f"WHEN {sql} < %s THEN %s")
            out += [*params, when_dt(end, connection), when_day(first_day, connection)]
        parts.append("ELSE NULL END")
        return " ".join(parts), out


def health_scope(*, series: QuerySet[Series], period: str = DEFAULT_PERIOD, now: dt.datetime | None = None,
                 zone: ZoneInfo | None = None) -> Scope:  # fmt: skip
    """A Scope over `series` (a queryset: what the viewer sees, or one series). `zone`
    defaults to the active time zone (the viewer's). Raises PeriodError."""
    now = now or timezone.now()
    zone = zone or timezone.get_current_timezone()
    unit, periods = period_buckets(period, today=now.astimezone(zone).date())
    return Scope(series=series, period=period, unit=unit, periods=periods, zone=zone, now=now)


# --- what a measure is ----------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: str
    kind: str = "number"  # text, int, number, percent, hours, days, date


@dataclass
class Measure:
    key: str
    title: str
    description: str
    columns: list[Column]
    rows: list[dict]
    charts: list[Chart] = field(default_factory=list)
    summary: dict = field(default_factory=dict)  # headline figures, e.g. overdue_now

    def table(self) -> list[list]:
        """Rows as lists in column order (CSV, templates)."""
        return [[row.get(c.key) for c in self.columns] for row in self.rows]


def _rate(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _period_rows(scope: Scope, grouped: dict[dt.date, dict]) -> list[tuple[Period, dict]]:
    return [(p, grouped.get(p.start, {})) for p in scope.periods]


def _period_column() -> Column:
    return Column("period", _("Period"), "text")


def _by_period(scope: Scope, qs) -> dict[dt.date, dict]:
    return {scope.key(r["period"]): r for r in qs}


# --- compliance -----------------------------------------------------------------------


def _compliance_sums(scope: Scope) -> dict[dt.date, dict]:
    """Per period: passed (SUM of 1/0) and applicable (COUNT skips NULL) of every check."""
    aggregates = {}
    for key in CHECK_KEYS:
        aggregates[f"{key}__passed"] = Sum(f"c_{key}")
        aggregates[f"{key}__applicable"] = Count(f"c_{key}")
    qs = (
        compliance_annotate(scope.held(), now=scope.now)
        .annotate(period=scope.bucket("start"))
        .order_by()
        .values("period")
        .annotate(meetings=Count("pk"), **aggregates)
    )
    return _by_period(scope, qs)


def measure_compliance(scope: Scope) -> list[Measure]:
    """Two measures from one query: each check's rate per period (with the overall score:
    all passed checks ÷ all applicable ones), and each check's rate over the whole range."""
    sums = _compliance_sums(scope)
    columns = [_period_column(), Column("meetings", _("Held meetings"), "int"), Column("score", _("Compliance"), "percent")]
    columns += [Column(key, str(CHECK_LABELS[key]), "percent") for key in CHECK_KEYS]
    rows = []
    totals = defaultdict(int)
    for p, r in _period_rows(scope, sums):
        row = {"period": p.label, "meetings": r.get("meetings", 0)}
        passed = applicable = 0
        for key in CHECK_KEYS:
            kp, ka = r.get(f"{key}__passed") or 0, r.get(f"{key}__applicable") or 0
            row[key] = _rate(kp, ka)
            passed, applicable = passed + kp, applicable + ka
            totals[f"{key}__passed"] += kp
            totals[f"{key}__applicable"] += ka
        row["score"] = _rate(passed, applicable)
        rows.append(row)
    labels = [p.label for p in scope.periods]
    trend = Measure(
        key="compliance",
        title=_("Compliance over time"),
        description=_("Share of held meetings that kept each rule of the regime; not applicable checks are left out."),
        columns=columns,
        rows=rows,
        charts=[
            Chart(
                kind="line", labels=labels, unit="%", y_max=100,
                title=_("Compliance over time"),
                series=[
                    ChartSeries(_("Compliance"), [r["score"] for r in rows]),
                ],
            )  # fmt: skip
        ],
    )
    check_rows = [
        {
            "check": str(CHECK_LABELS[key]),
            "passed": totals[f"{key}__passed"],
            "applicable": totals[f"{key}__applicable"],
            "rate": _rate(totals[f"{key}__passed"], totals[f"{key}__applicable"]),
            "key": key,
        }
        for key in CHECK_KEYS
    ]
    checks = Measure(
        key="checks",
        title=_("Compliance by rule"),
        description=_("Each rule over the whole range: meetings that kept it, of the meetings it applied to."),
        columns=[Column("check", _("Rule"), "text"), Column("passed", _("Kept"), "int"),
                 Column("applicable", _("Applicable"), "int"), Column("rate", _("Rate"), "percent")],  # fmt: skip
        rows=check_rows,
        charts=[
            Chart(kind="hbar", labels=[r["check"] for r in check_rows], unit="%", y_max=100, title=_("Compliance by rule"),
                  series=[ChartSeries(_("Rate"), [r["rate"] for r in check_rows])])  # fmt: skip
        ],
    )
    return [trend, checks]


# --- follow-up ------------------------------------------------------------------------


def _days(delta) -> float | None:
    if delta is None:
        return None
    if not isinstance(delta, dt.timedelta):  # SQLite can hand back microseconds
        delta = dt.timedelta(microseconds=int(delta))
    return round(delta.total_seconds() / 86400, 1)


def median_days_to_close(scope: Scope) -> dict[dt.date, float | None]:
    """Median days from creation to done, per period of the action's meeting, in the
    database: rank the closed actions of each period by time taken (window functions, on
    SQLite and PostgreSQL alike) and keep the middle one or two. One query, at most two rows
    per period come back."""
    took = ExpressionWrapper(F("closed_at") - F("created"), output_field=DurationField())
    bucket = scope.bucket("meeting__start")
    qs = (
        ActionItem.objects.filter(meeting__in=scope.held(), status=ActionItem.Status.DONE, closed_at__isnull=False)
        .annotate(
            period=bucket,
            took=took,
            rank=Window(RowNumber(), partition_by=[bucket], order_by=[took.asc(), F("pk").asc()]),
            n=Window(Count("pk"), partition_by=[bucket]),
        )
        .annotate(rank2=F("rank") * 2)
        .filter(rank2__gte=F("n"), rank2__lte=F("n") + 2)  # the middle one (odd) or two (even)
        .order_by()
        .values_list("period", "took")
    )
    middle: dict[dt.date, list[float]] = defaultdict(list)
    for period, delta in qs:
        middle[scope.key(period)].append(_days(delta))
    return {k: round(sum(v) / len(v), 1) for k, v in middle.items()}


def measure_actions(scope: Scope) -> Measure:
    """Actions of the meetings held in each period: completion (done ÷ not cancelled),
    on-time (done on or before the due date ÷ done), median days to close, open and overdue
    now. Three queries."""
    today = scope.today
    is_open = Q(status__in=ActionItem.OPEN_STATES)
    with timezone.override(scope.zone):  # closed_at__date: the day in the scope's zone
        qs = (
            ActionItem.objects.filter(meeting__in=scope.held())
            .annotate(period=scope.bucket("meeting__start"))
            .order_by()
            .values("period")
            .annotate(
                created=Count("pk"),
                cancelled=Count("pk", filter=Q(status=ActionItem.Status.CANCELLED)),
                done=Count("pk", filter=Q(status=ActionItem.Status.DONE)),
                on_time=Count("pk", filter=Q(status=ActionItem.Status.DONE, closed_at__date__lte=F("due"))),
                open=Count("pk", filter=is_open),
                overdue=Count("pk", filter=is_open & Q(due__lt=today)),
            )
        )
        grouped = _by_period(scope, qs)
    medians = median_days_to_close(scope)
    overdue_now = ActionItem.objects.filter(series__in=scope.series).filter(is_open, due__lt=today).count()
    rows = []
    for p, r in _period_rows(scope, grouped):
        created, done = r.get("created", 0), r.get("done", 0)
        rows.append({
            "period": p.label,
            "created": created,
            "done": done,
            "completion": _rate(done, created - r.get("cancelled", 0)),
            "on_time": _rate(r.get("on_time", 0), done),
            "median_days": medians.get(p.start),
            "open": r.get("open", 0),
            "overdue": r.get("overdue", 0),
        })  # fmt: skip
    labels = [p.label for p in scope.periods]
    return Measure(
        key="actions",
        title=_("Action items"),
        description=_("Actions from the meetings held in each period: how many are done, done on time, and how long they took."),
        columns=[
            _period_column(), Column("created", _("Actions"), "int"), Column("done", _("Done"), "int"),
            Column("completion", _("Completion rate"), "percent"), Column("on_time", _("On-time rate"), "percent"),
            Column("median_days", _("Median days to close"), "days"), Column("open", _("Still open"), "int"),
            Column("overdue", _("Overdue now"), "int"),
        ],  # fmt: skip
        rows=rows,
        charts=[
            Chart(kind="line", labels=labels, unit="%", y_max=100, title=_("Completion and on-time rate"), series=[
                ChartSeries(_("Completion rate"), [r["completion"] for r in rows]),
                ChartSeries(_("On-time rate"), [r["on_time"] for r in rows]),
            ]),
            Chart(kind="bar", labels=labels, title=_("Median days to close"),
                  series=[ChartSeries(_("Median days to close"), [r["median_days"] for r in rows])]),
        ],  # fmt: skip
        summary={"overdue_now": overdue_now},
    )


# --- survey ---------------------------------------------------------------------------


def measure_survey(scope: Scope) -> Measure:
    """Average answer (1–5) per question and period, from the responses to surveys of the
    meetings held then — only surveys with at least LIHUI_SURVEY_MIN_ANSWERS answers, so
    that no choice of scope or period singles out fewer (the results page's rule, and this
    page is open to every viewer of the series). One query."""
    qs = (
        Response.objects.filter(survey__meeting__in=scope.held(), survey__in=surveys_with_enough_answers())
        .annotate(period=scope.bucket("survey__meeting__start"))
        .order_by()
        .values("period")
        .annotate(responses=Count("pk"), **{name: Avg(name) for name, _label in QUESTIONS})
    )
    grouped = _by_period(scope, qs)
    rows = []
    for p, r in _period_rows(scope, grouped):
        row = {"period": p.label, "responses": r.get("responses", 0)}
        for name, _label in QUESTIONS:
            value = r.get(name)
            row[name] = round(float(value), 2) if value is not None else None
        rows.append(row)
    return Measure(
        key="survey",
        title=_("Survey scores"),
        description=_("Average answer per question, from 1 (disagree) to 5 (agree).") + " " + ngettext(
            "Surveys with fewer than %(n)s answer are left out, to keep answers anonymous.",
            "Surveys with fewer than %(n)s answers are left out, to keep answers anonymous.",
            survey_min_answers(),
        ) % {"n": survey_min_answers()},
        columns=[_period_column(), Column("responses", _("Responses"), "int")]
        + [Column(name, str(label), "number") for name, label in QUESTIONS],
        rows=rows,
        charts=[
            Chart(kind="line", labels=[p.label for p in scope.periods], y_max=5, y_min=1, title=_("Survey scores"),
                  series=[ChartSeries(str(label), [r[name] for r in rows]) for name, label in QUESTIONS])  # fmt: skip
        ],
    )


# --- load and time --------------------------------------------------------------------


def measure_load(scope: Scope) -> Measure:
    """会议负荷 of the held meetings, as the meeting-load page counts it (scheduled length ×
    people): here the people who attended (present, late, remote; guests too), or the
    required roster where no attendance was taken. Person-hours per week divides by the
    weeks in the period. One query."""
    attended = SubqueryCount(Attendance.objects.filter(meeting_id=OuterRef("pk"), status__in=PRESENT).values("pk"))
    required = SubqueryCount(
        Membership.objects.filter(series_id=OuterRef("series_id")).exclude(role=Membership.Role.OPTIONAL).values("pk")
    )
    qs = (
        scope.held()
        .annotate(period=scope.bucket("start"), n_attended=attended, n_required=required)
        .annotate(
            people=Case(When(n_attended__gt=0, then=F("n_attended")), default=F("n_required"), output_field=IntegerField()),
        )
        .order_by()
        .values("period")
        .annotate(
            meetings=Count("pk"),
            minutes=Sum("duration_minutes"),
            person_minutes=Sum(ExpressionWrapper(F("duration_minutes") * F("people"), output_field=IntegerField())),
        )
    )
    grouped = _by_period(scope, qs)
    rows = []
    for p, r in _period_rows(scope, grouped):
        person_hours = (r.get("person_minutes") or 0) / 60
        rows.append({
            "period": p.label,
            "meetings": r.get("meetings", 0),
            "hours": round((r.get("minutes") or 0) / 60, 1),
            "person_hours": round(person_hours, 1),
            "per_week": round(person_hours / p.weeks, 1),
        })  # fmt: skip
    return Measure(
        key="load",
        title=_("Meeting load"),
        description=_("Person-hours spent in held meetings: scheduled length × people who attended."),
        columns=[_period_column(), Column("meetings", _("Held meetings"), "int"), Column("hours", _("Meeting hours"), "hours"),
                 Column("person_hours", _("Person-hours"), "hours"), Column("per_week", _("Person-hours per week"), "hours")],  # fmt: skip
        rows=rows,
        charts=[Chart(kind="bar", labels=[p.label for p in scope.periods], title=_("Person-hours per week"), unit="h",
                      series=[ChartSeries(_("Person-hours per week"), [r["per_week"] for r in rows])])],  # fmt: skip
    )


# Agenda kinds in the groups the seed cares about: one-way reporting vs discussion vs deciding.
KIND_GROUPS: list[tuple[str, object, tuple[str, ...]]] = [
    ("report", AgendaKind.REPORT.label, (AgendaKind.REPORT,)),
    ("discussion", AgendaKind.DISCUSSION.label, (AgendaKind.DISCUSSION,)),
    ("decision", gettext_lazy("Decisions and plans"), (AgendaKind.DECISION, AgendaKind.PLAN)),
    ("other", gettext_lazy("Opening, review, recap, other"), (AgendaKind.OPENING, AgendaKind.REVIEW, AgendaKind.RECAP, AgendaKind.OTHER)),
]


def measure_time_by_kind(scope: Scope) -> Measure:
    """Share of the time used (live timer) by agenda kind, per period. One query."""
    group = Case(
        *[When(kind__in=kinds, then=Value(key)) for key, _label, kinds in KIND_GROUPS],
        default=Value("other"),
    )
    qs = (
        AgendaItem.objects.filter(meeting__in=scope.held())
        .annotate(period=scope.bucket("meeting__start"), group=group)
        .order_by()
        .values("period", "group")
        .annotate(seconds=Sum("seconds_used"))
    )
    grouped: dict[dt.date, dict] = defaultdict(dict)
    for r in qs:
        grouped[scope.key(r["period"])][r["group"]] = r["seconds"] or 0
    rows = []
    for p, r in _period_rows(scope, grouped):
        total = sum(r.values())
        row = {"period": p.label, "hours": round(total / 3600, 1)}
        for key, _label, _kinds in KIND_GROUPS:
            row[key] = _rate(r.get(key, 0), total)
        rows.append(row)
    return Measure(
        key="time",
        title=_("Time by agenda kind"),
        description=_("Share of the time used on reports, discussion and decisions. A meeting that only reports decides nothing."),
        columns=[_period_column(), Column("hours", _("Time used"), "hours")]
        + [Column(key, str(label), "percent") for key, label, _kinds in KIND_GROUPS],
        rows=rows,
        charts=[Chart(kind="stacked", labels=[p.label for p in scope.periods], unit="%", y_max=100, title=_("Time by agenda kind"),
                      series=[ChartSeries(str(label), [r[key] for r in rows]) for key, label, _kinds in KIND_GROUPS])],  # fmt: skip
    )


# --- people ---------------------------------------------------------------------------


def _attended(scope: Scope) -> QuerySet[Attendance]:
    """Attendance of staff in the held meetings, each marked `contributed` (1/0): presented
    an item of that meeting or owns an action recorded in it."""
    presented = AgendaItem.objects.filter(meeting_id=OuterRef("meeting_id"), presenter_id=OuterRef("person_id"))
    owns = ActionItem.objects.filter(meeting_id=OuterRef("meeting_id"), owner_id=OuterRef("person_id"))
    return Attendance.objects.filter(meeting__in=scope.held(), person__isnull=False, status__in=PRESENT).annotate(
        contributed=Case(When(Q(Exists(presented)) | Q(Exists(owns)), then=Value(1)), default=Value(0), output_field=IntegerField())
    )


def measure_participation(scope: Scope) -> Measure:
    """Share of attendances in which the person presented or took an action. One query."""
    qs = _attended(scope).annotate(period=scope.bucket("meeting__start")).order_by().values("period").annotate(
        attendances=Count("pk"), contributions=Sum("contributed")
    )
    grouped = _by_period(scope, qs)
    rows = []
    for p, r in _period_rows(scope, grouped):
        rows.append({
            "period": p.label,
            "attendances": r.get("attendances", 0),
            "contributions": r.get("contributions") or 0,
            "share": _rate(r.get("contributions") or 0, r.get("attendances", 0)),
        })  # fmt: skip
    return Measure(
        key="participation",
        title=_("Participation"),
        description=_("Of the people present at each meeting, the share who presented an item or took an action."),
        columns=[_period_column(), Column("attendances", _("Attendances"), "int"),
                 Column("contributions", _("Presented or took an action"), "int"), Column("share", _("Share"), "percent")],  # fmt: skip
        rows=rows,
        charts=[Chart(kind="line", labels=[p.label for p in scope.periods], unit="%", y_max=100, title=_("Participation"),
                      series=[ChartSeries(_("Share"), [r["share"] for r in rows])])],  # fmt: skip
    )


def measure_silent(scope: Scope) -> Measure:
    """People who attended at least `SILENT_MIN_MEETINGS` meetings in the range and never
    presented or took an action. One query."""
    found = list(
        _attended(scope).order_by().values("person", "person__name", "person__department__name")
        .annotate(attendances=Count("pk"), contributions=Sum("contributed"))
        .filter(attendances__gte=SILENT_MIN_MEETINGS, contributions=0)
        .order_by("-attendances", "person__sort_key", "person")[:200]
    )  # fmt: skip
    rows = [
        {"person": r["person__name"], "department": r["person__department__name"] or "", "attendances": r["attendances"]}
        for r in found
    ]
    return Measure(
        key="silent",
        title=_("Never contributes"),
        description=_("Attended %(n)s or more meetings in the range without presenting an item or taking an action.") % {"n": SILENT_MIN_MEETINGS},
        columns=[Column("person", _("Person"), "text"), Column("department", _("Department"), "text"),
                 Column("attendances", _("Meetings attended"), "int")],  # fmt: skip
        rows=rows,
        charts=[Chart(kind="hbar", labels=[r["person"] for r in rows[:15]], title=_("Meetings attended"),
                      series=[ChartSeries(_("Meetings attended"), [r["attendances"] for r in rows[:15]])])] if rows else [],  # fmt: skip
    )


def chronic_absentees(scope: Scope) -> list[dict]:
    """Runs of `CHRONIC_ABSENCES` or more consecutive absences (absent, not excused) of a
    person in the held meetings of one series, in the range.

    Per (series, person), attendance ordered by meeting: LAG gives the two records before,
    and a row absent after two absences closes a run of three or more. Only those rows
    leave the database (window filtering, one query); consecutive ones are one run."""
    part = [F("meeting__series_id"), F("person_id")]
    order = [F("meeting__start").asc(), F("meeting_id").asc()]
    rows = (
        Attendance.objects.filter(meeting__in=scope.held(), person__isnull=False)
        .annotate(
            # The row's own status, as a window too: a filter on plain columns would run
            # before the windows are computed and cut the runs short.
            this=Window(Max("status"), partition_by=[F("pk")]),
            prev1=Window(Lag("status", 1), partition_by=part, order_by=order),
            prev2=Window(Lag("status", 2), partition_by=part, order_by=order),
            seq=Window(RowNumber(), partition_by=part, order_by=order),
        )
        .filter(this=Attendance.Status.ABSENT, prev1=Attendance.Status.ABSENT, prev2=Attendance.Status.ABSENT)
        .order_by()
        .values_list("meeting__series_id", "meeting__series__title", "person_id", "seq", "meeting__start",
                     "person__name", "person__department__name", "person__sort_key")
    )
    runs: list[dict] = []
    last: dict[tuple[int, int], dict] = {}
    for series_id, title, person_id, seq, start, name, department, sort_key in sorted(rows, key=lambda r: (r[0], r[2], r[3])):
        run = last.get((series_id, person_id))
        if run and run["seq"] == seq - 1:
            run["absences"] += 1
            run["seq"], run["last"] = seq, start
            continue
        run = {"series_id": series_id, "series": title, "person_id": person_id, "absences": CHRONIC_ABSENCES, "seq": seq,
               "last": start, "person": name, "department": department or "", "sort_key": sort_key}
        last[(series_id, person_id)] = run
        runs.append(run)
    return runs


def measure_absentees(scope: Scope) -> Measure:
    """Chronic absentees (see `chronic_absentees`), longest runs first. One query."""
    rows = []
    for r in sorted(chronic_absentees(scope), key=lambda r: (-r["absences"], r["sort_key"], r["person_id"])):
        rows.append({
            "person": r["person"], "department": r["department"], "series": r["series"],
            "absences": r["absences"], "last": r["last"].astimezone(scope.zone).date().isoformat(),
            "person_id": r["person_id"], "series_id": r["series_id"],
        })  # fmt: skip
    return Measure(
        key="absentees",
        title=_("Chronic absentees"),
        description=_("Absent without excuse from %(n)s or more consecutive held meetings of a series.") % {"n": CHRONIC_ABSENCES},
        columns=[Column("person", _("Person"), "text"), Column("department", _("Department"), "text"),
                 Column("series", _("Meeting series"), "text"), Column("absences", _("Consecutive absences"), "int"),
                 Column("last", _("Last absence"), "date")],  # fmt: skip
        rows=rows,
        charts=[Chart(kind="hbar", labels=[r["person"] for r in rows[:15]], title=_("Consecutive absences"),
                      series=[ChartSeries(_("Consecutive absences"), [r["absences"] for r in rows[:15]])])] if rows else [],  # fmt: skip
    )


# --- KPIs -----------------------------------------------------------------------------

MAX_KPI_CHARTS = 6


def measure_kpis(scope: Scope) -> Measure:
    """Each KPI's target and actual per period (the average of the values reported in the
    meetings held then), by department, with the achievement of those averages. One query."""
    qs = (
        KpiValue.objects.filter(report__item__meeting__in=scope.held())
        .annotate(period=scope.bucket("report__item__meeting__start"))
        .order_by()
        .values("period", "kpi", "kpi__name", "kpi__unit", "kpi__higher_is_better", "kpi__position",
                "kpi__department__name", "kpi__department__sort_key")
        .annotate(target=Avg("target"), actual=Avg("actual"))
    )  # fmt: skip
    values: dict[int, dict[dt.date, dict]] = defaultdict(dict)
    kpis: dict[int, dict] = {}
    for r in qs:
        values[r["kpi"]][scope.key(r["period"])] = r
        kpis[r["kpi"]] = r
    ordered = sorted(kpis.values(), key=lambda k: (k["kpi__department__sort_key"], k["kpi__position"], k["kpi"]))
    rows, charts = [], []
    for kpi in ordered:
        targets, actuals = [], []
        for p in scope.periods:
            r = values[kpi["kpi"]].get(p.start)
            target = _decimal(r and r["target"])
            actual = _decimal(r and r["actual"])
            targets.append(float(target) if target is not None else None)
            actuals.append(float(actual) if actual is not None else None)
            if r is None:
                continue
            ach = achievement(target, actual, higher_is_better=kpi["kpi__higher_is_better"])
            rows.append({
                "department": kpi["kpi__department__name"], "kpi": kpi["kpi__name"], "unit": kpi["kpi__unit"], "period": p.label,
                "target": target, "actual": actual, "achievement": float(ach) if ach is not None else None,
            })  # fmt: skip
        if len(charts) < MAX_KPI_CHARTS:
            name = f"{kpi['kpi__name']} ({kpi['kpi__unit']})" if kpi["kpi__unit"] else kpi["kpi__name"]
            title = f"{kpi['kpi__department__name']} · {name}"
            charts.append(Chart(kind="line", labels=[p.label for p in scope.periods], title=title, unit=kpi["kpi__unit"], fit=True,
                                series=[ChartSeries(_("Target"), targets, dashed=True), ChartSeries(_("Actual"), actuals)]))  # fmt: skip
    return Measure(
        key="kpis",
        title=_("KPI trends"),
        description=_("Target and actual per department and KPI, from the department reports."),
        columns=[Column("department", _("Department"), "text"), Column("kpi", _("KPI"), "text"), Column("unit", _("Unit"), "text"),
                 _period_column(), Column("target", _("Target"), "number"), Column("actual", _("Actual"), "number"),
                 Column("achievement", _("Achievement"), "percent")],  # fmt: skip
        rows=rows,
        charts=charts,
    )


def _decimal(value) -> Decimal | None:
    """An average as a plain decimal: 100.0000 → 100, 97.25 → 97.25 (never 1E+2)."""
    if value is None:
        return None
    return Decimal(format(Decimal(value).quantize(Decimal("0.01")).normalize(), "f"))


# --- the report -----------------------------------------------------------------------

MEASURES: dict[str, Callable[[Scope], Measure | list[Measure]]] = {
    "compliance": measure_compliance,  # gives "compliance" and "checks"
    "actions": measure_actions,
    "survey": measure_survey,
    "load": measure_load,
    "time": measure_time_by_kind,
    "participation": measure_participation,
    "silent": measure_silent,
    "absentees": measure_absentees,
    "kpis": measure_kpis,
}
MEASURE_KEYS = ["compliance", "checks", "actions", "survey", "load", "time", "participation", "silent", "absentees", "kpis"]


@dataclass
class HealthReport:
    scope: Scope
    held_meetings: int
    measures: list[Measure]

    @property
    def empty(self) -> bool:
        """No held meeting in the range: the page shows an empty state instead."""
        return self.held_meetings == 0

    def measure(self, key: str) -> Measure | None:
        return next((m for m in self.measures if m.key == key), None)


def health_report(*, series: QuerySet[Series], period: str = DEFAULT_PERIOD, now: dt.datetime | None = None,
                  zone: ZoneInfo | None = None, only: str | None = None) -> HealthReport:  # fmt: skip
    """Every health measure of `series` over `period` ("12w", "6m", "12m"), or only the
    measure `only` (a key of MEASURE_KEYS). About 14 queries for all of them, however many
    meetings; 1 when no meeting was held in the range (unless `only` asks for a table). Raises PeriodError, or KeyError for
    an unknown `only`.

    Benchmark: `health_report(series=Series.objects.all(), period="12m")`."""
    scope = health_scope(series=series, period=period, now=now, zone=zone)
    if only is not None and only not in MEASURE_KEYS:
        raise KeyError(only)
    held = scope.held().count()
    measures: list[Measure] = []
    if held or only:  # a single table (CSV) keeps its header and periods even when empty
        for key, build in MEASURES.items():
            if only and not (only == key or (key == "compliance" and only == "checks")):
                continue
            built = build(scope)
            measures.extend(built if isinstance(built, list) else [built])
    if only:
        measures = [m for m in measures if m.key == only]
    return HealthReport(scope=scope, held_meetings=held, measures=measures)
