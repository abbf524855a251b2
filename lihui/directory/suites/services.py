"""Writes for the suites: saving an app's configuration, testing it, syncing now or on
schedule, and turning a suite's userid into the person who logs in."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from lihui.directory.models import SuiteApp, SyncReport
from lihui.directory.services import Snapshot, sync_apply, sync_failed
from lihui.people.models import Identity, Person

from .base import SuiteError, suite_name
from .config import FIELDS, SUITES, suite_client
from .sync import read_snapshot


class LoginRefused(Exception):
    """The suite vouched for someone Lihui will not let in; the message says why."""


def suite_app_save(*, actor: Person, source: str, values: dict, secret: str | None, clear_secret: bool = False) -> SuiteApp:
    """Save the app's ids and switches. `secret` None keeps the stored one; a new secret
    replaces it; `clear_secret` removes it (the environment's may still apply)."""
    app, _created = SuiteApp.objects.get_or_create(source=source)
    for field in (*FIELDS[source], "login_enabled", "sync_enabled", "sync_every_hours"):
        if field in values:
            value = values[field]
            setattr(app, field, value.strip() if isinstance(value, str) else value)
    if clear_secret:
        app.secret = ""
    elif secret:
        app.secret = secret.strip()
    app.updated_by = actor
    app.save()
    return app


def suite_test(*, source: str) -> None:
    """Fetch a fresh token with the configuration as it is: raises SuiteError when refused."""
    client = suite_client(source)
    if client is None:
        raise SuiteError(_("%(suite)s is not set up: enter its app at Company directory › Work suites.") % {"suite": suite_name(source)})
    client.forget_token()
    client.token()


def suite_sync(*, source: str, trigger: str, actor: Person | None = None) -> SyncReport:
    """Read the suite's whole directory and apply it; a directory that could not be read is a
    failed report and nothing else. The reading happens outside any transaction."""
    try:
        snapshot = read_snapshot(source)
    except SuiteError as exc:
        return sync_failed(source=source, trigger=trigger, error=str(exc), actor=actor)
    return sync_apply(snapshot, trigger=trigger, actor=actor)


def suites_sync_due(*, now: dt.datetime | None = None) -> dict[str, str]:
    """The worker's pass: each suite whose scheduled sync is due, claimed by one worker with a
    conditional UPDATE (two workers never sync the same suite at once). Returns what ran."""
    now = now or timezone.now()
    ran = {}
    for app in SuiteApp.objects.filter(sync_enabled=True, source__in=SUITES):
        if app.last_sync is not None and app.last_sync > now - dt.timedelta(hours=max(1, app.sync_every_hours)):
            continue
        if suite_client(app.source, app) is None:
            continue
        claim = SuiteApp.objects.filter(pk=app.pk)
        claim = claim.filter(last_sync__isnull=True) if app.last_sync is None else claim.filter(last_sync=app.last_sync)
        if claim.update(last_sync=now) != 1:
            continue  # another worker took it
        ran[app.source] = suite_sync(source=app.source, trigger=SyncReport.Trigger.SCHEDULE).status
    return ran


def suite_login_person(*, source: str, userid: str) -> Person:
    """The active person a suite's userid belongs to. Someone the suite knows but Lihui has
    not synced yet is read from the suite's user API and added through the engine (a
    one-person snapshot, trigger "login"). Raises LoginRefused with the reason."""
    name = suite_name(source)
    identity = Identity.objects.filter(source=source, external_id=userid).select_related("person").first()
    if identity is None:
        client = suite_client(source)
        if client is None:
            raise LoginRefused(_("%(suite)s login is not set up.") % {"suite": name})
        try:
            data = client.person(userid)
        except SuiteError as exc:
            raise LoginRefused(_("%(suite)s could not be asked who you are: %(error)s") % {"suite": name, "error": exc}) from None
        if data is None:
            raise LoginRefused(_("You are not in the %(suite)s directory of this company.") % {"suite": name})
        if not data.active:
            raise LoginRefused(_("%(suite)s says you have left the company, so you cannot log in.") % {"suite": name})
        known = set(Identity.objects.filter(source=source).values_list("external_id", flat=True))
        if data.manager_key not in known:
            data = dataclasses.replace(data, manager_key=None)
        report = sync_apply(Snapshot(source, [], [data], complete=False), trigger=SyncReport.Trigger.LOGIN)
        identity = Identity.objects.filter(source=source, external_id=userid).select_related("person").first()
        if identity is None:
            reason = report.error or "; ".join(e for p in report.problems for e in p.get("errors", [])) or "?"
            raise LoginRefused(_("Lihui could not add you from %(suite)s: %(reason)s") % {"suite": name, "reason": reason})
    if not identity.person.is_active:
        raise LoginRefused(_("Your account has been deactivated: people who have left cannot log in."))
    return identity.person
