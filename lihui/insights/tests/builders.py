"""Hand-built meetings for the compliance and health tests: every figure is set directly,
so each expected value can be worked out on paper. Time is frozen at `NOW`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from lihui.actions.models import ActionItem, ActionUpdate, Decision
from lihui.meetings.models import AgendaItem, Attendance, Meeting
from lihui.minutes.models import Minutes
from lihui.people.models import Person
from lihui.regime.models import Series
from lihui.testing.factories import PersonFactory, make_series

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday. The series meets on Mondays 09:30–10:30 Shanghai from 2 Nov 2026:
# 2, 9, 16, 23, 30 Nov are past.
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)


def at(month: int, day: int, hour: int = 9, minute: int = 30) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


class Team:
    """chair, taker, a, b (required), c (optional); the series and its meetings by day."""

    def __init__(self, **series_fields):
        self.chair = PersonFactory(name="周云")
        self.taker = PersonFactory(name="孙丽")
        self.a = PersonFactory(name="王强")
        self.b = PersonFactory(name="李娜")
        self.c = PersonFactory(name="赵敏")
        self.series: Series = make_series(
            chair=self.chair,
            roster=[(self.taker, "minute_taker"), (self.a, "member"), (self.b, "member"), (self.c, "optional")],
            **series_fields,
        )

    def meeting(self, day: int, month: int = 11) -> Meeting:
        return self.series.meetings.get(start=at(month, day))

    def held(self, day: int, *, month: int = 11, **fields) -> Meeting:
        """The meeting of that Monday, marked held, with `fields` (actual_start, …) set."""
        meeting = self.meeting(day, month)
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.HELD, **fields)
        meeting.refresh_from_db()
        return meeting


def attend(meeting: Meeting, person: Person, status: str) -> Attendance:
    return Attendance.objects.create(meeting=meeting, person=person, status=status)


def item(meeting: Meeting, kind: str, *, seconds: int = 0, presenter: Person | None = None, title: str = "议题") -> AgendaItem:
    return AgendaItem.objects.create(meeting=meeting, kind=kind, title=title, seconds_used=seconds, presenter=presenter)


def action(meeting: Meeting, owner: Person, *, due: dt.date, created: dt.datetime | None = None, status: str = "open",
           closed_at: dt.datetime | None = None, decision: Decision | None = None) -> ActionItem:  # fmt: skip
    a = ActionItem.objects.create(
        series=meeting.series, meeting=meeting, title="行动", owner=owner, due=due, status=status, closed_at=closed_at, decision=decision
    )
    ActionItem.objects.filter(pk=a.pk).update(created=created or meeting.start + dt.timedelta(minutes=30))
    a.refresh_from_db()
    return a


def review(action_item: ActionItem, meeting: Meeting) -> ActionUpdate:
    return ActionUpdate.objects.create(action=action_item, kind=ActionUpdate.Kind.REVIEW, meeting=meeting, new="continue")


def minutes(meeting: Meeting, published_at: dt.datetime | None) -> Minutes:
    return Minutes.objects.create(
        meeting=meeting, state=Minutes.State.PUBLISHED if published_at else Minutes.State.DRAFT, published_at=published_at
    )
