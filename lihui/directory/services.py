"""Bring people and departments from a directory into Lihui: one engine for every source.

An import file, LDAP, WeCom, DingTalk and Feishu each turn what they read into a
`Snapshot` (departments and people as the source knows them, keyed by the source's own ids)
and hand it to `sync_plan` (what would change, row by row, nothing written: the import
preview) and `sync_apply` (write it, in one transaction, with its `SyncReport`).

Matching a row to a person: the source's identity (`Identity(source, key)`), else the 工号,
else the username, else the e-mail address (case-insensitive, only when one active person has
it). A field the source leaves empty is not the source's to clear: it keeps its value. A
complete snapshot (a whole directory, not a file of some people) also says who has left: the
people linked to that source who are missing from it, or marked inactive, are deactivated —
never deleted — and `people_left` tells the regime and the meetings.

Cost: a constant number of queries per run whatever the size (one read of the people, the
departments and the source's identities; bulk writes in chunks of `CHUNK`), so 10,000 people
cost what a bare insert of them does, plus the reading (bench/directory_sync.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from lihui import events
from lihui.people.models import ApiToken, Department, DepartmentIdentity, Identity, Person, Source, known_time_zones, sort_key_for

from .models import SyncChange, SyncReport

CHUNK = 500
NARROW_LIMIT = 2_000  # a partial snapshot up to this size reads only the people it may mean
MAX_PEOPLE = 50_000
LANGUAGES = {"zh-hans", "en", ""}
# The fields a directory may set, in the order a report shows them.
FIELDS = ("employee_number", "name", "email", "phone", "title", "department", "manager", "language", "time_zone")


@dataclasses.dataclass(frozen=True)
class DirectoryDepartment:
    key: str  # the source's id: a WeCom department id, an LDAP DN, an import file's path
    name: str
    parent_key: str | None = None
    head_keys: tuple[str, ...] = ()  # the people (their keys) who lead it, first one the head


@dataclasses.dataclass(frozen=True)
class DirectoryPerson:
    key: str  # the source's id for the person: an LDAP uid, a suite userid, a file's 工号
    name: str
    employee_number: str = ""
    username: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""
    department_key: str | None = None
    manager_key: str | None = None
    language: str | None = None  # None: the source does not say
    time_zone: str | None = None
    active: bool = True
    attributes: dict = dataclasses.field(default_factory=dict, compare=False, hash=False)
    row: int | None = None  # the line of an import file, for its errors


@dataclasses.dataclass
class Snapshot:
    source: str
    departments: list[DirectoryDepartment]
    people: list[DirectoryPerson]
    complete: bool = False  # the whole directory: people missing from it have left


@dataclasses.dataclass
class PersonPlan:
    data: DirectoryPerson | None
    action: str  # created | changed | unchanged | deactivated | reactivated | skipped
    person_id: int | None = None
    name: str = ""
    fields: dict = dataclasses.field(default_factory=dict)  # {field: [before, after]} display values
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class DepartmentPlan:
    data: DirectoryDepartment
    action: str  # created | changed | unchanged | skipped
    department_id: int | None = None
    path: str = ""
    fields: dict = dataclasses.field(default_factory=dict)
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Plan:
    snapshot: Snapshot
    people: list[PersonPlan]
    departments: list[DepartmentPlan]
    errors: list[str] = dataclasses.field(default_factory=list)  # about the whole snapshot

    def counts(self) -> dict:
        counts = Counter(p.action for p in self.people)
        out = {k: counts.get(k, 0) for k in ("created", "changed", "deactivated", "reactivated", "unchanged", "skipped")}
        dcounts = Counter(d.action for d in self.departments)
        out["departments_created"] = dcounts.get("created", 0)
        out["departments_changed"] = dcounts.get("changed", 0)
        return out

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(p.errors for p in self.people) or any(d.errors for d in self.departments)

    def problems(self) -> list[dict]:
        rows = [{"key": d.data.key, "name": d.data.name, "row": None, "errors": d.errors} for d in self.departments if d.errors]
        rows += [
            {"key": p.data.key, "name": p.data.name, "row": p.data.row, "errors": p.errors}
            for p in self.people
            if p.errors and p.data is not None
        ]
        return rows


class _World:
    """What Lihui has now, read once: people, departments and the source's identities."""

    PERSON_FIELDS = (
        "id", "username", "name", "email", "phone", "title", "employee_number", "department_id", "manager_id",
        "language", "time_zone", "is_active", "field_sources",
    )  # fmt: skip

    def person_keyed(self, key: str | None) -> int | None:
        """The person a source's key names: their identity in it; in an import, whose key is
        the 工号, also a person entered by hand with that 工号."""
        if key is None:
            return None
        if key in self.identities:
            return self.identities[key]
        return self.by_number.get(key) if self.source == Source.IMPORT else None

    def __init__(self, source: str, snapshot: Snapshot | None = None):
        """With a partial snapshot of a few people (a login, a small file), only the people it
        may mean are read — by their ids in the source, 工号, username or e-mail — with their
        managers and the department heads; a whole directory reads everyone (its leavers are
        the people it no longer names)."""
        self.source = source
        narrow = snapshot is not None and not snapshot.complete and len(snapshot.people) <= NARROW_LIMIT
        if narrow:
            self.identities = self._identities_named(source, snapshot)
            people = self._people_meant(source, snapshot, set(self.identities.values()))
            found = set(people)
            for pk, key in Identity.objects.filter(source=source, person_id__in=found).values_list("person_id", "external_id"):
                self.identities.setdefault(key, pk)
        else:
            people = {row["id"]: row for row in Person.objects.values(*self.PERSON_FIELDS)}
            self.identities = dict(Identity.objects.filter(source=source).values_list("external_id", "person_id"))
        self.people = people
        self.by_number = {r["employee_number"]: pk for pk, r in self.people.items() if r["employee_number"]}
        self.by_username = {r["username"]: pk for pk, r in self.people.items()}
        emails = defaultdict(list)
        for pk, r in self.people.items():
            if r["email"] and r["is_active"]:
                emails[r["email"].casefold()].append(pk)
        self.by_email = {e: pks[0] for e, pks in emails.items() if len(pks) == 1}
        self.identity_of = {pk: key for key, pk in self.identities.items()}
        self.departments = {row["id"]: row for row in Department.objects.values("id", "name", "parent_id", "head_id")}
        self.department_links = dict(DepartmentIdentity.objects.filter(source=source).values_list("external_id", "department_id"))
        self.by_parent_name = {(d["parent_id"], d["name"]): pk for pk, d in self.departments.items()}
        if narrow:  # the heads and the managers of the people read, for names and checks
            wanted = {d["head_id"] for d in self.departments.values()} | {r["manager_id"] for r in self.people.values()}
            missing = wanted - set(self.people) - {None}
            self.people.update({row["id"]: row for row in Person.objects.filter(pk__in=missing).values(*self.PERSON_FIELDS)})

    @staticmethod
    def _identities_named(source: str, snapshot: Snapshot) -> dict[str, int]:
        keys = {p.key for p in snapshot.people} | {p.manager_key for p in snapshot.people if p.manager_key}
        keys |= {k for d in snapshot.departments for k in d.head_keys}
        return dict(Identity.objects.filter(source=source, external_id__in=keys).values_list("external_id", "person_id"))

    def _people_meant(self, source: str, snapshot: Snapshot, linked: set[int]) -> dict[int, dict]:
        numbers = {p.employee_number for p in snapshot.people if p.employee_number}
        if source == Source.IMPORT:  # its managers are named by 工号
            numbers |= {p.manager_key for p in snapshot.people if p.manager_key}
        usernames = {p.username for p in snapshot.people if p.username}
        for p in snapshot.people:  # the usernames a new person could be given, to keep them unique
            base = _username_for(p, source)
            usernames |= {base, *(f"{base}-{n}"[:150] for n in range(2, 10))}
        emails = {p.email.lower() for p in snapshot.people if p.email}
        match = Q(pk__in=linked) | Q(employee_number__in=numbers) | Q(username__in=usernames)
        if emails:
            match |= Q(email_lower__in=emails)
        qs = Person.objects.annotate(email_lower=Lower("email")).filter(match)
        return {row["id"]: row for row in qs.values(*self.PERSON_FIELDS)}

    def department_path(self, pk: int | None) -> str:
        names, seen = [], set()
        while pk is not None and pk not in seen and pk in self.departments:
            seen.add(pk)
            names.append(self.departments[pk]["name"])
            pk = self.departments[pk]["parent_id"]
        return "/".join(reversed(names))

    def person_name(self, pk: int | None) -> str:
        return self.people[pk]["name"] if pk in self.people else ""


