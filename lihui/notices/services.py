"""Domain events into messages: who hears of what, in their language and zone, on the
channels they keep. Called by the meetings and actions services inside the transaction of
the change (agenda published, minutes published, action assigned), and by the worker for
what time brings (invitations as meetings come near, reminders, agenda at the lead time,
due-soon / overdue / escalation each day, the weekly digest). Delivery itself is
`lihui.notify`'s."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lihui.actions.models import ActionItem, Decision
from lihui.meetings.ics import meeting_attendees, meeting_ics
from lihui.meetings.models import AgendaItem, Attendance, Guest, Meeting
from lihui.notify import kinds as k
from lihui.notify.models import Channel, Message
from lihui.notify.services import message_enqueue
from lihui.people.models import Person
from lihui.people.selectors import person_zone
from lihui.regime.models import AgendaKind, Membership, Series

from . import render
from .models import JobRun, Preference

log = logging.getLogger("lihui.notices")


# --- who, in which language ------------------------------------------------------------


def person_language(person: Person) -> str:
    return person.language or settings.LANGUAGE_CODE


def preferences_disabled(*, people: Iterable[Person], kind: str, transport: str = "email") -> set[int]:
    ids = [p.pk for p in people]
    if not ids:
        return set()
    return set(
        Preference.objects.filter(person_id__in=ids, kind=kind, transport=transport, enabled=False).values_list(
            "person_id", flat=True
        )
    )


def preferences_set(*, person: Person, chosen: dict[tuple[str, str], bool]) -> None:
    """Save a person's choices; unknown kinds or transports are refused, nothing saved."""
    from django.core.exceptions import ValidationError

    allowed = {(kind, t) for kind in k.PERSONAL for t in k.PERSONAL_TRANSPORTS}
    if not set(chosen) <= allowed:
        raise ValidationError(_("Unknown kind of message."))
    with transaction.atomic():
        for (kind, transport), enabled in chosen.items():
            Preference.objects.update_or_create(person=person, kind=kind, transport=transport, defaults={"enabled": bool(enabled)})


def channel_wants(channel: Channel, kind: str) -> bool:
    return channel.enabled and kind in channel.kinds


def notice_send(
    *,
    kind: str,
    object,
    people: Iterable[Person] = (),
    channels: Iterable[Channel] = (),
    render_with: Callable[[], render.Rendered],
    version: int | str,
    series: Series | None = None,
    due_at: dt.datetime | None = None,
    payload: dict | None = None,
) -> list[Message]:
    """Queue one message per person (e-mail, unless they turned this kind off) and per
    series robot that posts this kind. Each person's copy is rendered in their language
    and zone; robots get the company language and the series' zone. Idempotent per
    (kind, object, recipient, version), like `message_enqueue`."""
    unique: dict[int, Person] = {}
    for person in people:
        if person is not None and person.is_active:
            unique.setdefault(person.pk, person)
    off = preferences_disabled(people=unique.values(), kind=kind)
    audiences: dict[tuple[str, str], list[Person]] = defaultdict(list)
    for person in unique.values():
        if person.pk not in off:
            audiences[(person_language(person), person_zone(person=person).key)].append(person)
    queued: list[Message] = []
    for (language, zone), group in sorted(audiences.items()):
        with translation.override(language), timezone.override(ZoneInfo(zone)):
            text = render_with()
        queued += message_enqueue(
            kind=kind, object=object, recipients=group, subject=text.subject, text=text.text, markdown=text.markdown,
            version=version, due_at=due_at, language=language, payload=payload,
        )  # fmt: skip
    robots = [c for c in channels if channel_wants(c, kind)]
    if robots:
        zone = series.time_zone if series else settings.LIHUI_DEFAULT_TIME_ZONE
        with translation.override(settings.LANGUAGE_CODE), timezone.override(ZoneInfo(zone)):
            text = render_with()
        queued += message_enqueue(
            kind=kind, object=object, channels=robots, subject=text.subject, text=text.text, markdown=text.markdown,
            version=version, due_at=due_at, language=settings.LANGUAGE_CODE,
        )  # fmt: skip
    return queued


