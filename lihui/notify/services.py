"""The outbox: `message_enqueue` writes rows in the caller's transaction; `deliver_due`
(the worker) claims due rows one at a time with a conditional UPDATE and sends each
outside any transaction. See docs/decisions/0005-outbox.md.

At least once, with an idempotency key: a crash after the send and before recording it
resends once the lease expires; the key (a header on e-mail and webhooks) lets the
receiver drop the copy."""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from lihui.audit.services import E, V, audit_change, audit_created, audit_diff, audit_record, audit_snapshot

from .kinds import ROBOT, ROBOT_LABELS
from .models import Channel, Message
from .transports import TransportError, transport_for

log = logging.getLogger("lihui.notify")

State = Message.State

# kind → callable(message) -> bool, checked just before sending: False cancels the message
# (a moved meeting's old reminder). Domain apps register theirs from AppConfig.ready().
_still_applies: dict[str, Callable[[Message], bool]] = {}


def still_applies_register(kind: str) -> Callable:
    def register(check: Callable[[Message], bool]) -> Callable[[Message], bool]:
        _still_applies[kind] = check
        return check

    return register


def _key(*, kind: str, object_type: str, object_id: int, to: str, transport: str, version: int | str) -> str:
    return f"{kind}:{object_type}:{object_id}:{to}:{transport}:v{version}"


def message_enqueue(
    *,
    kind: str,
    object: models.Model,
    recipients: Iterable = (),
    channels: Iterable[Channel] = (),
    transport: str = Message.Transport.EMAIL,
    subject: str,
    text: str,
    markdown: str = "",
    version: int | str = 1,
    due_at: dt.datetime | None = None,
    language: str = "",
    payload: dict | None = None,
) -> list[Message]:
    """Queue one rendered message for each recipient (by `transport`, e-mail by default)
    and each enabled channel (by its own kind). Call it inside the transaction of the
    change that causes it. Idempotent: a row with the same key (kind, object, recipient or
    channel, transport, version) is kept as it is, so calling twice queues once; bump
    `version` when the content really changed (the agenda published again).
    Returns the messages for these keys, new and existing."""
    object_type = object._meta.label_lower
    due_at = due_at or timezone.now()
    rows = []
    for person in recipients:
        rows.append(
            Message(
                recipient=person, transport=transport,
                idempotency_key=_key(kind=kind, object_type=object_type, object_id=object.pk, to=f"p{person.pk}",
                                     transport=transport, version=version),
            )  # fmt: skip
        )
    for channel in channels:
        if channel.enabled:
            rows.append(
                Message(
                    channel=channel, transport=channel.kind,
                    idempotency_key=_key(kind=kind, object_type=object_type, object_id=object.pk, to=f"c{channel.pk}",
                                         transport=channel.kind, version=version),
                )  # fmt: skip
            )
    for row in rows:
        row.kind, row.object_type, row.object_id = kind, object_type, object.pk
        row.subject, row.body_text, row.body_markdown = subject[:300], text, markdown
        row.language, row.payload, row.due_at = language, payload or {}, due_at
    # ON CONFLICT DO NOTHING: a concurrent enqueue of the same key neither fails nor
    # breaks the caller's transaction.
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Message.objects.filter(idempotency_key__in=[r.idempotency_key for r in rows]))


def message_retry(*, messages: Iterable[Message]) -> int:
    """Send failed or cancelled messages again, now (the admin's retry button)."""
    ids = [m.pk for m in messages]
    return Message.objects.filter(pk__in=ids, state__in=[State.FAILED, State.CANCELLED]).update(
        state=State.PENDING, due_at=timezone.now(), attempts=0, claimed_by="", claimed_until=None
    )


def _claimable(now: dt.datetime) -> Q:
    return Q(state=State.PENDING, due_at__lte=now) | Q(state=State.SENDING, claimed_until__lt=now)


def message_claim(*, message_id: int, worker: str, now: dt.datetime) -> bool:
    """Take one message: a conditional UPDATE that only one worker can win. The attempt
    is counted at the claim, so a message that crashes workers still runs out of tries."""
    lease = now + dt.timedelta(seconds=settings.LIHUI_NOTIFY_LEASE_SECONDS)
    return bool(
        Message.objects.filter(_claimable(now), pk=message_id).update(
            state=State.SENDING, claimed_by=worker, claimed_until=lease, attempts=F("attempts") + 1
        )
    )