def _clean(value) -> str:
    return " ".join(str(value or "").replace("\x00", "").split())


def _username_for(data: DirectoryPerson, source: str) -> str:
    base = data.username or data.employee_number or f"{source}-{data.key}"
    # A key of no usable character gets a stable name from its digest (hash() differs per process).
    return re.sub(r"[^\w.@+-]", "", base)[:150] or f"{source}-{hashlib.sha256(data.key.encode()).hexdigest()[:12]}"


def sync_plan(snapshot: Snapshot) -> Plan:
    """What applying `snapshot` would do, row by row, with each row's errors; writes nothing."""
    if len(snapshot.people) > MAX_PEOPLE:
        return Plan(
            snapshot,
            [],
            [],
            errors=[_("The directory sent %(n)d people; at most %(max)d are taken at once.") % {"n": len(snapshot.people), "max": MAX_PEOPLE}],
        )
    world = _World(snapshot.source, snapshot)
    departments = _plan_departments(snapshot, world)
    people = _plan_people(snapshot, world, departments)
    return Plan(snapshot, people, departments)


def _plan_departments(snapshot: Snapshot, world: _World) -> list[DepartmentPlan]:
    plans: list[DepartmentPlan] = []
    keys = Counter(d.key for d in snapshot.departments)
    given = {d.key: d for d in snapshot.departments}
    for d in snapshot.departments:
        plan = DepartmentPlan(d, "unchanged")
        name = _clean(d.name)
        if not name:
            plan.errors.append(_("The department has no name."))
        elif len(name) > 100:
            plan.errors.append(_("The department name is longer than 100 characters."))
        if keys[d.key] > 1:
            plan.errors.append(_("The department “%(key)s” appears more than once.") % {"key": d.key})
        if d.parent_key is not None and d.parent_key not in given and d.parent_key not in world.department_links:
            plan.errors.append(_("Its parent department “%(key)s” is not in the directory.") % {"key": d.parent_key})
        plans.append(plan)
    # A parent chain that loops (A under B under A) cannot become a tree.
    for plan in plans:
        seen, key = set(), plan.data.key
        while key is not None and key in given and key not in seen:
            seen.add(key)
            key = given[key].parent_key
        if key is not None and key in seen:
            plan.errors.append(_("Its parent departments go round in a circle."))
    # Linked before, or a department of the same name under the same parent (entered by hand,
    # or by another source): the same department. Parents first, so a level resolves the next.
    resolved = dict(world.department_links)
    todo = [p for p in plans if not p.errors]
    for _round in range(len(todo) + 1):
        progress = False
        for plan in todo:
            if plan.department_id is not None or plan.action == "created":
                continue
            d = plan.data
            if d.key in resolved:
                plan.department_id = resolved[d.key]
            elif d.parent_key is None or d.parent_key in resolved:
                parent_id = resolved.get(d.parent_key) if d.parent_key is not None else None
                plan.department_id = world.by_parent_name.get((parent_id, _clean(d.name)))
                if plan.department_id is None:
                    plan.action = "created"
            elif any(o.data.key == d.parent_key and o.action == "created" for o in todo):
                plan.action = "created"  # under a department this run creates
            else:
                continue
            if plan.department_id is not None:
                resolved[d.key] = plan.department_id
            progress = True
        if not progress:
            break
    for plan in plans:
        if plan.department_id is not None and plan.data.key in world.department_links:
            row = world.departments[plan.department_id]
            if row["name"] != _clean(plan.data.name):
                plan.fields["name"] = [row["name"], _clean(plan.data.name)]
                plan.action = "changed"
        if plan.errors or (plan.department_id is None and plan.action != "created"):
            plan.action = "skipped"
    return plans


