"""The chair's group robots page and the admins' sent-mail page."""

from __future__ import annotations

import os

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lihui.notify.models import Channel, Message

pytestmark = pytest.mark.django_db

WECOM_KEY = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
WECOM = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
DING_TOKEN = "d1n6t0k3nd1n6t0k3nd1n6t0k3n"
DINGTALK = f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}"
SECRET = "SEC0123456789abcdefSECRET"


def login(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def robots_url(series) -> str:
    return reverse("notify:channels", kwargs={"series_id": series.pk})


def channel_url(name: str, channel: Channel) -> str:
    return reverse(name, kwargs={"series_id": channel.series_id, "channel_id": channel.pk})


def add(client, series, **data):
    return client.post(robots_url(series), {"kind": "wecom", "name": "运营群", "url": WECOM, "secret": "", "enabled": "on", **data})


def robots(series) -> list:
    return list(Channel.objects.filter(series=series).order_by("pk").values_list("kind", "name", "url", "secret", "enabled"))


# --- group robots ---------------------------------------------------------------------------


def test_chair_adds_a_robot(cast):
    response = add(login(cast.chair), cast.series, kind="dingtalk", name="钉钉群", url=DINGTALK, secret=SECRET)
    assert response.status_code == 302
    assert response.url == robots_url(cast.series)
    channel = Channel.objects.get(series=cast.series)
    assert (channel.kind, channel.name, channel.url, channel.secret, channel.enabled) == ("dingtalk", "钉钉群", DINGTALK, SECRET, True)
    assert channel.created_by == cast.chair


@pytest.mark.parametrize(
    "kind, url, secret",
    [
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", ""),  # no key
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=", ""),  # empty key
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/other?key=abc", ""),  # wrong path
        ("wecom", DINGTALK, ""),  # a DingTalk address as WeCom
        ("dingtalk", "https://oapi.dingtalk.com/robot/send", SECRET),  # no access_token
        ("dingtalk", WECOM, ""),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/", ""),  # no hook id
        ("feishu", "https://open.feishu.cn/open-apis/bot/v1/hook/abc", ""),
        ("feishu", "ftp://open.feishu.cn/open-apis/bot/v2/hook/abc", ""),  # only http(s)
        ("webhook", "https://hooks.example.com/lihui", ""),  # a webhook needs its secret
        ("webhook", "javascript:alert(1)", SECRET),
        ("webhook", "https://hooks.example.com/" + "x" * 500, SECRET),  # too long
    ],
)
def test_a_bad_robot_is_refused_with_a_form_error(cast, kind, url, secret):
    response = add(login(cast.chair), cast.series, kind=kind, url=url, secret=secret)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors and set(form.errors) <= {"url", "secret"}
    assert robots(cast.series) == []


def test_robot_errors_are_translated(cast):
    """The errors go through gettext: in the chair's language (English here); switched to
    Chinese, Django's own are Chinese too."""
    cast.chair.language = "en"
    cast.chair.save(update_fields=["language"])
    client = login(cast.chair)
    response = add(client, cast.series, kind="webhook", url="https://hooks.example.com/lihui", secret="")
    assert response.context["form"].errors["secret"] == [
        "A JSON webhook needs a signing secret: every request is signed with HMAC-SHA256."
    ]
    response = add(client, cast.series, kind="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
    assert response.context["form"].errors["url"][0].startswith("A WeCom group robot address looks like")
    from django.utils import translation

    with translation.override("zh-hans"):
        from lihui.notify.forms import ChannelForm

        form = ChannelForm({"kind": "wecom", "name": "", "url": WECOM, "enabled": "on"})
        assert form.errors["name"] == ["此项为必填项。"]


@pytest.mark.parametrize(
    "kind, url, secret",
    [
        ("wecom", WECOM, ""),
        ("dingtalk", DINGTALK, ""),  # keyword security instead of a secret
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/3f9b1c2e-aaaa-bbbb", ""),
        ("feishu", "https://open.larksuite.com/open-apis/bot/v2/hook/3f9b1c2e", SECRET),
        ("feishu", "https://feishu.intra.example.com/open-apis/bot/v2/hook/3f9b1c2e", ""),  # a private deployment
        ("webhook", "http://hooks.example.com/lihui", SECRET),
    ],
)
def test_good_robot_addresses_are_accepted(cast, kind, url, secret):
    response = add(login(cast.chair), cast.series, kind=kind, url=url, secret=secret)
    assert response.status_code == 302, response.context["form"].errors
    assert robots(cast.series) == [(kind, "运营群", url, secret, True)]


def test_pages_never_show_the_key_or_the_secret(cast):
    client = login(cast.chair)
    add(client, cast.series, kind="dingtalk", url=DINGTALK, secret=SECRET)
    add(client, cast.series, kind="wecom", name="企微群", url=WECOM)
    ding, wecom = Channel.objects.filter(series=cast.series).order_by("kind")
    pages = [client.get(robots_url(cast.series)), client.get(channel_url("notify:channel_edit", ding)),
             client.get(channel_url("notify:channel_edit", wecom))]  # fmt: skip
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert SECRET not in html and DING_TOKEN not in html and WECOM_KEY not in html
    assert ding.masked_url in pages[0].content.decode()
    assert ding.masked_secret in pages[1].content.decode()


def test_edit_keeps_url_and_secret_when_left_empty(cast):
    client = login(cast.chair)
    add(client, cast.series, kind="dingtalk", url=DINGTALK, secret=SECRET)
    channel = Channel.objects.get(series=cast.series)
    response = client.post(channel_url("notify:channel_edit", channel), {"kind": "dingtalk", "name": "改名", "url": "", "secret": ""})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.url, channel.secret, channel.enabled) == ("改名", DINGTALK, SECRET, False)  # unchecked: disabled


def test_edit_replaces_url_and_secret(cast):
    client = login(cast.chair)
    add(client, cast.series, kind="dingtalk", url=DINGTALK, secret=SECRET)
    channel = Channel.objects.get(series=cast.series)
    new_url = "https://oapi.dingtalk.com/robot/send?access_token=newnewnew"
    data = {"kind": "dingtalk", "name": "钉钉群", "url": new_url, "secret": "SECnew", "enabled": "on"}
    assert client.post(channel_url("notify:channel_edit", channel), data).status_code == 302
    channel.refresh_from_db()
    assert (channel.url, channel.secret, channel.enabled) == (new_url, "SECnew", True)


def test_edit_to_a_webhook_without_a_secret_is_refused(cast):
    """The kept URL is checked against the new kind, and a webhook needs a secret."""
    client = login(cast.chair)
    add(client, cast.series, kind="wecom", url=WECOM)
    channel = Channel.objects.get(series=cast.series)
    before = robots(cast.series)
    response = client.post(channel_url("notify:channel_edit", channel), {"kind": "webhook", "name": "x", "url": "", "secret": ""})
    assert response.status_code == 200
    assert "secret" in response.context["form"].errors
    response = client.post(channel_url("notify:channel_edit", channel), {"kind": "dingtalk", "name": "x", "url": "", "secret": ""})
    assert "url" in response.context["form"].errors
    assert robots(cast.series) == before


def test_chair_removes_a_robot(cast, make_robot):
    channel = make_robot(cast.series)
    response = login(cast.chair).post(channel_url("notify:channel_delete", channel))
    assert response.status_code == 302
    assert not Channel.objects.filter(pk=channel.pk).exists()


def test_test_send_queues_exactly_one_message(cast, make_robot):
    channel = make_robot(cast.series)
    client = login(cast.chair)
    response = client.post(channel_url("notify:channel_test", channel), follow=True)
    assert response.status_code == 200
    message = Message.objects.get()
    assert (message.kind, message.channel, message.transport, message.state) == ("robot_test", channel, "wecom", "pending")
    assert (message.object_type, message.object_id) == ("regime.series", cast.series.pk)
    assert [str(m) for m in response.context["messages"]]
    html = response.content.decode()
    assert "badge scheduled" in html  # the list shows the pending delivery


def test_test_send_to_a_disabled_robot_queues_nothing(cast, make_robot):
    channel = make_robot(cast.series, enabled=False)
    response = login(cast.chair).post(channel_url("notify:channel_test", channel))
    assert response.status_code == 302
    assert not Message.objects.exists()


def test_list_shows_the_last_delivery_and_error(cast, make_robot):
    from lihui.notify.services import message_enqueue

    channel = make_robot(cast.series)
    first, = message_enqueue(kind="robot_test", object=cast.series, channels=[channel], subject="s", text="t", version=1)
    Message.objects.filter(pk=first.pk).update(state="failed", last_error="errcode 93000: invalid webhook url")
    second, = message_enqueue(kind="robot_test", object=cast.series, channels=[channel], subject="s", text="t", version=2)
    Message.objects.filter(pk=second.pk).update(state="sent")
    row = next(r for r in login(cast.chair).get(robots_url(cast.series)).context["channels"] if r.pk == channel.pk)
    assert (row.last_state, row.last_error) == ("sent", "errcode 93000: invalid webhook url")


@pytest.mark.parametrize(
    "role, expected",
    [("chair", 200), ("admin", 200), ("presenter", 403), ("minute_taker", 403), ("outsider", 404)],
)
def test_who_may_open_the_robots_page(cast, make_robot, role, expected):
    channel = make_robot(cast.series)
    client = login(getattr(cast, role))
    assert client.get(robots_url(cast.series)).status_code == expected
    assert client.get(channel_url("notify:channel_edit", channel)).status_code == expected
    before = robots(cast.series)
    assert add(client, cast.series).status_code == (302 if expected == 200 else expected)
    if expected != 200:
        assert robots(cast.series) == before
        assert client.post(channel_url("notify:channel_test", channel)).status_code == expected
        assert client.post(channel_url("notify:channel_delete", channel)).status_code == expected
        assert not Message.objects.exists() and Channel.objects.filter(pk=channel.pk).exists()


def test_a_robot_of_another_series_is_not_found(cast, make_robot):
    """The chair chairs both series: a robot of one through the other's URL is still 404."""
    channel = make_robot(cast.open_series)
    client = login(cast.chair)
    url = reverse("notify:channel_delete", kwargs={"series_id": cast.series.pk, "channel_id": channel.pk})
    assert client.post(url).status_code == 404
    assert Channel.objects.filter(pk=channel.pk).exists()


def test_robots_page_queries_do_not_grow_with_robots(cast, make_robot):
    client = login(cast.chair)
    make_robot(cast.series)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(robots_url(cast.series)).status_code == 200
        return len(queries)

    one = count()
    for i in range(4):
        channel = make_robot(cast.series, name=f"群{i}")
        Message.objects.create(kind="robot_test", object_type="regime.series", object_id=cast.series.pk, channel=channel,
                               transport="wecom", subject="s", body_text="t", idempotency_key=f"k{i}",
                               due_at="2026-11-01T00:00Z", last_error="boom")  # fmt: skip
    assert count() == one


def test_series_page_links_to_the_robots_for_managers_only(cast):
    url = reverse("regime:series_detail", kwargs={"pk": cast.series.pk})
    assert robots_url(cast.series) in login(cast.chair).get(url).content.decode()
    assert robots_url(cast.series) not in login(cast.presenter).get(url).content.decode()


@pytest.fixture
def make_robot():
    def make(series, **extra):
        fields = {"kind": "wecom", "name": "运营群", "url": WECOM, **extra}
        return Channel.objects.create(series=series, **fields)

    return make


# --- sent mail -----------------------------------------------------------------------------


@pytest.fixture
def mailbox(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Lihui//EN\r\nEND:VCALENDAR\r\n"


def send(subject: str, to: str = "member@example.com", connection=None) -> None:
    message = EmailMultiAlternatives(subject, f"{subject}\n\n请查收议程。", to=[to], connection=connection)
    message.attach_alternative(f"<p>{subject}</p><script>alert('x')</script>", "text/html")
    message.attach("invite.ics", ICS, "text/calendar")
    message.send()


def only_file(directory) -> str:
    names = os.listdir(directory)
    assert len(names) == 1
    return names[0]


def test_sent_mail_is_listed_and_shown(cast, mailbox):
    with mail.get_connection() as connection:  # one file holding both messages
        send("议程：运营周例会", connection=connection)
        send("Minutes: weekly ops", to="chair@example.com", connection=connection)
    name = only_file(mailbox)
    client = login(cast.admin)
    page = client.get(reverse("notify:mail_list"))
    assert page.status_code == 200
    rows = list(page.context["page"])
    assert {(r.name, r.index, r.subject, r.to) for r in rows} == {
        (name, 0, "议程：运营周例会", "member@example.com"),
        (name, 1, "Minutes: weekly ops", "chair@example.com"),
    }
    html = page.content.decode()
    assert "议程：运营周例会" in html
    assert reverse("notify:mail_detail", kwargs={"name": name, "index": 1}) in html

    detail = client.get(reverse("notify:mail_detail", kwargs={"name": name, "index": 0}))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "请查收议程。" in html and "member@example.com" in html
    assert "<script>alert" not in html  # the HTML part is never rendered
    assert "invite.ics" in html and "text/calendar" in html
    (position, part), = detail.context["parts"].attachments

    download = client.get(reverse("notify:mail_part", kwargs={"name": name, "index": 0, "part": position}))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/calendar")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment") and "invite.ics" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).replace(b"\r\n", b"\n") == ICS.replace("\r\n", "\n").encode()


