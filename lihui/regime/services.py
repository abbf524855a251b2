"""Writes for the regime: series, roster, cadence windows, company days off.

Every change to the rules re-plans the future occurrences in the same transaction: the
regime announces `events.series_rules_changed` and the meetings app, above it, plans
(`meetings.services.planning.series_replan`). The regime never imports the meetings app.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lihui import events
from lihui.audit.services import E, V, audit_change, audit_created, audit_diff, audit_record, audit_snapshot
from lihui.people.models import Person
from lihui.web import length_errors

from .holidays import library_knows, official_notice_parse
from .models import (
    AgendaKind,
    AgendaTemplateItem,
    CadenceWindow,
    CalendarFeed,
    CompanyDayOff,
    Membership,
    OfficialDay,
    OfficialYear,
    PresenterRole,
    Series,
    Weekday,
)
from .selectors import agenda_template_total, person_is_admin, series_can_manage, series_feed_allowed

SERIES_FIELDS = [
    "title", "purpose", "department", "frequency", "interval", "weekdays", "monthly_mode", "month_day",
    "week_of_month", "month_weekday", "start_time", "duration_minutes", "time_zone", "start_date", "end_date",
    "count", "location", "video_link", "minute_taker_rotates", "agenda_lead_hours", "minutes_deadline_hours", "minutes_need_approval",
    "reminder_minutes", "escalate_after_days", "survey_open_days", "survey_target_percent",
    "start_tolerance_minutes", "end_tolerance_minutes", "ground_rules", "review_period",
    "survey_enabled", "survey_anonymous", "review_actions", "visibility", "holiday_policy",
]  # fmt: skip
WINDOW_FIELDS = [
    "kind", "name", "start_date", "end_date", "frequency", "interval", "weekdays", "monthly_mode", "month_day",
    "week_of_month", "month_weekday", "start_time", "duration_minutes",
]  # fmt: skip


@dataclass(frozen=True)
class RosterEntry:
    person: Person
    role: str
    rotation_position: int | None = None


def _replan(series: Series, *, since: dt.datetime | None = None, place_changed: bool = False,
            history_until: dt.datetime | None = None) -> None:
    events.series_rules_changed.announce(series=series, since=since, place_changed=place_changed, history_until=history_until)


def _regime_version(series: Series, actor: Person | None) -> None:
    """A new version of the written regime when the change altered its text (none otherwise)."""
    from .documents import regime_version_ensure

    regime_version_ensure(series=series, actor=actor)


def roster_validate(*, roster: list[RosterEntry], rotates: bool) -> None:
    """Exactly one chair; a minute-taker, or a rotation of at least two; no duplicates."""
    errors: list[str] = []
    people = [e.person.pk for e in roster]
    if len(people) != len(set(people)):
        errors.append(_("A person appears twice on the roster."))
    roles = [e.role for e in roster]
    if any(r not in Membership.Role.values for r in roles):
        errors.append(_("Unknown roster role."))
    if roles.count(Membership.Role.CHAIR) != 1:
        errors.append(_("The roster needs exactly one chair."))
    if roles.count(Membership.Role.DEPUTY_CHAIR) > 1:
        errors.append(_("Name one deputy chair at most."))
    if any(not e.person.is_active for e in roster):
        errors.append(_("An inactive person cannot be on the roster."))
    positions = [e.rotation_position for e in roster if e.rotation_position is not None]
    if rotates:
        if len(positions) < 2:
            errors.append(_("A rotating minute-taker needs at least two members with a rotation position."))
        if len(positions) != len(set(positions)):
            errors.append(_("Two members share a rotation position."))
        if any(e.role == Membership.Role.OPTIONAL for e in roster if e.rotation_position is not None):
            errors.append(_("Optional members cannot take the minutes in turn."))
    elif roles.count(Membership.Role.MINUTE_TAKER) > 1:
        errors.append(_("Choose one minute-taker, or let the minute-taker rotate."))
    if errors:
        raise ValidationError({"roster": errors})


def _roster_save(series: Series, roster: list[RosterEntry]) -> None:
    existing = {m.person_id: m for m in series.memberships.all()}
    wanted = {e.person.pk: e for e in roster}
    series.memberships.filter(person_id__in=set(existing) - set(wanted)).delete()
    for pk, entry in wanted.items():
        position = entry.rotation_position if series.minute_taker_rotates else None
        m = existing.get(pk)
        if m is None:
            Membership.objects.create(series=series, person=entry.person, role=entry.role, rotation_position=position)
        elif (m.role, m.rotation_position) != (entry.role, position):
            m.role, m.rotation_position = entry.role, position
            m.save(update_fields=["role", "rotation_position"])


def _series_snapshot(series: Series) -> dict[str, dict]:
    """The rules as the audit log shows them (weekdays by name)."""
    names = dict(Weekday.choices)
    return audit_snapshot(series, SERIES_FIELDS, values={"weekdays": tuple(names[d] for d in series.weekday_list if d in names)})


def _roster_snapshot(series: Series) -> dict[int, tuple[str, str, int | None]]:
    """person id -> (name, role, rotation position)."""
    return {m.person_id: (str(m.person), m.role, m.rotation_position) for m in series.memberships.select_related("person")}


def _audit_roster(actor: Person, series: Series, before: dict, after: dict, *, verb: str = V.CHANGED) -> None:
    """One entry for the roster: each person added, removed or given another role."""
    labels = dict(Membership.Role.choices)

    def shown(entry):
        if entry is None:
            return None
        _name, role, position = entry
        return labels.get(role, role) if position is None else [labels.get(role, role), f"#{position}"]

    changes = [
        audit_change(f"person:{pk}", (after.get(pk) or before.get(pk))[0], shown(before.get(pk)), shown(after.get(pk)),
                     i18n=True, label_i18n=False)
        for pk in sorted(set(before) | set(after))
        if (before.get(pk) or ())[1:] != (after.get(pk) or ())[1:]
    ]  # fmt: skip
    audit_record(actor=actor, series=series, entity=E.ROSTER, object_id=series.pk, verb=verb, changes=changes)


def _apply(instance, data: dict, allowed: list[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    for name, value in data.items():
        if name == "weekdays" and isinstance(value, (list, tuple)):
            value = ",".join(str(int(d)) for d in sorted(set(value)))
        setattr(instance, name, value)


def _check_lengths(instance, names: list[str]) -> None:
    errors = length_errors(instance, names)
    if errors:
        raise ValidationError(errors)


def series_create(*, actor: Person, data: dict, roster: list[RosterEntry], history: bool = False) -> Series:
    """Create a series and plan its occurrences to the horizon, from the first one that has
    not started yet. With a start date in the past and `history`, the meetings since that
    date are entered as history (held, 补录), never as "scheduled" meetings nobody ran."""
    series = Series(created_by=actor)
    _apply(series, data, SERIES_FIELDS)
    _check_lengths(series, SERIES_FIELDS)
    series.full_clean()
    roster_validate(roster=roster, rotates=series.minute_taker_rotates)
    if not person_is_admin(actor) and actor.pk not in {e.person.pk for e in roster}:
        # Otherwise the creator could not even open what they just created.
        raise ValidationError(
            {"roster": [_("Put yourself on the roster (for example as an optional member), or ask an administrator.")]}
        )
    with transaction.atomic():
        series.save()
        _roster_save(series, roster)
        agenda_template_set_default(series=series)
        first_day = dt.datetime.combine(series.start_date, dt.time.min, tzinfo=ZoneInfo(series.time_zone))
        now = timezone.now()
        if history and first_day < now:
            _replan(series, since=first_day, history_until=now)
        else:
            _replan(series, since=max(first_day, now))
        _regime_version(series, actor)
        audit_record(actor=actor, series=series, entity=E.SERIES, object_id=series.pk, verb=V.CREATED,
                     changes=audit_created(_series_snapshot(series)), subject=series.title)  # fmt: skip
        _audit_roster(actor, series, {}, _roster_snapshot(series), verb=V.CREATED)
    return series


def series_update(*, actor: Person, series: Series, data: dict, roster: list[RosterEntry] | None = None) -> Series:
    """Change the rules; past meetings and exceptions stay, the future is re-planned."""
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    _not_archived(series)
    # From the database: a ModelForm has already put the new values on `series`.
    stored = Series.objects.select_related("department").filter(pk=series.pk).first()
    before = _series_snapshot(stored) if stored else {}
    old_location = stored.location if stored else series.location
    _apply(series, data, SERIES_FIELDS)
    _check_lengths(series, SERIES_FIELDS)
    series.full_clean()
    if roster is not None:
        roster_validate(roster=roster, rotates=series.minute_taker_rotates)
    with transaction.atomic():
        roster_before = _roster_snapshot(series) if roster is not None else None
        series.save()
        if roster is not None:
            _roster_save(series, roster)
        _replan(series, place_changed=series.location != old_location)
        _regime_version(series, actor)
        audit_record(actor=actor, series=series, entity=E.SERIES, object_id=series.pk, verb=V.CHANGED,
                     changes=audit_diff(before, _series_snapshot(series)), subject=series.title)  # fmt: skip
        if roster_before is not None:
            _audit_roster(actor, series, roster_before, _roster_snapshot(series))
    return series


ARCHIVED_LABEL = gettext_lazy("archived")


def _not_archived(series: Series) -> None:
    """An archived series plans nothing: its rules and windows wait until it is unarchived."""
    if Series.objects.filter(pk=series.pk, archived_at__isnull=False).exists():
        raise ValidationError({"__all__": [_("This meeting series is archived. Unarchive it to change it.")]})


def series_archive(*, actor: Person, series: Series) -> Series:
    """Stop the series: no more meetings are planned, those not yet held go (rule meetings
    are removed as the planner removes what the rules no longer ask for; moved and extra
    ones are cancelled), and lists leave it out. Held meetings, minutes, actions and the
    audit log stay; `series_unarchive` brings it back."""
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        locked = Series.objects.select_for_update().get(pk=series.pk)
        if locked.archived_at is not None:
            return locked
        events.series_archived.announce(series=series, at=now)
        locked.archived_at = now
        locked.save(update_fields=["archived_at", "updated"])
        audit_record(actor=actor, series=series, entity=E.SERIES, object_id=series.pk, verb=V.CHANGED, subject=series.title,
                     changes=[audit_change("archived", ARCHIVED_LABEL, False, True)])  # fmt: skip
    series.archived_at = locked.archived_at
    return series


def series_unarchive(*, actor: Person, series: Series) -> Series:
    """Bring an archived series back: its meetings are planned again from now."""
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    with transaction.atomic():
        locked = Series.objects.select_for_update().get(pk=series.pk)
        if locked.archived_at is None:
            return locked
        locked.archived_at = None
        locked.save(update_fields=["archived_at", "updated"])
        _replan(locked)
        _regime_version(locked, actor)
        audit_record(actor=actor, series=locked, entity=E.SERIES, object_id=locked.pk, verb=V.CHANGED, subject=locked.title,
                     changes=[audit_change("archived", ARCHIVED_LABEL, True, False)])  # fmt: skip
    return locked


def series_delete(*, actor: Person, series: Series) -> None:
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    series.delete()


WINDOW_LABEL = gettext_lazy("cadence window")
TEMPLATE_LABEL = gettext_lazy("agenda template")


def _window_text(window: CadenceWindow) -> str:
    return f"{window} ({window.start_date.isoformat()} – {window.end_date.isoformat()}): {window.describe_cadence()}"


def cadence_window_add(*, actor: Person, series: Series, data: dict) -> CadenceWindow:
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    _not_archived(series)
    window = CadenceWindow(series=series)
    _apply(window, data, WINDOW_FIELDS)
    if window.duration_minutes is None:
        window.duration_minutes = series.duration_minutes
    if window.start_time is None:
        window.start_time = series.start_time
    _check_lengths(window, WINDOW_FIELDS)
    window.full_clean(exclude=["series"])
    with transaction.atomic():
        # Re-check with the series row locked so two concurrent adds cannot both pass.
        Series.objects.select_for_update().filter(pk=series.pk).first()
        window.full_clean(exclude=["series"])
        window.save()
        _replan(series)
        _regime_version(series, actor)
        audit_record(actor=actor, series=series, entity=E.SERIES, object_id=series.pk, verb=V.ADDED, subject=series.title,
                     changes=[audit_change("window", WINDOW_LABEL, None, _window_text(window))])  # fmt: skip
    return window


def cadence_window_remove(*, actor: Person, window: CadenceWindow) -> None:
    series = window.series
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    _not_archived(series)
    with transaction.atomic():
        text = _window_text(window)
        window.delete()
        _replan(series)
        _regime_version(series, actor)
        audit_record(actor=actor, series=series, entity=E.SERIES, object_id=series.pk, verb=V.REMOVED, subject=series.title,
                     changes=[audit_change("window", WINDOW_LABEL, text, None)])  # fmt: skip


def company_day_off_add(*, actor: Person, date: dt.date, name: str) -> CompanyDayOff:
    """Admins add a company day off; every series re-plans its future."""
    if not person_is_admin(actor):
        raise PermissionDenied
    day = CompanyDayOff(date=date, name=name)
    day.full_clean()
    with transaction.atomic():
        day.save()
        for series in Series.objects.filter(archived_at__isnull=True):  # an archived series plans nothing
            _replan(series)
    return day


def official_year_enter(*, actor: Person, year: int, text: str) -> OfficialYear:
    """An admin enters `year`'s official schedule from a paste of the State Council's notice
    (or one line per day); every series re-plans its future around it. Entering a year again
    replaces its days. Refused for a year the installed package already knows: the package wins."""
    if not person_is_admin(actor):
        raise PermissionDenied
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})
    if library_knows(year):
        raise ValidationError({"year": _("The installed holiday calendar already has %(year)s's schedule.") % {"year": year}})
    try:
        days = official_notice_parse(text, year=year)
    except ValidationError as exc:
        raise ValidationError({"source": exc.messages}) from None
    with transaction.atomic():
        entry, _created = OfficialYear.objects.update_or_create(
            year=year, defaults={"entered_by": actor, "entered_at": timezone.now(), "source": text})
        entry.days.all().delete()
        clash = OfficialDay.objects.filter(date__in=[d for d, _off, _name in days]).exclude(year=entry).first()
        if clash:
            raise ValidationError({"source": _("%(date)s is already in %(year)s's schedule.") % {"date": clash.date, "year": clash.year.year}})
        OfficialDay.objects.bulk_create(OfficialDay(year=entry, date=d, is_off=off, name=name) for d, off, name in days)
        for series in Series.objects.filter(archived_at__isnull=True):  # an archived series plans nothing
            _replan(series)
    return entry


# The seed's typical agenda: 开场与会议目的 → 上次行动项回顾 → 各部门工作汇报 → 问题讨论 →
# 决策与下阶段计划 → 总结与反馈. Titles are stored in the creator's language.
DEFAULT_AGENDA = [
    (AgendaKind.OPENING, gettext_lazy("Opening and purpose"), PresenterRole.CHAIR, 3),
    (AgendaKind.REVIEW, gettext_lazy("Review of last meeting's actions"), PresenterRole.CHAIR, 8),
    (AgendaKind.REPORT, gettext_lazy("Department reports"), PresenterRole.DEPARTMENT_HEADS, 6),
    (AgendaKind.DISCUSSION, gettext_lazy("Problem discussion"), PresenterRole.CHAIR, 12),
    (AgendaKind.DECISION, gettext_lazy("Decisions and next-period plan"), PresenterRole.CHAIR, 8),
    (AgendaKind.RECAP, gettext_lazy("Recap and feedback"), PresenterRole.CHAIR, 5),
]


def agenda_template_set_default(*, series: Series) -> None:
    """The typical agenda, its titles in the company's language (LANGUAGE_CODE) whatever the
    creator reads: they become every meeting's items and the regime document's table."""
    with translation.override(settings.LANGUAGE_CODE):
        rows = [
            AgendaTemplateItem(series=series, position=i, kind=kind, title=str(title), presenter_role=role, minutes=minutes)
            for i, (kind, title, role, minutes) in enumerate(DEFAULT_AGENDA)
        ]
    AgendaTemplateItem.objects.bulk_create(rows)


MAX_ITEM_MINUTES = 600


def agenda_template_save(
    *, actor: Person, series: Series, items: list[dict], over_slot_confirmed: bool = False
) -> list[AgendaTemplateItem]:
    """Replace the template with `items` (kind, title, presenter, presenter_role, minutes), in order.
    A template that plans more than the meeting's slot is refused unless the chair confirms it."""
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    rows = []
    for i, item in enumerate(items):
        row = AgendaTemplateItem(series=series, position=i, **item)
        if not (row.title or "").strip():
            errors.setdefault(f"items.{i}.title", []).append(_("Give the item a title."))
        if not isinstance(row.minutes, int) or not 0 < row.minutes <= MAX_ITEM_MINUTES:
            errors.setdefault(f"items.{i}.minutes", []).append(
                _("Minutes allotted must be from 1 to %(max)s.") % {"max": MAX_ITEM_MINUTES}
            )
        if row.kind not in AgendaKind.values:
            errors.setdefault(f"items.{i}.kind", []).append(_("Unknown item kind."))
        if row.presenter_role not in PresenterRole.values:
            errors.setdefault(f"items.{i}.presenter_role", []).append(_("Unknown presenter role."))
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    total = agenda_template_total(series=series, items=rows)
    if total > series.duration_minutes and not over_slot_confirmed:
        raise ValidationError(
            _(
                "The agenda plans %(total)s minutes, %(over)s more than the meeting's %(slot)s. "
                "Trim items, or tick “Save although it is longer than the meeting”."
            )
            % {"total": total, "over": total - series.duration_minutes, "slot": series.duration_minutes},
            code="over_slot",
        )
    with transaction.atomic():
        titles = list(series.agenda_template.values_list("title", "minutes"))
        series.agenda_template.all().delete()
        AgendaTemplateItem.objects.bulk_create(rows)
        _regime_version(series, actor)
        after = [f"{row.title} ({row.minutes}′)" for row in rows]
        before = [f"{t} ({m}′)" for t, m in titles]
        changes = [audit_change("agenda_template", TEMPLATE_LABEL, before, after)] if before != after else []
        audit_record(actor=actor, series=series, entity=E.SERIES, object_id=series.pk, verb=V.CHANGED, subject=series.title,
                     changes=changes)  # fmt: skip
    return list(series.agenda_template.all())