def _check_person(data: DirectoryPerson, source: str) -> list[str]:
    errors = []
    if not _clean(data.key):
        errors.append(_("The row has no id (工号 or user id)."))
    if not _clean(data.name):
        errors.append(_("The name is empty."))
    elif len(_clean(data.name)) > 100:
        errors.append(_("The name is longer than 100 characters."))
    if data.email:
        try:
            validate_email(data.email)
        except ValidationError:
            errors.append(_("“%(value)s” is not an e-mail address.") % {"value": data.email})
    if data.phone and not re.fullmatch(r"\+?[\d\- ()]{5,32}", data.phone):
        errors.append(_("“%(value)s” is not a phone number.") % {"value": data.phone})
    if data.language is not None and data.language.lower() not in LANGUAGES:
        errors.append(_("“%(value)s” is not a language Lihui speaks (zh-hans or en).") % {"value": data.language})
    if data.time_zone and data.time_zone not in known_time_zones():
        errors.append(_("“%(value)s” is not a known time zone.") % {"value": data.time_zone})
    if len(data.employee_number) > 64 or len(data.title) > 100:
        errors.append(_("The employee number or the title is too long."))
    return errors


def _plan_people(snapshot: Snapshot, world: _World, departments: list[DepartmentPlan]) -> list[PersonPlan]:
    source = snapshot.source
    usable_departments = {d.data.key for d in departments if not d.errors} | set(world.department_links)
    path_of = _department_paths(snapshot, world)
    resolved_departments = {d.data.key: d.department_id for d in departments if d.department_id is not None}
    # A manager may be someone this source brought before and left out of this snapshot (an
    # import of new joiners): their name too, or the manager field would be dropped unseen.
    names = {key: world.person_name(pk) for key, pk in world.identities.items()} | {p.key: _clean(p.name) for p in snapshot.people}
    for p in snapshot.people:  # a manager known to Lihui only (an import naming them by 工号)
        if p.manager_key is not None and p.manager_key not in names and world.person_keyed(p.manager_key) is not None:
            names[p.manager_key] = world.person_name(world.person_keyed(p.manager_key))
    keys = Counter(p.key for p in snapshot.people)
    numbers = Counter(p.employee_number for p in snapshot.people if p.employee_number)
    given_keys = set(keys)
    plans: list[PersonPlan] = []
    claimed: dict[int, str] = {}
    for data in snapshot.people:
        plan = PersonPlan(data, "unchanged", name=_clean(data.name))
        plan.errors = _check_person(data, source)
        if keys[data.key] > 1:
            plan.errors.append(_("The id “%(key)s” appears more than once.") % {"key": data.key})
        if data.employee_number and numbers[data.employee_number] > 1:
            plan.errors.append(_("The employee number “%(value)s” appears more than once.") % {"value": data.employee_number})
        if data.department_key is not None and data.department_key not in usable_departments:
            plan.errors.append(_("The department “%(key)s” is not in the directory.") % {"key": data.department_key})
        if data.manager_key is not None and data.manager_key not in given_keys and world.person_keyed(data.manager_key) is None:
            plan.errors.append(_("The line manager “%(key)s” is not in the directory.") % {"key": data.manager_key})
        if data.manager_key is not None and data.manager_key == data.key:
            plan.errors.append(_("A person cannot be their own line manager."))
        pk = _match(data, world)
        if pk is not None and pk in claimed and claimed[pk] != data.key:
            plan.errors.append(
                _("This row and “%(other)s” are the same person in Lihui (%(name)s).") % {"other": claimed[pk], "name": world.person_name(pk)}
            )
        if pk is not None and world.identity_of.get(pk) not in (None, data.key):
            plan.errors.append(
                _("%(name)s is already linked to “%(other)s” in this directory.") % {"name": world.person_name(pk), "other": world.identity_of[pk]}
            )
        if data.employee_number and world.by_number.get(data.employee_number, pk) != pk:
            plan.errors.append(
                _("The employee number “%(value)s” belongs to %(name)s.")
                % {"value": data.employee_number, "name": world.person_name(world.by_number[data.employee_number])}
            )
        if pk is not None and data.employee_number and data.key not in world.identities:
            # Matched by username or e-mail to someone with another 工号: the 工号 is the
            # company's id for the person, so it is the row that is wrong, not the person.
            current = world.people[pk]["employee_number"]
            if current and current != data.employee_number:
                plan.errors.append(
                    _("This row matches %(name)s by username or e-mail, whose 工号 is %(before)s, not %(after)s.")
                    % {"name": world.person_name(pk), "before": current, "after": data.employee_number}
                )
        if pk is not None:
            claimed[pk] = data.key
        plan.person_id = pk
        if plan.errors:
            plan.action = "skipped"
            plans.append(plan)
            continue
        wanted = _wanted(data, path_of, names)
        if pk is None:
            plan.action = "created" if data.active else "skipped"
            plan.fields = {f: ["", v] for f, v in wanted.items() if v}
        else:
            row = world.people[pk]
            current = _current(row, world)
            plan.fields = {f: [current[f], v] for f, v in wanted.items() if v is not None and v != "" and current[f] != v}
            # The department and the manager are the same when they are the same record, whatever their names now.
            target = resolved_departments.get(data.department_key) if data.department_key is not None else None
            if "department" in plan.fields and target is not None and target == row["department_id"]:
                del plan.fields["department"]
            elif data.department_key is not None and target != row["department_id"]:
                plan.fields["department"] = [current["department"], wanted["department"]]
            manager = world.person_keyed(data.manager_key) if data.manager_key is not None else None
            if "manager" in plan.fields and manager is not None and manager == row["manager_id"]:
                del plan.fields["manager"]
            if not data.active:
                plan.action = "deactivated" if row["is_active"] else "unchanged"
            elif not row["is_active"]:
                plan.action = "reactivated"
            elif plan.fields:
                plan.action = "changed"
        plans.append(plan)
    if snapshot.complete:
        for key, pk in world.identities.items():
            if key not in given_keys and world.people[pk]["is_active"]:
                plans.append(PersonPlan(None, "deactivated", person_id=pk, name=world.person_name(pk)))
    return plans


