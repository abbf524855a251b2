"""`manage.py demo` is dated from the day it runs: whatever the day and hour, the demo shows
this week's and next week's meetings, last week's published minutes, and open actions due
after the meeting that gave them (some overdue, some not)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from lihui.actions.models import ActionItem
from lihui.meetings.models import Meeting
from lihui.minutes.models import Minutes
from lihui.people.models import Person

SH = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db

MOMENTS = [
    dt.datetime(2026, 12, 7, 8, 0, tzinfo=SH),  # a Monday before the weekly meeting
    dt.datetime(2026, 12, 7, 11, 0, tzinfo=SH),  # the same Monday, the meeting just held
    dt.datetime(2026, 12, 8, 9, 0, tzinfo=SH),  # the day after it
    dt.datetime(2027, 1, 3, 23, 30, tzinfo=SH),  # a Sunday night
    dt.datetime(2027, 12, 31, 23, 50, tzinfo=SH),  # New Year's Eve, ten minutes to midnight
    dt.datetime(2027, 2, 5, 20, 0, tzinfo=SH),  # 除夕 2027
    dt.datetime(2028, 11, 8, 10, 0, tzinfo=SH),  # inside the 双十一 peak window
    dt.datetime(2029, 3, 25, 9, 0, tzinfo=SH),  # Europe's DST change
    dt.datetime(2027, 2, 6, 0, 10, tzinfo=SH),  # 春节 2027, just after midnight
    dt.datetime(2027, 8, 20, 10, 0, tzinfo=SH),  # midway between the two sales peaks
    dt.datetime(2030, 6, 6, 5, 55, tzinfo=SH),  # 618 peak: meetings every two days since last week's (CI found it)
]


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.strftime("%Y-%m-%d_%H%M"))
def test_the_demo_is_dated_from_the_day_it_runs(moment):
    with time_machine.travel(moment, tick=False):
        call_command("demo")
        now = timezone.now()
        today = moment.date()
        supervisor = Person.objects.get(username="zhouyun")
        mine = Meeting.objects.filter(series__memberships__person=supervisor, status=Meeting.Status.SCHEDULED)
        end_of_next_week = today + dt.timedelta(days=13 - today.weekday())
        soon = mine.filter(start__gte=now, start__lt=dt.datetime.combine(end_of_next_week + dt.timedelta(days=1), dt.time.min, tzinfo=SH))
        assert soon.exists(), "this week's and next week's meetings"
        ended = [m for m in mine.filter(start__lt=now) if m.start + dt.timedelta(minutes=m.duration_minutes) <= now]
        assert not ended, "no meeting that has ended is still 'scheduled'"
        weekly = Meeting.objects.filter(series__title="运营周例会")
        assert weekly.filter(window__isnull=False).exists(), "a sales peak (双十一 or 618) in the demo's span"

        published = Minutes.objects.filter(published_at__isnull=False, meeting__start__lt=now)
        latest = published.order_by("-meeting__start").select_related("meeting").first()
        assert latest is not None, "published minutes"
        assert latest.published_at <= now, "published before now, not in the future"
        assert dt.timedelta(0) < now - latest.meeting.start <= dt.timedelta(days=14), "last week's minutes"
        assert latest.published_at >= latest.meeting.start

        actions = list(ActionItem.objects.select_related("meeting").filter(meeting__isnull=False))
        open_ = [a for a in actions if a.status in ("open", "in_progress")]
        assert open_, "open actions"
        assert any(a.due >= today for a in open_) and any(a.due < today for a in open_), "some due ahead, some overdue"
        for action in actions:
            held_on = timezone.localtime(action.meeting.start, SH).date()
            assert action.due >= held_on, f"{action.title!r} is due {action.due}, before the meeting of {held_on} that gave it"
            assert action.meeting.start <= now, f"{action.title!r} comes from a meeting that has not happened"

        # The health page's advice the browser tour follows: 刘洋 absent at the last three held.
        liuyang = Person.objects.get(username="liuyang")
        last_three = weekly.filter(status=Meeting.Status.HELD).order_by("-start")[:3]
        statuses = [m.attendance.get(person=liuyang).status for m in last_three]
        assert statuses == ["absent"] * 3, statuses
