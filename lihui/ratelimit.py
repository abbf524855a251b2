"""Rate limits and the cache they count in.

Every limit counts in the "throttle" cache (settings.CACHES), which all web processes share:
Redis when REDIS_URL is set, else a table in the database — a per-process cache would give
each worker its own allowance. `migrate` creates the table (lihui/ops/migrations)."""

from __future__ import annotations

import time

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction


def throttle_cache():
    return caches["throttle"]


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache with an increment that holds when processes count at once.

    Django's own `incr` reads the value and writes it back, so two workers counting the same
    failure would both write n + 1. Here the read and the write share one transaction that
    holds the row: on SQLite the IMMEDIATE transaction (settings) already takes the write lock
    at BEGIN; elsewhere the row is locked FOR UPDATE first."""

    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self._table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)


def counter_add(key: str, *, seconds: int) -> int:
    """Count one more at `key`, which starts at the first count and expires `seconds` later."""
    cache = throttle_cache()
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this is the first count
        cache.set(key, 1, seconds)
        return 1


def rate_limited(key: str, *, limit: int, per_seconds: int = 60) -> bool:
    """Count one more use of `key`; True when it is over `limit` in the current window."""
    window = int(time.time() // per_seconds)
    return counter_add(f"ratelimit:{key}:{window}", seconds=per_seconds * 2) > limit
