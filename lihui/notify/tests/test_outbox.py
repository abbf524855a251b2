"""The outbox: idempotent enqueue, atomic claims, retries with backoff, permanent failures,
leases of crashed workers, the send-time check, and pacing per robot."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from lihui.notify.models import Channel, Message
from lihui.notify.services import (
    channel_take_slot,
    deliver_due,
    message_claim,
    message_enqueue,
    message_retry,
    still_applies_register,
)
from lihui.testing.factories import PersonFactory

S = Message.State
T0 = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)


def queue(series, *, channels=(), recipients=(), version=1, kind="series_note", **extra):
    return message_enqueue(
        kind=kind, object=series, channels=channels, recipients=recipients, subject="议程", text="议程已发布",
        version=version, **extra,
    )  # fmt: skip


def test_enqueue_is_idempotent_per_key(series, make_channel):
    people = [PersonFactory(), PersonFactory()]
    robot = make_channel("wecom")
    first = queue(series, recipients=people, channels=[robot])
    again = queue(series, recipients=people, channels=[robot])
    assert len(first) == 3 and {m.pk for m in first} == {m.pk for m in again}
    assert Message.objects.count() == 3
    assert {m.transport for m in first} == {"email", "wecom"}
    assert first[0].idempotency_key.startswith("series_note:regime.series:")
    queue(series, recipients=people, version=2)  # published again: new messages
    assert Message.objects.count() == 5


def test_enqueue_rolls_back_with_the_callers_transaction(series):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(series, recipients=[PersonFactory()])
        raise RuntimeError("the change failed")
    assert not Message.objects.exists()


def test_enqueue_skips_disabled_channels(series, make_channel):
    assert queue(series, channels=[make_channel("wecom", enabled=False)]) == []


def test_two_claims_never_get_the_same_row(series):
    [message] = queue(series, recipients=[PersonFactory()])
    now = timezone.now()
    assert message_claim(message_id=message.pk, worker="a", now=now)
    assert not message_claim(message_id=message.pk, worker="b", now=now)
    message.refresh_from_db()
    assert (message.state, message.claimed_by, message.attempts) == (S.SENDING, "a", 1)


def test_deliver_sends_and_marks_sent(series, make_channel, stub_http):
    queue(series, channels=[make_channel("wecom")])
    assert deliver_due(worker="w") == 1
    message = Message.objects.get()
    assert (message.state, message.attempts, message.claimed_until) == (S.SENT, 1, None)
    assert message.sent_at is not None and len(stub_http.requests) == 1
    assert deliver_due(worker="w") == 0


def test_not_before_due(series, make_channel, stub_http):
    queue(series, channels=[make_channel("wecom")], due_at=timezone.now() + dt.timedelta(hours=1))
    assert deliver_due(worker="w") == 0
    assert deliver_due(worker="w", now=timezone.now() + dt.timedelta(hours=2)) == 1


def test_temporary_errors_back_off_then_fail(series, make_channel, stub_http, settings):
    settings.LIHUI_NOTIFY_MAX_ATTEMPTS = 3
    settings.LIHUI_NOTIFY_BACKOFF_SECONDS = 30
    for _ in range(3):
        stub_http.answer(503, {"error": "busy"})
    with time_machine.travel(T0, tick=False) as clock:
        queue(series, channels=[make_channel("webhook")])
        deliver_due(worker="w")
        message = Message.objects.get()
        assert message.state == S.PENDING and message.attempts == 1 and "503" in message.last_error
        assert 30 <= (message.due_at - T0).total_seconds() <= 37.5  # 30 s, plus up to 25 % jitter
        assert deliver_due(worker="w") == 0  # not yet due
        clock.move_to(message.due_at)
        deliver_due(worker="w")
        message.refresh_from_db()
        delay = (message.due_at - timezone.now()).total_seconds()
        assert message.attempts == 2 and 60 <= delay <= 75  # doubled
        clock.move_to(message.due_at)
        deliver_due(worker="w")
        message.refresh_from_db()
        assert message.state == S.FAILED and message.attempts == 3
    assert len(stub_http.requests) == 3


def test_permanent_error_fails_at_once(series, make_channel, stub_http):
    stub_http.answer(200, {"code": 19021, "msg": "sign match fail"})
    queue(series, channels=[make_channel("feishu", secret="s")])
    deliver_due(worker="w")
    message = Message.objects.get()
    assert message.state == S.FAILED and message.attempts == 1 and "19021" in message.last_error


def test_rate_limit_answer_pauses_the_robot(series, make_channel, stub_http):
    robot = make_channel("dingtalk")
    stub_http.answer(200, {"errcode": 130101, "errmsg": "send too fast"})
    with time_machine.travel(T0, tick=False):
        queue(series, channels=[robot])
        queue(series, channels=[robot], version=2)
        deliver_due(worker="w")
        robot.refresh_from_db()
        assert robot.paused_until == T0 + dt.timedelta(minutes=10)
        first, second = Message.objects.order_by("id")
        assert first.state == S.PENDING and first.due_at >= T0 + dt.timedelta(minutes=10)
        # The second waits for the robot without spending an attempt.
        assert second.state == S.PENDING and second.attempts == 0 and second.due_at == robot.paused_until
    assert len(stub_http.requests) == 1


def test_expired_lease_is_reclaimed(series, make_channel, stub_http, settings):
    settings.LIHUI_NOTIFY_LEASE_SECONDS = 60
    with time_machine.travel(T0, tick=False) as clock:
        [message] = queue(series, channels=[make_channel("wecom")])
        assert message_claim(message_id=message.pk, worker="crashed", now=timezone.now())  # then the worker dies
        assert deliver_due(worker="w2") == 0  # the lease still holds
        clock.shift(61)
        assert deliver_due(worker="w2") == 1
    message.refresh_from_db()
    assert (message.state, message.attempts) == (S.SENT, 2)


def test_a_worker_that_lost_its_lease_does_not_overwrite(series, make_channel, stub_http):
    from lihui.notify.services import _finish

    [message] = queue(series, channels=[make_channel("wecom")])
    message_claim(message_id=message.pk, worker="slow", now=timezone.now())
    Message.objects.filter(pk=message.pk).update(claimed_by="other")  # reclaimed meanwhile
    assert not _finish(message, "slow", state=S.FAILED)


def test_still_applies_cancels(series, make_channel, stub_http):
    still_applies_register("reminder")(lambda m: m.payload.get("start") == "09:30")
    robot = make_channel("wecom")
    queue(series, channels=[robot], kind="reminder", payload={"start": "09:00"})  # the meeting moved
    queue(series, channels=[robot], kind="reminder", version=2, payload={"start": "09:30"})
    deliver_due(worker="w")
    old, new = Message.objects.order_by("id")
    assert old.state == S.CANCELLED and old.last_error == "no longer applies"
    assert new.state == S.SENT and len(stub_http.requests) == 1


def test_disabled_channel_cancels(series, make_channel, stub_http):
    robot = make_channel("wecom")
    queue(series, channels=[robot])
    Channel.objects.filter(pk=robot.pk).update(enabled=False)
    deliver_due(worker="w")
    assert Message.objects.get().state == S.CANCELLED and not stub_http.requests


def test_pacing_keeps_a_robot_under_its_limit(series, make_channel, stub_http):
    robot = make_channel("wecom")  # 20 a minute: a burst of 5, then 15 a minute
    with time_machine.travel(T0, tick=False) as clock:
        for v in range(30):
            queue(series, channels=[robot], version=v)
        sent_at = []
        for _ in range(240):  # four minutes, a pass every second
            before = len(stub_http.requests)
            deliver_due(worker="w")
            sent_at += [timezone.now()] * (len(stub_http.requests) - before)
            clock.shift(1)
    assert len(sent_at) == 30 and Message.objects.filter(state=S.SENT).count() == 30
    assert Message.objects.filter(attempts__gt=1).count() == 0  # waiting costs no attempt
    for i, t in enumerate(sent_at):
        assert sum(1 for u in sent_at[i:] if u - t < dt.timedelta(seconds=60)) <= 20


def test_slot_contention_reschedules(series, make_channel):
    robot = make_channel("feishu")
    now = timezone.now()
    results = [channel_take_slot(channel_id=robot.pk, kind="feishu", now=now) for _ in range(6)]
    assert results[:5] == [None] * 5 and results[5] > now  # 5 a second at most


def test_retry_failed(series, make_channel, stub_http):
    stub_http.answer(404, {})
    queue(series, channels=[make_channel("webhook")])
    deliver_due(worker="w")
    assert message_retry(messages=Message.objects.all()) == 1
    deliver_due(worker="w")
    assert Message.objects.get().state == S.SENT


def test_email_to_the_file_backend(series, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    person = PersonFactory(email="wang@example.com")
    queue(series, recipients=[person], markdown="**议程**")
    deliver_due(worker="w")
    assert Message.objects.get().state == S.SENT
    [written] = list(tmp_path.iterdir())
    content = written.read_text()
    assert "wang@example.com" in content and "X-Lihui-Idempotency-Key: series_note:" in content


def test_no_email_address_fails_for_good(series, mailoutbox):
    queue(series, recipients=[PersonFactory(email="")])
    deliver_due(worker="w")
    message = Message.objects.get()
    assert message.state == S.FAILED and not mailoutbox


def test_admin_lists_failed_and_retries(series, make_channel, stub_http, client):
    admin = PersonFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    stub_http.answer(404, {})
    queue(series, channels=[make_channel("webhook", secret="SECRETSECRETSECRET")])
    deliver_due(worker="w")
    page = client.get("/admin/notify/message/?delivery=failed")
    assert page.status_code == 200 and "HTTP 404" in page.content.decode()
    message = Message.objects.get()
    client.post("/admin/notify/message/", {"action": "retry", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.state == S.PENDING
    channels = client.get("/admin/notify/channel/").content.decode()
    assert "SECRETSECRETSECRET" not in channels and "••••CRET" in channels
    change = client.get(f"/admin/notify/channel/{message.channel_id}/change/").content.decode()
    assert "SECRETSECRETSECRET" not in change


def test_a_message_that_keeps_killing_workers_gives_up(series, make_channel, stub_http, settings):
    settings.LIHUI_NOTIFY_MAX_ATTEMPTS = 2
    settings.LIHUI_NOTIFY_LEASE_SECONDS = 60
    with time_machine.travel(T0, tick=False) as clock:
        [message] = queue(series, channels=[make_channel("wecom")])
        for _ in range(2):  # claimed, then the worker dies each time
            assert message_claim(message_id=message.pk, worker="doomed", now=timezone.now())
            clock.shift(61)
        deliver_due(worker="w")
    message.refresh_from_db()
    assert message.state == S.FAILED and "gave up after 2 attempts" in message.last_error
    assert not stub_http.requests


def test_a_broken_check_neither_sends_nor_wedges(series, make_channel, stub_http):
    def broken(message):
        raise LookupError("meeting gone")

    still_applies_register("broken_check")(broken)
    queue(series, channels=[make_channel("wecom")], kind="broken_check")
    deliver_due(worker="w")
    message = Message.objects.get()
    assert message.state == S.PENDING and "LookupError" in message.last_error and message.due_at > timezone.now()
    assert not stub_http.requests