def _department_paths(snapshot: Snapshot, world: _World) -> dict[str, str]:
    given = {d.key: d for d in snapshot.departments}
    out: dict[str, str] = {}

    def path(key: str, depth: int = 0) -> str:
        if key in out:
            return out[key]
        if key not in given:
            return world.department_path(world.department_links.get(key))
        d = given[key]
        parent = path(d.parent_key, depth + 1) if d.parent_key is not None and depth < 50 else ""
        out[key] = f"{parent}/{_clean(d.name)}" if parent else _clean(d.name)
        return out[key]

    for key in given:
        path(key)
    for key, pk in world.department_links.items():
        out.setdefault(key, world.department_path(pk))
    return out


def _match(data: DirectoryPerson, world: _World) -> int | None:
    if data.key in world.identities:
        return world.identities[data.key]
    if data.employee_number and data.employee_number in world.by_number:
        return world.by_number[data.employee_number]
    if data.username and data.username in world.by_username:
        return world.by_username[data.username]
    if data.email and data.email.casefold() in world.by_email:
        return world.by_email[data.email.casefold()]
    return None


def _wanted(data: DirectoryPerson, path_of: dict[str, str], names: dict[str, str]) -> dict:
    """The display values the source gives: the department by its path, the manager by name."""
    return {
        "employee_number": _clean(data.employee_number),
        "name": _clean(data.name),
        "email": _clean(data.email),
        "phone": _clean(data.phone),
        "title": _clean(data.title),
        "department": path_of.get(data.department_key, "") if data.department_key is not None else "",
        "manager": names.get(data.manager_key, "") if data.manager_key is not None else "",
        "language": data.language.lower() if data.language is not None else None,
        "time_zone": data.time_zone or "",
    }


