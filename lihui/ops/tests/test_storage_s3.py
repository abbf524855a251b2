"""Uploads on an S3-compatible server: moto's, in this process on a loopback port. The
storage options are those lihui/settings.py builds from LIHUI_STORAGE=s3 (read from a
subprocess), so the test covers the real configuration: a material added through the
service lands in the bucket, comes back through the permission-checked view as the same
bytes (an attachment, nosniff), and leaves the bucket with material_remove; a backup names
the bucket instead of copying it, and restore accepts that."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from moto.server import ThreadedMotoServer

from lihui.meetings.models import Material
from lihui.meetings.services import agenda as agenda_services
from lihui.ops.backup import restore
from lihui.testing.cast import make_cast

REPO = Path(__file__).resolve().parents[3]
KEY_ID, SECRET = "lihui-test", "lihui-test-secret"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n" + os.urandom(64 * 1024) + b"\n%%EOF\n"

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
s = storages["default"]
print(json.dumps({
    "class": f"{type(s).__module__}.{type(s).__qualname__}",
    "options": settings.STORAGES["default"].get("OPTIONS", {}),
    "attrs": {a: getattr(s, a, None) for a in ("bucket_name", "endpoint_url", "region_name", "access_key", "secret_key",
                                              "default_acl", "querystring_auth", "file_overwrite")},
}))
"""
SETTING_NAMES = (
    "LIHUI_STORAGE", "AWS_DEFAULT_ACL", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME",
    "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID_FILE", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY_FILE", "AWS_LOCATION",
    "AWS_S3_ADDRESSING_STYLE",
    "DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "SITE_URL",
)  # fmt: skip


def python(code_or_args: list[str], var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    """Run Python in the checkout with a clean storage environment plus `env`."""
    base = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    base.update(LIHUI_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="lihui.settings", **env)
    return subprocess.run([sys.executable, *code_or_args], cwd=REPO, env=base, capture_output=True, text=True, timeout=120)


def probe(var_dir: Path, **env: str) -> dict:
    result = python(["-c", PROBE], var_dir, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the settings switch ---------------------------------------------------------------


def test_local_disk_is_the_default(tmp_path):
    assert probe(tmp_path)["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert probe(tmp_path, LIHUI_STORAGE="local")["class"] == "django.core.files.storage.filesystem.FileSystemStorage"


def test_lihui_storage_s3_selects_the_private_bucket(tmp_path):
    secret_file = tmp_path / "s3-secret"
    secret_file.write_text(SECRET + "\n")
    found = probe(tmp_path, LIHUI_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="lihui-materials",
                  AWS_S3_ENDPOINT_URL="https://minio.intra:9000", AWS_S3_REGION_NAME="cn-east-1",
                  AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY_FILE=str(secret_file))  # fmt: skip
    assert found["class"] == "storages.backends.s3.S3Storage"
    assert found["attrs"] == {
        "bucket_name": "lihui-materials", "endpoint_url": "https://minio.intra:9000", "region_name": "cn-east-1",
        "access_key": KEY_ID, "secret_key": SECRET,
        "default_acl": "private", "querystring_auth": False, "file_overwrite": False,
    }  # fmt: skip
    owner_acl = probe(tmp_path, LIHUI_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="b", AWS_DEFAULT_ACL="bucket-owner-full-control")
    assert owner_acl["attrs"]["default_acl"] == "bucket-owner-full-control"


@pytest.mark.parametrize("env, message", [
    ({"LIHUI_STORAGE": "s3"}, "LIHUI_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME"),
    ({"LIHUI_STORAGE": "ftp"}, "LIHUI_STORAGE must be 'local' or 's3'"),
])  # fmt: skip
def test_a_wrong_storage_setting_refuses_to_start(tmp_path, env, message):
    result = python(["manage.py", "check"], tmp_path, **env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr


def test_check_deploy_is_clean_with_s3_storage(tmp_path):
    result = python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path,
                    DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="lihui.example.com",
                    CSRF_TRUSTED_ORIGINS="https://lihui.example.com", SITE_URL="https://lihui.example.com",
                    LIHUI_PROXY_SSL_HEADER="X-Forwarded-Proto", LIHUI_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="lihui-materials",
                    AWS_S3_ENDPOINT_URL="http://127.0.0.1:9")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


# --- against an S3-compatible server ---------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's S3 on 127.0.0.1 (a free port), and the storage options the settings build for it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    found = probe(tmp_path_factory.mktemp("s3-settings"), LIHUI_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="set-per-test",
                  AWS_S3_ENDPOINT_URL=endpoint, AWS_S3_REGION_NAME="us-east-1", AWS_ACCESS_KEY_ID=KEY_ID,
                  AWS_SECRET_ACCESS_KEY=SECRET)  # fmt: skip
    assert found["class"] == "storages.backends.s3.S3Storage"
    yield endpoint, found["options"]
    server.stop()


@dataclass
class Bucket:
    name: str
    client: object

    def keys(self) -> list[str]:
        return [o["Key"] for o in self.client.list_objects_v2(Bucket=self.name).get("Contents", [])]

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def bucket(s3_server, settings) -> Bucket:
    """A fresh bucket, and the default storage switched to it as LIHUI_STORAGE=s3 would."""
    endpoint, options = s3_server
    name = f"lihui-{uuid.uuid4().hex[:16]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
    client.create_bucket(Bucket=name)
    s3 = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**options, "bucket_name": name}}
    settings.STORAGES = {**settings.STORAGES, "default": s3}
    settings.MEDIA_ROOT = "/nonexistent/lihui-media"  # nothing may touch the local disk
    return Bucket(name, client)