def test_newest_first_and_paginated(cast, mailbox, settings):
    import time_machine

    for day in range(1, 53):
        with time_machine.travel(f"2026-10-{day % 31 + 1:02d}T0{day // 31}:00Z", tick=False):
            send(f"邮件 {day}")
    client = login(cast.admin)
    first = client.get(reverse("notify:mail_list"))
    dates = [m.date for m in first.context["page"]]
    assert len(dates) == 50 and dates == sorted(dates, reverse=True)
    second = client.get(reverse("notify:mail_list"), {"page": 2})
    assert len(list(second.context["page"])) == 2
    assert max(m.date for m in second.context["page"]) <= min(dates)


@pytest.mark.parametrize("exists", [False, True])
def test_no_mail_is_a_friendly_empty_page(cast, mailbox, exists):
    if exists:
        mailbox.mkdir()
    response = login(cast.admin).get(reverse("notify:mail_list"))
    assert response.status_code == 200
    assert list(response.context["page"]) == []


@pytest.mark.parametrize(
    "path",
    [
        "/mail/../0/",
        "/mail/..%2F..%2Fetc%2Fpasswd/0/",
        "/mail/%2Fetc%2Fpasswd/0/",
        "/mail/nonexistent.log/0/",
        "/mail/.hidden/0/",
        "/mail/sub/0/",
        "/mail/{name}/5/",
        "/mail/{name}/0/9/",
        "/mail/{name}/0/0/",  # the multipart containers are no attachments
        "/mail/{name}/0/1/",
        "/mail/{name}/0/2/",  # nor are the text shown on the page
        "/mail/{name}/0/3/",  # and the HTML, never served
        "/mail/..%2F{outside}/0/",
        "/mail/link.log/0/",
    ],
)
def test_only_mail_files_in_the_directory_are_read(cast, mailbox, tmp_path, path):
    send("议程")
    name = only_file(mailbox)
    (tmp_path / "outside.log").write_bytes((mailbox / name).read_bytes())
    (mailbox / ".hidden").write_bytes((mailbox / name).read_bytes())
    (mailbox / "sub").mkdir()
    (mailbox / "link.log").symlink_to(tmp_path / "outside.log")
    response = login(cast.admin).get(path.format(name=name, outside="outside.log"))
    assert response.status_code == 404


