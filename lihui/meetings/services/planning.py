"""Writes for meetings: planning occurrences from the regime, and changing single ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from lihui import events
from lihui.people.models import Person
from lihui.regime import cadence as c
from lihui.regime.holidays import HolidayCalendar
from lihui.regime.models import Membership, RegimeVersion, Series, holiday_calendar
from lihui.regime.selectors import series_can_manage

from ..models import Meeting

REPLANNABLE = (Meeting.Status.SCHEDULED, Meeting.Status.SKIPPED)


def meetings_plan(
    *,
    series: Series,
    since: dt.datetime | None = None,
    until: dt.date | None = None,
    calendar: HolidayCalendar | None = None,
) -> None:
    """Bring the occurrences from `since` (default: now) to the horizon in line with the
    rules. Rows a person changed (moved, cancelled, extra) are never touched; rule rows
    that the rules no longer ask for are removed; new ones are added; then numbers and
    minute-takers are assigned."""
    now = timezone.now()
    since = since or now
    zone = ZoneInfo(series.time_zone)
    if until is None:
        until = now.astimezone(zone).date() + dt.timedelta(days=settings.LIHUI_PLAN_HORIZON_DAYS)
    wanted = _plan_wanted(series=series, since=since, until=until, zone=zone, calendar=calendar)
    changes = _plan_reconcile(series=series, wanted=wanted, since=since, until=until, zone=zone, now=now)
    _plan_write(series=series, changes=changes, until=until, now=now)


def _plan_wanted(
    *, series: Series, since: dt.datetime, until: dt.date, zone: ZoneInfo, calendar: HolidayCalendar | None
) -> dict[dt.datetime, c.Planned]:
    """Plan: the occurrences the rules ask for in [since, until], by their rule start."""
    first = since.astimezone(zone).date()
    calendar = calendar or holiday_calendar(first, until + dt.timedelta(days=31))
    planned = c.plan(
        base=series.base_rule,
        windows=[w.window for w in series.windows.all()],
        first=first,
        last=until,
        calendar=calendar,
        holiday_policy=series.holiday_policy,
    )
    wanted: dict[dt.datetime, c.Planned] = {}
    for p in planned:
        key = c.zoned(p.rule_start, zone)
        if key >= since:
            wanted[key] = p
    return wanted


@dataclass
class _PlanChanges:
    """What reconciling the plan with the stored rows asks the write to do."""

    existing: dict[dt.datetime, Meeting]
    to_create: list[Meeting] = field(default_factory=list)
    to_update: list[Meeting] = field(default_factory=list)
    to_delete: list[int] = field(default_factory=list)
    earliest: dt.datetime | None = None  # renumber from here


def _plan_reconcile(
    *,
    series: Series,
    wanted: dict[dt.datetime, c.Planned],
    since: dt.datetime,
    until: dt.date,
    zone: ZoneInfo,
    now: dt.datetime,
) -> _PlanChanges:
    """Reconcile: compare the wanted occurrences with the stored rule rows and decide what
    to create, update (in memory) and delete. Nothing is written."""
    # Reconcile only [since, until]: rows planned further ahead (never by default) stay.
    end = c.zoned(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min), zone)
    existing = {
        m.rule_start: m
        for m in Meeting.objects.filter(series=series, origin=Meeting.Origin.RULE, rule_start__gte=since, rule_start__lt=end)
    }
    to_create, to_update, to_delete = [], [], []
    earliest = now  # renumber from here, or from the first change if it is earlier
    for key, m in existing.items():
        if m.is_exception or m.status not in REPLANNABLE:
            continue  # a person's change, or a meeting already held: leave it
        p = wanted.get(key)
        if p is None:
            to_delete.append(m.pk)
            earliest = min(earliest, m.start)
            continue
        new = {
            "start": c.zoned(p.start, zone),
            "duration_minutes": p.minutes,
            "status": Meeting.Status.SKIPPED if p.skipped else Meeting.Status.SCHEDULED,
            "holiday": p.holiday,
            "moved_from": p.moved_from,
            "window_id": p.window_id,
        }
        if any(getattr(m, k) != v for k, v in new.items()):
            earliest = min(earliest, m.start, new["start"])
            if (m.start, m.duration_minutes, m.status) != (new["start"], new["duration_minutes"], new["status"]):
                m.ics_sequence += 1  # calendars must replace the event they hold
                if m.invited_sequence is not None:
                    m.invitation_due = now  # the worker sends the update
            for k, v in new.items():
                setattr(m, k, v)
            to_update.append(m)
    for key, p in wanted.items():
        if key in existing:
            continue
        start = c.zoned(p.start, zone)
        earliest = min(earliest, start)
        to_create.append(
            Meeting(
                series=series,
                rule_start=key,
                start=start,
                duration_minutes=p.minutes,
                status=Meeting.Status.SKIPPED if p.skipped else Meeting.Status.SCHEDULED,
                holiday=p.holiday,
                moved_from=p.moved_from,
                window_id=p.window_id,
            )
        )
    return _PlanChanges(existing=existing, to_create=to_create, to_update=to_update, to_delete=to_delete, earliest=earliest)


def _plan_write(*, series: Series, changes: _PlanChanges, until: dt.date, now: dt.datetime) -> None:
    """Write: delete, update, renumber and insert in one transaction; the series records
    how far it is planned."""
    to_create, to_update, to_delete = changes.to_create, changes.to_update, changes.to_delete
    with transaction.atomic():
        if to_delete:
            invited = [m for m in changes.existing.values() if m.pk in set(to_delete) and m.invited_sequence is not None]
            if invited:
                events.meetings_deleting.announce(meetings=invited)  # calendars that hold them get a CANCEL
            Meeting.objects.filter(pk__in=to_delete).delete()
        if to_update:
            Meeting.objects.bulk_update(
                to_update,
                ["start", "duration_minutes", "status", "holiday", "moved_from", "window", "ics_sequence", "invitation_due"],
                batch_size=500,
            )
        # New rows get their number and minute-taker before the insert: no second pass.
        meetings_renumber(series=series, since=changes.earliest, new=to_create, now=now)
        if to_create:
            Meeting.objects.bulk_create(to_create, batch_size=500)
        Series.objects.filter(pk=series.pk).update(planned_until=until)
        series.planned_until = until


def meetings_place_changed(*, series: Series) -> None:
    """The series' place changed: coming meetings held there move with it, so their
    calendar SEQUENCE rises and calendar apps update the location they show."""
    now = timezone.now()
    coming = Meeting.objects.filter(series=series, location="", start__gte=now)
    coming.update(ics_sequence=F("ics_sequence") + 1)
    coming.filter(invited_sequence__isnull=False).update(invitation_due=now)  # the worker sends the updates


def series_replan(*, series: Series, since: dt.datetime | None = None, place_changed: bool = False,
                  history_until: dt.datetime | None = None) -> None:
    """The regime's rules changed (`events.series_rules_changed`): plan the occurrences from
    `since`; with `history_until` (a series created with its past), enter the meetings that
    ended before it as held history."""
    if place_changed:
        meetings_place_changed(series=series)
    meetings_plan(series=series, since=since)
    if history_until is not None:
        meetings_record_history(series=series, until=history_until)


def meetings_series_archived(*, series: Series, at: dt.datetime) -> None:
    """The series was archived (`events.series_archived`): rule meetings not yet held go, as
    the planner removes what the rules no longer ask for; moved and extra ones are cancelled."""
    ahead = Meeting.objects.filter(series=series, start__gt=at, status__in=(Meeting.Status.SCHEDULED, Meeting.Status.SKIPPED))
    ahead.filter(origin=Meeting.Origin.RULE, is_exception=False).delete()
    ahead.update(status=Meeting.Status.CANCELLED)


COUNTED = (Meeting.Status.SCHEDULED, Meeting.Status.HELD)


def meetings_record_history(*, series: Series, until: dt.datetime) -> int:
    """The occurrences that ended before `until`, entered as history (补录): held, marked so,
    with no minute-taker assigned after the fact. They keep their numbers (第 N 次, 补录);
    the rotating minute-taker starts at the first real meeting. Returns how many."""
    past = [
        m.pk for m in Meeting.objects.filter(series=series, status=Meeting.Status.SCHEDULED, start__lt=until, actual_start__isnull=True)
        if m.end <= until
    ]  # fmt: skip
    Meeting.objects.filter(pk__in=past).update(status=Meeting.Status.HELD, is_history=True, minute_taker=None)
    meetings_renumber(series=series, now=until)
    return len(past)


def meetings_phantoms(*, series: Series | None = None) -> QuerySet[Meeting]:
    """Meetings planned before their series existed and never run: the 'scheduled' past that
    a start date in the past used to create (before series_create planned from now). The
    series' first regime version dates its creation."""
    created = RegimeVersion.objects.filter(series_id=OuterRef("series_id")).order_by("created").values("created")[:1]
    qs = Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED, origin=Meeting.Origin.RULE, is_exception=False, actual_start__isnull=True
    ).annotate(series_created=Subquery(created)).filter(start__lt=F("series_created"))
    return qs.filter(series=series) if series is not None else qs