def material_on_next_meeting(cast) -> Material:
    meeting = cast.series.meetings.filter(start__gt=timezone.now()).order_by("start").first()
    agenda_services.agenda_ensure(meeting=meeting)
    item = meeting.items.order_by("position").first()
    upload = SimpleUploadedFile("季度预算.pdf", PDF, content_type="application/pdf")
    return agenda_services.material_add(actor=cast.chair, item=item, upload=upload)


@pytest.mark.django_db
def test_material_lives_in_the_bucket_is_served_by_the_view_and_removed(bucket):
    cast = make_cast()
    material = material_on_next_meeting(cast)
    assert bucket.keys() == [material.file.name]
    assert material.file.name.startswith(f"materials/{material.item.meeting_id}/")
    assert bucket.read(material.file.name) == PDF
    acl = bucket.client.get_object_acl(Bucket=bucket.name, Key=material.file.name)
    # private: no grant to a group (AllUsers, AuthenticatedUsers)
    assert not [g for g in acl["Grants"] if g["Grantee"].get("Type") == "Group"]
    assert "?" not in material.file.url  # no pre-signed link is ever made

    client = Client()
    client.force_login(cast.presenter)
    response = client.get(f"/materials/{material.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert int(response["Content-Length"]) == len(PDF)
    outsider = Client()
    outsider.force_login(cast.outsider)
    assert outsider.get(f"/materials/{material.pk}/").status_code == 404

    agenda_services.material_remove(actor=cast.chair, material=material)
    assert bucket.keys() == []
    assert not Material.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_backup_names_the_bucket_and_restore_accepts_it(bucket, settings, tmp_path, capsys):
    from lihui.ops.tests.test_backup import fresh_target

    if connection.vendor == "postgresql" and shutil.which("pg_dump") is None:  # as in test_backup.py
        pytest.skip("pg_dump is not on PATH")
    material = material_on_next_meeting(make_cast())
    call_command("backup", "--output", str(tmp_path / "out"))
    out = capsys.readouterr().out
    assert f"not copied; uploads live in bucket {bucket.name}" in out and "backup written" in out
    (made,) = (tmp_path / "out").iterdir()
    manifest = json.loads((made / "manifest.json").read_text())
    assert manifest["media"]["files"] == {}
    remote = manifest["media"]["remote"]
    assert remote["bucket"] == bucket.name and remote["copied"] is False
    assert remote["backend"] == "storages.backends.s3.S3Storage" and remote["endpoint"].startswith("http://127.0.0.1:")
    assert not (made / "media").exists()
    assert manifest["database"]["tables"][Material._meta.db_table] == 1
    assert bucket.keys() == [material.file.name]  # the backup left the bucket alone

    with fresh_target(tmp_path) as target:
        report = restore(made, db=target)
        assert report.ok, report.problems
    assert any(f"media: not in this backup; uploads live in bucket {bucket.name}" in line for line in report.lines)
    assert not any("note:" in line for line in report.lines)  # this instance uses that very bucket

    # An instance on local disk restores the database too, and is told where the files are.
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    with fresh_target(tmp_path) as target:
        report = restore(made, db=target)
        assert report.ok, report.problems
    assert any("note: this instance stores uploads on local disk" in line and bucket.name in "\n".join(report.lines)
               for line in report.lines)
