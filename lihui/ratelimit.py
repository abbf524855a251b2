"""A fixed-window rate limit in the cache (Redis when REDIS_URL is set, shared by every
process; per process otherwise, which is enough for the single box)."""

from __future__ import annotations

import time

from django.core.cache import cache


def rate_limited(key: str, *, limit: int, per_seconds: int = 60) -> bool:
    """Count one more use of `key`; True when it is over `limit` in the current window."""
    window = int(time.time() // per_seconds)
    name = f"ratelimit:{key}:{window}"
    cache.add(name, 0, per_seconds * 2)
    try:
        return cache.incr(name) > limit
    except ValueError:  # expired between add and incr: this is the first use
        cache.set(name, 1, per_seconds * 2)
        return False
