"""The announcements that replace upward calls (lihui/events.py) are wired: each event has
exactly the handlers it lists, each hook its provider, and an unwired one fails loudly."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from lihui import events
from lihui.events import Event, Hook


@pytest.mark.parametrize("event", events.EVENTS, ids=lambda e: e.name)
def test_every_event_is_handled_by_the_apps_it_names(event):
    apps = [app for app, _ in event.handlers()]
    assert apps == list(event.handled_by), f"{event.name}: handled by {apps}, expected {event.handled_by}"


@pytest.mark.parametrize("hook", events.HOOKS, ids=lambda h: h.name)
def test_every_hook_has_its_provider(hook):
    assert hook.provider() is not None, f"{hook.name}: {hook.provided_by} did not provide it"


def test_the_lists_hold_every_event_and_hook_the_module_defines():
    defined = {v for v in vars(events).values() if isinstance(v, Event | Hook)}
    assert defined == set(events.EVENTS) | set(events.HOOKS)


def test_an_event_nobody_handles_refuses_to_pass_silently():
    lonely = Event("lonely", handled_by=("meetings",))
    with pytest.raises(ImproperlyConfigured, match="nobody handles lonely"):
        lonely.announce(meeting=None)
    with pytest.raises(ImproperlyConfigured, match="lists only"):
        lonely.connect(print, app="notices")


def test_handlers_run_in_the_listed_order_and_once_each():
    calls = []
    ordered = Event("ordered", handled_by=("first", "second"))

    def second(**kw):
        calls.append(("second", kw))

    def first(**kw):
        calls.append(("first", kw))

    ordered.connect(second, app="second")
    ordered.connect(first, app="first")
    ordered.connect(first, app="first")  # a second ready() (tests, reloads) does not double it
    ordered.announce(n=1)
    assert calls == [("first", {"n": 1}), ("second", {"n": 1})]


def test_a_hook_without_provider_says_who_should_provide_it():
    hook = Hook("answer", provided_by="reports")
    with pytest.raises(ImproperlyConfigured, match="reports"):
        hook(departments=[])
    with pytest.raises(ImproperlyConfigured):
        hook.provide(lambda **kw: 42, app="notices")
    hook.provide(lambda **kw: 42, app="reports")
    assert hook(departments=[]) == 42
