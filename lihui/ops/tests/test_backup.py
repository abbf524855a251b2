"""Backup while the app writes, restore into a fresh instance, and refusal of a tampered
backup, on the database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tarfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from lihui.actions.models import ActionItem
from lihui.actions.services import action_create
from lihui.meetings.models import Meeting
from lihui.ops import backup as ops_backup
from lihui.ops.backup import RestoreRefused, backup_create, database_counts, restore, sha256_file
from lihui.testing.cast import make_cast

pytestmark = pytest.mark.django_db(transaction=True)
REPO = Path(__file__).resolve().parents[3]

VENDOR = connection.vendor
if VENDOR == "postgresql" and shutil.which("pg_dump") is None:  # CI has it: never skipped there
    pytestmark = [pytestmark, pytest.mark.skip(reason="pg_dump is not on PATH")]

FILES = {
    "materials/2026/11/agenda.pdf": b"%PDF-1.4 agenda\n" * 100,
    "materials/2026/11/华东汇报.xlsx": bytes(range(256)) * 40,
    "materials/empty.txt": b"",
}


@pytest.fixture
def media(tmp_path) -> Path:
    root = tmp_path / "media"
    for rel, data in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


@pytest.fixture
def data():
    """A series, a meeting and a few action items, committed (the backup reads other connections)."""
    cast = make_cast()
    meeting = Meeting.objects.filter(series=cast.series).order_by("start").first()
    for n in range(5):
        action_create(actor=cast.chair, meeting=meeting, title=f"行动 {n}", owner=cast.presenter, due=dt.date(2026, 12, 1))
    return cast


@pytest.fixture
def source(data, tmp_path):
    """The live database the backup reads: on SQLite a WAL file (the test database is in
    memory), on PostgreSQL the test database itself."""
    if VENDOR == "sqlite":
        live = tmp_path / "live.sqlite3"
        dest = sqlite3.connect(live)
        connection.ensure_connection()
        connection.connection.backup(dest)
        dest.execute("PRAGMA journal_mode=WAL")
        dest.close()
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(live)}
    return dict(connection.settings_dict)


@contextmanager
def fresh_target(tmp_path):
    """An empty database of the same kind: a new SQLite file or a new PostgreSQL database."""
    if VENDOR == "sqlite":
        yield {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / f"fresh-{uuid.uuid4().hex[:6]}.sqlite3")}
        return
    import psycopg

    db = dict(connection.settings_dict)
    name = f"lihui_restore_{uuid.uuid4().hex[:10]}"
    admin = {**ops_backup._pg_params(db), "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**db, "NAME": name}
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Writer(threading.Thread):
    """Keeps inserting action items (copies of the first one), one commit each, on its own connection."""

    def __init__(self, db: dict):
        super().__init__(daemon=True)
        self.db, self.inserted, self.stop, self.error = db, 0, threading.Event(), None
        table = ActionItem._meta.db_table
        cols = ", ".join(f'"{f.column}"' for f in ActionItem._meta.concrete_fields if not f.primary_key)
        self.sql = f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{table}" WHERE id = (SELECT min(id) FROM "{table}")'

    def run(self):
        try:
            if VENDOR == "sqlite":
                conn = sqlite3.connect(self.db["NAME"], timeout=20, isolation_level=None)
                execute = conn.execute
            else:
                import psycopg

                conn = psycopg.connect(**ops_backup._pg_params(self.db), autocommit=True)
                execute = conn.execute
            with conn:
                while not self.stop.is_set():
                    execute(self.sql)
                    self.inserted += 1
        except Exception as exc:  # reported by the test
            self.error = exc

    def wait_for(self, n: int):
        deadline = dt.datetime.now() + dt.timedelta(seconds=30)
        while self.inserted < n and self.error is None and dt.datetime.now() < deadline:
            threading.Event().wait(0.01)
        assert self.error is None, self.error
        assert self.inserted >= n


def test_backup_while_writing_then_restore_into_a_fresh_instance(source, media, tmp_path):
    table = ActionItem._meta.db_table
    before = database_counts(source)[table]
    writer = Writer(source)
    writer.start()
    try:
        writer.wait_for(20)
        path = backup_create(output=tmp_path / "backups", db=source, media_root=media)
        done_at_backup = writer.inserted
        writer.wait_for(done_at_backup + 20)  # still writing after the backup
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None, writer.error
    after = database_counts(source)[table]

    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == VENDOR
    assert manifest["lihui"]["version"]
    in_backup = manifest["database"]["tables"][table]
    assert before + 20 <= in_backup < after  # a moment in the middle of the writes
    assert manifest["media"]["files"] == {
        rel: {"size": len(data), "sha256": sha256_file(media / rel)} for rel, data in FILES.items()
    }
    if VENDOR == "sqlite":
        copy = sqlite3.connect(path / "database.sqlite3")
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert ops_backup.sqlite_counts(copy) == manifest["database"]["tables"]
        copy.close()

    with fresh_target(tmp_path) as target:
        restored_media = tmp_path / "restored-media"
        report = restore(path, db=target, media_root=restored_media)
        assert report.ok, report.problems
        assert database_counts(target) == manifest["database"]["tables"]
        assert database_counts(target)[table] == in_backup
    for rel in FILES:
        assert sha256_file(restored_media / rel) == sha256_file(media / rel)
    assert any("tables match" in line for line in report.lines)


def test_command_round_trip_as_archive(data, media, tmp_path, settings, capsys):
    settings.MEDIA_ROOT = media
    call_command("backup", "--output", str(tmp_path / "out"), "--archive")
    archives = list((tmp_path / "out").glob("lihui-backup-*.tar.gz"))
    assert len(archives) == 1 and not list((tmp_path / "out").glob("*.partial"))
    assert "backup written" in capsys.readouterr().out
    with fresh_target(tmp_path) as target:
        report = restore(archives[0], db=target, media_root=tmp_path / "m2")
        assert report.ok, report.problems
    # The configured database holds people: the command refuses to restore over it.
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("restore", str(archives[0]))


@pytest.fixture
def made(data, media, tmp_path):
    return backup_create(output=tmp_path / "backups", media_root=media)


def test_restore_refuses_a_changed_media_file(made, tmp_path):
    (made / "media" / "materials/2026/11/agenda.pdf").write_bytes(b"%PDF-1.4 forged\n")
    with fresh_target(tmp_path) as target:
        with pytest.raises(RestoreRefused) as refused:
            restore(made, db=target, media_root=tmp_path / "m")
        assert database_counts(target) == {}  # nothing restored
    assert any("agenda.pdf" in p and "SHA-256" in p for p in refused.value.problems)
    assert not (tmp_path / "m").exists()


def test_restore_refuses_an_extra_or_missing_file_and_a_changed_database_file(made, tmp_path):
    (made / "media" / "materials" / "smuggled.txt").write_text("x")
    (made / "media" / "materials" / "empty.txt").unlink()
    db_file = made / json.loads((made / "manifest.json").read_text())["database"]["file"]
    with open(db_file, "r+b") as f:
        f.seek(-10, 2)
        f.write(b"0123456789")
    with pytest.raises(RestoreRefused) as refused:
        restore(made, db={**connection.settings_dict}, media_root=tmp_path / "m")
    problems = "\n".join(refused.value.problems)
    assert "smuggled.txt: in the backup but not in the manifest" in problems
    assert "empty.txt: missing" in problems
    assert "SHA-256 differs" in problems


def test_restore_refuses_a_manifest_with_changed_row_counts(made, tmp_path):
    manifest = json.loads((made / "manifest.json").read_text())
    table = ActionItem._meta.db_table
    manifest["database"]["tables"][table] += 1
    (made / "manifest.json").write_text(json.dumps(manifest))
    with fresh_target(tmp_path) as target:
        with pytest.raises(RestoreRefused) as refused:
            restore(made, db=target, media_root=tmp_path / "m")
        # nothing restored: on PostgreSQL the whole restore was rolled back
        assert database_counts(target) == {}
    assert table in "\n".join(refused.value.problems)


def test_restore_command_reports_refusal(made, capsys):
    manifest = json.loads((made / "manifest.json").read_text())
    manifest["media"]["files"]["materials/empty.txt"]["sha256"] = "0" * 64
    (made / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="restore refused"):
        call_command("restore", str(made))
    assert "empty.txt" in capsys.readouterr().err


@pytest.fixture
def loose_umask():
    """The umask of a plain shell (022): what `make run` had before bin/serve set 077."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _open_to_others(root: Path) -> list[str]:
    found = [root, *root.rglob("*")]
    return [f"{p} {stat.filemode(p.stat().st_mode)}" for p in found if p.stat().st_mode & 0o077]