def _current(row: dict, world: _World) -> dict:
    manager = row["manager_id"]
    return {
        "employee_number": row["employee_number"] or "",
        "name": row["name"],
        "email": row["email"],
        "phone": row["phone"],
        "title": row["title"],
        "department": world.department_path(row["department_id"]),
        "manager": world.person_name(manager) if manager else "",
        "language": row["language"],
        "time_zone": row["time_zone"],
    }


# --- applying --------------------------------------------------------------------------------


def sync_apply(snapshot: Snapshot, *, trigger: str, actor: Person | None = None, file_name: str = "", file_digest: str = "") -> SyncReport:
    """Plan `snapshot` again and write it: every usable row, in one transaction, with its
    report. A failure half-way rolls everything back and leaves a failed report saying why.
    Rows with errors are skipped and listed in the report's problems."""
    started = timezone.now()
    try:
        with transaction.atomic():
            plan = sync_plan(snapshot)
            if plan.errors:
                raise ValidationError(plan.errors)
            report = SyncReport.objects.create(
                source=snapshot.source, trigger=trigger, actor=actor, started=started, file_name=file_name, file_digest=file_digest
            )
            _write(plan, report)
            report.counts = plan.counts()
            report.problems = plan.problems()
            report.finished = timezone.now()
            report.save(update_fields=["counts", "problems", "finished"])
            return report
    except ValidationError as exc:
        message = "; ".join(exc.messages)
    except Exception as exc:  # a directory answering garbage, a database refusal: recorded, not lost
        message = f"{type(exc).__name__}: {exc}"
    return SyncReport.objects.create(
        source=snapshot.source, trigger=trigger, actor=actor, started=started, finished=timezone.now(),
        status=SyncReport.Status.FAILED, error=message[:5000], file_name=file_name, file_digest=file_digest,
    )  # fmt: skip


