"""会议纪要 assembled from the meeting itself: time, place, people, attendance, purposes,
each agenda item with its time, notes, report, decisions and actions, then the review of
earlier actions and a table of the actions. One function gathers it (a fixed number of
queries); `minutes_markdown` writes it as the first draft of the text, which the
minute-taker edits and publishes as revisions (`minutes_save`, `minutes_publish`).

The text is Markdown: what people typed as notes stays Markdown (it is rendered and cleaned
wherever it is shown), while names, titles and other single fields are escaped so they
cannot turn into markup. Pages, print, .docx and search all read the same text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from lihui import events
from lihui.audit.services import E, V, audit_change, audit_record
from lihui.markdown import line_diff, markdown_line_breaks, markdown_tokens
from lihui.markdown import markdown_escape as _md
from lihui.meetings.models import AgendaItem, Attendance, Meeting, MinutesRevision
from lihui.meetings.models import Minutes as MinutesRecord
from lihui.meetings.selectors import (
    meeting_agenda,
    meeting_can_run,
    meeting_can_take_notes,
    meeting_chair_id,
    meeting_participants,
    meeting_series_content_visible,
)
from lihui.meetings.services.text import meeting_text_changed
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
    minute_taker: Person | None
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
    participants = meeting_participants(meeting=meeting)
    for p in participants:
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
    # This meeting's minute-taker, else the series' (the first one on the roster).
    minute_taker = meeting.minute_taker or next((p.person for p in participants if p.role == "minute_taker"), None)
    return Minutes(
        meeting=meeting,
        chair=Person.objects.filter(pk=chair_id).first() if chair_id else None,
        minute_taker=minute_taker,
        attendees=attendees,
        late=late,
        absent=absent,
        items=list(by_item.values()),
        decisions_without_item=loose_decisions,
        actions_without_item=loose_actions,
        review=review_actions(meeting=meeting),
    )


MAX_TEXT = 200_000


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
        return [f"**{label}**: {body}"]
    return [f"**{label}**:", "", body]


def minutes_markdown(m: Minutes) -> str:
    """The first draft of the minutes' text."""
    meeting, series = m.meeting, m.meeting.series
    zone = meeting.series_zone
    number = _("Meeting No. %(n)s") % {"n": meeting.number} if meeting.number else ""
    lines = [f"# {_md(series.title)}" + (f" · {number}" if number else "") + f" · {_('Minutes')}", ""]
    lines.append(f"- **{_('When')}**: {_when(meeting)}")
    lines.append(f"- **{_('Place')}**: {_md(meeting.place) or '—'}")
    if series.video_link:
        lines.append(f"- **{_('Video meeting')}**: {_md(series.video_link)}")
    lines.append(f"- **{_('Chair')}**: {_md(str(m.chair or '—'))}")
    lines.append(f"- **{_('Minute-taker')}**: {_md(str(m.minute_taker or '—'))}")
    lines.append(f"- **{_('Attendees')}**: " + ("、".join(_md(p.name) for p, _mark in m.attendees) or "—"))
    if m.late:
        lines.append(
            f"- **{_('Late')}**: "
            + "、".join(f"{_md(p.name)} {timezone.localtime(mark.arrived_at, zone):%H:%M}" if mark.arrived_at else _md(p.name) for p, mark in m.late)
        )
    if m.absent:
        lines.append(
            f"- **{_('Absent')}**: "
            + "、".join(f"{_md(p.name)}（{_md(_attendance_label(mark) + ('：' + mark.reason if mark and mark.reason else ''))}）" for p, mark in m.absent)
        )
    lines += ["", f"## {_('Attendance')}", "", f"| {_('Name')} | {_('Role')} | {_('Attendance')} | {_('Note')} |", "| --- | --- | --- | --- |"]
    roles = {"chair": _("Chair"), "minute_taker": _("Minute-taker"), "member": _("Member"), "optional": _("Optional member"), "guest": _("Guest")}
    for p, mark in [*m.attendees, *m.absent]:
        note = ""
        if mark and mark.status == Attendance.Status.LATE and mark.arrived_at:
            note = _("arrived %(time)s") % {"time": f"{timezone.localtime(mark.arrived_at, zone):%H:%M}"}
        elif mark and mark.reason:
            note = mark.reason
        if p.role == "guest" and p.reason:
            note = (note + " · " if note else "") + p.reason
        lines.append(f"| {_cell(p.name)} | {roles.get(p.role, p.role)} | {_attendance_label(mark)} | {_cell(note)} |")
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
        if item.notes.strip():
            lines += ["", _notes(item.notes)]  # Markdown as typed; rendered and cleaned where shown
        report = getattr(item, "report_obj", None)
        if report is not None:
            if report.submitted_at is None:  # the minute-taker sees drafts; the minutes say so
                lines += ["", f"*{_('Report draft, not submitted')}*"]
            for label, text in ((_("Progress"), report.progress), (_("Problems and risks"), report.problems), (_("Next-period plan"), report.plan)):
                if text:  # Markdown as typed, line breaks kept; rendered and cleaned where shown
                    lines += ["", *_labelled(label, _notes(markdown_line_breaks(text)))]
            if item.kpi_rows:
                lines += ["", f"| {_('KPI')} | {_('Target')} | {_('Actual')} | {_('Achievement')} |", "| --- | ---: | ---: | ---: |"]
                for k in item.kpi_rows:
                    ach = f"{k.achievement}%" if k.achievement is not None else "—"
                    lines.append(f"| {_cell(str(k.kpi))} | {_num(k.target)} | {_num(k.actual)} | {ach} |")
        if im.decisions or im.actions:
            lines.append("")
        for d in im.decisions:
            lines.append(f"- **{_('Decision')}**: {_md(d.text)}")
        for a in im.actions:
            lines.append(f"- **{_('Action')}**: {_md(a.title)} — {_md(a.owner.name)}, {a.due:%Y-%m-%d}")
        lines.append("")
    if m.decisions_without_item or m.actions_without_item:
        lines += [f"## {_('Other decisions and actions')}", ""]
        for d in m.decisions_without_item:
            lines.append(f"- **{_('Decision')}**: {_md(d.text)}")
        for a in m.actions_without_item:
            lines.append(f"- **{_('Action')}**: {_md(a.title)} — {_md(a.owner.name)}, {a.due:%Y-%m-%d}")
        lines.append("")
    if m.review:
        outcomes = {"done": _("Done"), "continue": _("Continues"), "cancelled": _("Cancelled")}
        lines += [f"## {_('Review of previous actions')}", "", f"| {_('Action')} | {_('Owner')} | {_('Due')} | {_('Outcome')} |", "| --- | --- | --- | --- |"]
        for a in m.review:
            review = a.review_here[-1] if a.review_here else None
            outcome = outcomes.get(review.new, "") if review else _("Not reviewed yet") + f" ({a.get_status_display()})"
            if review and review.text:
                outcome += f"：{_cell(review.text)}"
            lines.append(f"| {_cell(a.title)} | {_cell(a.owner.name)} | {a.due:%Y-%m-%d} | {outcome} |")
        lines.append("")
    all_actions = [a for im in m.items for a in im.actions] + m.actions_without_item
    if all_actions:
        priorities = dict(ActionItem.Priority.choices)
        lines += [f"## {_('Action items')}", "", f"| # | {_('Action')} | {_('Owner')} | {_('Due')} | {_('Priority')} |", "| ---: | --- | --- | --- | --- |"]
        for n, a in enumerate(all_actions, 1):
            lines.append(f"| {n} | {_cell(a.title)} | {_cell(a.owner.name)} | {a.due:%Y-%m-%d} | {priorities.get(a.priority, a.priority)} |")
    return "\n".join(lines).rstrip() + "\n"