def test_sent_mail_is_for_staff_only(cast, mailbox):
    send("议程")
    name = only_file(mailbox)
    urls = [reverse("notify:mail_list"), reverse("notify:mail_detail", kwargs={"name": name, "index": 0}),
            reverse("notify:mail_part", kwargs={"name": name, "index": 0, "part": 4})]  # fmt: skip
    for url in urls:
        assert login(cast.admin).get(url).status_code == 200
        assert login(cast.chair).get(url).status_code == 404
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("people:login"))


def test_staff_see_the_sent_mail_link(cast):
    assert reverse("notify:mail_list") in login(cast.admin).get(reverse("meetings:dashboard")).content.decode()
    assert reverse("notify:mail_list") not in login(cast.chair).get(reverse("meetings:dashboard")).content.decode()


def test_admin_shares_the_form_and_hides_the_key(cast, make_robot):
    channel = make_robot(cast.series, kind="dingtalk", url=DINGTALK, secret=SECRET)
    client = login(cast.admin)
    page = client.get(reverse("admin:notify_channel_change", args=[channel.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert DING_TOKEN not in html and SECRET not in html
    data = {"series": cast.series.pk, "kind": "feishu", "name": "x", "url": "https://hooks.example.com/", "secret": "",
            "created_by": ""}  # fmt: skip
    response = client.post(reverse("admin:notify_channel_change", args=[channel.pk]), data)
    assert response.status_code == 200  # refused: not a Feishu address
    assert "url" in response.context["adminform"].form.errors
    response = client.post(reverse("admin:notify_channel_change", args=[channel.pk]), {**data, "kind": "dingtalk", "url": ""})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.url, channel.secret, channel.enabled) == (DINGTALK, SECRET, False)


# --- a robot moved to another host, and the audit log of robots (hostile review #14) ---------

WEBHOOK_SECRET = "whsec-0123456789abcdef"


def edit(client, channel, **data):
    data = {"name": channel.name, "enabled": "on", "kinds": channel.kinds, **data}
    return client.post(channel_url("notify:channel_edit", channel), data, follow=True)


def test_a_webhook_moved_to_another_host_needs_its_secret_again(cast, make_robot):
    """The stored secret must not sign traffic to a host its owner never chose."""
    channel = make_robot(cast.series, kind="webhook", url="https://hooks.example.com/lihui", secret=WEBHOOK_SECRET)
    before = robots(cast.series)
    response = edit(login(cast.chair), channel, kind="webhook", url="https://attacker.example.net/lihui", secret="")
    assert response.status_code == 200
    assert response.context["form"].errors["secret"] == [
        "机器人地址已指向另一台主机：请重新输入签名密钥（已保存的密钥绝不会用于新的主机）。"
    ], "in the chair's language (zh-Hans)"
    assert robots(cast.series) == before


@pytest.mark.parametrize(
    "new_url",
    ["https://oapi.dingtalk.example.net/robot/send?access_token=T", "http://oapi.dingtalk.com/robot/send?access_token=T",
     "https://oapi.dingtalk.com:8443/robot/send?access_token=T"],
)  # fmt: skip
def test_a_signing_robot_moved_to_another_host_loses_its_secret_and_says_so(cast, make_robot, new_url):
    channel = make_robot(cast.series, kind="dingtalk", url=DINGTALK, secret=SECRET)
    response = edit(login(cast.chair), channel, kind="dingtalk", url=new_url, secret="")
    channel.refresh_from_db()
    assert (channel.url, channel.secret) == (new_url, "")
    shown = [str(m) for m in response.context["messages"]]
    assert any("已删除其签名密钥" in m for m in shown), shown


def test_a_new_secret_for_the_new_host_is_kept(cast, make_robot):
    channel = make_robot(cast.series, kind="webhook", url="https://hooks.example.com/lihui", secret=WEBHOOK_SECRET)
    edit(login(cast.chair), channel, kind="webhook", url="https://hooks.other.example/lihui", secret="whsec-new-secret-000")
    channel.refresh_from_db()
    assert (channel.url, channel.secret) == ("https://hooks.other.example/lihui", "whsec-new-secret-000")


def test_a_new_key_on_the_same_host_keeps_the_secret(cast, make_robot):
    channel = make_robot(cast.series, kind="dingtalk", url=DINGTALK, secret=SECRET)
    new_url = "https://OAPI.dingtalk.com/robot/send?access_token=another"
    edit(login(cast.chair), channel, kind="dingtalk", url=new_url, secret="")
    channel.refresh_from_db()
    assert channel.secret == SECRET and channel.url.endswith("access_token=another")


def test_admin_moving_a_robot_to_another_host_loses_its_secret(cast, make_robot):
    channel = make_robot(cast.series, kind="dingtalk", url=DINGTALK, secret=SECRET)
    data = {"series": cast.series.pk, "kind": "dingtalk", "name": "x", "url": "https://ding.example.net/robot/send?access_token=T",
            "secret": "", "enabled": "on", "created_by": ""}  # fmt: skip
    response = login(cast.admin).post(reverse("admin:notify_channel_change", args=[channel.pk]), data, follow=True)
    assert response.status_code == 200
    channel.refresh_from_db()
    assert channel.secret == ""
    assert any("已删除其签名密钥" in str(m) for m in response.context["messages"])


def _log(series) -> list:
    from lihui.audit.models import AuditEntry

    return list(AuditEntry.objects.filter(series=series, entity="channel").order_by("id"))


def test_robot_changes_are_audited_without_the_key_or_the_secret(cast):
    client = login(cast.chair)
    add(client, cast.series, kind="dingtalk", name="钉钉群", url=DINGTALK, secret=SECRET, kinds=["agenda_published"])
    channel = Channel.objects.get(series=cast.series)
    new_url = "https://oapi.dingtalk.com/robot/send?access_token=newtokennewtoken"
    edit(client, channel, kind="dingtalk", name="钉钉群", url=new_url, secret="SECanother-secret-9876")
    edit(client, channel, kind="dingtalk", name="值班群", url="", secret="")
    edit(client, channel, kind="dingtalk", name="值班群", url="", secret="")  # nothing changed: no entry
    client.post(channel_url("notify:channel_delete", channel))
    added, moved, renamed, removed = _log(cast.series)
    assert [(e.verb, e.subject, e.actor_id, e.object_id) for e in (added, moved, renamed, removed)] == [
        ("added", "钉钉群", cast.chair.pk, channel.pk), ("changed", "钉钉群", cast.chair.pk, channel.pk),
        ("changed", "值班群", cast.chair.pk, channel.pk), ("removed", "值班群", cast.chair.pk, channel.pk),
    ]  # fmt: skip
    assert {c["field"] for c in added.changes} >= {"kind", "name", "url", "secret", "kinds", "enabled"}
    assert {c["field"]: (c["before"], c["after"]) for c in moved.changes} == {
        "url": (Channel(url=DINGTALK).masked_url, Channel(url=new_url).masked_url),
        "secret": ("••••CRET", "••••9876"),
    }
    assert [(c["field"], c["before"], c["after"]) for c in renamed.changes] == [("name", "钉钉群", "值班群")]
    stored = repr([e.changes for e in _log(cast.series)])
    for secret in (DING_TOKEN, "newtokennewtoken", SECRET, "SECanother-secret-9876"):
        assert secret not in stored
    page = client.get(reverse("audit:series_log", kwargs={"pk": cast.series.pk}) + "?kind=channel")
    assert page.status_code == 200 and "值班群" in page.content.decode()


def test_a_secret_changed_for_one_of_the_same_mask_is_still_audited(cast, make_robot):
    channel = make_robot(cast.series, kind="dingtalk", url=DINGTALK, secret="short1")
    edit(login(cast.chair), channel, kind="dingtalk", url="", secret="short2")
    [entry] = _log(cast.series)
    assert [c["field"] for c in entry.changes] == ["secret"]


def test_admin_robot_changes_are_audited(cast, make_robot):
    channel = make_robot(cast.series, kind="dingtalk", url=DINGTALK, secret=SECRET)
    client = login(cast.admin)
    data = {"series": cast.series.pk, "kind": "dingtalk", "name": "管理员改名", "url": "", "secret": "", "enabled": "on",
            "kinds": channel.kinds, "created_by": ""}  # fmt: skip
    assert client.post(reverse("admin:notify_channel_change", args=[channel.pk]), data).status_code == 302
    assert client.post(reverse("admin:notify_channel_delete", args=[channel.pk]), {"post": "yes"}).status_code == 302
    changed, removed = _log(cast.series)
    assert (changed.verb, changed.actor_id, [c["field"] for c in changed.changes]) == ("changed", cast.admin.pk, ["name"])
    assert (removed.verb, removed.subject) == ("removed", "管理员改名")
