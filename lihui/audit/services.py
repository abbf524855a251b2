"""Writing the audit log. Services call `audit_record` inside the transaction of their
change, so a rolled-back change leaves no entry and a committed one always has its entry.

    before = audit_snapshot(action, ["status", "due"])
    ... change and save ...
    audit_record(actor=actor, series=..., entity=E.ACTION, object_id=action.pk, verb=V.CHANGED,
                 changes=audit_diff(before, audit_snapshot(action, ["status", "due"])))
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import translation

from .models import AuditEntry

E = AuditEntry.Entity
V = AuditEntry.Verb
EXCERPT = 200  # longer texts are kept as an excerpt: the log says what changed, not every word


def _excerpt(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _english(label) -> str:
    """Labels and choice names are stored as their msgid (English) and translated when shown."""
    with translation.override(None):  # no catalog: a lazy string gives its msgid
        return str(label)


def _msgids(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_msgids(v) for v in value]
    return value if value is None or isinstance(value, (bool, int, float)) else _english(value)


def audit_value(value: Any) -> Any:
    """A value as the log stores it: JSON, readable without the database."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [audit_value(v) for v in value]
    return _excerpt(value)


def audit_change(field: str, label, before: Any, after: Any, *, i18n: bool = False, label_i18n: bool = True) -> dict:
    """One line of an entry. `i18n`: the values are English msgids (choice labels)."""
    if i18n:
        before, after = _msgids(before), _msgids(after)
    change = {"field": field, "label": _english(label) if label_i18n else str(label),
              "before": audit_value(before), "after": audit_value(after)}  # fmt: skip
    flags = [name for name, on in (("label", label_i18n), ("values", i18n)) if on]
    if flags:
        change["i18n"] = flags
    return change


def audit_snapshot(instance: models.Model, fields: list[str], *, values: dict[str, Any] | None = None) -> dict[str, dict]:
    """The display values of `fields` of `instance`: related objects by name, choices by
    label, dates as ISO. `values` gives a field's display value where the caller knows better
    (e.g. weekdays as names); a value given as a tuple (labels, ) is a list of msgids."""
    snap: dict[str, dict] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        i18n = False
        if values and name in values:
            value = values[name]
            if isinstance(value, tuple):
                value, i18n = list(value), True
        elif field.is_relation:
            value = getattr(instance, name)
            value = None if value is None else str(value)
        elif field.choices:
            raw = getattr(instance, name)
            labels = dict(field.flatchoices)
            value, i18n = labels.get(raw, raw), raw in labels
        else:
            value = getattr(instance, name)
        snap[name] = audit_change(name, field.verbose_name, None, value, i18n=i18n)
    return snap


def audit_diff(before: dict[str, dict], after: dict[str, dict]) -> list[dict]:
    """The fields whose display value differs, as changes before → after."""
    out = []
    for name, now in after.items():
        was = before.get(name, {}).get("after")
        if was != now["after"]:
            out.append({**now, "before": was})
    return out


def audit_created(snapshot: dict[str, dict]) -> list[dict]:
    """A new object's filled-in fields, as changes from nothing."""
    return [change for change in snapshot.values() if change["after"] not in (None, "", [])]


def audit_record(
    *,
    actor,
    series,
    meeting=None,
    entity: str,
    object_id: int | None,
    verb: str,
    changes: list[dict],
    subject: str = "",
) -> AuditEntry | None:
    """Add one entry to the series' log. A change that changed nothing adds nothing.
    Call it inside the transaction of the change (it opens one if there is none)."""
    if verb == V.CHANGED and not changes:
        return None
    person = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        return AuditEntry.objects.create(
            series_id=getattr(series, "pk", series),
            meeting_id=getattr(meeting, "pk", meeting),
            actor=person,
            actor_name=str(person)[:150] if person else "",
            entity=entity,
            object_id=object_id,
            verb=verb,
            subject=_excerpt(subject or "")[:200],
            changes=changes,
        )
