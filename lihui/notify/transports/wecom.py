"""WeCom (企业微信) group robot: POST to the robot's URL (…/cgi-bin/webhook/send?key=KEY),
no signature. Text at most 2048 bytes, Markdown 4096; 20 messages a minute per robot."""

from __future__ import annotations

from .base import RobotTransport, TransportError, utf8_truncate

TEXT_BYTES = 2048
MARKDOWN_BYTES = 4096


class WeCom(RobotTransport):
    name = "wecom"
    # 93000: invalid webhook URL / key; 40008/40058: invalid message (will not heal).
    permanent_codes = frozenset({93000, 40008, 40058})
    rate_limit_codes = {45009: 60.0}  # API freq out of limit
    code_notes = {93000: "invalid robot URL or key", 40008: "invalid message", 40058: "invalid message",
                  45009: "too many messages, waiting a minute"}  # fmt: skip

    def body(self, message) -> dict:
        if message.body_markdown:
            return {"msgtype": "markdown", "markdown": {"content": utf8_truncate(message.body_markdown, MARKDOWN_BYTES)}}
        text: dict = {"content": utf8_truncate(message.body_text, TEXT_BYTES)}
        if message.payload.get("mentioned_list"):
            text["mentioned_list"] = list(message.payload["mentioned_list"])
        return {"msgtype": "text", "text": text}

    def send(self, message) -> None:
        if message.channel is None:
            raise TransportError("no channel", permanent=True)
        self.post(message.channel.url, self.body(message))
