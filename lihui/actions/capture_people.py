"""Who a captured owner name may be: the meeting's participants first, then all staff."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lihui.meetings.models import Meeting
from lihui.meetings.selectors import meeting_participants
from lihui.people.models import Person

from .capture import Candidate, CaptureRead, capture_read

CAPTURE_RATE = 30  # parses per person per minute: typing pauses, pastes, retries


def capture_candidates(*, meeting: Meeting | None) -> list[Candidate]:
    participants = {p.person.pk for p in meeting_participants(meeting=meeting) if p.person} if meeting else set()
    return [
        Candidate(id=p.pk, names=tuple(n for n in (p.name, p.username) if n), participant=p.pk in participants)
        for p in Person.objects.filter(is_active=True).only("id", "name", "username")
    ]


def capture_reference_date(*, meeting: Meeting | None, reference_date: dt.date | None) -> dt.date:
    """The date given, else the meeting's local date, else today in the person's zone."""
    if reference_date is not None:
        return reference_date
    if meeting is not None:
        return timezone.localtime(meeting.start, meeting.series_zone).date()
    return timezone.localdate()


def capture_lines(*, text: str, meeting: Meeting | None, reference_date: dt.date | None = None) -> CaptureRead:
    """The proposals and the lines that were not read. Raises ValueError (translated) for
    text over capture.MAX_TEXT."""
    return capture_read(
        text, reference_date=capture_reference_date(meeting=meeting, reference_date=reference_date), people=capture_candidates(meeting=meeting)
    )