def sync_failed(*, source: str, trigger: str, error: str, actor: Person | None = None) -> SyncReport:
    """Record a run that could not read its directory (timeout, refusal, garbage): nothing changed."""
    now = timezone.now()
    return SyncReport.objects.create(
        source=source, trigger=trigger, actor=actor, started=now, finished=now, status=SyncReport.Status.FAILED, error=error[:5000]
    )


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _write(plan: Plan, report: SyncReport) -> None:
    source = plan.snapshot.source
    now = report.started
    world = _World(source, plan.snapshot)  # inside the transaction: what the plan was made against
    dept_by_key = _write_departments(plan, world, report)
    person_by_key: dict[str, int] = {key: pk for key, pk in world.identities.items()}
    changes: list[SyncChange] = []
    new_people: list[tuple[PersonPlan, Person]] = []
    usernames = set(world.by_username)
    for p in plan.people:
        if p.action != "created":
            continue
        d = p.data
        username = base = _username_for(d, source)
        n = 1
        while username in usernames:
            n += 1
            username = f"{base}-{n}"[:150]
        usernames.add(username)
        person = Person(
            username=username, name=_clean(d.name), email=_clean(d.email), phone=_clean(d.phone), title=_clean(d.title),
            employee_number=_clean(d.employee_number) or None, department_id=dept_by_key.get(d.department_key),
            language=(d.language or "").lower(), password=make_password(None), sort_key=sort_key_for(_clean(d.name)),
            field_sources={f: source for f, v in p.fields.items()}, last_synced=now,
        )  # fmt: skip
        if d.time_zone:
            person.time_zone = d.time_zone
        new_people.append((p, person))
    for batch in _chunks([person for _plan, person in new_people]):
        Person.objects.bulk_create(batch, batch_size=CHUNK)
    if new_people and new_people[0][1].pk is None:  # backends that do not return ids
        ids = dict(Person.objects.filter(username__in=[person.username for _plan, person in new_people]).values_list("username", "id"))
        for _plan, person in new_people:
            person.pk = person.id = ids[person.username]
    for p, person in new_people:
        p.person_id = person.pk
        person_by_key[p.data.key] = person.pk
        changes.append(SyncChange(report=report, person_id=person.pk, kind=SyncChange.Kind.CREATED, name=person.name, fields=p.fields))

    # Changed, reactivated and deactivated people: one bulk update of the fields each needs.
    updated: list[Person] = []
    left: list[int] = []
    update_fields = {"last_synced", "field_sources"}
    for p in plan.people:
        if p.action in ("created", "skipped") or p.person_id is None:
            continue
        if p.data is not None:
            person_by_key[p.data.key] = p.person_id
        row = world.people[p.person_id]
        person = Person(id=p.person_id, last_synced=now, field_sources=dict(row["field_sources"] or {}))
        for name in ("username", "name", "email", "phone", "title", "employee_number", "language", "time_zone", "is_active"):
            setattr(person, name, row[name])
        person.department_id, person.manager_id = row["department_id"], row["manager_id"]
        d = p.data
        for field, (_before, after) in p.fields.items():
            if field == "manager":
                continue  # set below, once every key has its person
            if field == "department":
                person.department_id = dept_by_key.get(d.department_key)
            elif field == "employee_number":
                person.employee_number = after or None
            else:
                setattr(person, field, after)
            person.field_sources[field] = source
            update_fields.add(field)
        if "name" in p.fields:
            person.sort_key = sort_key_for(person.name)
            update_fields.add("sort_key")
        if p.action == "deactivated":
            person.is_active = False
            left.append(p.person_id)
            update_fields.add("is_active")
        elif p.action == "reactivated":
            person.is_active = True
            update_fields.add("is_active")
        updated.append(person)
        if p.action != "unchanged":
            kind = {"changed": SyncChange.Kind.CHANGED, "deactivated": SyncChange.Kind.DEACTIVATED}.get(p.action, SyncChange.Kind.REACTIVATED)
            changes.append(SyncChange(report=report, person_id=p.person_id, kind=kind, name=p.name or row["name"], fields=p.fields))
    for batch in _chunks(updated):
        Person.objects.bulk_update(batch, sorted(update_fields), batch_size=CHUNK)

    # Line managers, now that every key has its person.
    managed = []
    for p in plan.people:
        if p.data is None or p.person_id is None or p.action in ("skipped",) or "manager" not in p.fields:
            continue
        manager_id = person_by_key.get(p.data.manager_key) or world.person_keyed(p.data.manager_key)
        managed.append(Person(id=p.person_id, manager_id=manager_id))
    for batch in _chunks(managed):
        Person.objects.bulk_update(batch, ["manager"], batch_size=CHUNK)

    _write_identities(plan, world, person_by_key, now)
    reheaded = _write_heads(plan, world, dept_by_key, person_by_key)
    if left:
        ApiToken.objects.filter(person_id__in=left, revoked__isnull=True).update(revoked=now)
    for batch in _chunks(changes):
        SyncChange.objects.bulk_create(batch, batch_size=CHUNK)
    if left:
        events.people_left.announce(people=left, report=report)
    if reheaded:
        events.departments_reheaded.announce(heads=reheaded)