def meetings_phantoms_remove(*, series: Series | None = None) -> int:
    """Repair (manage.py meetings_repair): remove the phantom past meetings and renumber what
    remains, so the first real meeting is 第 1 次 with the first rotating minute-taker.
    A phantom holding anything a person wrote (attendance, notes, reports) is kept."""
    from ..models import Attendance

    phantoms = meetings_phantoms(series=series).exclude(
        Q(pk__in=Attendance.objects.values("meeting_id")) | Q(items__notes__gt="") | Q(items__report__isnull=False)
    )
    touched = set(phantoms.values_list("series_id", flat=True))
    removed = Meeting.objects.filter(pk__in=list(phantoms.values_list("pk", flat=True))).delete()[1].get("meetings.Meeting", 0)
    for one in Series.objects.filter(pk__in=touched):
        meetings_renumber(series=one)
    return removed


def meetings_renumber(
    *,
    series: Series,
    since: dt.datetime | None = None,
    new: list[Meeting] = (),
    now: dt.datetime | None = None,
) -> None:
    """第 N 次例会: count the meetings that take place (not cancelled or skipped), in time
    order; give future ones their minute-taker (fixed, or the rotation in turn).

    Only rows from `since` on are read and rewritten (earlier numbers cannot change);
    `new` are unsaved rows that get their values in place."""
    now = now or timezone.now()
    roster = list(series.memberships.all())
    rotation = sorted((m for m in roster if m.rotation_position is not None), key=lambda m: m.rotation_position)
    fixed = next((m.person_id for m in roster if m.role == Membership.Role.MINUTE_TAKER), None)
    rows = Meeting.objects.filter(series=series)
    n = real = 0  # real: meetings run in Lihui (not history), which the rotation follows
    if since is not None:
        n = rows.filter(start__lt=since, status__in=COUNTED).count()
        real = rows.filter(start__lt=since, status__in=COUNTED, is_history=False).count()
        rows = rows.filter(start__gte=since)
    stored = list(rows.only("id", "number", "status", "start", "minute_taker_id", "is_history"))
    # Ties at the same start keep the stored order (by id); new rows come after.
    ordered = sorted([*stored, *new], key=lambda m: (m.start, m.pk is None, m.pk or 0))
    changed = []
    for m in ordered:
        counted = m.status in COUNTED
        n += counted
        real += counted and not m.is_history
        number = n if counted else None
        taker = m.minute_taker_id
        if m.start >= now and m.status == Meeting.Status.SCHEDULED:
            if series.minute_taker_rotates and rotation:
                taker = rotation[(real - 1) % len(rotation)].person_id
            else:
                taker = fixed
        if (number, taker) != (m.number, m.minute_taker_id):
            m.number, m.minute_taker_id = number, taker
            if m.pk is not None:
                changed.append(m)
    if changed:
        Meeting.objects.bulk_update(changed, ["number", "minute_taker"], batch_size=500)


