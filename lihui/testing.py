"""Test factories and the fixed permission cast, shared by every app's tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import factory

from lihui.meetings.services.planning import meetings_plan
from lihui.people.models import Department, Person
from lihui.regime.models import Series
from lihui.regime.services import RosterEntry, series_create


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"员工{n}")
    email = factory.LazyAttribute(lambda p: f"{p.username}@example.com")
    time_zone = "Asia/Shanghai"
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_series(*, chair: Person, roster: list[tuple[Person, str]] | None = None, from_start: bool = True, **data) -> Series:
    """A weekly Monday 09:30 series unless `data` says otherwise, planned through the service
    as if created on its start date. `from_start=False`: created now, planned as the service does."""
    fields = {
        "title": "运营周例会",
        "frequency": "weekly",
        "weekdays": "0",
        "start_time": dt.time(9, 30),
        "duration_minutes": 60,
        "start_date": dt.date(2026, 11, 2),
        "time_zone": "Asia/Shanghai",
    }
    fields.update(data)
    entries = [RosterEntry(chair, "chair")] + [RosterEntry(p, role) for p, role in (roster or [])]
    series = series_create(actor=chair, data=fields, roster=entries)
    if from_start:
        # The test's world: the series has been in Lihui since its start date, so its past
        # meetings exist as they would have been planned then (series_create plans from now).
        meetings_plan(series=series, since=dt.datetime.combine(series.start_date, dt.time.min, tzinfo=ZoneInfo(series.time_zone)))
    return series


@dataclass
class Cast:
    """The fixed cast for permission tests.

    `member` is on both rosters and heads a department in the matrices' world (so the
    agenda gives them its report item, and they own the action there): the permission
    matrices call this part "presenter". `make_cast(matrix=True)` adds the matrices' two
    other parts, None otherwise so that every other test keeps the cast it counts on
    (rosters of three, five people):

    - `roster_member`: on both rosters as a plain member, presenting and owning nothing
      (the matrices' "member");
    - `guest`: on no roster; the matrices invite them, as a colleague, for the presenter's
      item of the meeting under test (the matrices' "guest").

    `person(role)` maps a matrix role (lihui.permission_rules.ROLES) to its person."""

    chair: Person
    minute_taker: Person
    member: Person
    outsider: Person
    admin: Person
    series: Series  # private: roster only
    open_series: Series  # visible to all staff
    roster_member: Person | None = None
    guest: Person | None = None

    def all(self) -> dict[str, Person]:
        return {
            "chair": self.chair,
            "minute_taker": self.minute_taker,
            "member": self.member,
            "outsider": self.outsider,
            "admin": self.admin,
        }

    @property
    def presenter(self) -> Person:
        return self.member

    def person(self, role: str) -> Person:
        """The person who plays a matrix role."""
        parts = {"presenter": self.member, "member": self.roster_member}
        person = parts[role] if role in parts else getattr(self, role)
        assert person is not None, f"{role!r} needs make_cast(matrix=True)"
        return person


def make_cast(*, matrix: bool = False) -> Cast:
    chair = PersonFactory(username="chair", name="周云")
    minute_taker = PersonFactory(username="taker", name="孙丽")
    member = PersonFactory(username="member", name="王强")
    outsider = PersonFactory(username="outsider", name="路人甲")
    admin = PersonFactory(username="admin", name="管理员", is_staff=True, is_superuser=True)
    roster = [(minute_taker, "minute_taker"), (member, "member")]
    roster_member = guest = None
    if matrix:
        roster_member = PersonFactory(username="plain", name="赵敏")
        guest = PersonFactory(username="guest", name="钱进")
        roster.append((roster_member, "member"))
    series = make_series(chair=chair, roster=roster, title="私密例会")
    open_series = make_series(chair=chair, roster=roster, title="全员例会", visibility="organization")
    return Cast(chair, minute_taker, member, outsider, admin, series, open_series, roster_member, guest)


def in_parallel(n: int, press) -> list[Exception]:
    """Call `press()` from `n` threads released at the same moment, each with its own
    database connection; the exceptions they raised."""
    import threading

    from django.db import connections

    barrier, errors = threading.Barrier(n), []

    def run():
        try:
            barrier.wait()
            press()
        except Exception as exc:  # noqa: BLE001 — returned to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _database_takes_parallel_writers() -> bool:
    from django.db import connection

    name = str(connection.settings_dict.get("TEST", {}).get("NAME") or "")
    return connection.vendor != "sqlite" or (bool(name) and "memory" not in name)


def needs_parallel_writers(test):
    """Skip a test of truly parallel requests where the database cannot take them: SQLite's
    in-memory test database locks whole tables between connections. It runs on PostgreSQL,
    and on SQLite in a file (LIHUI_TEST_DB_FILE=1), where writers queue as in production."""
    import pytest

    return pytest.mark.skipif(not _database_takes_parallel_writers(),
                              reason="in-memory SQLite: run with LIHUI_TEST_DB_FILE=1 or on PostgreSQL")(test)
