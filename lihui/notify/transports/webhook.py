"""A generic JSON webhook. The receiver checks X-Lihui-Signature: sha256=<hex HMAC-SHA256 of
the raw body, keyed with the channel's secret>; the body repeats X-Lihui-Timestamp so a
replay can be judged by age. X-Lihui-Idempotency-Key lets the receiver drop a resend
(delivery is at least once: a crash between the send and recording it sends again)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from lihui.notify import http

from .base import RobotTransport, TransportError, check_status


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class Webhook(RobotTransport):
    name = "webhook"

    def body(self, message, timestamp: int) -> bytes:
        data = {
            "id": message.idempotency_key,
            "kind": message.kind,
            "object": {"type": message.object_type, "id": message.object_id},
            "language": message.language,
            "subject": message.subject,
            "text": message.body_text,
            "markdown": message.body_markdown,
            "payload": message.payload,
            "timestamp": timestamp,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def send(self, message) -> None:
        if message.channel is None:
            raise TransportError("no channel", permanent=True)
        timestamp = int(time.time())
        body = self.body(message, timestamp)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Lihui-Timestamp": str(timestamp),
            "X-Lihui-Idempotency-Key": message.idempotency_key,
        }
        if message.channel.secret:
            headers["X-Lihui-Signature"] = webhook_signature(message.channel.secret, body)
        try:
            response = http.post(message.channel.url, body=body, headers=headers)
        except http.HttpError as e:
            raise TransportError(str(e), permanent=e.permanent) from e
        check_status(response)  # a webhook's answer body is the receiver's business
