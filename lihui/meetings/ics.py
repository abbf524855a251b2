"""RFC 5545 calendar data for meetings: one invitation (REQUEST / CANCEL / PUBLISH) or a
subscription feed. Built with `icalendar`, which escapes text values, so a title with
newlines, commas or `BEGIN:VEVENT` in it stays one inert SUMMARY.

Each occurrence keeps one UID for life (its row id), and its SEQUENCE (`Meeting.ics_sequence`)
rises whenever time, place or status change: calendar apps then update the event they hold
instead of adding a second one. Times carry the series' IANA zone (TZID) with its
VTIMEZONE, so 09:30 stays 09:30 local across a DST change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlparse

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from lihui.regime.models import Membership

from .models import Guest, Meeting

Method = Literal["REQUEST", "CANCEL", "PUBLISH"]
PRODID = "-//Lihui//Lihui meetings//ZH"


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    required: bool = True


def meeting_attendees(*, meeting: Meeting) -> list[Attendee]:
    """Who an invitation goes to: the roster (optional members as optional) and the
    meeting's guests, each e-mail once. People without an address are left out."""
    found: dict[str, Attendee] = {}
    for m in meeting.series.memberships.select_related("person"):
        if m.person.email and m.person.is_active:
            found.setdefault(m.person.email.lower(), Attendee(str(m.person), m.person.email, m.role != Membership.Role.OPTIONAL))
    for g in Guest.objects.filter(item__meeting=meeting).select_related("person"):
        email = g.person.email if g.person_id else g.email
        if email:
            found.setdefault(email.lower(), Attendee(str(g), email, True))
    return list(found.values())


def uid_domain() -> str:
    return getattr(settings, "LIHUI_ICS_UID_DOMAIN", "") or urlparse(settings.SITE_URL).hostname or "lihui"


def meeting_uid(meeting: Meeting) -> str:
    return f"lihui-meeting-{meeting.pk}@{uid_domain()}"


def _chair(meeting: Meeting):
    chairs = getattr(meeting.series, "chairs", None)  # prefetched by feeds: no query per event
    if chairs is None:
        chairs = list(meeting.series.memberships.filter(role=Membership.Role.CHAIR).select_related("person"))
    return chairs[0].person if chairs else None


def _address(name: str, email: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = name
    for key, value in params.items():
        address.params[key] = value
    return address


def _event(meeting: Meeting, *, method: Method, attendees: Iterable[Attendee], stamp) -> Event:
    series = meeting.series
    zone = meeting.series_zone
    cancelled = method == "CANCEL" or meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.SKIPPED)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.ics_sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.start.astimezone(zone))
    event.add("dtend", meeting.end.astimezone(zone))
    summary = f"{series.title} 第 {meeting.number} 次例会" if meeting.number else series.title
    event.add("summary", summary)
    if meeting.place:
        event.add("location", meeting.place)
    lines = [*series.purposes, *meeting.purposes]
    if series.video_link:
        lines.append(series.video_link)
    if cancelled and meeting.cancel_reason:
        lines.append(meeting.cancel_reason)
    if lines:
        event.add("description", "\n".join(lines))
    link = settings.SITE_URL.rstrip("/") + reverse("meetings:meeting_detail", kwargs={"pk": meeting.pk})
    event.add("url", link)
    chair = _chair(meeting)
    if chair is not None and chair.email:
        event.add("organizer", _address(str(chair), chair.email))
    if method != "PUBLISH":
        for a in attendees:
            role = "REQ-PARTICIPANT" if a.required else "OPT-PARTICIPANT"
            params = {"ROLE": role, "CUTYPE": "INDIVIDUAL"}
            if method == "REQUEST":
                params.update(PARTSTAT="NEEDS-ACTION", RSVP="TRUE")
            event.add("attendee", _address(a.name, a.email, **params))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _calendar(method: Method, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        # As TEXT, escaped: icalendar writes an X- property it does not know as it is, and
        # a series title with a line break would otherwise end the line (or the calendar).
        cal.add("x-wr-calname", vText(name))
    return cal


def _add_timezones(cal: Calendar, meetings: list[Meeting]) -> None:
    """A VTIMEZONE for every zone used, covering whole years around the events. Bounded
    on purpose: the default (1970-2038, one RDATE per change) is long, and some readers
    (dateutil, hence vobject) mis-resolve it."""
    if not meetings:
        return
    first = min(m.start for m in meetings).year - 1
    last = max(m.end for m in meetings).year + 1
    cal.add_missing_timezones(first_date=dt.date(first, 1, 1), last_date=dt.date(last, 12, 31))


def meeting_ics(*, meeting: Meeting, method: Method, attendees: Iterable[Attendee] = ()) -> bytes:
    """One occurrence as an invitation (REQUEST), its cancellation (CANCEL) or a plain
    download (PUBLISH, no attendees)."""
    if method not in ("REQUEST", "CANCEL", "PUBLISH"):
        raise ValueError(f"unknown iTIP method {method!r}")
    cal = _calendar(method)
    cal.add_component(_event(meeting, method=method, attendees=attendees, stamp=timezone.now()))
    _add_timezones(cal, [meeting])
    return cal.to_ical()


def feed_ics(*, meetings: Iterable[Meeting], name: str) -> bytes:
    """A subscription feed: every meeting as published, cancelled ones marked so."""
    cal = _calendar("PUBLISH", name)
    stamp = timezone.now()
    meetings = list(meetings)
    for meeting in meetings:
        cal.add_component(_event(meeting, method="PUBLISH", attendees=(), stamp=stamp))
    _add_timezones(cal, meetings)
    return cal.to_ical()
