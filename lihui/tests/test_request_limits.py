"""What a request may cost before anyone knows who sent it, and what a response may leave
behind: anonymous multipart is refused unparsed, refused uploads leave no temporary file,
bad bodies under /api/v1/ answer in the API's error shape, and private pages are not stored
by browsers or proxies."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Paths whose multipart body was parsed (spooling its files)."""
    seen: list[str] = []
    original = MultiPartParser.parse

    def counting(self):
        seen.append("parsed")
        return original(self)

    monkeypatch.setattr(MultiPartParser, "parse", counting)
    return seen


def _files(n: int) -> dict:
    return {f"f{i}": SimpleUploadedFile(f"{i}.txt", b"x" * 2048) for i in range(n)}


@pytest.mark.parametrize("path", ["/items/1/materials/", "/api/v1/agenda-items/1/materials", "/api/v1/auth/token", "/nowhere/"])
def test_anonymous_multipart_is_refused_before_it_is_parsed(cast, parses, path):
    client = Client(enforce_csrf_checks=True)  # the CSRF check reads request.POST: parsing
    response = client.post(path, _files(3))
    assert response.status_code in (401, 403)
    assert parses == []
    if path.startswith("/api/v1/"):
        assert set(response.json()) == {"error", "fields"}


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_a_sign_in_form_posted_as_multipart_reads_its_fields_and_skips_its_files(cast, path, settings, tmp_path):
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    written: list[bytes] = []
    original = TemporaryFileUploadHandler.receive_data_chunk
    TemporaryFileUploadHandler.receive_data_chunk = lambda self, raw, start: written.append(raw) or original(self, raw, start)
    try:
        data = {"username": cast.presenter.username, "password": "pw", "junk": SimpleUploadedFile("big.bin", b"x" * 64 * 1024)}
        response = Client().post(path, data)
    finally:
        TemporaryFileUploadHandler.receive_data_chunk = original
    if path == "/login/":
        assert response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session
    assert written == [] and list(tmp_path.iterdir()) == []
    assert not response.wsgi_request.FILES


def test_a_signed_in_person_and_a_token_still_upload(cast, parses):
    from lihui.meetings.services.agenda import agenda_ensure, agenda_item_add
    from lihui.people.services import api_token_create

    meeting = cast.series.meetings.order_by("start").first()
    agenda_ensure(meeting=meeting)
    item = agenda_item_add(actor=cast.chair, meeting=meeting, data={"title": "材料"})
    client = Client()
    client.force_login(cast.chair)
    assert client.post(f"/items/{item.pk}/materials/", {"file": SimpleUploadedFile("a.txt", b"hello")}).status_code == 302
    _token, secret = api_token_create(person=cast.chair, name="t")
    response = Client().post(
        f"/api/v1/agenda-items/{item.pk}/materials", {"file": SimpleUploadedFile("b.txt", b"hello")}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 201
    assert len(parses) == 2


def test_too_many_file_parts_are_refused(cast, settings):
    client = Client()
    client.force_login(cast.chair)
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES <= 10
    response = client.post("/api/v1/agenda-items/1/materials", _files(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1))
    assert response.status_code == 413 and set(response.json()) == {"error", "fields"}


def test_an_oversized_part_leaves_no_temporary_file(cast, settings, tmp_path):
    from lihui.meetings.services.agenda import agenda_ensure, agenda_item_add

    settings.LIHUI_MATERIAL_MAX_BYTES = 64 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # spool to a temporary file, as big uploads do
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    meeting = cast.series.meetings.order_by("start").first()
    agenda_ensure(meeting=meeting)
    item = agenda_item_add(actor=cast.chair, meeting=meeting, data={"title": "材料"})
    client = Client()
    client.force_login(cast.chair)
    response = client.post(f"/items/{item.pk}/materials/", {"file": SimpleUploadedFile("big.txt", b"a" * (256 * 1024))})
    assert response.status_code == 302
    assert list(tmp_path.iterdir()) == []  # while the request is still referenced (response.wsgi_request)


# --- /api/v1/: every refusal in the API's shape --------------------------------------------------


def _bearer(person) -> dict:
    from lihui.people.services import api_token_create

    _token, secret = api_token_create(person=person, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_body_over_the_limit_is_413_in_the_api_shape(cast, settings):
    body = json.dumps({"title": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    for path in ("/api/v1/series", "/api/v1/auth/token"):
        response = Client().post(path, body, content_type="application/json", **_bearer(cast.chair))
        assert response.status_code == 413, path
        assert response["Content-Type"].startswith("application/json")
        body_out = response.json()
        assert set(body_out) == {"error", "fields"} and body_out["error"]


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("[" * 100_000 + "]" * 100_000, "application/json"),
        ('{"title": ' + "[" * 100_000 + "]" * 100_000 + "}", "application/json"),
        ("--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--", "multipart/form-data"),
        ("garbage", "multipart/form-data; boundary=" + "b" * 80),
    ],
    ids=["deep-array", "deep-field", "multipart-no-boundary", "multipart-bad-boundary"],
)
@pytest.mark.parametrize("path", ["/api/v1/series", "/api/v1/agenda-items/1/materials"])
def test_malformed_bodies_are_refused_in_the_api_shape(cast, body, content_type, path):
    from lihui.regime.models import Series

    before = Series.objects.count()
    for headers in (_bearer(cast.chair), {}):
        client = Client(enforce_csrf_checks=True)
        if not headers:
            client.force_login(cast.chair)
        response = client.post(path, body, content_type=content_type, **headers)
        assert response.status_code in (400, 403, 404, 422), response.status_code
        assert response["Content-Type"].startswith("application/json")
        out = response.json()
        assert set(out) == {"error", "fields"}
        assert "Cannot parse" not in out["error"]  # ninja's untranslated text
    assert Series.objects.count() == before


def test_pages_keep_their_own_bad_request_page(cast, settings):
    client = Client()
    client.force_login(cast.chair)
    big = "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(f"/series/{cast.series.pk}/edit/", {"title": big})
    assert response.status_code in (400, 413) and not response["Content-Type"].startswith("application/json")


# --- private responses are not stored -------------------------------------------------------------


def test_signed_in_responses_are_not_stored_by_browsers_or_proxies(cast):
    client = Client()
    client.force_login(cast.presenter)
    for url in ("/", f"/series/{cast.open_series.pk}/", "/api/v1/me"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    assert "no-store" in Client().get("/api/v1/me", **_bearer(cast.presenter))["Cache-Control"]
    token = Client().post("/api/v1/auth/token", json.dumps({"username": cast.presenter.username, "password": "pw"}), content_type="application/json")
    assert token.status_code == 201 and "no-store" in token["Cache-Control"]  # the secret, shown once


def test_static_files_stay_cacheable(cast):
    client = Client()
    client.force_login(cast.presenter)
    response = client.get("/static/lihui/lihui.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
