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