def _local_start(series: Series, day: dt.date, at: dt.time) -> dt.datetime:
    return c.zoned(dt.datetime.combine(day, at), ZoneInfo(series.time_zone))


def _check_duration(minutes: int) -> None:
    if not isinstance(minutes, int) or not 0 < minutes <= c.MAX_DURATION:
        raise ValidationError({"duration_minutes": [_("A meeting lasts more than 0 minutes and at most 24 hours.")]})


def meeting_move(
    *,
    actor: Person,
    meeting: Meeting,
    date: dt.date,
    start_time: dt.time,
    duration_minutes: int | None = None,
    location: str | None = None,
) -> Meeting:
    """Move one occurrence (date, time, place), in the series' zone."""
    series = meeting.series
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    if meeting.status != Meeting.Status.SCHEDULED and meeting.status != Meeting.Status.SKIPPED:
        raise ValidationError({"__all__": [_("Only a planned meeting can be moved.")]})
    if meeting.start < timezone.now():
        raise ValidationError({"__all__": [_("This meeting has already started; it cannot be moved.")]})
    start = _local_start(series, date, start_time)
    if start < timezone.now():
        raise ValidationError({"date": [_("A meeting cannot be moved into the past.")]})
    minutes = meeting.duration_minutes if duration_minutes is None else duration_minutes
    _check_duration(minutes)
    if location is not None and len(location) > 200:
        raise ValidationError({"location": [_("The location is too long (200 characters at most).")]})
    with transaction.atomic():
        meeting.duration_minutes = minutes
        if location is not None:
            meeting.location = location.strip()
        earliest = min(meeting.start, start)
        meeting.status = Meeting.Status.SCHEDULED
        meeting.start = start
        meeting.is_exception = True
        meeting.holiday, meeting.moved_from = "", None
        meeting.changed_by = actor
        meeting.ics_sequence = F("ics_sequence") + 1
        # Only what a move changes: the caller's copy may be stale in other fields.
        meeting.save(update_fields=["duration_minutes", "location", "status", "start", "is_exception", "holiday",
                                    "moved_from", "changed_by", "ics_sequence"])  # fmt: skip
        # Calendars that hold it get the update (the worker sends it); read in the
        # database, since the caller's copy may predate the invitation.
        Meeting.objects.filter(pk=meeting.pk, invited_sequence__isnull=False).update(invitation_due=timezone.now())
        meetings_renumber(series=series, since=earliest)
    meeting.refresh_from_db()
    return meeting


