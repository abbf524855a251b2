import socket

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _language_back_to_default():
    """A request by an English-speaking person leaves English active in this thread (as
    Django's own LocaleMiddleware does; each real request activates its own language first).
    Put the default back after each test so no test inherits another's language."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_outside_network(monkeypatch):
    """Any test that opens a connection beyond loopback fails: the product runs on intranets."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("/"):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def cast(request, db):
    """chair, minute_taker, presenter, outsider, admin; a private and a staff-visible series.

    A module that freezes the clock (a fixture named ``frozen`` or ``clock``) gets its cast
    made under that clock too: pytest sets autouse fixtures up in name order, so without
    this an ``_english(cast)`` fixture would write the cast at the real time — a test that
    holds only until the real date passes the frozen one."""
    for clock in ("frozen", "clock"):
        if clock in request.fixturenames:
            request.getfixturevalue(clock)
    from lihui.testing.cast import make_cast

    return make_cast()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """No persistent connections in tests: a live-server thread's open connection would
    stop PostgreSQL from dropping the test database at the end."""
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session", autouse=True)
def _end_stray_connections(django_db_setup, django_db_blocker):
    """A live-server request thread can still hold a PostgreSQL session when the suite
    ends; end such sessions so the test database can be dropped."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Rate limits and other cached state never leak from one test into the next. The
    throttle cache is a database table: a test with the database (from its first query on)
    starts with it empty; one without cannot count anything there."""
    from django.core.cache import caches

    caches["default"].clear()
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
        caches["throttle"].clear()
