"""Issue 17: the hostile-input corpus (hostile.py) through the real entry points — pages and
forms, the JSON API under /api/v1/, uploads on both, the robots form and its worker, the
redirecting views. Each payload gets a clear refusal (a translated form error or a 4xx in
the API's shape) or is stored as typed and shown inert; never a 500, never a change the
refusal denies, never an outbound connection to where the payload points."""

from __future__ import annotations

import json
import socket
from http.server import BaseHTTPRequestHandler
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lihui.actions.models import ActionItem, Decision
from lihui.meetings.models import AgendaItem, Material, Meeting
from lihui.meetings.services.agenda import agenda_ensure, agenda_item_add
from lihui.notify.models import Channel, Message
from lihui.notify.services import deliver_due
from lihui.people.services import api_token_create

from . import hostile as H
from .test_hostile_corpus import assert_page_inert

pytestmark = pytest.mark.django_db
DUE = "2030-12-31"


@pytest.fixture
def world(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    meeting = cast.series.meetings.order_by("start").first()
    agenda_ensure(meeting=meeting)
    item = agenda_item_add(actor=cast.chair, meeting=meeting, data={"title": "材料", "minutes_allotted": 5})
    _token, secret = api_token_create(person=cast.chair, name="hostile")
    web = Client(raise_request_exception=True)
    web.force_login(cast.chair)
    api = Client(raise_request_exception=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    return SimpleNamespace(cast=cast, chair=cast.chair, meeting=meeting, item=item, web=web, api=api, media=tmp_path / "media")


def counts() -> dict[str, int]:
    """What an accepted payload adds and a refused one must leave alone."""
    models = (AgendaItem, Decision, ActionItem, Material, Channel, Message)
    return {m.__name__: m.objects.count() for m in models}


def flashed(response) -> str:
    return " | ".join(str(m) for m in get_messages(response.wsgi_request))


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def api_json(client: Client, method: str, path: str, body, **extra):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return getattr(client, method)(path, data=data, content_type="application/json", **extra)


def assert_api_refusal(response, *statuses: int) -> None:
    assert response.status_code in (statuses or (400, 413, 422)), (response.status_code, response.content[:300])
    assert set(response.json()) == {"error", "fields"}, response.content[:300]


# --- text: pages and forms -----------------------------------------------------------------


@pytest.mark.parametrize("payload", H.TEXT, ids=range(len(H.TEXT)))
def test_a_hostile_title_through_the_agenda_form_is_kept_as_text(world, payload):
    before = counts()
    response = world.web.post(reverse("meetings:agenda_add", kwargs={"pk": world.meeting.pk}), {"title": payload, "kind": "discussion", "minutes_allotted": 5})
    assert response.status_code in (200, 302)
    assert counts()["AgendaItem"] == before["AgendaItem"] + 1
    stored = AgendaItem.objects.latest("pk").title
    assert stored == payload.strip()  # as typed (a form strips the ends), never "cleaned" into markup
    page = world.web.get(reverse("meetings:meeting_detail", kwargs={"pk": world.meeting.pk}))
    assert page.status_code == 200
    assert_page_inert(page.content.decode())


@pytest.mark.parametrize("payload", H.TEXT + [H.CRLF, H.ICS], ids=range(len(H.TEXT) + 2))
def test_a_hostile_decision_and_action_through_the_follow_up_panel(world, payload):
    url = reverse("actions:record", kwargs={"pk": world.meeting.pk})
    before = counts()
    for data in ({"kind": "decision", "text": payload}, {"kind": "action", "title": payload[:300], "owner": world.cast.presenter.pk, "due": DUE}):
        response = world.web.post(url, {**data, "item": world.item.pk})
        assert response.status_code == 200
        assert_page_inert(response.content.decode())
    assert counts()["Decision"] == before["Decision"] + 1 and counts()["ActionItem"] == before["ActionItem"] + 1
    assert Decision.objects.latest("pk").text == payload.strip()
    for name in ("minutes:minutes", "actions:series_board"):
        pk = world.meeting.pk if name == "minutes:minutes" else world.cast.series.pk
        page = world.web.get(reverse(name, kwargs={"pk": pk}))
        assert page.status_code == 200
        assert_page_inert(page.content.decode())


@pytest.mark.parametrize("payload", H.OVERLONG[1:] + [H.NUL], ids=["long-text", "nul"])
def test_overlong_or_nul_text_is_refused_everywhere_with_nothing_stored(world, payload):
    world.chair.language = "zh-hans"
    world.chair.save(update_fields=["language"])
    before = counts()
    item_title = world.item.title
    response = world.web.post(reverse("meetings:agenda_add", kwargs={"pk": world.meeting.pk}), {"title": payload, "kind": "discussion", "minutes_allotted": 5})
    assert response.status_code in (200, 302)
    record = reverse("actions:record", kwargs={"pk": world.meeting.pk})
    for data in ({"kind": "decision", "text": payload}, {"kind": "action", "title": payload, "due": DUE}):
        response = world.web.post(record, {**data, "item": world.item.pk})
        assert response.status_code == 200
        assert response.context["followup_error"], data
        assert 'role="alert"' in response.content.decode()
    path = f"/api/v1/meetings/{world.meeting.pk}"
    for method, url, body in (
        ("post", f"{path}/agenda", {"title": payload}),
        ("patch", f"/api/v1/agenda-items/{world.item.pk}", {"title": payload}),
        ("post", f"{path}/decisions", {"text": payload}),
        ("post", f"{path}/actions", {"title": payload, "due": DUE}),
    ):
        assert_api_refusal(api_json(world.api, method, url, body), 422)
    assert counts() == before
    assert AgendaItem.objects.get(pk=world.item.pk).title == item_title


def test_a_title_one_character_too_long_is_refused_on_the_page_and_in_the_api(world):
    before = counts()
    title = H.OVERLONG[0]
    response = world.web.post(reverse("meetings:agenda_add", kwargs={"pk": world.meeting.pk}), {"title": title, "kind": "discussion", "minutes_allotted": 5})
    assert response.status_code in (200, 302)
    assert_api_refusal(api_json(world.api, "post", f"/api/v1/meetings/{world.meeting.pk}/agenda", {"title": title}), 422)
    assert_api_refusal(api_json(world.api, "patch", f"/api/v1/agenda-items/{world.item.pk}", {"title": title}), 422)
    assert counts() == before and AgendaItem.objects.get(pk=world.item.pk).title == "材料"


def test_overlong_text_gets_a_translated_error(world):
    world.chair.language = "zh-hans"
    world.chair.save(update_fields=["language"])
    response = world.web.post(
        reverse("actions:record", kwargs={"pk": world.meeting.pk}), {"kind": "decision", "text": H.OVERLONG[1], "item": world.item.pk}
    )
    html = response.content.decode()
    assert zh("Ensure this text has at most %(limit)s characters.") % {"limit": 2000} in html


def test_nul_in_the_follow_up_panel_gets_a_translated_error(world):
    world.chair.language = "zh-hans"
    world.chair.save(update_fields=["language"])
    response = world.web.post(
        reverse("actions:record", kwargs={"pk": world.meeting.pk}), {"kind": "decision", "text": H.NUL, "item": world.item.pk}
    )
    assert zh("Null characters are not allowed.") in response.content.decode()
    assert not Decision.objects.exists()


# --- text: the JSON API --------------------------------------------------------------------


@pytest.mark.parametrize("payload", H.TEXT + [H.CRLF, H.ICS, H.LONG[:2000]], ids=range(len(H.TEXT) + 3))
def test_hostile_text_through_the_api_is_stored_as_sent_and_shown_inert(world, payload):
    path = f"/api/v1/meetings/{world.meeting.pk}"
    item = api_json(world.api, "post", f"{path}/agenda", {"title": payload[:200], "description": payload})
    assert item.status_code == 201, item.content[:300]
    assert (item.json()["title"], item.json()["description"]) == (payload[:200], payload)
    decision = api_json(world.api, "post", f"{path}/decisions", {"text": payload, "item": item.json()["id"]})
    assert decision.status_code == 201 and decision.json()["text"] == payload.strip()
    action = api_json(world.api, "post", f"{path}/actions", {"title": payload[:300], "owner": world.cast.presenter.pk, "due": DUE})
    assert action.status_code == 201, action.content[:300]
    for url in (reverse("meetings:meeting_detail", kwargs={"pk": world.meeting.pk}), reverse("minutes:minutes", kwargs={"pk": world.meeting.pk})):
        page = world.web.get(url)
        assert page.status_code == 200
        assert_page_inert(page.content.decode())


def test_a_lone_surrogate_in_json_is_refused_not_a_500(world):
    """\\ud800 is valid JSON but no UTF-8 text: SQLite and PostgreSQL cannot store it."""
    before = counts()
    path = f"/api/v1/meetings/{world.meeting.pk}"
    body = json.dumps({"title": H.LONE_SURROGATE}).encode()  # ensure_ascii: the \\ud800 escape
    for method, url, data in (
        ("post", f"{path}/agenda", body),
        ("patch", f"/api/v1/agenda-items/{world.item.pk}", body),
        ("post", f"{path}/decisions", json.dumps({"text": H.LONE_SURROGATE}).encode()),
        ("post", f"{path}/actions", body),
        ("put", f"{path}/purpose", json.dumps({"purpose": H.LONE_SURROGATE}).encode()),
    ):
        assert_api_refusal(api_json(world.api, method, url, data), 400, 422)
    assert counts() == before


@pytest.mark.parametrize("raw", H.BAD_UTF8, ids=range(len(H.BAD_UTF8)))
def test_a_body_that_is_not_utf8_is_a_400_in_the_api_shape(world, raw):
    before = counts()
    body = b'{"title": "' + raw + b'"}'
    response = api_json(world.api, "post", f"/api/v1/meetings/{world.meeting.pk}/agenda", body)
    assert_api_refusal(response, 400, 422)
    assert counts() == before


@pytest.mark.parametrize("raw", H.BAD_UTF8, ids=range(len(H.BAD_UTF8)))
def test_a_form_body_that_is_not_utf8_is_no_500(world, raw):
    """A browser never sends it; whatever arrives is decoded with replacement characters."""
    from urllib.parse import quote_from_bytes

    body = "title=" + quote_from_bytes(b"x" + raw) + "&kind=discussion&minutes_allotted=5"
    response = world.web.post(
        reverse("meetings:agenda_add", kwargs={"pk": world.meeting.pk}), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 302, 400)
    for title in AgendaItem.objects.values_list("title", flat=True):
        title.encode("utf-8")  # whatever was stored is valid text


# --- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", H.HEADER_VALUES, ids=range(len(H.HEADER_VALUES)))
def test_a_line_break_in_the_idempotency_key_is_refused(world, value):
    before = counts()
    response = api_json(
        world.api, "post", f"/api/v1/meetings/{world.meeting.pk}/decisions", {"text": "决议"}, HTTP_IDEMPOTENCY_KEY=value
    )
    assert_api_refusal(response, 422)
    assert counts() == before
    assert not any(k.lower() in ("set-cookie", "x-injected") for k in response.headers) and "evil" not in str(response.cookies)


@pytest.mark.parametrize("value", H.HEADER_VALUES, ids=range(len(H.HEADER_VALUES)))
def test_a_line_break_in_the_bearer_token_is_a_401(world, value):
    response = Client().get("/api/v1/actions", HTTP_AUTHORIZATION=f"Bearer {value}")
    assert_api_refusal(response, 401)


@pytest.mark.parametrize("target", H.OPEN_REDIRECTS, ids=range(len(H.OPEN_REDIRECTS)))
def test_sign_in_and_the_language_switch_never_redirect_off_the_site(world, target):
    from urllib.parse import urlsplit

    world.cast.presenter.set_password("pw-correct-horse")
    world.cast.presenter.save()
    responses = [
        Client().post("/login/?next=" + target, {"username": world.cast.presenter.username, "password": "pw-correct-horse"}),
        Client().post("/login/", {"username": world.cast.presenter.username, "password": "pw-correct-horse", "next": target}),
        world.web.post("/language/", {"language": "en", "next": target}),
    ]
    for response in responses:
        assert response.status_code == 302, response.status_code
        location = response["Location"]
        assert "\r" not in location and "\n" not in location
        parts = urlsplit(location)
        assert parts.scheme == "" and parts.netloc == "" and location.startswith("/") and not location.startswith(("//", "/\\"))
        assert "evil" not in location.lower() or target.startswith("/%0d")
        assert not any(k.lower() == "set-cookie" and "evil" in v for k, v in response.items())


# --- uploads -------------------------------------------------------------------------------


def stored_files(world) -> list:
    return [p for p in world.media.rglob("*") if p.is_file()] if world.media.exists() else []


def web_upload(world, name: str, content: bytes):
    return world.web.post(f"/items/{world.item.pk}/materials/", {"file": SimpleUploadedFile(name, content, content_type="text/html")})


def api_upload(world, name: str, content: bytes):
    return world.api.post(
        f"/api/v1/agenda-items/{world.item.pk}/materials", {"file": SimpleUploadedFile(name, content, content_type="image/svg+xml")}
    )


SAFE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain", "text/csv", "text/markdown", "application/zip"}


def assert_served_safely(world, material: Material, content: bytes) -> None:
    from django.conf import settings

    assert material.content_type in SAFE_TYPES or material.content_type.startswith("application/vnd."), material.content_type
    assert material.name.rsplit(".", 1)[-1].lower() in settings.LIHUI_MATERIAL_TYPES, material.name
    assert len(material.name) <= 200 and not set(material.name) & set("/\\\x00\r\n")
    on_disk = world.media / material.file.name
    assert on_disk.read_bytes() == content  # stored as sent (never unpacked or rewritten)
    assert world.media in on_disk.resolve().parents and material.name not in str(on_disk)
    for url in (f"/materials/{material.pk}/", f"/api/v1/materials/{material.pk}"):
        response = (world.web if url.startswith("/materials") else world.api).get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert response["Content-Type"].split(";")[0] not in ("text/html", "image/svg+xml", "application/xhtml+xml")
        assert "\r" not in response["Content-Disposition"] and "\n" not in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize("name, content", H.UPLOADS_REFUSED, ids=[n for n, _c in H.UPLOADS_REFUSED])
@pytest.mark.parametrize("via", ["web", "api"])
def test_a_lying_upload_is_refused_with_a_translated_error_and_nothing_stored(world, name, content, via):
    world.chair.language = "zh-hans"
    world.chair.save(update_fields=["language"])
    before = counts()
    if via == "web":
        response = web_upload(world, name, content)
        assert response.status_code == 302
        text = flashed(response)
    else:
        response = api_upload(world, name, content)
        assert_api_refusal(response, 422)
        text = json.dumps(response.json(), ensure_ascii=False)
    expected = zh("The file is empty.") if not content else zh("This type of file is not accepted. Accepted: %(types)s.").split("%")[0]
    assert expected in text, text
    assert counts() == before and stored_files(world) == []


@pytest.mark.parametrize("name, content", H.UPLOADS_STORED, ids=range(len(H.UPLOADS_STORED)))
@pytest.mark.parametrize("via", ["web", "api"])
def test_a_hostile_upload_that_is_accepted_is_stored_and_served_inert(world, name, content, via):
    response = (web_upload if via == "web" else api_upload)(world, name, content)
    assert response.status_code in (201, 302), response.content[:300]
    material = Material.objects.get()
    assert_served_safely(world, material, content)
    page = world.web.get(f"/items/{world.item.pk}/")
    assert page.status_code == 200
    assert_page_inert(page.content.decode())
    assert "\u202e" not in material.name, "a right-to-left override would disguise the type (报告\u202efdp.exe shows as 报告exe.pdf)"


def test_an_upload_past_the_limit_is_refused_before_it_is_stored(world, settings):
    settings.LIHUI_MATERIAL_MAX_BYTES = 4096
    before = counts()
    for send in (web_upload, api_upload):
        response = send(world, "big.txt", b"a" * 65536)
        assert response.status_code in (302, 422)
    assert counts() == before and stored_files(world) == []


@pytest.mark.parametrize("name", H.UPLOAD_NAMES, ids=range(len(H.UPLOAD_NAMES)))
@pytest.mark.parametrize("via", ["web", "api"])
def test_a_path_or_control_character_in_an_upload_name_never_reaches_the_disk(world, name, via):
    response = (web_upload if via == "web" else api_upload)(world, name, b"hello")
    assert response.status_code in (201, 302, 400, 422), response.status_code
    if response.status_code in (400, 422):
        assert set(response.json()) == {"error", "fields"}
    for material in Material.objects.all():
        assert_served_safely(world, material, b"hello")
    assert all(world.media in p.resolve().parents for p in stored_files(world))
    assert not (world.media.parent / "etc").exists() and not (world.media.parent / "windows").exists()


# --- robot and webhook URLs: no request to the intranet --------------------------------------


@pytest.fixture
def network(monkeypatch):
    """A resolver from the corpus (numeric forms as the C library reads them) and a record
    of every connection attempted; none may get through."""
    import ipaddress

    asked: list[str] = []
    tried: list = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        try:
            ips = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                ips = [socket.inet_ntoa(socket.inet_aton(host))]  # 2130706433, 0177.0.0.1, 127.1
            except OSError:
                if host not in H.RESOLVES:
                    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
                ips = H.RESOLVES[host]
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, int(port or 0), 0, 0))
            if ":" in ip
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, int(port or 0)))
            for ip in ips
        ]

    def connect(self, address):
        tried.append(address)
        raise ConnectionRefusedError("no connection in this test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return SimpleNamespace(asked=asked, tried=tried)


@pytest.mark.parametrize("url", H.SSRF_URLS, ids=range(len(H.SSRF_URLS)))
def test_a_robot_aimed_at_the_intranet_is_refused_or_never_reached(world, settings, network, url):
    """Through the robots page: the form may refuse the address; if it takes it (a private
    deployment looks the same), the test message fails for good without a connection, and
    the error the chair reads says neither where the name points nor what answered."""
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = False
    series = world.cast.series
    response = world.web.post(
        reverse("notify:channels", kwargs={"series_id": series.pk}),
        {"kind": "webhook", "name": "robot", "url": url, "secret": "s" * 32, "enabled": "on"},
    )
    assert response.status_code in (200, 302)
    channel = Channel.objects.filter(series=series).first()
    if response.status_code == 200:
        assert response.context["form"].errors and channel is None
        return
    test = world.web.post(reverse("notify:channel_test", kwargs={"series_id": series.pk, "channel_id": channel.pk}))
    assert test.status_code == 302
    deliver_due(worker="hostile")
    assert network.tried == []
    message = Message.objects.get(channel=channel)
    assert message.state == Message.State.FAILED, (message.state, message.last_error)
    assert message.last_error.endswith("this address is not allowed"), message.last_error
    for resolved in ("127.0.0.1", "10.20.30.40", "169.254.169.254", "::1", "private", "loopback"):
        assert resolved not in message.last_error.replace(url, "") or resolved in url
    page = world.web.get(reverse("notify:channels", kwargs={"series_id": series.pk}))
    assert page.status_code == 200 and "s" * 32 not in page.content.decode()


class _Redirect(BaseHTTPRequestHandler):
    location = ""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(307)
        self.send_header("Location", self.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("location", H.REDIRECT_LOCATIONS, ids=range(len(H.REDIRECT_LOCATIONS)))
def test_a_robot_that_redirects_into_the_intranet_is_not_followed(world, settings, monkeypatch, location):
    """An admin allowed a robot on the intranet (LIHUI_NOTIFY_ALLOW_PRIVATE); its answer
    still cannot send Lihui to another host, and the Location is not shown to the chair."""
    from lihui.notify.tests.test_http import serve, stop

    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True
    server = serve(type("Redirect", (_Redirect,), {"location": location}))
    tried: list = []
    guarded = socket.socket.connect

    def connect(self, address):
        tried.append(address[:2])
        return guarded(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    try:
        channel = Channel.objects.create(
            series=world.cast.series, kind="webhook", name="robot", url=f"http://127.0.0.1:{server.server_port}/hook", secret="s" * 32
        )
        world.web.post(reverse("notify:channel_test", kwargs={"series_id": world.cast.series.pk, "channel_id": channel.pk}))
        deliver_due(worker="hostile")
    finally:
        stop(server)
    assert tried == [("127.0.0.1", server.server_port)]  # the robot itself, nothing after it
    message = Message.objects.get(channel=channel)
    assert message.state == Message.State.FAILED and "redirect to another host refused" in message.last_error
    assert location not in message.last_error


def test_nul_in_the_minutes_change_note_is_dropped_not_stored(world):
    from lihui.minutes.models import MinutesRevision

    Meeting.objects.filter(pk=world.meeting.pk).update(status="held")
    response = world.web.post(
        reverse("minutes:minutes_edit", kwargs={"pk": world.meeting.pk}),
        {"text": "# 纪要\n\n正文", "base_revision": "0", "comment": "改了" + H.NUL},
    )
    assert response.status_code == 302, response.content[:500]
    revision = MinutesRevision.objects.get()
    assert revision.comment == "改了ab"  # the NUL dropped, as from the text itself
