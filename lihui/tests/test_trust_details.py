"""Small things that each cost trust (issue 16, list 6), each fixed at its cause."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import translation

from lihui.minutes.models import Minutes

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("port", "expected"), [("18810", "http://127.0.0.1:18810"), ("", "http://127.0.0.1:8000")])
def test_links_in_mail_and_calendars_follow_the_port_make_run_serves_on(port, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")}
    env.update({"PORT": port, "DJANGO_SETTINGS_MODULE": "lihui.settings"})
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.strip() == expected


def test_bin_serve_hands_its_port_to_the_worker():
    serve = (ROOT / "bin" / "serve").read_text()
    assert 'export PORT="${PORT:-8000}"' in serve


@pytest.mark.django_db
def test_every_page_names_its_icon_and_the_old_path_finds_it(cast):
    client = Client()
    client.force_login(cast.chair)
    html = client.get("/").content.decode()
    assert 'rel="icon"' in html and "lihui/favicon.svg" in html
    assert finders.find("lihui/favicon.svg"), "the icon is one of our static files"
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("lihui/favicon.svg")


def test_minutes_the_record_is_not_minutes_the_time_unit_in_chinese():
    with translation.override("zh-hans"):
        assert str(Minutes._meta.verbose_name) == "会议纪要"
        assert str(Minutes._meta.verbose_name_plural) == "会议纪要"