def meeting_people(meeting: Meeting, *, present: bool = False) -> list[Person]:
    """The roster (active people), staff guests of the meeting's items and, with
    `present`, anyone whose attendance was recorded."""
    people = [m.person for m in meeting.series.memberships.select_related("person") if m.person.is_active]
    people += [g.person for g in Guest.objects.filter(item__meeting=meeting, person__isnull=False).select_related("person")]
    if present:
        people += list(
            Person.objects.filter(pk__in=Attendance.objects.filter(meeting=meeting, person__isnull=False).values("person_id"))
        )
    return people


def series_chairs(series: Series) -> list[Person]:
    return [m.person for m in series.memberships.filter(role=Membership.Role.CHAIR).select_related("person")]


def _meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("series").get(pk=meeting.pk)


# --- events the services report --------------------------------------------------------


def _agenda_items(meeting: Meeting) -> list[AgendaItem]:
    return list(AgendaItem.objects.filter(meeting=meeting).select_related("presenter").order_by("position", "id"))


def agenda_fingerprint(*, meeting: Meeting) -> str:
    """What publishing the agenda now would send, as one hash: the text in the company
    language and the series' zone, and who would get it. Equal to the last published one
    means a second "send" has nothing new to say (a double click, a retried request)."""
    meeting = _meeting(meeting)
    with translation.override(settings.LANGUAGE_CODE), timezone.override(ZoneInfo(meeting.series.time_zone)):
        text = render.agenda(meeting, _agenda_items(meeting))
    people = sorted({p.pk for p in meeting_people(meeting) if p is not None and p.is_active})
    robots = sorted(c.pk for c in meeting.series.channels.all() if channel_wants(c, k.AGENDA))
    return hashlib.sha256(json.dumps([text.subject, text.text, people, robots], ensure_ascii=False).encode()).hexdigest()


def agenda_published(*, meeting: Meeting) -> list[Message]:
    """The agenda went out ("send now", or the worker at the lead time). Publishing a
    changed agenda again sends the new version; `agenda_publish` skips an unchanged one."""
    meeting = _meeting(meeting)
    items = _agenda_items(meeting)
    return notice_send(
        kind=k.AGENDA, object=meeting, people=meeting_people(meeting), channels=meeting.series.channels.all(),
        render_with=lambda: render.agenda(meeting, items), version=int(meeting.agenda_published_at.timestamp()),
        series=meeting.series,
    )  # fmt: skip


def minutes_published(*, meeting: Meeting, revision: int) -> list[Message]:
    meeting = _meeting(meeting)
    decisions = list(Decision.objects.filter(meeting=meeting).order_by("id"))
    actions = list(ActionItem.objects.filter(meeting=meeting).select_related("owner").order_by("due", "id"))
    return notice_send(
        kind=k.MINUTES, object=meeting, people=meeting_people(meeting, present=True), channels=meeting.series.channels.all(),
        render_with=lambda: render.minutes(meeting, decisions, actions), version=revision, series=meeting.series,
    )  # fmt: skip


def action_assigned(*, action: ActionItem, actor: Person | None) -> list[Message]:
    """A new owner hears of their action (not when they gave it to themselves)."""
    if actor is not None and action.owner_id == actor.pk:
        return []
    action = ActionItem.objects.select_related("owner", "meeting__series").get(pk=action.pk)
    return notice_send(
        kind=k.ACTION_ASSIGNED, object=action, people=[action.owner], render_with=lambda: render.action_assigned(action),
        version=f"o{action.owner_id}", series=action.meeting.series,
    )  # fmt: skip


# The survey app registers the function that opens a meeting's survey and returns
# (url, closes_at, ids of the people asked); until then `meeting_ended` sends nothing.
SurveyProvider = Callable[[Meeting], tuple[str, dt.datetime | None, set[int]] | None]
_survey_provider: SurveyProvider | None = None


def survey_provider_register(provider: SurveyProvider) -> None:
    global _survey_provider
    _survey_provider = provider


