"""The board's owner filter is a person picker, not a <select> of everyone: the page never
lists the organisation's people, costs the same queries with 10 or 200 of them, shows the
chosen owner by name, and without JS resolves a typed name (or its pinyin) — an unknown or
ambiguous one is reported and ignored, never an error page. Same data and frozen time as
test_board.py."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lihui.actions.tests.test_board import _english, board, client_for, frozen, listed  # noqa: F401  (fixtures)
from lihui.people.models import Person
from lihui.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def picker_values(html: str) -> tuple[str, str]:
    """(text, id) of the owner picker as rendered."""
    text = re.search(r'<input type="text" id="owner-picker" name="owner_name" value="([^"]*)"', html).group(1)
    hidden = re.search(r'<input type="hidden" name="owner" value="([^"]*)" data-person-id>', html).group(1)
    return text, hidden


def test_the_board_lists_no_people(cast, board):
    extra = [PersonFactory(name=f"同事{i:03d}") for i in range(200)]
    html = html_of(client_for(cast.chair).get("/actions/?all=1"))
    assert 'data-person-picker' in html and 'data-lookup="/people/lookup/"' in html
    assert not re.search(r'<select name="owner"', html)
    options = html.count("<option")
    # statuses, series and departments only: a handful, whatever the number of people
    assert options < 20, options
    assert not any(p.name in html for p in extra)
    assert picker_values(html) == ("", "")


def test_the_board_costs_the_same_queries_with_10_or_200_people(cast, board):
    client = client_for(cast.admin)
    urls = ["/actions/?all=1", f"/actions/?all=1&owner={cast.presenter.pk}", "/actions/?all=1&owner_name=王强",
            "/actions/?all=1&owner_name=nobody"]  # fmt: skip

    def counts():
        out = []
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    small = counts()
    PersonFactory.create_batch(195)
    large = counts()
    assert small == large and len(set(large)) == 1, (small, large)
    assert Person.objects.count() >= 200


def test_the_chosen_owner_shows_by_name_and_links_keep_the_id(cast, board):
    response = client_for(cast.chair).get(f"/actions/?all=1&status=any&owner={cast.presenter.pk}&sort=owner")
    html = html_of(response)
    assert picker_values(html) == ("王强", str(cast.presenter.pk))
    assert set(listed(response)) == set(board.titles("late", "finished", "today", "mine", "working"))
    assert "owner=%d" % cast.presenter.pk in response.context["page_query"]
    assert "owner_name" not in response.context["page_query"] + response.context["export_query"]


@pytest.mark.parametrize("typed", ["王强", " 王强 ", "wang qiang", "Wang Qiang"])
def test_without_js_a_typed_name_or_its_pinyin_finds_the_owner(cast, board, typed):
    client = client_for(cast.chair)
    response = client.get("/actions/", {"all": "1", "status": "any", "owner_name": typed, "owner": ""})
    html = html_of(response)
    assert response.context["filter_errors"] == []
    assert response.context["filters"]["owner"] == cast.presenter.pk
    assert listed(response) == listed(client.get(f"/actions/?all=1&status=any&owner={cast.presenter.pk}"))
    assert picker_values(html) == ("王强", str(cast.presenter.pk))
    # the sort links, the pages and the export carry the id, not the text
    link = re.search(r'href="(/actions/export\.xlsx[^"]*)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(link).query)["owner"] == [str(cast.presenter.pk)]
    assert "owner_name" not in link and all("owner_name" not in (c["url"] or "") for c in response.context["columns"])


def test_an_unknown_name_is_reported_and_ignored(cast, board):
    client = client_for(cast.chair, raise_request_exception=False)
    everyone = listed(client.get("/actions/?all=1&status=any"))
    response = client.get("/actions/", {"all": "1", "status": "any", "owner_name": "没这个人"})
    html = html_of(response)
    errors = response.context["filter_errors"]
    assert len(errors) == 1 and "没这个人" in errors[0] and "ignored" in errors[0] and "owner" in errors[0], errors
    assert errors[0].replace("“", "&ldquo;") in html or errors[0] in html
    assert listed(response) == everyone
    assert picker_values(html) == ("没这个人", "")  # the text stays, to be corrected
    # the export sends you to the page that says so
    assert client.get("/actions/export.xlsx?all=1&owner_name=没这个人").status_code == 302


def test_an_ambiguous_name_is_reported_with_whom_it_may_mean(cast, board):
    twin = PersonFactory(name="王强")
    client = client_for(cast.chair, raise_request_exception=False)
    everyone = listed(client.get("/actions/?all=1&status=any"))
    response = client.get("/actions/", {"all": "1", "status": "any", "owner_name": "王强"})
    html = html_of(response)
    errors = response.context["filter_errors"]
    assert len(errors) == 1 and "Several people" in errors[0] and "ignored" in errors[0], errors
    assert listed(response) == everyone
    links = re.findall(r'<a href="\?([^"]*)">王强', re.search(r'data-testid="owner-candidates">(.*?)</p>', html, re.S).group(1))
    owners = sorted(parse_qs(q.replace("&amp;", "&"))["owner"][0] for q in links)
    assert owners == sorted([str(cast.presenter.pk), str(twin.pk)])
    # the picker (with JS) sends the id along: that person, even with a namesake
    response = client.get("/actions/", {"all": "1", "status": "any", "owner_name": "王强", "owner": twin.pk})
    assert response.context["filter_errors"] == [] and response.context["filters"]["owner"] == twin.pk
    assert listed(response) == []


def test_the_text_decides_when_it_no_longer_names_the_id(cast, board):
    client = client_for(cast.chair)
    # typed over a previous choice without JS: the new name wins over the stale id
    response = client.get("/actions/", {"all": "1", "status": "any", "owner_name": "周云", "owner": cast.presenter.pk})
    assert response.context["filters"]["owner"] == cast.chair.pk
    # emptied: everyone
    response = client.get("/actions/", {"all": "1", "status": "any", "owner_name": "", "owner": cast.presenter.pk})
    assert response.context["filters"]["owner"] is None
    assert listed(response) == listed(client.get("/actions/?all=1&status=any"))


def test_odd_names_never_fail(cast, board):
    client = client_for(cast.chair, raise_request_exception=False)
    for typed in ("%", "_", "\x00", "王" * 300, "a" * 5000, "(?:", "\\"):
        response = client.get("/actions/", {"all": "1", "owner_name": typed})
        assert response.status_code == 200, typed
        assert client.get("/actions/export.xlsx", {"all": "1", "owner_name": typed}).status_code in (200, 302)
    assert client.get(f"/actions/series/{cast.series.pk}/", {"owner_name": "王强"}).context["filters"]["owner"] == cast.presenter.pk
