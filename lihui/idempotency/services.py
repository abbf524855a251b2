import datetime as dt

from django.utils import timezone

from .models import IdempotencyKey

# How long a key answers with its first result; after that it may be used again.
KEY_LIFETIME = dt.timedelta(hours=24)


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Forget the keys older than KEY_LIFETIME (the worker, each pass); how many."""
    now = now or timezone.now()
    deleted, _ = IdempotencyKey.objects.filter(created__lt=now - KEY_LIFETIME).delete()
    return deleted
