"""Throttles hold across processes: the counts live in a cache every web process shares
(the database's cache table unless REDIS_URL is set), and every rate limit reads the client
address the same way, from LIHUI_PROXY_COUNT trusted proxies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client

from lihui.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def _python(code: str, var_dir: Path) -> str:
    """Run `code` in a fresh process of the single box (no REDIS_URL, SQLite under `var_dir`)."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(LIHUI_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="lihui.settings")
    prelude = "import django; django.setup()\nfrom lihui.people import throttle\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_failures_counted_by_one_process_block_the_account_in_another(tmp_path):
    # `migrate` makes the cache table, so `make run` needs no extra step.
    _python(
        "from django.core.management import call_command\n"
        "call_command('migrate', 'ops', verbosity=0)\n"
        "for _ in range(5): throttle.login_failed(None, 'zhouyun')\n",
        tmp_path,
    )
    assert _python("print(throttle.login_blocked(None, 'zhouyun'))", tmp_path) == "True"


def test_the_throttle_cache_is_shared_by_default(settings):
    shared = "django.core.cache.backends.redis.RedisCache" if settings.REDIS_URL else "lihui.ratelimit.DatabaseCache"
    assert settings.CACHES["throttle"]["BACKEND"] == shared
    other = caches.create_connection("throttle")  # as a second process would open it
    caches["throttle"].set("seen-by-both", 3)
    assert other.get("seen-by-both") == 3
    assert other.incr("seen-by-both") == 4 and caches["throttle"].get("seen-by-both") == 4


@pytest.mark.parametrize("turn", [1, 2])
def test_every_test_starts_with_empty_throttles(turn):
    # Run twice in either order: the second would see the first's count without the conftest clearing it.
    assert caches["throttle"].get("left-by-a-test") is None
    caches["throttle"].set("left-by-a-test", turn)


def _token(client, xff: str, username: str = "zhang"):
    body = json.dumps({"username": username, "password": "wrong"})
    return client.post("/api/v1/auth/token", body, content_type="application/json", HTTP_X_FORWARDED_FOR=xff)


@pytest.mark.parametrize("proxies, remote, forwarded", [(0, "10.0.0.5", "198.51.100.{n}"), (1, "10.0.0.1", "198.51.100.{n}, 203.0.113.7")])
def test_a_forged_forwarded_for_does_not_escape_the_token_limit(settings, proxies, remote, forwarded):
    settings.LIHUI_PROXY_COUNT = proxies
    PersonFactory(username="zhang")
    client = Client(REMOTE_ADDR=remote)
    # Each request claims another client address (and tries another account, so only the
    # per-address limit applies); only what the trusted proxies saw counts.
    statuses = [_token(client, forwarded.format(n=n), f"guess{n}").status_code for n in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    assert set(_token(client, "192.0.2.1").json()) == {"error", "fields"}
