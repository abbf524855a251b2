"""The minutes written out: `minutes_markdown`, the first draft of the text assembled from
the meeting (one function per section), and `minutes_docx`, the saved text as a Word
document.

The text is Markdown: what people typed as notes stays Markdown (it is rendered and cleaned
wherever it is shown), while names, titles and other single fields are escaped so they
cannot turn into markup. Pages, print, .docx and search all read the same text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from lihui import documents as d
from lihui.actions.models import ActionItem
from lihui.markdown import markdown_escape as _md
from lihui.markdown import markdown_line_breaks, markdown_tokens
from lihui.meetings.models import Attendance, Meeting

from .models import Minutes, MinutesRevision

if TYPE_CHECKING:
    from .selectors import ItemMinutes, MinutesContent


def _when(meeting: Meeting) -> str:
    zone = meeting.series_zone
    start = timezone.localtime(meeting.actual_start or meeting.start, zone)
    end = timezone.localtime(meeting.actual_end or meeting.end, zone)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} ({meeting.series.time_zone})"


def _attendance_label(mark) -> str:
    return mark.get_status_display() if mark else _("Not recorded")


def _num(value) -> str:
    """A KPI number as typed: 97.2000 → 97.2 (the report pages show it the same way)."""
    return "—" if value is None else format(value.normalize(), "f")


def _cell(text: str) -> str:
    """A table cell: escaped, on one line."""
    return _md(" ".join((text or "").split()))


def _row(*cells) -> str:
    """A table row: 「| a | b | c |」 (the cells already escaped)."""
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _field(label: str, value: str) -> str:
    """A labelled line of a list: 「- **When**: …」."""
    return "- **%s**: %s" % (label, value)


_SENTINEL = "\u2063lihui-end-of-notes\u2063"


def _notes(text: str) -> str:
    """An item's notes, Markdown as typed, but with a code fence left open closed again:
    otherwise everything after it (decisions, actions, the tables) would become code."""
    text = text.strip()
    for tok in markdown_tokens(f"{text}\n\n{_SENTINEL}"):
        if tok.type == "fence" and _SENTINEL in tok.content:
            return f"{text}\n{tok.markup}"
    return text


def _labelled(label: str, body: str) -> list[str]:
    """「**Progress**: text」 when the text starts as a paragraph; the label on its own line
    above a list, a table or code, which would not survive being run into it."""
    tokens = markdown_tokens(body)
    if tokens and tokens[0].type == "paragraph_open":
        return ["**%s**: %s" % (label, body)]
    return ["**%s**:" % label, "", body]


# --- the sections of the first draft ---------------------------------------------------


def _md_header(m: MinutesContent) -> list[str]:
    """The title, then when and where, who chaired and took the minutes, who came."""
    meeting, series = m.meeting, m.meeting.series
    zone = meeting.series_zone
    number = _("Meeting No. %(n)s") % {"n": meeting.number} if meeting.number else ""
    lines = ["# " + _md(series.title) + (" · " + number if number else "") + " · " + _("Minutes"), ""]
    lines.append(_field(_("When"), _when(meeting)))
    lines.append(_field(_("Place"), _md(meeting.place) or "—"))
    if series.video_link:
        lines.append(_field(_("Video meeting"), _md(series.video_link)))
    lines.append(_field(_("Chair"), _md(str(m.chair or "—"))))
    lines.append(_field(_("Minute-taker"), _md(str(m.minute_taker or "—"))))
    lines.append(_field(_("Attendees"), "、".join(_md(p.name) for p, _mark in m.attendees) or "—"))
    if m.late:
        late = (
            f"{_md(p.name)} {timezone.localtime(mark.arrived_at, zone):%H:%M}" if mark.arrived_at else _md(p.name)
            for p, mark in m.late
        )
        lines.append(_field(_("Late"), "、".join(late)))
    if m.absent:
        absent = (
            f"{_md(p.name)}（{_md(_attendance_label(mark) + ('：' + mark.reason if mark and mark.reason else ''))}）"
            for p, mark in m.absent
        )
        lines.append(_field(_("Absent"), "、".join(absent)))
    return lines


def _md_attendance(m: MinutesContent) -> list[str]:
    """Everyone on the roster with their role, their attendance and a note."""
    zone = m.meeting.series_zone
    lines = ["", "## " + _("Attendance"), "", _row(_("Name"), _("Role"), _("Attendance"), _("Note")), "| --- | --- | --- | --- |"]
    roles = {"chair": _("Chair"), "minute_taker": _("Minute-taker"), "member": _("Member"), "optional": _("Optional member"), "guest": _("Guest")}
    for p, mark in [*m.attendees, *m.absent]:
        note = ""
        if mark and mark.status == Attendance.Status.LATE and mark.arrived_at:
            note = _("arrived %(time)s") % {"time": f"{timezone.localtime(mark.arrived_at, zone):%H:%M}"}
        elif mark and mark.reason:
            note = mark.reason
        if p.role == "guest" and p.reason:
            note = (note + " · " if note else "") + p.reason
        lines.append(_row(_cell(p.name), roles.get(p.role, p.role), _attendance_label(mark), _cell(note)))
    return lines


def _md_purposes(m: MinutesContent) -> list[str]:
    purposes = m.meeting.series.purposes + m.meeting.purposes
    if not purposes:
        return []
    return ["", "## " + _("Purpose"), ""] + [f"- {_md(p)}" for p in purposes]


def _md_decisions_and_actions(decisions, actions) -> list[str]:
    lines = [_field(_("Decision"), _md(x.text)) for x in decisions]
    lines += [_field(_("Action"), f"{_md(a.title)} — {_md(a.owner.name)}, {a.due:%Y-%m-%d}") for a in actions]
    return lines


def _md_report(item) -> list[str]:
    """The department report given under the item (a draft says so), with its KPIs."""
    report = getattr(item, "report_obj", None)
    if report is None:
        return []
    lines = []
    if report.submitted_at is None:  # the minute-taker sees drafts; the minutes say so
        lines += ["", "*%s*" % _("Report draft, not submitted")]
    for label, text in ((_("Progress"), report.progress), (_("Problems and risks"), report.problems), (_("Next-period plan"), report.plan)):
        if text:  # Markdown as typed, line breaks kept; rendered and cleaned where shown
            lines += ["", *_labelled(label, _notes(markdown_line_breaks(text)))]
    if item.kpi_rows:
        lines += ["", _row(_("KPI"), _("Target"), _("Actual"), _("Achievement")), "| --- | ---: | ---: | ---: |"]
        for k in item.kpi_rows:
            ach = f"{k.achievement}%" if k.achievement is not None else "—"
            lines.append(_row(_cell(str(k.kpi)), _num(k.target), _num(k.actual), ach))
    return lines


def _md_item(n: int, im: ItemMinutes) -> list[str]:
    """One agenda item: who presented, the time used, the notes, the report, what was decided."""
    item = im.item
    used = item.used_seconds()
    meta = [_md(str(item.presenter)) if item.presenter_id else ""]
    meta.append(_("%(used)s of %(allotted)s min") % {"used": f"{used // 60}:{used % 60:02d}", "allotted": item.minutes_allotted})
    lines = [f"### {n}. {_md(item.title)}", "", " · ".join(x for x in meta if x)]
    if item.notes.strip():
        lines += ["", _notes(item.notes)]  # Markdown as typed; rendered and cleaned where shown
    lines += _md_report(item)
    if im.decisions or im.actions:
        lines.append("")
    lines += _md_decisions_and_actions(im.decisions, im.actions)
    lines.append("")
    return lines


def _md_agenda(m: MinutesContent) -> list[str]:
    lines = ["", "## " + _("Agenda"), ""]
    for n, im in enumerate(m.items, 1):
        lines += _md_item(n, im)
    return lines


def _md_other(m: MinutesContent) -> list[str]:
    """Decisions and actions recorded outside any agenda item."""
    if not (m.decisions_without_item or m.actions_without_item):
        return []
    return ["## " + _("Other decisions and actions"), "", *_md_decisions_and_actions(m.decisions_without_item, m.actions_without_item), ""]


def _md_review(m: MinutesContent) -> list[str]:
    """The earlier actions reviewed in this meeting, with their outcome."""
    if not m.review:
        return []
    outcomes = {"done": _("Done"), "continue": _("Continues"), "cancelled": _("Cancelled")}
    lines = ["## " + _("Review of previous actions"), "", _row(_("Action"), _("Owner"), _("Due"), _("Outcome")), "| --- | --- | --- | --- |"]
    for a in m.review:
        review = a.review_here[-1] if a.review_here else None
        outcome = outcomes.get(review.new, "") if review else _("Not reviewed yet") + f" ({a.get_status_display()})"
        if review and review.text:
            outcome += f"：{_cell(review.text)}"
        lines.append(_row(_cell(a.title), _cell(a.owner.name), f"{a.due:%Y-%m-%d}", outcome))
    lines.append("")
    return lines


def _md_action_items(m: MinutesContent) -> list[str]:
    """The table of this meeting's actions, in the order they were recorded."""
    all_actions = [a for im in m.items for a in im.actions] + m.actions_without_item
    if not all_actions:
        return []
    priorities = dict(ActionItem.Priority.choices)
    lines = ["## " + _("Action items"), "", _row("#", _("Action"), _("Owner"), _("Due"), _("Priority")), "| ---: | --- | --- | --- | --- |"]
    for n, a in enumerate(all_actions, 1):
        lines.append(_row(n, _cell(a.title), _cell(a.owner.name), f"{a.due:%Y-%m-%d}", priorities.get(a.priority, a.priority)))
    return lines


