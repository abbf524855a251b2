"""DingTalk (钉钉) custom robot: …/robot/send?access_token=T&timestamp=MS&sign=S where S is
the URL-encoded base64 of HMAC-SHA256 (key: the secret) over "{timestamp_ms}\\n{secret}".
20 messages a minute, then the robot is throttled for 10 minutes (errcode 130101)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

from .base import RobotTransport, TransportError


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


class DingTalk(RobotTransport):
    name = "dingtalk"
    # 310000: signature, keyword or IP check failed; 300001/400101: bad or missing token.
    permanent_codes = frozenset({310000, 300001, 400101, 40035})
    rate_limit_codes = {130101: 600.0}
    code_notes = {310000: "signature, keyword or IP check failed", 300001: "invalid access token",
                  400101: "invalid access token", 130101: "too many messages, paused for 10 minutes"}  # fmt: skip

    def url(self, channel, timestamp_ms: int) -> str:
        if not channel.secret:
            return channel.url
        sep = "&" if "?" in channel.url else "?"
        return f"{channel.url}{sep}timestamp={timestamp_ms}&sign={dingtalk_sign(channel.secret, timestamp_ms)}"

    def body(self, message) -> dict:
        if message.body_markdown:
            return {"msgtype": "markdown", "markdown": {"title": message.subject, "text": message.body_markdown}}
        return {"msgtype": "text", "text": {"content": message.body_text}}

    def send(self, message) -> None:
        if message.channel is None:
            raise TransportError("no channel", permanent=True)
        self.post(self.url(message.channel, int(time.time() * 1000)), self.body(message))