def agenda_template_move(*, actor: Person, series: Series, item_id: int, direction: str) -> None:
    """Move one template row up or down by one place (new meetings take the new order)."""
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [_("Move up or down.")]})
    with transaction.atomic():
        Series.objects.select_for_update().filter(pk=series.pk).first()  # one reorder at a time
        rows = list(series.agenda_template.all())
        index = next((i for i, row in enumerate(rows) if row.pk == item_id), None)
        if index is None:
            raise ValidationError({"item": [_("This row is no longer in the template.")]})
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(rows):
            return  # already first or last
        before = [row.title for row in rows]
        rows[index], rows[other] = rows[other], rows[index]
        for position, row in enumerate(rows):
            row.position = position
        AgendaTemplateItem.objects.bulk_update(rows, ["position"])
        _regime_version(series, actor)
        audit_record(actor=actor, series=series, entity=E.SERIES, object_id=series.pk, verb=V.CHANGED, subject=series.title,
                     changes=[audit_change("agenda_template", TEMPLATE_LABEL, before, [row.title for row in rows])])  # fmt: skip


def calendar_feed_regenerate(*, person: Person, series: Series | None = None) -> tuple[CalendarFeed, str]:
    """Make the person's secret feed URL (their own meetings, or one series they are on
    the roster of), or replace it: the old URL stops working at once. Returns the feed and
    its token, which is not stored (only its SHA-256): show it now or never."""
    if series is not None and not series_feed_allowed(person=person, series=series):
        raise PermissionDenied
    token = secrets.token_urlsafe(32)
    digest = CalendarFeed.digest_of(token)
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(
            person=person, series=series, defaults={"digest": digest}
        )
        if not created:
            feed.digest, feed.created, feed.last_used = digest, timezone.now(), None
            feed.save(update_fields=["digest", "created", "last_used"])
    return feed, token


