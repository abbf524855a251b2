"""Production settings: `check --deploy` is clean over HTTPS, a deployment without a secret
key refuses to start, and every response carries the protective headers."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from lihui.security import CONTENT_SECURITY_POLICY

REPO = Path(__file__).resolve().parents[2]


def manage(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "SITE_URL"}}
    base.update(LIHUI_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="lihui.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=base, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path,
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="lihui.example.com",
        CSRF_TRUSTED_ORIGINS="https://lihui.example.com", SITE_URL="https://lihui.example.com",
        LIHUI_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


def test_the_secret_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(secrets.token_urlsafe(50) + "\n")
    result = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path,
                    DEBUG="0", SECRET_KEY_FILE=str(key_file), SITE_URL="https://lihui.example.com")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_off_without_a_secret_key_refuses_to_start(tmp_path):
    result = manage("check", tmp_path=tmp_path, DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG=0" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_the_single_box_generates_its_key(tmp_path):
    """`make run` sets neither DEBUG nor SECRET_KEY: the key is generated into the var dir."""
    result = manage("check", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "secret_key").read_text()) >= 50


@pytest.mark.django_db
def test_every_response_carries_the_protective_headers(client):
    response = client.get("/login/")
    assert response["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    )
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert client.get("/api/v1/series")["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
