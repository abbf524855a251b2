"""Reads for notices: a meeting's delivery log, a person's preferences."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lihui.actions.models import ActionItem
from lihui.meetings.models import Meeting
from lihui.notify import kinds as k
from lihui.notify.models import Message
from lihui.people.models import Person

from .models import Preference

State = Message.State

MEETING_KINDS = {
    k.INVITATION: gettext_lazy("The calendar invitation"),
    k.AGENDA: gettext_lazy("The agenda"),
    k.REMINDER: gettext_lazy("The reminder"),
    k.MINUTES: gettext_lazy("The minutes"),
    k.SURVEY: gettext_lazy("The survey request"),
}
ACTION_KINDS = {
    k.ACTION_ASSIGNED: gettext_lazy("The new action “%(title)s”"),
    k.ACTION_DUE_SOON: gettext_lazy("The due-soon reminder for “%(title)s”"),
    k.ACTION_OVERDUE: gettext_lazy("The overdue reminder for “%(title)s”"),
    k.ACTION_ESCALATED: gettext_lazy("The escalation of “%(title)s”"),
}


@dataclass
class LogLine:
    kind: str
    text: str
    failures: list[tuple[str, str]] = field(default_factory=list)
    failed: int = 0
    pending: int = 0
    last: object = None


def _moment(value) -> str:
    local = timezone.localtime(value)
    return f"{date_format(local, 'MONTH_DAY_FORMAT')} {local:%H:%M}"


def delivery_log(*, meeting: Meeting, failures_shown: int = 50) -> list[LogLine]:
    """One line per message and object (the agenda, the minutes, each action's notes):
    「议程已于 11月27日 09:00 发送给 12 人（1 人失败：原因）」. Three queries, whatever the size."""
    actions = {a["pk"]: a["title"] for a in ActionItem.objects.filter(meeting=meeting).values("pk", "title")}
    scope = Q(object_type="meetings.meeting", object_id=meeting.pk)
    if actions:
        scope |= Q(object_type="actions.actionitem", object_id__in=list(actions))
    rows = (
        Message.objects.filter(scope)
        .values("kind", "object_type", "object_id", "state")
        .annotate(people=Count("id", filter=Q(recipient__isnull=False)), groups=Count("id", filter=Q(channel__isnull=False)),
                  first_sent=Min("sent_at"), due=Min("due_at"), last=Max("created"))  # fmt: skip
        .order_by()
    )
    lines: dict[tuple, dict] = {}
    for row in rows:
        key = (row["kind"], row["object_type"], row["object_id"])
        line = lines.setdefault(key, {"states": {}, "last": row["last"]})
        line["states"][row["state"]] = row
        line["last"] = max(line["last"], row["last"])
    failed = (
        Message.objects.filter(scope, state=State.FAILED)
        .select_related("recipient", "channel")
        .order_by("-created")[:failures_shown]
    )
    failures: dict[tuple, list[tuple[str, str]]] = {}
    for m in failed:
        who = str(m.recipient) if m.recipient_id else str(m.channel) if m.channel_id else _("(removed)")
        failures.setdefault((m.kind, m.object_type, m.object_id), []).append((who, m.last_error))
    out = []
    for key, line in sorted(lines.items(), key=lambda item: item[1]["last"], reverse=True):
        kind, object_type, object_id = key
        if object_type == "actions.actionitem":
            what = str(ACTION_KINDS.get(kind, kind)) % {"title": actions.get(object_id, "")}
        else:
            what = str(MEETING_KINDS.get(kind, kind))
        states = line["states"]
        sent = states.get(State.SENT)
        fail = states.get(State.FAILED)
        parts = []
        if sent:
            audience = ngettext("%(n)d person", "%(n)d people", sent["people"]) % {"n": sent["people"]}
            if sent["groups"]:
                groups = ngettext("%(n)d group", "%(n)d groups", sent["groups"]) % {"n": sent["groups"]}
                audience = _("%(people)s and %(groups)s") % {"people": audience, "groups": groups}
            parts.append(_("%(what)s was sent on %(when)s to %(audience)s") % {
                "what": what, "when": _moment(sent["first_sent"]), "audience": audience})  # fmt: skip
        waiting = [states[s] for s in (State.PENDING, State.SENDING) if s in states]
        pending = sum(r["people"] + r["groups"] for r in waiting)
        if pending:
            due = min(r["due"] for r in waiting)
            text = ngettext("%(n)d waiting to be sent (from %(when)s)", "%(n)d waiting to be sent (from %(when)s)", pending) % {
                "n": pending, "when": _moment(due)}  # fmt: skip
            parts.append(text if sent else _("%(what)s: %(rest)s") % {"what": what, "rest": text})
        n_failed = (fail["people"] + fail["groups"]) if fail else 0
        shown = failures.get(key, [])
        if n_failed:
            reason = shown[0][1] if shown else ""
            text = ngettext("%(n)d failed: %(reason)s", "%(n)d failed: %(reason)s", n_failed) % {"n": n_failed, "reason": reason}
            parts.append(text if (sent or pending) else _("%(what)s: %(rest)s") % {"what": what, "rest": text})
        cancelled = states.get(State.CANCELLED)
        if cancelled and not parts:
            n = cancelled["people"] + cancelled["groups"]
            parts.append(ngettext("%(what)s: %(n)d not sent, no longer needed", "%(what)s: %(n)d not sent, no longer needed", n)
                         % {"what": what, "n": n})  # fmt: skip
        out.append(LogLine(kind=kind, text=_("; ").join(parts), failures=shown, failed=n_failed, pending=pending, last=line["last"]))
    return out


def preferences_for(*, person: Person) -> dict[tuple[str, str], bool]:
    """(kind, transport) → on/off for every kind a person can choose, defaults filled in."""
    chosen = {(p.kind, p.transport): p.enabled for p in Preference.objects.filter(person=person)}
    return {(kind, t): chosen.get((kind, t), True) for kind in k.PERSONAL for t in k.PERSONAL_TRANSPORTS}
