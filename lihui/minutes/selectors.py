"""Reads for the minutes: the content assembled from the meeting itself (time, place,
people, attendance, purposes, each agenda item with its time, notes, report, decisions and
actions, then the review of earlier actions), the record and its revisions, the current
text, the deadline, and who may read or publish them.

One function gathers the content (a fixed number of queries); `documents.minutes_markdown`
writes it as the first draft of the text, which the minute-taker edits and publishes as
revisions (`services.minutes_save`, `services.minutes_publish`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.http import Http404

from lihui.actions.models import ActionItem, Decision
from lihui.actions.selectors import review_actions
from lihui.markdown import line_diff
from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.meetings.selectors import (
    meeting_agenda,
    meeting_can_run,
    meeting_can_take_notes,
    meeting_chair_id,
    meeting_participants,
    meeting_series_content_visible,
    meeting_visible_or_404,
)
from lihui.people.models import Person
from lihui.reports.selectors import reports_attach

from .documents import minutes_markdown
from .models import Minutes, MinutesRevision


@dataclass
class ItemMinutes:
    item: AgendaItem
    decisions: list[Decision] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)


@dataclass
class MinutesContent:
    """What the minutes say, gathered from the meeting (the `Minutes` model is where they stand)."""

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


def minutes_assemble(*, meeting: Meeting) -> MinutesContent:
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
    return MinutesContent(
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


def minutes_record(*, meeting: Meeting) -> Minutes | None:
    return Minutes.objects.filter(meeting=meeting).first()


def minutes_head(*, record: Minutes | None) -> MinutesRevision | None:
    if record is None or not record.head:
        return None
    return record.revisions.select_related("author").get(number=record.head)


def minutes_text(*, meeting: Meeting) -> tuple[Minutes | None, MinutesRevision | None, str]:
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


def minutes_can_read(*, person: Person, meeting: Meeting) -> bool:
    """For a person who sees the meeting: published minutes are every participant's record
    (they are mailed to them); a draft, which reviews the series' open actions, is for whoever
    sees the series — not for a guest of one item of a private series."""
    if meeting_series_content_visible(person=person, meeting=meeting):
        return True
    return Minutes.objects.filter(meeting=meeting, state=Minutes.State.PUBLISHED).exists()


def minutes_can_publish(*, person: Person, meeting: Meeting) -> bool:
    """Without approval the minute-taker (or the chair) publishes; with it, only the chair."""
    if meeting.series.minutes_need_approval:
        return meeting_can_run(person=person, meeting=meeting)
    return meeting_can_take_notes(person=person, meeting=meeting)


def minutes_revisions(*, meeting: Meeting) -> list[MinutesRevision]:
    """Newest first, each with `.diff` against the one before it."""
    revisions = list(MinutesRevision.objects.filter(minutes__meeting=meeting).select_related("author").order_by("number"))
    previous = ""
    for r in revisions:
        r.diff = line_diff(previous, r.text)
        previous = r.text
    return list(reversed(revisions))


def meeting_minutes_readable_or_404(*, person: Person, pk: int) -> Meeting:
    """The meeting if `person` may read its minutes as they stand (published: every
    participant; a draft: whoever sees the series), else Http404."""
    meeting = meeting_visible_or_404(person=person, pk=pk)
    if not minutes_can_read(person=person, meeting=meeting):
        raise Http404
    return meeting
