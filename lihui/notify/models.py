"""Delivery: group robots per series (`Channel`) and the durable outbox (`Message`).

`notify` knows channels and messages, not meetings: domain services hand it a rendered
message and who gets it (see services.message_enqueue)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .kinds import ROBOT_DEFAULT, ROBOT_LABELS


def mask(secret: str) -> str:
    """Enough to recognise a secret, never enough to use it."""
    if not secret:
        return ""
    return "••••" + secret[-4:] if len(secret) >= 12 else "••••"


def robot_default_kinds() -> list[str]:
    return list(ROBOT_DEFAULT)


class Channel(models.Model):
    """A group robot a series' chair connects: messages for the series are posted there."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk custom robot")
        FEISHU = "feishu", _("Feishu/Lark custom bot")
        WEBHOOK = "webhook", _("JSON webhook (HMAC-SHA256 signed)")

    series = models.ForeignKey("regime.Series", verbose_name=_("series"), on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("robot URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Which messages this robot posts (lihui.notices.kinds.ROBOT).
    kinds = models.JSONField(_("messages"), default=robot_default_kinds, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    # Pacing under the vendor's per-minute limit: a token bucket kept in the row and
    # updated by compare-and-swap, so every worker shares it. `paused_until` is set when
    # the vendor itself says "too many" (DingTalk throttles a robot for 10 minutes).
    tokens = models.FloatField(default=0, editable=False)
    tokens_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["series", "name", "id"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def kinds_display(self) -> list[str]:
        return [str(ROBOT_LABELS.get(kind, kind)) for kind in self.kinds]

    @property
    def masked_secret(self) -> str:
        return mask(self.secret)

    @property
    def masked_url(self) -> str:
        """The robot URL carries its key (WeCom `key=`, DingTalk `access_token=`, Feishu's hook id)."""
        parts = urlsplit(self.url)
        path = parts.path
        if "/hook/" in path:
            head, _sep, hook = path.rpartition("/hook/")
            path = f"{head}/hook/{mask(hook)}"
        query = "&".join(
            f"{k}={mask(v) if k in ('key', 'access_token', 'token') else v}"
            for k, _eq, v in (item.partition("=") for item in parts.query.split("&") if item)
        )
        return f"{parts.scheme}://{parts.netloc}{path}" + (f"?{query}" if query else "")


class Message(models.Model):
    """One delivery in the outbox, written in the same transaction as the change behind it."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    class Transport(models.TextChoices):
        EMAIL = "email", _("e-mail")
        WECOM = "wecom", "WeCom"
        DINGTALK = "dingtalk", "DingTalk"
        FEISHU = "feishu", "Feishu"
        WEBHOOK = "webhook", _("webhook")

    kind = models.CharField(_("kind"), max_length=50)  # e.g. "agenda_published"
    object_type = models.CharField(_("object type"), max_length=100)  # "app_label.model"
    object_id = models.BigIntegerField(_("object id"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    transport = models.CharField(_("transport"), max_length=20, choices=Transport.choices)
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_markdown = models.TextField(_("Markdown"), blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    claimed_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # What the worker polls: due pending rows, and leases of crashed workers.
            models.Index(fields=["due_at"], name="notify_pending_due", condition=Q(state="pending")),
            models.Index(fields=["claimed_until"], name="notify_sending_lease", condition=Q(state="sending")),
            models.Index(fields=["object_type", "object_id"], name="notify_object"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=True) | Q(channel__isnull=True), name="notify_recipient_or_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient or self.channel} ({self.state})"