def _write_departments(plan: Plan, world: _World, report: SyncReport) -> dict[str, int]:
    """Create and rename departments, parents before children (a level per pass); link them."""
    source = plan.snapshot.source
    dept_by_key = dict(world.department_links)
    usable = [d for d in plan.departments if d.action != "skipped"]
    pending = {d.data.key: d for d in usable if d.action == "created"}
    links: list[DepartmentIdentity] = []
    for d in usable:  # matched by name under the same parent when planned: link them now
        if d.department_id is not None and d.data.key not in world.department_links:
            dept_by_key[d.data.key] = d.department_id
            links.append(DepartmentIdentity(department_id=d.department_id, source=source, external_id=d.data.key))
    changes: list[SyncChange] = []
    while pending:
        level = [d for d in pending.values() if d.data.parent_key is None or d.data.parent_key in dept_by_key]
        if not level:
            break  # the rest hang under a skipped parent: they stay pending (and skipped)
        fresh = []
        for d in level:
            parent_id = dept_by_key.get(d.data.parent_key) if d.data.parent_key is not None else None
            name = _clean(d.data.name)
            existing = world.by_parent_name.get((parent_id, name))
            if existing is not None:  # a department of that name is already there: link it
                dept_by_key[d.data.key] = existing
                d.department_id = existing
                d.action = "unchanged"
            else:
                fresh.append((d, Department(name=name, parent_id=parent_id, sort_key=sort_key_for(name))))
            del pending[d.data.key]
        Department.objects.bulk_create([dept for _plan, dept in fresh], batch_size=CHUNK)
        if fresh and fresh[0][1].pk is None:
            for _plan, dept in fresh:
                dept.pk = dept.id = Department.objects.get(parent_id=dept.parent_id, name=dept.name).pk
        for d, dept in fresh:
            dept_by_key[d.data.key] = d.department_id = dept.pk
            world.by_parent_name[(dept.parent_id, dept.name)] = dept.pk
            world.departments[dept.pk] = {"id": dept.pk, "name": dept.name, "parent_id": dept.parent_id, "head_id": None}
            changes.append(SyncChange(report=report, department_id=dept.pk, kind=SyncChange.Kind.CREATED, name=world.department_path(dept.pk)))
        for d in level:
            if d.data.key not in world.department_links:
                links.append(DepartmentIdentity(department_id=dept_by_key[d.data.key], source=source, external_id=d.data.key))
    for d in pending.values():
        d.action = "skipped"
    renamed, moved = [], []
    for d in usable:
        if d.action == "changed" or (d.department_id and d.fields):
            row = world.departments[d.department_id]
            name = _clean(d.data.name)
            renamed.append(Department(id=d.department_id, name=name, parent_id=row["parent_id"], sort_key=sort_key_for(name)))
            changes.append(SyncChange(report=report, department_id=d.department_id, kind=SyncChange.Kind.CHANGED, name=name, fields=d.fields))
            d.action = "changed"
        elif d.department_id and d.data.parent_key is not None:
            parent_id = dept_by_key.get(d.data.parent_key)
            if parent_id is not None and world.departments[d.department_id]["parent_id"] != parent_id:
                moved.append(Department(id=d.department_id, parent_id=parent_id))
    Department.objects.bulk_update(renamed, ["name", "sort_key"], batch_size=CHUNK)
    Department.objects.bulk_update(moved, ["parent"], batch_size=CHUNK)
    DepartmentIdentity.objects.bulk_create(links, batch_size=CHUNK)
    SyncChange.objects.bulk_create(changes, batch_size=CHUNK)
    return dept_by_key


