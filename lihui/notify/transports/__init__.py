"""Channels as plugins: one module per transport, registered by name."""

from .base import Transport, TransportError
from .dingtalk import DingTalk
from .email import Email
from .feishu import Feishu
from .webhook import Webhook
from .wecom import WeCom

REGISTRY: dict[str, Transport] = {t.name: t for t in (Email(), WeCom(), DingTalk(), Feishu(), Webhook())}


def transport_for(name: str) -> Transport:
    try:
        return REGISTRY[name]
    except KeyError:
        raise TransportError(f"unknown transport {name!r}", permanent=True) from None


__all__ = ["REGISTRY", "Transport", "TransportError", "transport_for"]
