"""Tests of truly parallel requests: threads released at once, each with its own connection."""

from __future__ import annotations


def in_parallel(n: int, press) -> list[Exception]:
    """Call `press()` from `n` threads released at the same moment, each with its own
    database connection; the exceptions they raised."""
    import threading

    from django.db import connections

    barrier, errors = threading.Barrier(n), []

    def run():
        try:
            barrier.wait()
            press()
        except Exception as exc:  # noqa: BLE001 — returned to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _database_takes_parallel_writers() -> bool:
    from django.db import connection

    name = str(connection.settings_dict.get("TEST", {}).get("NAME") or "")
    return connection.vendor != "sqlite" or (bool(name) and "memory" not in name)


def needs_parallel_writers(test):
    """Skip a test of truly parallel requests where the database cannot take them: SQLite's
    in-memory test database locks whole tables between connections. It runs on PostgreSQL,
    and on SQLite in a file (LIHUI_TEST_DB_FILE=1), where writers queue as in production."""
    import pytest

    return pytest.mark.skipif(not _database_takes_parallel_writers(),
                              reason="in-memory SQLite: run with LIHUI_TEST_DB_FILE=1 or on PostgreSQL")(test)
