"""The series form's roster uses the person picker: the page lists no one of the organisation
(the same queries with 10 or 200 people), the rows show their people by name, and without JS
a typed name or its pinyin puts that person on the roster; an unknown or ambiguous name is
reported on its row and nothing is saved."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lihui.regime.models import Series
from lihui.regime.tests.test_views import form_data, frozen  # noqa: F401  (a fixture)
from lihui.testing.factories import PersonFactory, make_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair():
    return PersonFactory(name="周云", language="en")


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_form_lists_no_people_and_costs_the_same_queries(chair):
    member = PersonFactory(name="王强")
    series = make_series(chair=chair, roster=[(member, "member")])
    client = client_for(chair)

    def counts():
        out = []
        for url in ("/series/new/", f"/series/{series.pk}/edit/"):
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    small = counts()
    extra = PersonFactory.create_batch(200)
    assert counts() == small
    html = client.get(f"/series/{series.pk}/edit/").content.decode()
    assert not any(f">{p.name}<" in html or f'"{p.name}"' in html for p in extra)
    assert 'name="roster-0-person_name" value="周云"' in html and 'name="roster-1-person_name" value="王强"' in html
    assert f'name="roster-1-person" id="id_roster-1-person" value="{member.pk}"' in html
    assert 'data-lookup="/people/lookup/"' in html


@pytest.mark.parametrize("typed", ["王强", "wang qiang"])
def test_without_js_a_typed_name_joins_the_roster(chair, typed):
    member = PersonFactory(name="王强")
    response = client_for(chair).post("/series/new/", form_data(chair, **{"roster-1-person_name": typed}))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(Series.objects.get().memberships.values_list("person_id", flat=True)) == {chair.pk, member.pk}


def test_the_text_decides_over_a_stale_id_and_an_emptied_row_is_no_one(chair):
    member, other = PersonFactory(name="王强"), PersonFactory(name="孙丽")
    data = form_data(chair, **{"roster-1-person": str(member.pk), "roster-1-person_name": "孙丽",
                               "roster-2-person": str(member.pk), "roster-2-person_name": ""})  # fmt: skip
    response = client_for(chair).post("/series/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(Series.objects.get().memberships.values_list("person_id", flat=True)) == {chair.pk, other.pk}


@pytest.mark.parametrize("typed, problem", [("没这个人", "No one is called “没这个人”."), ("王强", "Several people are called “王强”")])
def test_an_unknown_or_ambiguous_name_is_reported_on_its_row(chair, typed, problem):
    PersonFactory(name="王强"), PersonFactory(name="王强")
    client = Client(raise_request_exception=False)
    client.force_login(chair)
    response = client.post("/series/new/", form_data(chair, **{"roster-1-person_name": typed}))
    assert response.status_code == 200
    html = response.content.decode()
    assert problem in html
    assert f'name="roster-1-person_name" value="{typed}"' in html  # kept, to be corrected
    assert not Series.objects.exists()


def test_the_picker_id_wins_for_namesakes(chair):
    PersonFactory(name="王强")
    twin = PersonFactory(name="王强")
    data = form_data(chair, **{"roster-1-person": str(twin.pk), "roster-1-person_name": "王强"})
    assert client_for(chair).post("/series/new/", data).status_code == 302
    assert set(Series.objects.get().memberships.values_list("person_id", flat=True)) == {chair.pk, twin.pk}
