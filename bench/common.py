"""Helpers the benchmark sections share."""

from __future__ import annotations

import math


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def section_database(filename: str) -> str:
    """On SQLite, a database file of the section's own next to the bench database (so the
    other sections' databases stay in place for inspection), created afresh; elsewhere the
    scratch database, flushed."""
    from pathlib import Path

    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "sqlite":
        call_command("flush", interactive=False, verbosity=0)
        return "flushed"
    path = Path(connection.settings_dict["NAME"]).with_name(filename)
    connection.close()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    connection.settings_dict["NAME"] = path
    call_command("migrate", interactive=False, verbosity=0)
    return str(path)


def timed_requests(send, check, requests: int, budget: float) -> dict:
    """Two warm-ups, one request with its SQL counted, then up to `requests` timed ones
    (fewer if they take over `budget` seconds, at least 5); every response is checked.
    Returns the times (seconds), the query count and the last response."""
    import gc
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        check(send())
    with CaptureQueriesContext(connection) as ctx:
        r = send()
    check(r)
    queries = len(ctx.captured_queries)
    gc.collect()
    times: list[float] = []
    t_start = time.perf_counter()
    while len(times) < requests and (len(times) < 5 or time.perf_counter() - t_start < budget):
        t = time.perf_counter()
        r = send()
        times.append(time.perf_counter() - t)
        check(r)
    return {"times": times, "queries": queries, "response": r}
