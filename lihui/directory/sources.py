"""The directories Lihui syncs from, by name, and the one way a sync of any of them runs.

A source is a function that reads the whole directory and returns a complete `Snapshot`, or
raises `SourceError` with a translated reason (the server is down, refused the service
account, answered garbage) — then nothing is changed and a failed report says why. Adding a
source is one line in `SOURCES` (a dotted path, so python-ldap or a suite's client is only
imported when that source is used); `manage.py people_sync NAME` and the worker find it there.

Who is an admin is not a field of the engine (services.py): a source that knows it puts
`attributes["is_staff"]` on its people and `snapshot_apply` applies it after the engine, in
the same transaction, and lists it in the same report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from lihui.people.models import Person
from lihui.ratelimit import throttle_cache

from .models import SyncChange, SyncReport
from .services import CHUNK, Snapshot, sync_apply, sync_failed

SOURCES: dict[str, str] = {
    "ldap": "lihui.directory.ldap.read_snapshot",
    "wecom": "lihui.directory.suites.sync.read_wecom",
    "dingtalk": "lihui.directory.suites.sync.read_dingtalk",
    "feishu": "lihui.directory.suites.sync.read_feishu",
}


class SourceError(Exception):
    """The directory could not be read; the message (translated) says why."""


def source_reader(source: str) -> Callable[[], Snapshot]:
    return import_string(SOURCES[source])


def directory_sync(*, source: str, trigger: str, actor: Person | None = None) -> SyncReport:
    """Read `source` whole and apply it: joiners, movers and leavers, with the report. A
    directory that cannot be read changes nothing and leaves a failed report saying why."""
    try:
        snapshot = source_reader(source)()
    except SourceError as exc:
        return sync_failed(source=source, trigger=trigger, error=str(exc), actor=actor)
    return snapshot_apply(snapshot, trigger=trigger, actor=actor)


def directory_sync_if_due(*, source: str, every_minutes: int) -> SyncReport | None:
    """The scheduled sync of `source`, when its last scheduled run (done or failed) started
    `every_minutes` ago or longer. Workers running at once: one claims the run, the others skip."""
    last = SyncReport.objects.filter(source=source, trigger=SyncReport.Trigger.SCHEDULE).order_by("-started").first()
    if last is not None and timezone.now() - last.started < dt.timedelta(minutes=every_minutes):
        return None
    claim = f"directory-sync:{source}"
    if not throttle_cache().add(claim, 1, timeout=30 * 60):  # a crashed worker's claim lapses
        return None
    try:
        return directory_sync(source=source, trigger=SyncReport.Trigger.SCHEDULE)
    finally:
        throttle_cache().delete(claim)


def snapshot_apply(snapshot: Snapshot, *, trigger: str, actor: Person | None = None) -> SyncReport:
    """`sync_apply`, then the admin flags the source gives (`attributes["is_staff"]`), all in one
    transaction: a failure leaves a failed report and nothing else."""
    try:
        with transaction.atomic():
            report = sync_apply(snapshot, trigger=trigger, actor=actor)
            if report.status == SyncReport.Status.DONE:
                _admins_apply(snapshot, report)
            return report
    except Exception as exc:  # the flags failed after the engine had written: all of it rolled back
        return sync_failed(source=snapshot.source, trigger=trigger, error=f"{type(exc).__name__}: {exc}", actor=actor)


def _admins_apply(snapshot: Snapshot, report: SyncReport) -> None:
    wanted = {p.key: bool(p.attributes["is_staff"]) for p in snapshot.people if p.active and "is_staff" in p.attributes}
    if not wanted:
        return
    linked = Person.objects.filter(identities__source=snapshot.source, identities__external_id__in=list(wanted))
    rows = list(linked.values("id", "name", "is_staff", "identities__external_id"))
    changed = {
        row["id"]: (row, wanted[row["identities__external_id"]])
        for row in rows
        if row["is_staff"] != wanted[row["identities__external_id"]]
    }
    if not changed:
        return
    for flag in (True, False):
        ids = [pk for pk, (_row, want) in changed.items() if want is flag]
        for i in range(0, len(ids), CHUNK):
            Person.objects.filter(id__in=ids[i : i + CHUNK]).update(is_staff=flag)
    # In the report beside the engine's changes: the same row when the person changed anyway.
    yes, no = _("an admin"), _("not an admin")
    existing = {c.person_id: c for c in report.changes.filter(person_id__in=list(changed))}
    fresh, touched = [], []
    for pk, (row, want) in changed.items():
        values = [no, yes] if want else [yes, no]
        if pk in existing and existing[pk].kind == SyncChange.Kind.CREATED:
            values[0] = ""
        if pk in existing:
            existing[pk].fields["is_staff"] = values
            touched.append(existing[pk])
        else:
            fresh.append(
                SyncChange(
                    report=report, person_id=pk, kind=SyncChange.Kind.CHANGED, name=row["name"], fields={"is_staff": values}
                )
            )
    SyncChange.objects.bulk_update(touched, ["fields"], batch_size=CHUNK)
    SyncChange.objects.bulk_create(fresh, batch_size=CHUNK)
    if fresh:
        report.counts["changed"] = report.counts.get("changed", 0) + len(fresh)
        report.counts["unchanged"] = max(0, report.counts.get("unchanged", 0) - len(fresh))
        report.save(update_fields=["counts"])