def _write_identities(plan: Plan, world: _World, person_by_key: dict[str, int], now) -> None:
    source = plan.snapshot.source
    fresh, seen = [], []
    for p in plan.people:
        if p.data is None or p.action == "skipped" or p.person_id is None:
            continue
        if p.data.key in world.identities:
            seen.append(p.data.key)
        else:
            fresh.append(Identity(person_id=p.person_id, source=source, external_id=p.data.key, attributes=p.data.attributes, created=now, last_seen=now))
    Identity.objects.bulk_create(fresh, batch_size=CHUNK)
    for batch in _chunks(seen):
        Identity.objects.filter(source=source, external_id__in=batch).update(last_seen=now)


def _write_heads(plan: Plan, world: _World, dept_by_key: dict[str, int], person_by_key: dict[str, int]) -> list[tuple]:
    """Department heads as the source names them; returns (department, old head, new head)."""
    active = {p.person_id for p in plan.people if p.person_id and p.action not in ("deactivated", "skipped")}
    active |= {pk for pk, row in world.people.items() if row["is_active"]}
    active -= {p.person_id for p in plan.people if p.action == "deactivated"}
    changed, reheaded = [], []
    for d in plan.departments:
        pk = dept_by_key.get(d.data.key)
        if pk is None or d.action == "skipped" or not d.data.head_keys:
            continue
        head = next((person_by_key[k] for k in d.data.head_keys if k in person_by_key and person_by_key[k] in active), None)
        old = world.departments[pk]["head_id"]
        if head is not None and head != old:
            changed.append(Department(id=pk, head_id=head))
            reheaded.append((pk, old, head))
    # A head who left no longer heads anything.
    gone = {p.person_id for p in plan.people if p.action == "deactivated"}
    for pk, row in world.departments.items():
        if row["head_id"] in gone and all(c.id != pk for c in changed):
            changed.append(Department(id=pk, head_id=None))
            reheaded.append((pk, row["head_id"], None))
    Department.objects.bulk_update(changed, ["head"], batch_size=CHUNK)
    return reheaded
