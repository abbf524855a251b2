"""Test factories and the fixed permission cast, shared by every app's tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import factory

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


def make_series(*, chair: Person, roster: list[tuple[Person, str]] | None = None, **data) -> Series:
    """A weekly Monday 09:30 series unless `data` says otherwise, planned through the service."""
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
    return series_create(actor=chair, data=fields, roster=entries)


@dataclass
class Cast:
    """The fixed cast for permission tests."""

    chair: Person
    minute_taker: Person
    member: Person
    outsider: Person
    admin: Person
    series: Series  # private: roster only
    open_series: Series  # visible to all staff

    def all(self) -> dict[str, Person]:
        return {
            "chair": self.chair,
            "minute_taker": self.minute_taker,
            "member": self.member,
            "outsider": self.outsider,
            "admin": self.admin,
        }


def make_cast() -> Cast:
    chair = PersonFactory(username="chair", name="周云")
    minute_taker = PersonFactory(username="taker", name="孙丽")
    member = PersonFactory(username="member", name="王强")
    outsider = PersonFactory(username="outsider", name="路人甲")
    admin = PersonFactory(username="admin", name="管理员", is_staff=True, is_superuser=True)
    roster = [(minute_taker, "minute_taker"), (member, "member")]
    series = make_series(chair=chair, roster=roster, title="私密例会")
    open_series = make_series(chair=chair, roster=roster, title="全员例会", visibility="organization")
    return Cast(chair, minute_taker, member, outsider, admin, series, open_series)
