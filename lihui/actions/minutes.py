"""会议纪要 assembled from the meeting itself: time, place, people, attendance, purposes,
each agenda item with its time, notes, report, decisions and actions, then the review of
earlier actions. One function gathers it (a fixed number of queries); renderers turn it
into a page or Markdown. Publishing with revisions builds on this later."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.meetings.selectors import meeting_agenda, meeting_chair_id, meeting_participants
from lihui.people.models import Person
from lihui.reports.selectors import reports_attach

from .models import ActionItem, Decision
from .selectors import review_actions


@dataclass
class ItemMinutes:
    item: AgendaItem
    decisions: list[Decision] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)


@dataclass
class Minutes:
    meeting: Meeting
    chair: Person | None
    attendees: list  # (Participant, Attendance | None)
    late: list
    absent: list
    items: list[ItemMinutes]
    decisions_without_item: list[Decision]
    actions_without_item: list[ActionItem]
    review: list[ActionItem]


def minutes_assemble(*, meeting: Meeting) -> Minutes:
    items = meeting_agenda(meeting=meeting)
    reports_attach(items=items, meeting=meeting)
    marks = {(a.person_id, a.guest_id): a for a in Attendance.objects.filter(meeting=meeting)}
    attendees, late, absent = [], [], []
    for p in meeting_participants(meeting=meeting):
        mark = marks.get((p.person.pk, None) if p.person else (None, p.guest_id))
        if mark and mark.status in (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.REMOTE):
            attendees.append((p, mark))
            if mark.status == Attendance.Status.LATE:
                late.append((p, mark))
        else:
            absent.append((p, mark))
    by_item = {i.pk: ItemMinutes(item=i) for i in items}
    loose_decisions, loose_actions = [], []
    for d in meeting.decisions.all():
        (by_item[d.item_id].decisions if d.item_id in by_item else loose_decisions).append(d)
    for a in meeting.actions.select_related("owner").order_by("id"):
        (by_item[a.item_id].actions if a.item_id in by_item else loose_actions).append(a)
    chair_id = meeting_chair_id(meeting=meeting)
    return Minutes(
        meeting=meeting,
        chair=Person.objects.filter(pk=chair_id).first() if chair_id else None,
        attendees=attendees,
        late=late,
        absent=absent,
        items=list(by_item.values()),
        decisions_without_item=loose_decisions,
        actions_without_item=loose_actions,
        review=review_actions(meeting=meeting),
    )


def _md(text: str) -> str:
    """Plain text into Markdown without letting it become markup."""
    out = (text or "").replace("\r\n", "\n")
    for ch in "\\`*_{}[]<>()#+-.!|":
        out = out.replace(ch, "\\" + ch)
    return out


def minutes_markdown(m: Minutes) -> str:
    meeting, series = m.meeting, m.meeting.series
    zone = meeting.series_zone
    start = timezone.localtime(meeting.actual_start or meeting.start, zone)
    end = timezone.localtime(meeting.actual_end or meeting.end, zone)
    lines = [f"# {_md(series.title)} · " + (_("Meeting No. %(n)s") % {"n": meeting.number} if meeting.number else "") + " · " + _("Minutes"), ""]
    lines.append(f"- **{_('When')}**: {start:%Y-%m-%d %H:%M}–{end:%H:%M} ({series.time_zone})")
    lines.append(f"- **{_('Place')}**: {_md(meeting.place) or '—'}")
    lines.append(f"- **{_('Chair')}**: {_md(str(m.chair or '—'))}")
    lines.append(f"- **{_('Minute-taker')}**: {_md(str(meeting.minute_taker or '—'))}")
    lines.append(f"- **{_('Attendees')}**: " + "、".join(_md(p.name) for p, _mark in m.attendees))
    if m.late:
        lines.append(f"- **{_('Late')}**: " + "、".join(f"{_md(p.name)} {timezone.localtime(mark.arrived_at, zone):%H:%M}" for p, mark in m.late if mark.arrived_at))
    if m.absent:
        lines.append(
            f"- **{_('Absent')}**: "
            + "、".join(f"{_md(p.name)}（{_md(mark.get_status_display() + ('：' + mark.reason if mark.reason else ''))}）" if mark else _md(p.name) for p, mark in m.absent)
        )
    purposes = series.purposes + meeting.purposes
    if purposes:
        lines += ["", f"## {_('Purpose')}", ""] + [f"- {_md(p)}" for p in purposes]
    lines += ["", f"## {_('Agenda')}", ""]
    for n, im in enumerate(m.items, 1):
        item = im.item
        used = item.used_seconds()
        lines.append(f"### {n}. {_md(item.title)}")
        lines.append("")
        meta = [_md(str(item.presenter)) if item.presenter_id else ""]
        meta.append(_("%(used)s of %(allotted)s min") % {"used": f"{used // 60}:{used % 60:02d}", "allotted": item.minutes_allotted})
        lines.append(" · ".join(x for x in meta if x))
        if item.notes:
            lines += ["", _md(item.notes)]
        report = getattr(item, "report_obj", None)
        if report is not None:
            for label, text in ((_("Progress"), report.progress), (_("Problems and risks"), report.problems), (_("Next-period plan"), report.plan)):
                if text:
                    lines += ["", f"**{label}**: {_md(text)}"]
            if item.kpi_rows:
                lines += ["", f"| {_('KPI')} | {_('Target')} | {_('Actual')} | {_('Achievement')} |", "| --- | --- | --- | --- |"]
                for k in item.kpi_rows:
                    ach = f"{k.achievement}%" if k.achievement is not None else "—"
                    lines.append(f"| {_md(str(k.kpi))} | {k.target if k.target is not None else '—'} | {k.actual if k.actual is not None else '—'} | {ach} |")
        for d in im.decisions:
            lines += ["", f"- **{_('Decision')}**: {_md(d.text)}"]
        for a in im.actions:
            lines += [f"- **{_('Action')}**: {_md(a.title)} — {_md(a.owner.name)}, {a.due:%Y-%m-%d}"]
        lines.append("")
    for d in m.decisions_without_item:
        lines.append(f"- **{_('Decision')}**: {_md(d.text)}")
    for a in m.actions_without_item:
        lines.append(f"- **{_('Action')}**: {_md(a.title)} — {_md(a.owner.name)}, {a.due:%Y-%m-%d}")
    if m.review:
        lines += ["", f"## {_('Review of previous actions')}", ""]
        for a in m.review:
            lines.append(f"- {_md(a.title)} — {_md(a.owner.name)}, {a.due:%Y-%m-%d}: {a.get_status_display()}")
    return "\n".join(lines).rstrip() + "\n"