def meeting_ended(*, meeting: Meeting) -> list[Message]:
    """The hook for the survey request after the meeting."""
    meeting = _meeting(meeting)
    if _survey_provider is None or not meeting.series.survey_enabled:
        return []
    opened = _survey_provider(meeting)
    if not opened:
        return []
    url, closes, invited = opened
    # Exactly the people the survey counts as invited (those who attended), no one else.
    people = list(Person.objects.filter(pk__in=invited, is_active=True).order_by("pk"))
    return notice_send(
        kind=k.SURVEY, object=meeting, people=people,
        render_with=lambda: render.survey(meeting, url, closes), version=1, series=meeting.series,
    )  # fmt: skip


# --- calendars -------------------------------------------------------------------------


def invitation_enqueue(*, meeting: Meeting, method: str) -> list[Message]:
    """The invitation (REQUEST, with the current SEQUENCE) or the cancellation, by e-mail
    with the .ics attached, to everyone on the roster and the staff guests."""
    first = meeting.invited_sequence is None
    ics = meeting_ics(meeting=meeting, method=method, attendees=meeting_attendees(meeting=meeting)).decode()
    return notice_send(
        kind=k.INVITATION, object=meeting, people=meeting_people(meeting),
        render_with=lambda: render.invitation(meeting, method=method, first=first),
        version=f"{meeting.ics_sequence}{'c' if method == 'CANCEL' else ''}", series=meeting.series,
        payload={"ics": ics, "method": method, "sequence": meeting.ics_sequence},
    )  # fmt: skip


def invitations_cancel_deleted(*, meetings: Iterable[Meeting]) -> None:
    """Meetings re-planning removes (the rules no longer ask for them): calendars that hold
    them get a CANCEL before the row goes. Call inside the planning transaction."""
    for meeting in meetings:
        if meeting.invited_sequence is not None:
            meeting.ics_sequence += 1
            meeting.status = Meeting.Status.CANCELLED
            invitation_enqueue(meeting=meeting, method="CANCEL")


def _invitation_one(meeting_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        meeting = Meeting.objects.select_related("series").filter(pk=meeting_id).first()
        if meeting is None:
            return False
        seen = Q(pk=meeting.pk, ics_sequence=meeting.ics_sequence, invitation_due=meeting.invitation_due,
                 invited_sequence=meeting.invited_sequence)  # fmt: skip
        if meeting.invitation_due is None:
            seen = Q(pk=meeting.pk, ics_sequence=meeting.ics_sequence, invitation_due__isnull=True, invited_sequence__isnull=True)
        live = meeting.status == Meeting.Status.SCHEDULED and meeting.end > now
        cancelled = meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.SKIPPED)
        send = None
        if live and meeting.invited_sequence != meeting.ics_sequence:
            send = "REQUEST"
        elif cancelled and meeting.invited_sequence is not None:
            send = "CANCEL"
        # Claim first: of two workers one updates the row, the other finds it changed.
        changed = Meeting.objects.filter(seen).update(
            invitation_due=None, invited_sequence=meeting.ics_sequence if send else meeting.invited_sequence
        )
        if not changed or not send:
            return False
        invitation_enqueue(meeting=meeting, method=send)
        return True


