"""The forms of follow-up: a decision or an action typed in a meeting (`followup_entry`, for
the follow-up panel and quick capture alike), and the board's filters, read from the query
string — there a value that does not parse is reported and ignored, never an error page:
links get shared, edited and bookmarked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lihui.meetings.models import AgendaItem, Meeting
from lihui.people.models import Person
from lihui.people.selectors import people_meant, people_named

from . import services
from .models import ActionItem, Decision
from .selectors import SORTS, UNCLOSED

MAX_ID = 2**53  # larger numbers overflow SQLite's integers; no row has such an id anyway


def parse_date(value: str | None) -> dt.date | None:
    """A date as <input type="date"> sends it (YYYY-MM-DD); None when empty or unreadable."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def squash_text(text: str) -> str:
    """A text without its spaces, in lower case: how quick capture tells a line already recorded."""
    return "".join(text.split()).lower()


@dataclass
class FollowupEntry:
    """A decision or an action as typed in a meeting, its references looked up."""

    kind: str  # "decision" or "action"
    text: str  # the decision, or the action's title
    item: AgendaItem | None = None
    owner: Person | None = None
    due: dt.date | None = None
    priority: str = ActionItem.Priority.NORMAL
    decision: Decision | None = None

    def save(self, *, actor: Person, meeting: Meeting) -> Decision | ActionItem:
        """Record it through the services (which check who may, and the rest)."""
        if self.kind == "decision":
            return services.decision_record(actor=actor, meeting=meeting, item=self.item, text=self.text)
        return services.action_create(
            actor=actor, meeting=meeting, item=self.item, title=self.text, owner=self.owner, due=self.due,
            priority=self.priority, decision=self.decision,
        )  # fmt: skip


def _decision(meeting: Meeting, value: str, text: str) -> Decision | None:
    """The decision an action implements: none, one of this meeting's by id, or "above" —
    the decision line the action was written under (quick capture), which must be recorded
    first (found by its `text`)."""
    if not value:
        return None
    if value == "above":
        wanted = squash_text(text)
        found = [d for d in meeting.decisions.order_by("-id") if wanted and squash_text(d.text) == wanted]
        if not found:
            raise ValidationError({"decision": [_("Confirm the decision above first: this action implements it.")]})
        return found[0]
    decision = Decision.objects.filter(pk=int(value), meeting=meeting).first() if value.isdigit() else None
    if decision is None:
        raise ValidationError({"decision": [_("This decision was not taken in this meeting.")]})
    return decision


def followup_item(data, *, meeting: Meeting) -> AgendaItem | None:
    """The agenda item a posted decision or action is on (`item`), if it is this meeting's."""
    value = data.get("item", "")
    return AgendaItem.objects.filter(pk=int(value), meeting=meeting).first() if value.isdigit() else None


def followup_entry(data, *, meeting: Meeting, item: AgendaItem | None, decision_field: str = "text") -> FollowupEntry:
    """Read a decision or an action on `item` from a posted form (the follow-up panel's: the
    decision in `text`; quick capture's: in `title`, `decision_field`). Refused with a
    ValidationError, nothing written: another kind, a due date that is not a date. An owner
    who is no longer active is looked up all the same, for the service to refuse with that
    reason (not as if none was chosen)."""
    kind = data.get("kind")
    if kind == "decision":
        return FollowupEntry(kind=kind, text=data.get(decision_field, ""), item=item)
    if kind != "action":
        raise ValidationError({"kind": [_("Choose action or decision.")]})
    owner_id = data.get("owner", "")
    owner = Person.objects.filter(pk=int(owner_id)).first() if owner_id.isdigit() else None
    due = parse_date(data.get("due", ""))
    if data.get("due") and due is None:
        raise ValidationError({"due": [_("Enter a valid date (YYYY-MM-DD).")]})
    return FollowupEntry(
        kind=kind,
        text=data.get("title", ""),
        item=item,
        owner=owner,
        due=due,
        priority=data.get("priority", ActionItem.Priority.NORMAL),
        decision=_decision(meeting, data.get("decision", ""), data.get("decision_text", "")),
    )


def _id_field(label) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=1, max_value=MAX_ID)