@pytest.mark.parametrize("archive", [False, True], ids=["directory", "archive"])
def test_a_backup_is_readable_by_its_owner_only(archive, data, media, tmp_path, loose_umask):
    """It holds sessions, password hashes, robot secrets and feed tokens: no file or directory
    of it is open to group or others, even made under umask 022 from uploads that were 0644."""
    for rel in FILES:
        (media / rel).chmod(0o644)
    out = tmp_path / "backups"
    path = backup_create(output=out, media_root=media, archive=archive)
    assert _open_to_others(out) == []
    if archive:
        with tarfile.open(path) as tar:
            assert [(m.name, oct(m.mode)) for m in tar.getmembers() if m.mode & 0o077] == []
        with fresh_target(tmp_path) as target:  # and the restored uploads stay private
            assert restore(path, db=target, media_root=tmp_path / "restored").ok
        assert [p for p in (tmp_path / "restored").rglob("*") if p.is_file() and p.stat().st_mode & 0o077] == []


def test_the_var_dir_and_stored_uploads_are_private(tmp_path, loose_umask, settings):
    """A fresh single box under umask 022: var/ is 0700, its secret key 0600, and a stored
    upload (Django's default would be 0644) 0600 in a 0700 directory."""
    var = tmp_path / "fresh-var"
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL"}}
    done = subprocess.run([sys.executable, "-c", "import lihui.settings"], cwd=REPO, env={**env, "LIHUI_VAR_DIR": str(var)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600

    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path / "media")
    name = storage.save("materials/2026/12/plan.txt", ContentFile(b"plan"))
    assert stat.S_IMODE((tmp_path / "media" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "media" / "materials" / "2026").stat().st_mode) == 0o700