# --- publishing, with revisions ---------------------------------------------------------


class MinutesConflict(Exception):
    """Someone saved since the editor loaded the text: their version and yours, both kept."""

    def __init__(self, *, theirs: MinutesRevision, yours: str):
        super().__init__("minutes conflict")
        self.theirs = theirs
        self.yours = yours


def minutes_record(*, meeting: Meeting) -> MinutesRecord | None:
    return MinutesRecord.objects.filter(meeting=meeting).first()


def minutes_head(*, record: MinutesRecord | None) -> MinutesRevision | None:
    if record is None or not record.head:
        return None
    return record.revisions.select_related("author").get(number=record.head)


def minutes_text(*, meeting: Meeting) -> tuple[MinutesRecord | None, MinutesRevision | None, str]:
    """The record, its latest revision and the current text: the latest revision's, or a
    fresh draft assembled from the meeting while nobody has saved one."""
    record = minutes_record(meeting=meeting)
    head = minutes_head(record=record)
    text = head.text if head else minutes_markdown(minutes_assemble(meeting=meeting))
    return record, head, text


def minutes_deadline(*, meeting: Meeting):
    """The regime's deadline: hours after the meeting's (actual or planned) end."""
    end = meeting.actual_end or meeting.end
    return end + dt.timedelta(hours=meeting.series.minutes_deadline_hours)


