"""Announcements from a lower stage to the higher ones that act on them.

The layers (docs/architecture.md, checked by import-linter) let an app import only the
apps below it. Where a lower stage's change must start work in a higher one — the regime's
rules change and the meetings are re-planned; an agenda is published and notices go out —
the lower service announces an event defined here and the higher app, in its
`AppConfig.ready`, connects the handler. The handler runs at once, in the announcer's
transaction, exactly as the direct call it replaces did (a failing handler rolls the change
back). Every event lists who handles it; `lihui/tests/test_events.py` checks that wiring,
so an event nobody handles fails a test instead of doing nothing in production.

An `Event` may have several handlers and returns nothing; a `Hook` has exactly one provider
and returns its answer (a lower stage asking a higher one a question).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Event:
    def __init__(self, name: str, handled_by: tuple[str, ...]):
        self.name = name
        self.handled_by = handled_by  # the apps expected to connect, in the order they run
        self._handlers: list[tuple[str, Callable[..., Any]]] = []

    def connect(self, handler: Callable[..., Any], *, app: str) -> None:
        if app not in self.handled_by:
            raise ImproperlyConfigured(f"{app} handles {self.name}, which lists only {self.handled_by}")
        if all(h is not handler for _, h in self._handlers):
            self._handlers.append((app, handler))
            self._handlers.sort(key=lambda pair: self.handled_by.index(pair[0]))

    def handlers(self) -> list[tuple[str, Callable[..., Any]]]:
        return list(self._handlers)

    def announce(self, **payload: Any) -> None:
        if not self._handlers:
            raise ImproperlyConfigured(f"nobody handles {self.name}: is {', '.join(self.handled_by)} installed?")
        for _, handler in self._handlers:
            handler(**payload)


class Hook:
    def __init__(self, name: str, provided_by: str):
        self.name = name
        self.provided_by = provided_by
        self._provider: Callable[..., Any] | None = None

    def provide(self, provider: Callable[..., Any], *, app: str) -> None:
        if app != self.provided_by:
            raise ImproperlyConfigured(f"{app} provides {self.name}, which {self.provided_by} provides")
        self._provider = provider

    def provider(self) -> Callable[..., Any] | None:
        return self._provider

    def __call__(self, **kwargs: Any) -> Any:
        if self._provider is None:
            raise ImproperlyConfigured(f"nobody provides {self.name}: is {self.provided_by} installed?")
        return self._provider(**kwargs)


# --- the regime (rules) → meetings (occurrences) -----------------------------------------

# series, since, place_changed: bool, history_until: datetime | None — re-plan the occurrences
# from `since`; with `history_until`, record the meetings before it as held history (补录).
series_rules_changed = Event("series_rules_changed", handled_by=("meetings",))
# series, at — stop planning: meetings not yet held are removed or cancelled.
series_archived = Event("series_archived", handled_by=("meetings",))
# departments: list of department ids → {department id: [KPI names]} for the regime document.
department_kpis = Hook("department_kpis", provided_by="reports")

# --- meetings, actions, minutes → notices (who hears of it) ------------------------------

# meeting — the agenda went out (send now, or the worker at the lead time).
agenda_published = Event("agenda_published", handled_by=("notices",))
# meeting → str: what publishing the agenda now would send, as one hash.
agenda_fingerprint = Hook("agenda_fingerprint", provided_by="notices")
# meetings: list — invited meetings the planner is about to delete (their invitations are cancelled).
meetings_deleting = Event("meetings_deleting", handled_by=("notices",))
# meeting — the chair ended the meeting (the survey goes out).
meeting_ended = Event("meeting_ended", handled_by=("notices",))
# action, actor — an action item was given to its owner.
action_assigned = Event("action_assigned", handled_by=("notices",))
# meeting, revision: int — the minutes were published (or re-published).
minutes_published = Event("minutes_published", handled_by=("notices",))

# --- the directory (people) → the regime and meetings (joiners, movers, leavers) -----------

# people: list of person ids, report — the directory says they left (deactivated): rosters
# drop them (a chair stays, flagged to admins), rotations skip them.
people_left = Event("people_left", handled_by=("regime", "meetings"))
# heads: list of (department id, old head id | None, new head id | None) — future meetings'
# department reports follow the new head.
departments_reheaded = Event("departments_reheaded", handled_by=("meetings",))

EVENTS = (series_rules_changed, series_archived, agenda_published, meetings_deleting, meeting_ended, action_assigned,
          minutes_published, people_left, departments_reheaded)  # fmt: skip
HOOKS = (department_kpis, agenda_fingerprint)