def calendar_feed_touch(*, feed: CalendarFeed) -> None:
    """Note that a calendar fetched the feed; at most once an hour, since apps poll often."""
    now = timezone.now()
    if feed.last_used is None or now - feed.last_used > dt.timedelta(hours=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used=now)


def membership_role_set(*, actor: Person, series: Series, person: Person, role: str) -> Membership:
    """Change one person's role on the roster (e.g. a member who no longer needs to attend
    becomes optional, as a recommendation proposes)."""
    if not series_can_manage(person=actor, series=series):
        raise PermissionDenied
    if role not in (Membership.Role.MEMBER, Membership.Role.OPTIONAL):
        raise ValidationError({"role": [_("Only members and optional members can be changed here.")]})
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(series=series, person=person).first()
        if membership is None or membership.role not in (Membership.Role.MEMBER, Membership.Role.OPTIONAL):
            raise ValidationError({"person": [_("This person is not a member of the series.")]})
        if membership.role != role:
            labels = dict(Membership.Role.choices)
            change = audit_change(
                f"person:{person.pk}", str(person), labels[membership.role], labels[role], i18n=True, label_i18n=False
            )
            membership.role = role
            membership.save(update_fields=["role"])
            _regime_version(series, actor)
            audit_record(actor=actor, series=series, entity=E.ROSTER, object_id=series.pk, verb=V.CHANGED, changes=[change])
    return membership


# --- leavers (events.people_left, from the directory) ----------------------------------------


def roster_drop_leavers(*, people: list[int], report=None) -> None:
    """People the directory says have left leave every roster, so future meetings neither
    invite them nor give them the minutes in turn; each series' audit log says so. A chair
    stays on the roster (a series cannot run without one) and is listed to admins until
    someone takes over (`series_with_departed_chairs`). Past meetings keep their names."""
    leaving = Membership.objects.filter(person_id__in=people).exclude(role=Membership.Role.CHAIR)
    for series in Series.objects.filter(pk__in=leaving.values("series_id")).order_by("pk"):
        before = _roster_snapshot(series)
        series.memberships.filter(person_id__in=people).exclude(role=Membership.Role.CHAIR).delete()
        _audit_roster(None, series, before, _roster_snapshot(series), verb=V.REMOVED)
        _regime_version(series, None)
