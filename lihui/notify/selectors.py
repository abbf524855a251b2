from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import Channel, Message

if TYPE_CHECKING:  # a robot belongs to a series; delivery never needs the regime's code
    from lihui.regime.models import Series


def channel_list(*, series: Series) -> QuerySet[Channel]:
    """The series' robots, each with its last delivery (`last_state`, `last_at`) and the
    last error it reported (`last_error`, `last_error_at`): subqueries, one query in all."""
    latest = Message.objects.filter(channel=OuterRef("pk")).order_by("-created", "-id")
    failed = latest.exclude(last_error="")
    return series.channels.annotate(
        last_state=Subquery(latest.values("state")[:1]),
        last_at=Subquery(latest.annotate(at=Coalesce("sent_at", "created")).values("at")[:1]),
        last_error=Subquery(failed.values("last_error")[:1]),
        last_error_at=Subquery(failed.values("created")[:1]),
    ).order_by("name", "id")