class BoardFilterForm(forms.Form):
    owner = _id_field(gettext_lazy("owner"))
    # The person picker's text: the chosen person's name (with JS, `owner` holds their id too),
    # or a name typed without JS, resolved by `resolve_owner`. Links carry only `owner`.
    owner_name = forms.CharField(label=gettext_lazy("owner"), required=False, max_length=100, strip=True)
    department = _id_field(gettext_lazy("department"))
    series = _id_field(gettext_lazy("meeting series"))
    status = forms.ChoiceField(
        label=gettext_lazy("status"),
        required=False,
        choices=[
            (UNCLOSED, gettext_lazy("Open (all open states)")),
            *ActionItem.Status.choices,
            ("any", gettext_lazy("Any status")),
        ],
    )
    due_from = forms.DateField(label=gettext_lazy("due from"), required=False, input_formats=["%Y-%m-%d"])
    due_to = forms.DateField(label=gettext_lazy("due to"), required=False, input_formats=["%Y-%m-%d"])
    overdue = forms.BooleanField(label=gettext_lazy("overdue only"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("sort"), required=False, choices=[(key, key) for key in SORTS])

    def clean(self):
        data = super().clean()
        due_from, due_to = data.get("due_from"), data.get("due_to")
        if due_from and due_to and due_from > due_to:
            # Neither bound can be trusted: ignore the range rather than guess which end is wrong.
            self.add_error(None, _("The due-date range ends before it starts; it is ignored."))
            data.pop("due_from", None)
            data.pop("due_to", None)
        return data

    def resolve_owner(self, *, label: bool) -> None:
        """The owner filter as a person: by `owner` (links, the picker with JS), or by the name
        typed into the picker without JS — an exact name, or its full pinyin, of one person.
        An unknown or ambiguous name is reported and ignored (`owner_candidates` then lists
        who it may mean). Sets `owner_label`, the text the picker shows. One query when
        `label` (the page shows the picker) or a name was typed, none otherwise."""
        self.owner_label, self.owner_candidates = "", []
        data = getattr(self, "cleaned_data", None)
        if data is None:
            return
        owner_id, typed = data.get("owner"), data.get("owner_name") or ""
        if "owner_name" in self.data and not typed:
            owner_id = data["owner"] = None  # the picker was emptied: everyone
        if not typed and not label:
            return
        rows = people_named(name=typed, pk=owner_id)
        chosen = next((r for r in rows if r["id"] == owner_id), None)
        data.pop("owner_name", None)  # links keep the id, not the text
        if typed and not (chosen and chosen["name"] == typed):
            chosen = None
            matches = people_meant(typed=typed, rows=rows)
            if len(matches) == 1:
                chosen = matches[0]
                self.errors.pop("owner", None)  # a bad id does not matter: the name said who
            else:
                data["owner"] = None
                self.owner_label = typed
                self.owner_candidates = matches
                problem = (_("Several people are called “%(name)s”; choose one of them.") if matches
                           else _("No one is called “%(name)s”."))  # fmt: skip
                self.add_error("owner_name", problem % {"name": typed})
                return
        if chosen:
            data["owner"], self.owner_label = chosen["id"], chosen["name"]

    def problems(self) -> list[str]:
        """One translated sentence per bad filter, saying it was ignored."""
        out = []
        for name, errors in self.errors.items():
            for error in errors:
                if name in self.fields:
                    error = _("Filter “%(filter)s” ignored: %(problem)s") % {"filter": self.fields[name].label, "problem": error}
                out.append(str(error))
        return out

    def value(self, name: str):
        """The valid value of a filter, or None."""
        return (getattr(self, "cleaned_data", None) or {}).get(name) or None

    def selector_filters(self, *, mine: Person | None) -> dict:
        """Keyword arguments for `action_list`: the valid filters, with the defaults (open, by
        due date) for missing or bad ones. `mine` fixes the owner (「我的行动项」)."""
        return {
            "owner": mine.pk if mine is not None else self.value("owner"),
            "department": None if mine is not None else self.value("department"),
            "series": self.value("series"),
            "status": self.value("status") or UNCLOSED,
            "due_from": self.value("due_from"),
            "due_to": self.value("due_to"),
            "overdue": bool(self.value("overdue")),
            "sort": self.value("sort") or "due",
        }

    def query(self, *, skip: tuple[str, ...] = (), **extra) -> str:
        """The valid filters as a query string (dates ISO, flags 1), for links that keep them."""
        pairs = []
        for name in self.fields:
            value = self.value(name)
            if name in skip or name == "owner_name" or value is None:  # the owner travels as an id
                continue
            pairs.append((name, 1 if value is True else value.isoformat() if hasattr(value, "isoformat") else value))
        pairs += [(k, v) for k, v in extra.items() if v not in (None, "")]
        return urlencode(pairs)