def minutes_markdown(m: MinutesContent) -> str:
    """The first draft of the minutes' text."""
    lines = [*_md_header(m), *_md_attendance(m), *_md_purposes(m), *_md_agenda(m), *_md_other(m), *_md_review(m), *_md_action_items(m)]
    return "\n".join(lines).rstrip() + "\n"


# --- Word --------------------------------------------------------------------------------


def minutes_docx(*, meeting: Meeting, record: Minutes | None, head: MinutesRevision | None, text: str) -> bytes:
    """The same Markdown text as the page, with the toolkit's fonts (宋体 for Chinese) and
    table look, and a line saying which revision it is."""
    doc = d.new_document(title="%s · %s" % (meeting.series.title, _("Minutes")))
    d.markdown_into(doc, text)
    zone = meeting.series_zone
    if record is not None and record.published_at:
        status = _("Published %(when)s") % {"when": f"{timezone.localtime(record.published_at, zone):%Y-%m-%d %H:%M}"}
    else:
        status = _("Draft — not published")
    if head is not None:
        status += " · " + _("revision %(n)s, %(when)s") % {"n": head.number, "when": f"{timezone.localtime(head.created, zone):%Y-%m-%d %H:%M}"}
    d.paragraph(doc, status, size=d.TABLE_PT - 1, color=d.MUTED_COLOR, space_before=12)
    return d.to_bytes(doc)


def minutes_filename(meeting, ext: str) -> str:
    """The download name of a meeting's minutes (page and API alike)."""
    return f"minutes-{meeting.series_id}-{meeting.number or meeting.pk}.{ext}"
