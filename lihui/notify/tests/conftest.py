import json

import pytest

from lihui.notify import http
from lihui.notify.models import Channel
from lihui.notify.sink import RobotSink
from lihui.testing.factories import PersonFactory, make_series


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


@pytest.fixture
def sink(settings):
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True
    s = RobotSink()
    yield s
    s.close()
