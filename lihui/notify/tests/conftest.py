import json

import pytest

from lihui.notify import http
from lihui.notify.models import Channel
from lihui.testing import PersonFactory, make_series


class StubHttp:
    """Stands in for the choke point: records each request, answers from a queue."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[http.Response | Exception] = []

    def answer(self, status=200, body=None, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body if body is not None else {"errcode": 0, "errmsg": "ok"}).encode()
        self.answers.append(http.Response(status, data, headers or {}))

    def __call__(self, url, *, body, headers=None):
        self.requests.append({"url": url, "body": body, "json": json.loads(body), "headers": headers or {}})
        if self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return http.Response(200, b'{"errcode":0,"errmsg":"ok"}', {})


@pytest.fixture
def stub_http(monkeypatch):
    stub = StubHttp()
    monkeypatch.setattr(http, "post", stub)
    return stub


@pytest.fixture
def series(db):
    return make_series(chair=PersonFactory(username="notify_chair"))


@pytest.fixture
def make_channel(series):
    def make(kind="wecom", url=None, secret="", **extra):
        urls = {
            "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY-123",
            "dingtalk": "https://oapi.dingtalk.com/robot/send?access_token=T-abc",
            "feishu": "https://open.feishu.cn/open-apis/bot/v2/hook/HOOK-ID",
            "webhook": "https://hooks.example.com/lihui",
        }
        return Channel.objects.create(series=series, kind=kind, name=f"{kind} robot", url=url or urls[kind], secret=secret, **extra)

    return make


class Sink:
    """A local HTTP receiver standing in for a robot: records every request (raw receipts)
    and answers {"errcode": 0}."""

    def __init__(self):
        import threading
        from collections import Counter
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        sink = self
        self.received: list[dict] = []
        self.keys: Counter = Counter()
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink.lock:
                    sink.received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                    sink.keys[self.headers.get("X-Lihui-Idempotency-Key")] += 1
                answer = b'{"errcode":0,"errmsg":"ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink(settings):
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True
    s = Sink()
    yield s
    s.close()
