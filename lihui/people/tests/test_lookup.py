"""The person picker's lookup, GET /people/lookup/?q=: by name, by pinyin (full, compact,
initials), at most 20 active people, one indexed query whatever the size of the organisation,
nothing for an empty query or one Latin letter, never an error for odd input."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lihui.people.models import Department
from lihui.people.selectors import person_search
from lihui.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db
URL = "/people/lookup/"


@pytest.fixture
def people():
    sales = Department.objects.create(name="华东销售部")
    made = {
        "wangqiang": PersonFactory(name="王强", department=sales),
        "wangqiang2": PersonFactory(name="汪强"),  # same pinyin, another name
        "wanggang": PersonFactory(name="王刚"),
        "zhangsan": PersonFactory(name="张三"),
        "zhangshan": PersonFactory(name="章珊"),
        "alice": PersonFactory(name="Alice Smith"),
        "gone": PersonFactory(name="王走了", is_active=False),
    }
    return made


@pytest.fixture
def client(people):
    c = Client()
    c.force_login(people["alice"])
    return c


def names(client, q) -> list[str]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return [r["name"] for r in response.json()["results"]]


def test_the_url():
    assert reverse("people:person_lookup") == URL


def test_signed_out_people_are_sent_to_sign_in(people):
    response = Client().get(URL, {"q": "王"})
    assert response.status_code == 302 and urlparse(response.url).path == reverse("people:login")


def test_by_the_start_of_a_chinese_name(client, people):
    assert names(client, "王") == ["王刚", "王强"]  # pinyin order; 汪强 sounds alike but is not 王…; 王走了 has left
    assert names(client, "王强") == ["王强"]
    assert names(client, "张") == ["张三"]


def test_by_pinyin_full_compact_and_initials(client):
    assert names(client, "wang") == ["王刚", "王强", "汪强"]
    assert names(client, "wang q") == ["王强", "汪强"]
    assert names(client, "WangQiang") == ["王强", "汪强"]
    assert names(client, "wq") == ["王强", "汪强"]
    assert names(client, "zs") == ["张三", "章珊"]
    assert names(client, "zhangs") == ["张三", "章珊"]
    assert names(client, "zhangsh") == ["章珊"]
    assert names(client, "ali") == ["Alice Smith"]
    assert names(client, "alice sm") == ["Alice Smith"]
    assert names(client, "as") == ["Alice Smith"]


def test_each_result_has_id_name_and_department(client, people):
    response = client.get(URL, {"q": "王强"})
    assert response.json() == {"results": [{"id": people["wangqiang"].pk, "name": "王强", "department": "华东销售部"}]}
    assert names(client, "张三") and client.get(URL, {"q": "张三"}).json()["results"][0]["department"] == ""


@pytest.mark.parametrize("q", ["", " ", "w", "W", " a "])
def test_nothing_for_an_empty_query_or_one_latin_letter(client, q):
    assert names(client, q) == []


@pytest.mark.parametrize(
    "q",
    ["%", "%%", "__", "\\", "a\\", "\x00", "王\x00", "[a-", "(?:", "'; drop table people_person; --", "x" * 5000, "王" * 500,
     "🙂🙂", "ｗａｎｇ"],  # fmt: skip
)
def test_odd_input_never_fails(client, q):
    names(client, q)


def test_odd_parameters_never_fail(client):
    assert client.get(URL).json() == {"results": []}
    assert client.get(f"{URL}?q=wang&q=zhang").status_code == 200
    assert client.get(f"{URL}?q=%ZZ").status_code == 200
    assert client.post(URL, {"q": "wang"}).status_code == 405


def test_at_most_twenty(client):
    for i in range(30):
        PersonFactory(name=f"李{i:02d}")
    assert len(names(client, "李")) == 20
    assert len(names(client, "li")) == 20
    assert len(person_search(q="li", limit=5)) == 5


def test_one_query_whatever_the_number_of_people(client):
    def count(q):
        client.get(URL, {"q": q})
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, {"q": q}).status_code == 200
        return len(ctx.captured_queries)

    queries = ["王", "wang", "wq", "zhangsan", "Alice"]
    small = [count(q) for q in queries]
    for i in range(200):
        PersonFactory(name=("王", "张", "李", "赵")[i % 4] + f"{i:03d}")
    large = [count(q) for q in queries]
    assert small == large
    assert len(set(large)) == 1
    with CaptureQueriesContext(connection) as ctx:
        person_search(q="wang")
    assert len(ctx.captured_queries) == 1
    with CaptureQueriesContext(connection) as ctx:
        person_search(q="w")
    assert len(ctx.captured_queries) == 0