def _clean_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\x00", "")
    if not text.strip():
        raise ValidationError({"text": [_("The minutes are empty.")]})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": [_("The minutes are too long (200,000 characters at most).")]})
    return text


def _held(meeting: Meeting) -> None:
    if meeting.actual_start is None and meeting.status != Meeting.Status.HELD:
        raise ValidationError({"__all__": [_("The meeting has not taken place yet.")]})


def _locked_record(meeting: Meeting) -> MinutesRecord:
    MinutesRecord.objects.get_or_create(meeting=meeting)
    return MinutesRecord.objects.select_for_update().get(meeting=meeting)


def _append(record: MinutesRecord, *, actor: Person, text: str, comment: str) -> MinutesRevision:
    revision = MinutesRevision.objects.create(
        minutes=record, number=record.head + 1, text=text, author=actor, comment=comment[:200],
        published=record.state == MinutesRecord.State.PUBLISHED,
    )  # fmt: skip
    record.head = revision.number
    record.save(update_fields=["head"])
    return revision


REVISION_LABEL = gettext_lazy("revision")
LENGTH_LABEL = gettext_lazy("length (characters)")
COMMENT_LABEL = MinutesRevision._meta.get_field("comment").verbose_name


def _audit_minutes(actor: Person, meeting: Meeting, record: MinutesRecord, verb: str, changes: list[dict]) -> None:
    audit_record(actor=actor, series=meeting.series_id, meeting=meeting, entity=E.MINUTES, object_id=record.pk, verb=verb,
                 changes=changes, subject=str(meeting))  # fmt: skip


def minutes_save(*, actor: Person, meeting: Meeting, text: str, base_revision: int, comment: str = "") -> MinutesRevision:
    """Save the text as a new revision if nobody saved since `base_revision` (0: the
    assembled draft). A stale base raises `MinutesConflict` with both texts: nothing is
    overwritten, nothing is lost."""
    if not meeting_can_take_notes(person=actor, meeting=meeting):
        raise PermissionDenied
    _held(meeting)
    text = _clean_text(text)
    comment = " ".join((comment or "").replace("\x00", "").split())  # NUL: as the text, dropped
    if len(comment) > 200:
        raise ValidationError({"comment": [_("Keep the note on what changed under 200 characters.")]})
    with transaction.atomic():
        record = _locked_record(meeting)
        if base_revision > record.head:  # a base from the future: refuse, whatever the text
            raise ValidationError({"base_revision": [_("This revision does not exist.")]})
        if record.head != base_revision:
            theirs = record.revisions.select_related("author").get(number=record.head)
            if theirs.text == text:
                return theirs  # the same text arrived twice (a retry): one revision
            raise MinutesConflict(theirs=theirs, yours=text)
        revision = _append(record, actor=actor, text=text, comment=comment)
        meeting_text_changed(meeting_id=meeting.pk)
        if revision.published:  # edits after publication are logged: revision numbers and lengths, not the text
            _audit_minutes(actor, meeting, record, V.EDITED, [
                audit_change("revision", REVISION_LABEL, base_revision, revision.number),
                audit_change("length", LENGTH_LABEL, len(record.revisions.get(number=base_revision).text), len(text)),
                *([audit_change("comment", COMMENT_LABEL, None, comment)] if comment else []),
            ])  # fmt: skip
    return revision


def minutes_can_read(*, person: Person, meeting: Meeting) -> bool:
    """For a person who sees the meeting: published minutes are every participant's record
    (they are mailed to them); a draft, which reviews the series' open actions, is for whoever
    sees the series — not for a guest of one item of a private series."""
    if meeting_series_content_visible(person=person, meeting=meeting):
        return True
    return MinutesRecord.objects.filter(meeting=meeting, state=MinutesRecord.State.PUBLISHED).exists()


def minutes_can_publish(*, person: Person, meeting: Meeting) -> bool:
    """Without approval the minute-taker (or the chair) publishes; with it, only the chair."""
    if meeting.series.minutes_need_approval:
        return meeting_can_run(person=person, meeting=meeting)
    return meeting_can_take_notes(person=person, meeting=meeting)