def _finish(message: Message, worker: str, **fields) -> bool:
    """Record the outcome, unless the lease was lost meanwhile (another worker owns it now)."""
    fields.setdefault("claimed_until", None)
    return bool(Message.objects.filter(pk=message.pk, state=State.SENDING, claimed_by=worker).update(**fields))


def backoff_seconds(attempts: int) -> float:
    base = settings.LIHUI_NOTIFY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    # Jitter spreads the retries of many messages that failed together.
    return min(base, settings.LIHUI_NOTIFY_BACKOFF_MAX_SECONDS) * random.uniform(1.0, 1.25)


def _bucket(kind: str) -> tuple[float, float]:
    """(capacity, tokens per second) that keep any 60 s window under the vendor's limit:
    capacity + rate × 60 = limit. Feishu also allows only 5 a second, so bursts stay ≤ 5."""
    limit = settings.LIHUI_NOTIFY_ROBOT_PER_MINUTE.get(kind, 0)
    if not limit:
        return 0.0, 0.0
    capacity = float(min(max(1, limit // 4), 5))
    return capacity, (limit - capacity) / 60.0


def channel_take_slot(*, channel_id: int, kind: str, now: dt.datetime) -> dt.datetime | None:
    """Take one send from the robot's token bucket. None: go ahead; else the time to try again.
    Compare-and-swap on the row, so workers share one bucket without locks."""
    capacity, rate = _bucket(kind)
    for _ in range(5):
        row = Channel.objects.filter(pk=channel_id).values("tokens", "tokens_at", "paused_until").first()
        if row is None:
            return None
        if row["paused_until"] and row["paused_until"] > now:
            return row["paused_until"]
        if not capacity:
            return None
        elapsed = (now - row["tokens_at"]).total_seconds() if row["tokens_at"] else None
        tokens = capacity if elapsed is None else min(capacity, row["tokens"] + max(elapsed, 0) * rate)
        if tokens < 1:
            return now + dt.timedelta(seconds=(1 - tokens) / rate)
        if Channel.objects.filter(pk=channel_id, tokens=row["tokens"], tokens_at=row["tokens_at"]).update(
            tokens=tokens - 1, tokens_at=now
        ):
            return None
    return now + dt.timedelta(seconds=1)  # heavy contention: come back in a moment


def _deliver_one(message: Message, worker: str) -> str:
    """Send a claimed message; returns the state it ends in."""
    now = timezone.now()
    message = Message.objects.select_related("recipient", "channel").get(pk=message.pk)
    if message.attempts > settings.LIHUI_NOTIFY_MAX_ATTEMPTS:
        # Claimed again and again without an outcome: it takes its worker down with it.
        _finish(message, worker, state=State.FAILED, last_error=f"gave up after {message.attempts - 1} attempts; "
                f"the worker stopped while sending. {message.last_error}"[:1000])  # fmt: skip
        return State.FAILED
    check = _still_applies.get(message.kind)
    gone = message.recipient_id is None and message.channel_id is None
    disabled = message.channel_id is not None and not message.channel.enabled
    try:
        applies = check is None or check(message)
    except Exception as e:  # a broken check must not send, nor wedge the message
        log.exception("still_applies check for %s failed on message %s", message.kind, message.pk)
        _finish(message, worker, state=State.PENDING, last_error=f"check failed: {type(e).__name__}: {e}"[:1000],
                claimed_by="", due_at=now + dt.timedelta(seconds=backoff_seconds(message.attempts)))  # fmt: skip
        return State.PENDING
    if gone or disabled or not applies:
        reason = "channel disabled" if disabled else "recipient or channel removed" if gone else "no longer applies"
        _finish(message, worker, state=State.CANCELLED, last_error=reason)
        return State.CANCELLED
    if message.channel_id is not None:
        later = channel_take_slot(channel_id=message.channel_id, kind=message.channel.kind, now=now)
        if later is not None:  # over the robot's rate: wait, without spending an attempt
            _finish(message, worker, state=State.PENDING, due_at=later, claimed_by="", attempts=F("attempts") - 1)
            return State.PENDING
    try:
        transport_for(message.transport).send(message)
    except TransportError as e:
        error = str(e)[:1000]
        if e.retry_after and message.channel_id is not None:
            # The vendor throttles the whole robot: hold every message for it.
            until = timezone.now() + dt.timedelta(seconds=e.retry_after)
            Channel.objects.filter(pk=message.channel_id).update(paused_until=until)
        if e.permanent or message.attempts >= settings.LIHUI_NOTIFY_MAX_ATTEMPTS:
            _finish(message, worker, state=State.FAILED, last_error=error)
            log.warning("message %s failed for good: %s", message.pk, error)
            return State.FAILED
        delay = max(backoff_seconds(message.attempts), e.retry_after or 0)
        _finish(message, worker, state=State.PENDING, last_error=error, claimed_by="",
                due_at=timezone.now() + dt.timedelta(seconds=delay))  # fmt: skip
        return State.PENDING
    except Exception as e:  # a bug in a transport must not stop the worker; retried like a temporary error
        log.exception("transport %s crashed on message %s", message.transport, message.pk)
        error = f"{type(e).__name__}: {e}"[:1000]
        if message.attempts >= settings.LIHUI_NOTIFY_MAX_ATTEMPTS:
            _finish(message, worker, state=State.FAILED, last_error=error)
            return State.FAILED
        _finish(message, worker, state=State.PENDING, last_error=error, claimed_by="",
                due_at=timezone.now() + dt.timedelta(seconds=backoff_seconds(message.attempts)))  # fmt: skip
        return State.PENDING
    _finish(message, worker, state=State.SENT, sent_at=timezone.now(), last_error="")
    return State.SENT


def deliver_due(*, worker: str, limit: int = 50, now: dt.datetime | None = None) -> int:
    """One pass of the worker: claim and send up to `limit` due messages (and those whose
    worker died holding them). Returns how many were claimed. Must not run inside a
    transaction: each claim commits before its network call."""
    now = now or timezone.now()
    ids = list(Message.objects.filter(_claimable(now)).order_by("due_at", "id").values_list("pk", flat=True)[:limit])
    claimed = 0
    for message_id in ids:
        if not message_claim(message_id=message_id, worker=worker, now=now):
            continue  # another worker won it
        claimed += 1
        _deliver_one(Message(pk=message_id), worker)
    return claimed


# --- group robots: changes go through here, each with its entry in the series' audit log ----


def _channel_snapshot(channel: Channel) -> dict[str, dict]:
    """What the log keeps of a robot: its key (in the URL) and secret only as their masks."""
    kinds = tuple(ROBOT_LABELS.get(k, k) for k in sorted(channel.kinds or [], key=lambda k: ROBOT.index(k) if k in ROBOT else 99))
    snap = audit_snapshot(channel, ["series", "kind", "name", "kinds", "enabled"], values={"kinds": kinds})
    field = Channel._meta.get_field
    snap["url"] = audit_change("url", field("url").verbose_name, None, channel.masked_url)
    snap["secret"] = audit_change("secret", field("secret").verbose_name, None, channel.masked_secret or None)
    return snap


def channel_create(*, actor, channel: Channel) -> Channel:
    """Save a new robot (the caller has checked that `actor` manages its series)."""
    with transaction.atomic():
        channel.save()
        audit_record(actor=actor, series=channel.series_id, entity=E.CHANNEL, object_id=channel.pk, verb=V.ADDED,
                     subject=channel.name, changes=audit_created(_channel_snapshot(channel)))  # fmt: skip
    return channel


def channel_update(*, actor, channel: Channel) -> Channel:
    """Save a robot carrying its new values (from the form); the log compares with the stored row."""
    with transaction.atomic():
        stored = Channel.objects.select_for_update().select_related("series").filter(pk=channel.pk).first()
        before = _channel_snapshot(stored) if stored else {}
        channel.save()
        changes = audit_diff(before, _channel_snapshot(channel))
        if stored and stored.url != channel.url and not any(c["field"] == "url" for c in changes):
            # Two keys can share a mask: still say the URL changed.
            changes.append({**_channel_snapshot(channel)["url"], "before": stored.masked_url})
        if stored and stored.secret != channel.secret and not any(c["field"] == "secret" for c in changes):
            changes.append({**_channel_snapshot(channel)["secret"], "before": stored.masked_secret or None})
        audit_record(actor=actor, series=channel.series_id, entity=E.CHANNEL, object_id=channel.pk, verb=V.CHANGED,
                     subject=channel.name, changes=changes)  # fmt: skip
    return channel


def channel_delete(*, actor, channel: Channel) -> None:
    with transaction.atomic():
        pk = channel.pk
        snapshot = _channel_snapshot(channel)
        channel.delete()
        audit_record(actor=actor, series=channel.series_id, entity=E.CHANNEL, object_id=pk, verb=V.REMOVED,
                     subject=channel.name, changes=[{**c, "before": c["after"], "after": None} for c in snapshot.values()
                                                    if c["after"] not in (None, "", [])])  # fmt: skip
