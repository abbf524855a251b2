"""Each robot against its vendor's rules: URL, body and signature, the signatures computed
here independently (hmac/hashlib/base64), and how error codes are classified."""

import base64
import hashlib
import hmac
import json
import urllib.parse

import pytest
import time_machine

from lihui.notify import http
from lihui.notify.models import Message
from lihui.notify.services import message_enqueue
from lihui.notify.transports import TransportError, transport_for
from lihui.notify.transports.base import utf8_truncate

NOW = "2026-11-27 01:00:00+00:00"
TS = 1795741200  # NOW in seconds


def enqueue(channel, *, markdown="", text="议程已发布", payload=None):
    [message] = message_enqueue(
        kind="series_note", object=channel.series, channels=[channel], subject="运营周例会 议程",
        text=text, markdown=markdown, payload=payload,
    )  # fmt: skip
    return Message.objects.select_related("channel").get(pk=message.pk)


def send(message):
    transport_for(message.transport).send(message)


@time_machine.travel(NOW, tick=False)
def test_wecom_markdown_and_text(make_channel, stub_http):
    channel = make_channel("wecom")
    send(enqueue(channel, markdown="**议程**\n1. 汇报"))
    send(enqueue(make_channel("wecom"), text="提醒", payload={"mentioned_list": ["zhangsan", "@all"]}))
    first, second = stub_http.requests
    assert first["url"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY-123"
    assert first["json"] == {"msgtype": "markdown", "markdown": {"content": "**议程**\n1. 汇报"}}
    assert first["headers"]["Content-Type"].startswith("application/json")
    assert second["json"] == {"msgtype": "text", "text": {"content": "提醒", "mentioned_list": ["zhangsan", "@all"]}}


def test_wecom_text_cut_at_2048_bytes_on_a_character_boundary(make_channel, stub_http):
    send(enqueue(make_channel("wecom"), text="议" * 1000))  # 3,000 bytes
    content = stub_http.requests[0]["json"]["text"]["content"]
    assert len(content.encode("utf-8")) <= 2048
    assert content.endswith("…") and set(content[:-1]) == {"议"}
    assert utf8_truncate("短", 2048) == "短"


@time_machine.travel(NOW, tick=False)
def test_dingtalk_signed_url_and_markdown(make_channel, stub_http):
    secret = "SECexample0123456789"
    send(enqueue(make_channel("dingtalk", secret=secret), markdown="## 议程\n- 汇报"))
    [request] = stub_http.requests
    ms = TS * 1000
    expected = urllib.parse.quote_plus(
        base64.b64encode(hmac.new(secret.encode(), f"{ms}\n{secret}".encode(), hashlib.sha256).digest())
    )
    assert request["url"] == f"https://oapi.dingtalk.com/robot/send?access_token=T-abc&timestamp={ms}&sign={expected}"
    assert request["json"] == {"msgtype": "markdown", "markdown": {"title": "运营周例会 议程", "text": "## 议程\n- 汇报"}}


@time_machine.travel(NOW, tick=False)
def test_feishu_signed_body(make_channel, stub_http):
    secret = "feishu-secret-xyz"
    send(enqueue(make_channel("feishu", secret=secret), text="纪要已发布"))
    [request] = stub_http.requests
    expected = base64.b64encode(hmac.new(f"{TS}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert request["url"] == "https://open.feishu.cn/open-apis/bot/v2/hook/HOOK-ID"
    assert request["json"] == {"timestamp": str(TS), "sign": expected, "msg_type": "text", "content": {"text": "纪要已发布"}}


def test_feishu_markdown_is_a_card(make_channel, stub_http):
    send(enqueue(make_channel("feishu"), markdown="**纪要**"))
    body = stub_http.requests[0]["json"]
    assert "sign" not in body
    assert body["msg_type"] == "interactive"
    assert body["card"]["elements"] == [{"tag": "markdown", "content": "**纪要**"}]


@time_machine.travel(NOW, tick=False)
def test_webhook_signs_the_raw_body(make_channel, stub_http):
    secret = "webhook-secret"
    message = enqueue(make_channel("webhook", secret=secret), markdown="**x**")
    send(message)
    [request] = stub_http.requests
    assert request["headers"]["X-Lihui-Signature"] == "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Lihui-Timestamp"] == str(TS)
    assert request["headers"]["X-Lihui-Idempotency-Key"] == message.idempotency_key
    assert request["json"]["timestamp"] == TS and request["json"]["id"] == message.idempotency_key
    assert request["json"]["kind"] == "series_note" and request["json"]["markdown"] == "**x**"


@pytest.mark.parametrize(
    "kind, answer, permanent, retry_after",
    [
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, True, None),
        ("wecom", {"errcode": 45009, "errmsg": "api freq out of limit"}, False, 60.0),
        ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}, True, None),
        ("dingtalk", {"errcode": 130101, "errmsg": "send too fast"}, False, 600.0),
        ("feishu", {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}, True, None),
        ("feishu", {"code": 9499, "msg": "too many request"}, False, 60.0),
        ("feishu", {"code": 11232, "msg": "frequency limited"}, False, 60.0),
        ("feishu", {"StatusCode": 19021, "StatusMessage": "sign match fail"}, True, None),
        ("wecom", {"errcode": -1, "errmsg": "system busy"}, False, None),
    ],
)
def test_error_codes_in_http_200(make_channel, stub_http, kind, answer, permanent, retry_after):
    stub_http.answer(200, answer)
    with pytest.raises(TransportError) as caught:
        send(enqueue(make_channel(kind)))
    assert caught.value.permanent is permanent
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize(
    "status, permanent, retry_after", [(404, True, None), (403, True, None), (500, False, None), (503, False, None), (429, False, 30.0)]
)
def test_http_status(make_channel, stub_http, status, permanent, retry_after):
    stub_http.answer(status, {"error": "x"}, {"Retry-After": "30"})
    with pytest.raises(TransportError) as caught:
        send(enqueue(make_channel("webhook")))
    assert (caught.value.permanent, caught.value.retry_after) == (permanent, retry_after)


def test_connection_errors_are_temporary(make_channel, stub_http):
    stub_http.answers.append(http.HttpError("timed out"))
    with pytest.raises(TransportError) as caught:
        send(enqueue(make_channel("dingtalk")))
    assert not caught.value.permanent


def test_private_addresses_refused_unless_allowed(settings):
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = False
    for url in ["http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://[::1]/x", "http://169.254.169.254/latest", "ftp://example.com/"]:
        with pytest.raises(http.HttpError) as caught:
            http.post(url, body=b"{}")
        assert caught.value.permanent


def test_redirect_to_another_host_refused(settings):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(307)
            self.send_header("Location", "http://127.0.0.2:1/elsewhere")
            self.end_headers()

        def log_message(self, *args):
            pass

    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(http.HttpError, match="another host"):
            http.post(f"http://127.0.0.1:{server.server_port}/hook", body=b"{}")
    finally:
        server.shutdown()
        server.server_close()


def test_secrets_are_masked(make_channel):
    channel = make_channel("wecom", secret="SECabcdefghijklmnop")
    assert channel.masked_secret == "••••mnop"
    assert "KEY-123" not in channel.masked_url and channel.masked_url.startswith("https://qyapi.weixin.qq.com/")
    assert "HOOK-ID" not in make_channel("feishu").masked_url
    assert make_channel("dingtalk", secret="short").masked_secret == "••••"
    assert json.dumps(channel.masked_url)