def _first_revision(record: MinutesRecord, *, actor: Person, meeting: Meeting) -> None:
    if not record.head:
        _append(record, actor=actor, text=minutes_markdown(minutes_assemble(meeting=meeting)), comment=_("Assembled from the meeting"))


def _state_change(before: str, after: str) -> dict:
    labels = dict(MinutesRecord.State.choices)
    return audit_change("state", MinutesRecord._meta.get_field("state").verbose_name, labels[before], labels[after], i18n=True)


def minutes_submit(*, actor: Person, meeting: Meeting) -> MinutesRecord:
    """Hand the minutes to the chair for approval (series that ask for it)."""
    if not meeting_can_take_notes(person=actor, meeting=meeting):
        raise PermissionDenied
    _held(meeting)
    if not meeting.series.minutes_need_approval:
        raise ValidationError({"__all__": [_("This series publishes minutes without approval.")]})
    with transaction.atomic():
        record = _locked_record(meeting)
        if record.state != MinutesRecord.State.DRAFT:
            raise ValidationError({"__all__": [_("The minutes were already submitted or published.")]})
        _first_revision(record, actor=actor, meeting=meeting)
        record.state = MinutesRecord.State.SUBMITTED
        record.submitted_at, record.submitted_by = timezone.now(), actor
        record.save()
        revision = audit_change("revision", REVISION_LABEL, None, record.head)
        _audit_minutes(actor, meeting, record, V.SUBMITTED, [_state_change(MinutesRecord.State.DRAFT, record.state), revision])
    return record


def minutes_publish(*, actor: Person, meeting: Meeting) -> MinutesRecord:
    """Publish (or, where the chair approves, approve and publish). The first publication's
    time is kept and compared with the regime's deadline; later edits are new revisions."""
    if not meeting_can_take_notes(person=actor, meeting=meeting) and not meeting_can_run(person=actor, meeting=meeting):
        raise PermissionDenied
    if not minutes_can_publish(person=actor, meeting=meeting):
        raise ValidationError({"__all__": [_("In this series the chair approves the minutes: submit them for approval.")]})
    _held(meeting)
    with transaction.atomic():
        record = _locked_record(meeting)
        if record.state == MinutesRecord.State.PUBLISHED:
            raise ValidationError({"__all__": [_("The minutes are already published.")]})
        state_before = record.state
        _first_revision(record, actor=actor, meeting=meeting)
        if meeting.series.minutes_need_approval:
            record.approved_by = actor
        record.state = MinutesRecord.State.PUBLISHED
        record.published_at, record.published_by = timezone.now(), actor
        record.save()
        meeting_text_changed(meeting_id=meeting.pk)
        events.minutes_published.announce(meeting=meeting, revision=record.head)
        revision = audit_change("revision", REVISION_LABEL, None, record.head)
        _audit_minutes(actor, meeting, record, V.PUBLISHED, [_state_change(state_before, record.state), revision])
    return record


def minutes_revisions(*, meeting: Meeting) -> list[MinutesRevision]:
    """Newest first, each with `.diff` against the one before it."""
    revisions = list(MinutesRevision.objects.filter(minutes__meeting=meeting).select_related("author").order_by("number"))
    previous = ""
    for r in revisions:
        r.diff = line_diff(previous, r.text)
        previous = r.text
    return list(reversed(revisions))


# Used inside f-strings, where makemessages cannot see them: declared here for the catalog.
_IN_F_STRINGS = (
    gettext_noop("Minutes"),
    gettext_noop("When"),
    gettext_noop("Place"),
    gettext_noop("Video meeting"),
    gettext_noop("Chair"),
    gettext_noop("Minute-taker"),
    gettext_noop("Attendees"),
    gettext_noop("Late"),
    gettext_noop("Absent"),
    gettext_noop("Attendance"),
    gettext_noop("Name"),
    gettext_noop("Role"),
    gettext_noop("Note"),
    gettext_noop("Purpose"),
    gettext_noop("Agenda"),
    gettext_noop("KPI"),
    gettext_noop("Target"),
    gettext_noop("Actual"),
    gettext_noop("Achievement"),
    gettext_noop("Decision"),
    gettext_noop("Action"),
    gettext_noop("Other decisions and actions"),
    gettext_noop("Review of previous actions"),
    gettext_noop("Owner"),
    gettext_noop("Due"),
    gettext_noop("Outcome"),
    gettext_noop("Action items"),
    gettext_noop("Priority"),
)
