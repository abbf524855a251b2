"""Test factories shared by every app's tests: people, departments, a planned series."""

from __future__ import annotations

import datetime as dt
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
