"""Reads for department reports: attach reports and KPI rows to agenda items, with the
change since the previous meeting of the series."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from lihui.meetings.models import AgendaItem, Meeting
from lihui.meetings.selectors import meeting_agenda, meeting_can_take_notes
from lihui.people.models import Person
from lihui.regime.models import AgendaKind

from .models import Kpi, KpiValue, Report, achievement


@dataclass
class KpiRow:
    kpi: Kpi
    target: Decimal | None
    actual: Decimal | None
    achievement: Decimal | None
    previous: Decimal | None  # last meeting's actual

    @property
    def change(self) -> Decimal | None:
        if self.actual is None or self.previous is None:
            return None
        return self.actual - self.previous


def kpis_for_departments(*, departments) -> list[Kpi]:
    """The active KPIs the departments report, in their order (the regime document's table)."""
    return list(Kpi.objects.filter(department__in=departments, active=True).select_related("department"))


def previous_meeting(*, meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(series_id=meeting.series_id, start__lt=meeting.start)
        .exclude(status__in=(Meeting.Status.CANCELLED, Meeting.Status.SKIPPED))
        .order_by("-start")
        .first()
    )


def reports_attach(*, items: list[AgendaItem], meeting: Meeting, viewer: Person | None = None) -> None:
    """Set `item.report_obj` (or None) and `item.kpi_rows` on report items: the department's
    active KPIs, this meeting's values and last meeting's actuals. Fixed query count.
    With a `viewer`, a draft they may not see is left out (`item.report_hidden_draft`);
    `item.report_is_draft` marks a draft that is shown."""
    report_items = [i for i in items if i.kind == AgendaKind.REPORT]
    for item in items:
        item.report_obj, item.kpi_rows = None, []
        item.report_is_draft = item.report_hidden_draft = False
    if not report_items:
        return
    reports = {
        r.item_id: r
        for r in Report.objects.filter(item__in=report_items)
        .select_related("department")
        .prefetch_related(Prefetch("values", queryset=KpiValue.objects.select_related("kpi")))
    }
    departments = {r.department_id for r in reports.values() if r.department_id}
    kpis_by_dept: dict[int, list[Kpi]] = {}
    for kpi in Kpi.objects.filter(department_id__in=departments, active=True).order_by("position", "id"):
        kpis_by_dept.setdefault(kpi.department_id, []).append(kpi)
    prev = previous_meeting(meeting=meeting)
    previous = {}
    if prev is not None and departments:
        for v in KpiValue.objects.filter(report__item__meeting=prev, kpi__department_id__in=departments):
            previous[v.kpi_id] = v.actual
    takes_notes = None  # asked once, at the first draft someone else presents
    for item in report_items:
        report = reports.get(item.pk)
        if report is not None and report.submitted_at is None:
            # A report not yet submitted is its presenter's draft: they, the chair (and admins)
            # and the minute-taker see it; everyone else sees that it is not in yet.
            if viewer is not None and item.presenter_id != viewer.pk:
                if takes_notes is None:
                    takes_notes = viewer.is_authenticated and meeting_can_take_notes(person=viewer, meeting=meeting)
                if not takes_notes:
                    item.report_hidden_draft = True
                    continue
            item.report_is_draft = True
        item.report_obj = report
        if report is None or report.department_id is None:
            continue
        values = {v.kpi_id: v for v in report.values.all()}
        for kpi in kpis_by_dept.get(report.department_id, []):
            v = values.get(kpi.pk)
            target = v.target if v else kpi.default_target
            actual = v.actual if v else None
            item.kpi_rows.append(
                KpiRow(
                    kpi=kpi,
                    target=target,
                    actual=actual,
                    achievement=achievement(target, actual, higher_is_better=kpi.higher_is_better),
                    previous=previous.get(kpi.pk),
                )
            )


def reports_status(*, items: list[AgendaItem]) -> tuple[int, int]:
    """(reports submitted, report items): 「4 份汇报已提交 3 份」."""
    report_items = [i for i in items if i.kind == AgendaKind.REPORT]
    done = sum(1 for i in report_items if getattr(i, "report_obj", None) and i.report_obj.submitted_at)
    return done, len(report_items)


@dataclass
class AgendaOverview:
    """A meeting's agenda as the page and the API show it: the items (reports attached for
    the viewer) and the totals."""

    items: list[AgendaItem]
    planned_minutes: int  # the items' minutes
    slot_minutes: int  # the meeting's
    overrun_minutes: int  # planned beyond the slot, or 0
    reports_done: int  # report items whose report is submitted
    reports_total: int  # report items

    @property
    def report_items(self) -> list[AgendaItem]:
        return [i for i in self.items if i.kind == AgendaKind.REPORT]


def agenda_overview(*, meeting: Meeting, viewer: Person) -> AgendaOverview:
    """The agenda with its reports as `viewer` may read them (a draft they may not see is
    left out) and its totals: 「计划 50 / 60 分钟」, the overrun, 「4 份汇报已提交 3 份」."""
    items = meeting_agenda(meeting=meeting)
    reports_attach(items=items, meeting=meeting, viewer=viewer)
    planned = sum(i.minutes_allotted for i in items)
    done, total = reports_status(items=items)
    return AgendaOverview(
        items=items,
        planned_minutes=planned,
        slot_minutes=meeting.duration_minutes,
        overrun_minutes=max(0, planned - meeting.duration_minutes),
        reports_done=done,
        reports_total=total,
    )
