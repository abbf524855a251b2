"""Through real sockets on loopback: an SMTP server (aiosmtpd) and an HTTP sink for a robot."""

import base64
import hashlib
import hmac
import json
import socket
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller

from lihui.notify.models import Message
from lihui.notify.services import deliver_due, message_enqueue
from lihui.testing.factories import PersonFactory


class Collect:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "lihui@example.com"
    yield handler
    controller.stop()


def test_email_through_smtp(series, smtp_server):
    person = PersonFactory(email="li@example.com")
    message_enqueue(
        kind="series_note", object=series, recipients=[person], subject="会议纪要：运营周例会",
        text="纪要已发布。", markdown="**纪要**已发布。", language="zh-hans",
    )  # fmt: skip
    assert deliver_due(worker="w") == 1
    assert Message.objects.get().state == Message.State.SENT
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["li@example.com"]
    mail = message_from_bytes(envelope.content)
    assert str(make_header(decode_header(mail["Subject"]))) == "会议纪要：运营周例会"
    assert mail["X-Lihui-Idempotency-Key"].startswith("series_note:regime.series:")
    parts = {p.get_content_type(): p.get_payload(decode=True).decode("utf-8") for p in mail.walk() if not p.is_multipart()}
    assert parts["text/plain"].strip() == "纪要已发布。"
    assert "<strong>纪要</strong>" in parts["text/html"]


def test_smtp_down_is_retried(series, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    message_enqueue(kind="k", object=series, recipients=[PersonFactory()], subject="s", text="t")
    deliver_due(worker="w")
    message = Message.objects.get()
    assert message.state == Message.State.PENDING and message.last_error.startswith("SMTP")


def test_feishu_robot_through_a_local_sink(series, make_channel, sink):
    robot = make_channel("feishu", url=f"{sink.url}/open-apis/bot/v2/hook/HOOK", secret="sink-secret")
    message_enqueue(kind="series_note", object=series, channels=[robot], subject="议程", text="议程已发布")
    assert deliver_due(worker="w") == 1
    assert Message.objects.get().state == Message.State.SENT
    [request] = sink.received
    assert request["path"] == "/open-apis/bot/v2/hook/HOOK"
    body = json.loads(request["body"])
    key = f"{body['timestamp']}\nsink-secret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["content"] == {"text": "议程已发布"}
