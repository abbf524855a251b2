"""Word documents of a meeting: the agenda (议程) to send before it."""

from __future__ import annotations

import datetime as dt

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx.shared import RGBColor

from lihui import documents as d
from lihui.regime.models import Membership, Series
from lihui.templatetags_builtins import format_day

from .models import AgendaItem, Guest, Material, Meeting
from .selectors import Participant

WARNING_COLOR = RGBColor(0xC0, 0x00, 0x00)


def _label(model, field: str) -> str:
    """A field's verbose name as a label, so the document says what the forms say."""
    return str(capfirst(model._meta.get_field(field).verbose_name))


def agenda_title(meeting: Meeting) -> str:
    """「运营周例会 · 第 12 次例会 议程」 / "Ops weekly · Meeting No. 12 Agenda"."""
    parts = [meeting.series.title]
    if meeting.number:
        parts.append(_("Meeting No. %(n)s Agenda") % {"n": meeting.number})
    else:
        parts.append(_("Agenda"))
    return " · ".join(parts)


def _role_label(role: str) -> str:
    if role in Membership.Role.values:
        return str(Membership.Role(role).label)
    return str(capfirst(Guest._meta.verbose_name))


def agenda_docx(*, meeting: Meeting, items: list[AgendaItem], participants: list[Participant]) -> bytes:
    """The agenda as .docx, in the active language, times in the series' time zone.

    `items` as from `selectors.meeting_agenda` (presenter and materials prefetched) and
    `participants` as from `selectors.meeting_participants`: no query per item or roster
    member (a staff guest's department is read when shown)."""
    title = agenda_title(meeting)
    doc = d.new_document(title=title)
    d.heading(doc, title, 0)
    _status_section(doc, meeting)
    _facts_section(doc, meeting, participants)
    _purpose_section(doc, meeting)
    _agenda_section(doc, meeting, items)
    _participants_section(doc, participants)
    return d.to_bytes(doc)


def _status_section(doc, meeting: Meeting) -> None:
    """A cancelled or skipped meeting says so first, with the reason."""
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.SKIPPED):
        status = meeting.get_status_display()
        d.paragraph(doc, f"{status}: {meeting.cancel_reason}" if meeting.cancel_reason else status, bold=True, color=WARNING_COLOR)


def _facts_section(doc, meeting: Meeting, participants: list[Participant]) -> None:
    """The facts: when, where, who leads."""
    series: Series = meeting.series
    zone = meeting.series_zone
    start = meeting.start.astimezone(zone)
    end = meeting.end.astimezone(zone)  # UTC arithmetic, then the zone: right across a DST change
    when = _("%(day)s %(start)s–%(end)s (%(zone)s)") % {
        "day": format_day(start.date()),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
        "zone": series.time_zone,
    }
    d.field(doc, _("When"), when)
    if meeting.place:
        d.field(doc, _("Place"), meeting.place)
    if series.video_link:
        d.field(doc, _("Video link"), series.video_link)
    chair = next((p.name for p in participants if p.role == Membership.Role.CHAIR), "")
    if meeting.minute_taker_id:
        taker = meeting.minute_taker.name
    else:
        taker = next((p.name for p in participants if p.role == Membership.Role.MINUTE_TAKER), "")
    if chair:
        d.field(doc, _("Chair"), chair)
    if taker:
        d.field(doc, _("Minute-taker"), taker)


def _purpose_section(doc, meeting: Meeting) -> None:
    """Why we meet: the standing purpose, then this meeting's own objectives."""
    series: Series = meeting.series
    if series.purposes or meeting.purposes:
        d.heading(doc, _("Purpose"), 1)
        for label, lines in ((_label(Series, "purpose"), series.purposes), (_label(Meeting, "purpose"), meeting.purposes)):
            if lines:
                d.paragraph(doc, label, bold=True)
                d.bullets(doc, lines)


def _agenda_section(doc, meeting: Meeting, items: list[AgendaItem]) -> None:
    """The agenda: each item's slot follows from the scheduled start and the minutes before
    it; then the planned total against the meeting's time."""
    d.heading(doc, _("Agenda"), 1)
    header = [
        pgettext("agenda item", "No."),
        _("Time"),
        _label(AgendaItem, "title"),
        _label(AgendaItem, "presenter"),
        _label(AgendaItem, "minutes_allotted"),
        str(capfirst(Material._meta.verbose_name_plural)),
    ]
    zone = meeting.series_zone
    rows = []
    at = meeting.start
    for n, item in enumerate(items, start=1):
        until = at + dt.timedelta(minutes=item.minutes_allotted)
        what: list[str | d.Line] = [item.title]
        if item.description.strip():
            what.append(d.Line(item.description.strip(), muted=True))
        rows.append(
            [
                str(n),
                f"{at.astimezone(zone):%H:%M}–{until.astimezone(zone):%H:%M}",
                what,
                item.presenter.name if item.presenter_id else "—",
                str(item.minutes_allotted),
                [m.name for m in item.materials.all()] or "—",
            ]
        )
        at = until
    if rows:
        d.table(doc, header, rows, widths=[1.0, 2.3, 6.0, 2.2, 2.0, 3.5])
    else:
        d.paragraph(doc, _("No agenda items yet."))

    planned = sum(item.minutes_allotted for item in items)
    d.paragraph(
        doc,
        _("Planned: %(planned)s min of the %(slot)s-minute meeting.") % {"planned": planned, "slot": meeting.duration_minutes},
        bold=True,
        space_before=6,
    )
    if planned > meeting.duration_minutes:
        d.paragraph(
            doc,
            _("The agenda runs %(over)s min over the meeting's time: shorten items or move some to the next meeting.")
            % {"over": planned - meeting.duration_minutes},
            bold=True,
            color=WARNING_COLOR,
        )


def _participants_section(doc, participants: list[Participant]) -> None:
    """Who comes: the roster, then guests invited for one topic."""
    if participants:
        d.heading(doc, _("Participants"), 1)
        d.table(
            doc,
            [str(capfirst(pgettext("person", "name"))), _("Role"), _("Department"), _("Reason")],
            [
                [
                    p.name,
                    _role_label(p.role),
                    p.person.department.name if p.person is not None and p.person.department_id else "",
                    p.reason,
                ]
                for p in participants
            ],
            widths=[3.4, 2.6, 3.6, 7.4],
        )

