"""Feishu/Lark (飞书) custom bot: POST …/open-apis/bot/v2/hook/ID. With a secret the JSON
carries "timestamp" (seconds) and "sign": base64 of HMAC-SHA256 whose KEY is
"{timestamp}\\n{secret}", over an empty message. 100 a minute and 5 a second per bot."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .base import RobotTransport, TransportError


def feishu_sign(secret: str, timestamp: int) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class Feishu(RobotTransport):
    name = "feishu"
    # 19021: bad signature; 19022: IP not allowed; 19024: keyword check failed; 19001: bad hook.
    permanent_codes = frozenset({19021, 19022, 19024, 19001, 19002})
    rate_limit_codes = {9499: 60.0, 11232: 60.0}
    code_notes = {19021: "signature check failed", 19022: "IP address not allowed", 19024: "keyword check failed",
                  19001: "invalid hook", 9499: "too many messages, waiting a minute", 11232: "too many messages, waiting a minute"}  # fmt: skip

    def error_code(self, data: dict) -> tuple[int, str]:
        # Newer answers carry code/msg; older ones StatusCode/StatusMessage.
        code = data.get("code", data.get("StatusCode", 0)) or 0
        return int(code), str(data.get("msg", data.get("StatusMessage", "")))

    def body(self, message, timestamp: int) -> dict:
        if message.body_markdown:
            body: dict = {
                "msg_type": "interactive",
                "card": {
                    "header": {"title": {"tag": "plain_text", "content": message.subject}},
                    "elements": [{"tag": "markdown", "content": message.body_markdown}],
                },
            }
        else:
            body = {"msg_type": "text", "content": {"text": message.body_text}}
        if message.channel.secret:
            body = {"timestamp": str(timestamp), "sign": feishu_sign(message.channel.secret, timestamp), **body}
        return body

    def send(self, message) -> None:
        if message.channel is None:
            raise TransportError("no channel", permanent=True)
        self.post(message.channel.url, self.body(message, int(time.time())))