def invitations_due(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Invite to meetings that come within LIHUI_INVITE_DAYS, and send updates or
    cancellations for invited meetings that changed (their `invitation_due` is set by
    the change's transaction)."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=settings.LIHUI_INVITE_DAYS)
    ids = list(
        Meeting.objects.filter(
            status=Meeting.Status.SCHEDULED, start__gte=now, start__lt=horizon, invited_sequence__isnull=True
        ).order_by("start").values_list("pk", flat=True)[:limit]
    )
    ids += list(Meeting.objects.filter(invitation_due__isnull=False).order_by("invitation_due").values_list("pk", flat=True)[:limit])
    return sum(_invitation_one(pk, now) for pk in dict.fromkeys(ids))


# --- what time brings ------------------------------------------------------------------


def agenda_auto_publish(*, now: dt.datetime | None = None, limit: int = 50) -> int:
    """At each series' lead time, an agenda nobody sent goes out by itself (made from the
    template if nobody opened it). Empty agendas are not sent."""
    from lihui.meetings.services.agenda import agenda_ensure, agenda_publish_system

    now = now or timezone.now()
    done = 0
    leads = Series.objects.filter(agenda_lead_hours__gt=0).values_list("agenda_lead_hours", flat=True).distinct()
    for lead in sorted(set(leads)):
        due = Meeting.objects.filter(
            series__agenda_lead_hours=lead, status=Meeting.Status.SCHEDULED, agenda_published_at__isnull=True,
            start__gt=now, start__lte=now + dt.timedelta(hours=lead),
        ).select_related("series").order_by("start")[:limit]  # fmt: skip
        for meeting in due:
            agenda_ensure(meeting=meeting)
            if agenda_publish_system(meeting=meeting, now=now):
                done += 1
    return done


def reminders_due(*, now: dt.datetime | None = None, lookahead_minutes: int = 10, limit: int = 200) -> int:
    """Queue each meeting's reminder a little before it is due (due_at = start − the
    series' reminder minutes). A moved meeting gets a new one; the old one no longer
    applies at send time and is cancelled."""
    now = now or timezone.now()
    done = 0
    values = Series.objects.filter(reminder_minutes__gt=0).values_list("reminder_minutes", flat=True).distinct()
    for minutes in sorted(set(values)):
        ids = list(
            Meeting.objects.filter(
                series__reminder_minutes=minutes, status=Meeting.Status.SCHEDULED, start__gt=now,
                start__lte=now + dt.timedelta(minutes=minutes + lookahead_minutes),
            ).exclude(reminder_sequence=F("ics_sequence")).values_list("pk", "ics_sequence")[:limit]  # fmt: skip
        )
        for pk, sequence in ids:
            with transaction.atomic():
                claimed = (
                    Meeting.objects.filter(pk=pk, ics_sequence=sequence)
                    .filter(Q(reminder_sequence__isnull=True) | ~Q(reminder_sequence=sequence))
                    .update(reminder_sequence=sequence)
                )
                if not claimed:
                    continue
                meeting = Meeting.objects.select_related("series").get(pk=pk)
                notice_send(
                    kind=k.REMINDER, object=meeting, people=meeting_people(meeting), channels=meeting.series.channels.all(),
                    render_with=partial(render.reminder, meeting), version=sequence, series=meeting.series,
                    due_at=max(now, meeting.start - dt.timedelta(minutes=minutes)),
                    payload={"start": meeting.start.isoformat()},
                )  # fmt: skip
                done += 1
    return done


def job_claim(*, name: str, period: str, now: dt.datetime) -> bool:
    """True for exactly one caller per (job, period), across workers."""
    JobRun.objects.bulk_create([JobRun(name=name)], ignore_conflicts=True)
    return bool(JobRun.objects.filter(name=name).exclude(period=period).update(period=period, ran_at=now))


def _open_actions():
    return ActionItem.objects.filter(status__in=ActionItem.OPEN_STATES)


def actions_daily(*, today: dt.date, batch: int = 500) -> dict[str, int]:
    """Once a day: due soon (owner), overdue (owner, daily), escalated (the series'
    chairs, once per due date, after the series' N days), and each series' overdue list
    for the group robots that post it."""
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0, "robots": 0}
    soon = today + dt.timedelta(days=settings.LIHUI_ACTION_DUE_SOON_DAYS)
    base = _open_actions().select_related("owner", "meeting__series").order_by("due", "id")
    for action in base.filter(due__gte=today, due__lte=soon).iterator(chunk_size=batch):
        with transaction.atomic():
            notice_send(kind=k.ACTION_DUE_SOON, object=action, people=[action.owner],
                        render_with=partial(render.action_due_soon, action, today), version=action.due.isoformat(),
                        series=action.meeting.series, payload={"due": action.due.isoformat()})  # fmt: skip
        counts["due_soon"] += 1
    chairs: dict[int, list[Person]] = {}
    for action in base.filter(due__lt=today).iterator(chunk_size=batch):
        series = action.meeting.series
        with transaction.atomic():
            notice_send(kind=k.ACTION_OVERDUE, object=action, people=[action.owner],
                        render_with=partial(render.action_overdue, action, today), version=today.isoformat(),
                        series=series, payload={"due": action.due.isoformat()})  # fmt: skip
            counts["overdue"] += 1
            after = series.escalate_after_days
            if after and (today - action.due).days >= after:
                if series.pk not in chairs:
                    chairs[series.pk] = series_chairs(series)
                notice_send(kind=k.ACTION_ESCALATED, object=action, people=chairs[series.pk],
                            render_with=partial(render.action_escalated, action, today), version=action.due.isoformat(),
                            series=series, payload={"due": action.due.isoformat()})  # fmt: skip
                counts["escalated"] += 1
    robot_series = Channel.objects.filter(enabled=True).values_list("series_id", "kinds")
    wanted = {sid for sid, kinds in robot_series if k.ACTION_OVERDUE in kinds}
    for series in Series.objects.filter(pk__in=wanted):
        overdue = _open_actions().filter(series=series, due__lt=today)
        total = overdue.count()
        if not total:
            continue
        shown = list(overdue.select_related("owner").order_by("due", "id")[:20])
        with transaction.atomic():
            notice_send(kind=k.ACTION_OVERDUE, object=series, channels=series.channels.all(),
                        render_with=partial(render.overdue_summary, series, shown, total, today),
                        version=today.isoformat(), series=series)  # fmt: skip
        counts["robots"] += 1
    return counts


def digests_weekly(*, now: dt.datetime) -> int:
    """Monday: each chair hears of their series' coming week, overdue actions and
    reports not yet in."""
    done = 0
    week = now + dt.timedelta(days=7)
    today = timezone.localtime(now, ZoneInfo(settings.LIHUI_DEFAULT_TIME_ZONE)).date()
    iso = "%d-W%02d" % today.isocalendar()[:2]
    chaired = Membership.objects.filter(role=Membership.Role.CHAIR, person__is_active=True).values_list("series_id", flat=True)
    for series in Series.objects.filter(pk__in=chaired).order_by("pk"):
        meetings = list(
            Meeting.objects.filter(series=series, status=Meeting.Status.SCHEDULED, start__gte=now, start__lt=week)
            .select_related("series").order_by("start")  # fmt: skip
        )
        overdue_qs = _open_actions().filter(series=series, due__lt=today)
        overdue_total = overdue_qs.count()
        overdue = list(overdue_qs.select_related("owner").order_by("due", "id")[:10])
        missing = list(
            AgendaItem.objects.filter(meeting__in=[m.pk for m in meetings], kind=AgendaKind.REPORT)
            .filter(Q(report__isnull=True) | Q(report__submitted_at__isnull=True))
            .select_related("presenter", "meeting__series").order_by("meeting__start", "position")  # fmt: skip
        )
        with transaction.atomic():
            notice_send(
                kind=k.DIGEST, object=series, people=series_chairs(series),
                render_with=partial(render.digest, series, meetings=meetings, overdue=overdue, overdue_total=overdue_total,
                                                  missing_reports=missing, today=today),
                version=iso, series=series,
            )  # fmt: skip
        done += 1
    return done


def notices_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One pass of the worker's notice jobs. Each job is safe with several workers."""
    now = now or timezone.now()
    local = timezone.localtime(now, ZoneInfo(settings.LIHUI_DEFAULT_TIME_ZONE))
    done = {
        "invitations": invitations_due(now=now),
        "agendas": agenda_auto_publish(now=now),
        "reminders": reminders_due(now=now),
    }
    if local.hour >= settings.LIHUI_NOTICE_DAILY_HOUR:
        if job_claim(name="actions_daily", period=local.date().isoformat(), now=now):
            done.update(actions_daily(today=local.date()))
        if local.weekday() == 0 and job_claim(name="digest_weekly", period="%d-W%02d" % local.isocalendar()[:2], now=now):
            done["digests"] = digests_weekly(now=now)
    return {key: value for key, value in done.items() if value}