def meeting_cancel(*, actor: Person, meeting: Meeting, reason: str) -> Meeting:
    series = meeting.series
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for cancelling.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("The reason is too long (300 characters at most).")]})
    if meeting.status not in REPLANNABLE:
        raise ValidationError({"__all__": [_("Only a planned meeting can be cancelled.")]})
    with transaction.atomic():
        meeting.status = Meeting.Status.CANCELLED
        meeting.cancel_reason = reason
        meeting.is_exception = True
        meeting.changed_by = actor
        meeting.ics_sequence = F("ics_sequence") + 1
        meeting.save(update_fields=["status", "cancel_reason", "is_exception", "changed_by", "ics_sequence"])
        # Calendars that hold it get the cancellation (the worker sends it); read in the
        # database, since the caller's copy may predate the invitation.
        Meeting.objects.filter(pk=meeting.pk, invited_sequence__isnull=False).update(invitation_due=timezone.now())
        meetings_renumber(series=series, since=meeting.start)
    meeting.refresh_from_db()
    return meeting


def meeting_add(
    *,
    actor: Person,
    series: Series,
    date: dt.date,
    start_time: dt.time,
    duration_minutes: int | None = None,
    location: str = "",
) -> Meeting:
    """An extra, ad-hoc occurrence (临时加开) that does not change the cadence."""
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    start = _local_start(series, date, start_time)
    if start < timezone.now():
        raise ValidationError({"date": [_("An extra meeting cannot be in the past.")]})
    minutes = series.duration_minutes if duration_minutes is None else duration_minutes
    _check_duration(minutes)
    if len(location or "") > 200:
        raise ValidationError({"location": [_("The location is too long (200 characters at most).")]})
    with transaction.atomic():
        meeting = Meeting.objects.create(
            series=series,
            origin=Meeting.Origin.EXTRA,
            start=start,
            duration_minutes=minutes,
            location=(location or "").strip(),
            is_exception=True,
            changed_by=actor,
        )
        meetings_renumber(series=series, since=start)
    meeting.refresh_from_db()
    return meeting


def meetings_extend_horizon(*, today: dt.date | None = None) -> int:
    """The worker's job: extend every series whose plan ends before the horizon.
    Each series is claimed with a conditional UPDATE so that several workers never
    plan the same series twice. Returns how many series were planned."""
    horizon = (today or timezone.now().date()) + dt.timedelta(days=settings.LIHUI_PLAN_HORIZON_DAYS)
    done = 0
    due = Series.objects.filter(
        Q(planned_until__lt=horizon - dt.timedelta(days=1)) | Q(planned_until__isnull=True), archived_at__isnull=True
    ).values_list("pk", "planned_until", "start_date")
    calendar = holiday_calendar()
    for pk, planned_until, start_date in due:
        with transaction.atomic():
            claimed = Series.objects.filter(pk=pk, planned_until=planned_until).update(planned_until=horizon)
            if not claimed:
                continue  # another worker took it
            series = Series.objects.get(pk=pk)
            zone = ZoneInfo(series.time_zone)
            if planned_until is None:  # never planned (e.g. saved outside the services): from now on
                since = max(dt.datetime.combine(start_date, dt.time.min, tzinfo=zone), timezone.now())
            else:
                since = dt.datetime.combine(planned_until, dt.time.max, tzinfo=zone)
            meetings_plan(series=series, since=since, calendar=calendar)
            done += 1
    return done


def meetings_people_left(*, people: list[int], report=None, now: dt.datetime | None = None) -> None:
    """People left the company (`events.people_left`; the regime has already taken them off
    the rosters): future meetings they were to take the minutes of get the next in turn."""
    now = now or timezone.now()
    touched = (
        Meeting.objects.filter(start__gte=now, status=Meeting.Status.SCHEDULED, minute_taker_id__in=people)
        .values_list("series_id", flat=True)
        .distinct()
    )
    for series in Series.objects.filter(pk__in=list(touched)).order_by("pk"):
        meetings_renumber(series=series, since=now, now=now)
