"""What each message says. Every function renders in the active language and time zone
(`notice_send` activates the recipient's) and returns subject, plain text and Markdown
(the HTML part of e-mails and the body robots post). User text goes into Markdown escaped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from lihui.markdown import markdown_escape as esc


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    markdown: str


def link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def when(value: dt.datetime, *, series_zone: str = "") -> str:
    """11月27日（星期五）09:00 / November 27 (Friday) 09:00, in the active zone; the zone's
    name is added when it is not the series' own."""
    local = timezone.localtime(value)
    text = _("%(date)s (%(weekday)s) %(time)s") % {
        "date": date_format(local, "MONTH_DAY_FORMAT"),
        "weekday": date_format(local, "l"),
        "time": local.strftime("%H:%M"),
    }
    zone = timezone.get_current_timezone_name()
    if series_zone and zone != series_zone:
        text += f" ({zone})"
    return text


def day(value: dt.date) -> str:
    return date_format(value, "MONTH_DAY_FORMAT")


def meeting_name(meeting) -> str:
    if meeting.number:
        return _("%(series)s, meeting %(number)s") % {"series": meeting.series.title, "number": meeting.number}
    return meeting.series.title


def _lines(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """("Label", value) pairs as text lines and as a Markdown list."""
    pairs = [(k, v) for k, v in pairs if v]
    colon = _("%(label)s: %(value)s")
    text = "\n".join(colon % {"label": k, "value": v} for k, v in pairs)
    md = "\n".join("- " + colon % {"label": f"**{esc(k)}**", "value": esc(v)} for k, v in pairs)
    return text, md


def late(person, days: int) -> str:
    return ngettext("%(owner)s, %(n)d day overdue", "%(owner)s, %(n)d days overdue", days) % {"owner": person, "n": days}


def _meeting_facts(meeting) -> list[tuple[str, str]]:
    return [
        (_("Time"), when(meeting.start, series_zone=meeting.series.time_zone)),
        (_("Duration"), ngettext("%d minute", "%d minutes", meeting.duration_minutes) % meeting.duration_minutes),
        (_("Place"), meeting.place),
        (_("Video meeting"), meeting.series.video_link),
    ]


def heading(label: str) -> str:
    """A plain-text list's heading: "Agenda:" / 「议程：」."""
    return _("%(label)s:") % {"label": label}


def bold(label: str) -> str:
    """A Markdown list's heading: "**Agenda**"."""
    return f"**{esc(label)}**"


def _compose(title: str, blocks: list[tuple[str, str]], url: str, url_label: str) -> tuple[str, str]:
    """Text and Markdown bodies from (text, markdown) blocks."""
    text = "\n\n".join([title] + [t for t, _m in blocks if t] + [_("%(label)s: %(value)s") % {"label": url_label, "value": url}])
    md = "\n\n".join([f"### {esc(title)}"] + [m for _t, m in blocks if m] + [f"[{esc(url_label)}]({url})"])
    return text, md


def agenda(meeting, items: list) -> Rendered:
    name = meeting_name(meeting)
    facts = _lines(_meeting_facts(meeting))
    purposes = meeting.series.purposes + meeting.purposes
    blocks = [facts]
    if purposes:
        blocks.append(
            (heading(_("Purpose")) + "\n" + "\n".join(f"- {p}" for p in purposes),
             bold(_("Purpose")) + "\n\n" + "\n".join(f"- {esc(p)}" for p in purposes))
        )  # fmt: skip
    rows_t, rows_m = [], []
    for n, item in enumerate(items, 1):
        minutes = ngettext("%d minute", "%d minutes", item.minutes_allotted) % item.minutes_allotted
        if item.presenter_id:
            minutes = _("%(presenter)s, %(minutes)s") % {"presenter": item.presenter, "minutes": minutes}
        rows_t.append(f"{n}. {item.title} — {minutes}")
        rows_m.append(f"{n}. {esc(item.title)} — {esc(minutes)}")
    blocks.append((heading(_("Agenda")) + "\n" + "\n".join(rows_t), bold(_("Agenda")) + "\n\n" + "\n".join(rows_m)))
    text, md = _compose(name, blocks, link("meetings:meeting_detail", meeting.pk), _("Agenda and materials"))
    subject = _("Agenda: %(meeting)s, %(when)s") % {"meeting": name, "when": when(meeting.start, series_zone=meeting.series.time_zone)}
    return Rendered(subject, text, md)


def reminder(meeting) -> Rendered:
    name = meeting_name(meeting)
    minutes = meeting.series.reminder_minutes
    subject = ngettext("Starts in %(n)d minute: %(meeting)s", "Starts in %(n)d minutes: %(meeting)s", minutes) % {
        "n": minutes,
        "meeting": name,
    }
    text, md = _compose(name, [_lines(_meeting_facts(meeting))], link("meetings:meeting_detail", meeting.pk), _("Agenda and materials"))
    return Rendered(subject, text, md)


def invitation(meeting, *, method: str, first: bool) -> Rendered:
    name = meeting_name(meeting)
    moment = when(meeting.start, series_zone=meeting.series.time_zone)
    if method == "CANCEL":
        subject = _("Cancelled: %(meeting)s, %(when)s") % {"meeting": name, "when": moment}
        reason = meeting.cancel_reason
        blocks = [_lines([(_("Time"), moment), (_("Reason"), reason)])]
    else:
        template = _("Invitation: %(meeting)s, %(when)s") if first else _("Updated: %(meeting)s, %(when)s")
        subject = template % {"meeting": name, "when": moment}
        blocks = [_lines(_meeting_facts(meeting))]
    note = _("The attached calendar file (.ics) adds or updates the event in Outlook, Google, Apple or Feishu calendars.")
    blocks.append((note, esc(note)))
    text, md = _compose(name, blocks, link("meetings:meeting_detail", meeting.pk), _("Open in Lihui"))
    return Rendered(subject, text, md)


def minutes(meeting, decisions: list, actions: list) -> Rendered:
    name = meeting_name(meeting)
    blocks = []
    if decisions:
        blocks.append(
            (heading(_("Decisions")) + "\n" + "\n".join(f"- {d.text}" for d in decisions),
             bold(_("Decisions")) + "\n\n" + "\n".join(f"- {esc(d.text)}" for d in decisions))
        )  # fmt: skip
    if actions:
        rows = [(a.title, _("%(owner)s, due %(due)s") % {"owner": a.owner, "due": day(a.due)}) for a in actions]
        blocks.append(
            (heading(_("Actions")) + "\n" + "\n".join(f"- {t} — {d}" for t, d in rows),
             bold(_("Actions")) + "\n\n" + "\n".join(f"- {esc(t)} — {esc(d)}" for t, d in rows))
        )  # fmt: skip
    if not blocks:
        blocks.append((_("No decisions or actions were recorded."), esc(_("No decisions or actions were recorded."))))
    text, md = _compose(name, blocks, link("minutes:minutes", meeting.pk), _("Read the minutes"))
    return Rendered(_("Minutes published: %(meeting)s") % {"meeting": name}, text, md)


def _action_blocks(action) -> list[tuple[str, str]]:
    return [
        _lines(
            [
                (_("Action"), action.title),
                (_("Owner"), str(action.owner)),
                (_("Due"), day(action.due)),
                (pgettext("notice", "Meeting"), meeting_name(action.meeting)),
            ]
        )
    ]


def action_assigned(action) -> Rendered:
    subject = _("New action for you: %(title)s (due %(due)s)") % {"title": action.title, "due": day(action.due)}
    text, md = _compose(action.title, _action_blocks(action), link("actions:action_detail", action.pk), _("Open the action"))
    return Rendered(subject, text, md)


def action_due_soon(action, today: dt.date) -> Rendered:
    days = (action.due - today).days
    if days <= 0:
        subject = _("Due today: %(title)s") % {"title": action.title}
    else:
        subject = ngettext("Due in %(n)d day: %(title)s", "Due in %(n)d days: %(title)s", days) % {"n": days, "title": action.title}
    text, md = _compose(action.title, _action_blocks(action), link("actions:action_detail", action.pk), _("Update the action"))
    return Rendered(subject, text, md)


def action_overdue(action, today: dt.date) -> Rendered:
    days = (today - action.due).days
    subject = ngettext("Overdue by %(n)d day: %(title)s", "Overdue by %(n)d days: %(title)s", days) % {"n": days, "title": action.title}
    text, md = _compose(action.title, _action_blocks(action), link("actions:action_detail", action.pk), _("Update the action"))
    return Rendered(subject, text, md)


def action_escalated(action, today: dt.date) -> Rendered:
    days = (today - action.due).days
    subject = ngettext(
        "Escalation: %(owner)s's action is %(n)d day overdue: %(title)s",
        "Escalation: %(owner)s's action is %(n)d days overdue: %(title)s",
        days,
    ) % {"owner": action.owner, "n": days, "title": action.title}
    note = _("You chair this series: the owner has been reminded daily. Talk to them, or move the due date with a reason.")
    blocks = _action_blocks(action) + [(note, esc(note))]
    text, md = _compose(action.title, blocks, link("actions:action_detail", action.pk), _("Open the action"))
    return Rendered(subject, text, md)


def overdue_summary(series, actions: list, total: int, today: dt.date) -> Rendered:
    """A series' overdue actions, for its group robots (daily)."""
    subject = ngettext("%(series)s: %(n)d overdue action", "%(series)s: %(n)d overdue actions", total) % {
        "series": series.title,
        "n": total,
    }
    rows = [(a.title, late(a.owner, (today - a.due).days)) for a in actions]
    text_rows = "\n".join(f"- {t} — {d}" for t, d in rows)
    md_rows = "\n".join(f"- {esc(t)} — {esc(d)}" for t, d in rows)
    if total > len(rows):
        more = _("… and %(n)d more") % {"n": total - len(rows)}
        text_rows, md_rows = f"{text_rows}\n{more}", f"{md_rows}\n\n{esc(more)}"
    text, md = _compose(subject, [(text_rows, md_rows)], link("actions:series_board", series.pk), _("Open the action board"))
    return Rendered(subject, text, md)


def _coming(meeting, *, series_zone: str) -> str:
    """A coming meeting in the digest: its name and time, and whether its agenda is out."""
    values = {"meeting": meeting_name(meeting), "when": when(meeting.start, series_zone=series_zone)}
    if meeting.agenda_published_at:
        return "%(meeting)s — %(when)s" % values
    return _("%(meeting)s — %(when)s — agenda not published yet") % values


def digest(series, *, meetings: list, overdue: list, overdue_total: int, missing_reports: list, today: dt.date) -> Rendered:
    """The chair's weekly digest: coming meetings, overdue actions, reports not yet in."""
    subject = _("Weekly digest: %(series)s") % {"series": series.title}
    blocks = []
    if meetings:
        rows = [_coming(m, series_zone=series.time_zone) for m in meetings]
        blocks.append((heading(_("Coming meetings")) + "\n" + "\n".join(f"- {r}" for r in rows),
                       bold(_("Coming meetings")) + "\n\n" + "\n".join(f"- {esc(r)}" for r in rows)))  # fmt: skip
    else:
        blocks.append((_("No meetings in the coming week."), esc(_("No meetings in the coming week."))))
    if overdue_total:
        head = ngettext("%(n)d overdue action", "%(n)d overdue actions", overdue_total) % {"n": overdue_total}
        rows = [f"{a.title} — {late(a.owner, (today - a.due).days)}" for a in overdue]
        if overdue_total > len(rows):
            rows.append(_("… and %(n)d more") % {"n": overdue_total - len(rows)})
        blocks.append((heading(head) + "\n" + "\n".join(f"- {r}" for r in rows),
                       f"**{esc(head)}**\n\n" + "\n".join(f"- {esc(r)}" for r in rows)))  # fmt: skip
    else:
        blocks.append((_("No overdue actions."), esc(_("No overdue actions."))))
    if missing_reports:
        rows = [_("%(item)s — %(presenter)s (%(meeting)s)") % {"item": item.title, "presenter": item.presenter or _("no presenter"),
                                                               "meeting": meeting_name(item.meeting)} for item in missing_reports]  # fmt: skip
        head = _("Reports not yet submitted")
        blocks.append((heading(head) + "\n" + "\n".join(f"- {r}" for r in rows),
                       f"**{esc(head)}**\n\n" + "\n".join(f"- {esc(r)}" for r in rows)))  # fmt: skip
    text, md = _compose(subject, blocks, link("regime:series_detail", series.pk), _("Open the series"))
    return Rendered(subject, text, md)


def survey(meeting, url: str, closes: dt.datetime | None) -> Rendered:
    name = meeting_name(meeting)
    subject = _("How was the meeting? %(meeting)s") % {"meeting": name}
    lines = [(_("Closes"), when(closes, series_zone=meeting.series.time_zone) if closes else "")]
    note = _("Five questions, one minute: your answers help improve the meeting.")
    text, md = _compose(name, [(note, esc(note)), _lines(lines)], url, _("Answer the survey"))
    return Rendered(subject, text, md)

