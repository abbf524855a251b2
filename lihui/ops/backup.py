"""Backups of the database and the uploaded files, and their restore, checked end to end.

A backup is a directory `lihui-backup-<UTC time>` (or the same as .tar.gz) holding
- the database: SQLite through the online backup API from the live file (one read
  transaction, so writers carry on and the copy is one consistent moment), PostgreSQL
  through `pg_dump --format=custom --snapshot=…` of a REPEATABLE READ transaction that
  also counts the rows, so the counts are those of the dump;
- `media/`: a copy of MEDIA_ROOT, each file hashed as it is copied — unless uploads live in
  an object store (LIHUI_STORAGE=s3): then nothing is copied and the manifest names the
  bucket instead (its own versioning/replication protects them);
- `manifest.json`: Lihui's version (and commit when known), the vendor, every table's
  row count, every file's size and SHA-256. It is written last; until then the directory
  is `<name>.partial`.

Restore checks the backup against its manifest before touching anything (the database
file's and every media file's SHA-256; on SQLite also the row counts and integrity_check
of the file), refuses a non-empty target unless forced, restores, then checks the target
again: row counts per table and the media checksums. On PostgreSQL the restore script runs
in one transaction that ends by comparing the row counts, so a mismatch leaves the target
as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA_DIR = "media"
CHUNK = 1024 * 1024
# A backup holds sessions, password hashes, robot secrets and feed tokens: readable by the
# owner only, whatever the umask of the process that makes it.
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


class BackupError(Exception):
    """Something prevented a backup or a restore; the message says what."""


class RestoreRefused(BackupError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("restore refused:\n  " + "\n  ".join(problems))


@dataclass
class RestoreReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- helpers ---------------------------------------------------------------------------


def vendor_of(db: dict) -> str:
    engine = db.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"unsupported database engine {engine!r}")


def default_database() -> dict:
    from django.db import connections

    return connections["default"].settings_dict


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def private_dir(path: Path) -> Path:
    """mkdir -p, then the last directory closed to group and others (also when it existed)."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    path.chmod(PRIVATE_DIR)
    return path


def private_file(path: Path, mode: str = "wb"):
    """Open `path` for writing, created (or truncated) with mode 0600 before any byte is written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)  # an existing file keeps its old mode through O_CREAT
    return os.fdopen(fd, mode, **({"encoding": "utf-8"} if "b" not in mode else {}))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_connect(name) -> sqlite3.Connection:
    name = str(name)
    if name.startswith("file:"):  # e.g. the test runner's shared in-memory database
        return sqlite3.connect(name, uri=True, timeout=20)
    return sqlite3.connect(name, timeout=20)


def sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: conn.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0] for name in names}


def _pg_params(db: dict) -> dict:
    params = {"dbname": db.get("NAME"), "user": db.get("USER"), "password": db.get("PASSWORD"), "host": db.get("HOST"), "port": db.get("PORT")}
    params = {k: str(v) for k, v in params.items() if v not in (None, "")}
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "options"):
        if db.get("OPTIONS", {}).get(key):
            params[key] = str(db["OPTIONS"][key])
    return params


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    names = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD", "host": "PGHOST", "port": "PGPORT",
             "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "options": "PGOPTIONS"}
    for key, value in _pg_params(db).items():
        env[names[key]] = value
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not on PATH; install the PostgreSQL client tools matching the server")
    return path


def pg_counts(cursor, schema: str) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema])
    names = [r[0] for r in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute(f"SELECT count(*) FROM {_quote(schema)}.{_quote(name)}")
        counts[name] = cursor.fetchone()[0]
    return counts


def lihui_version() -> dict:
    from importlib import metadata

    try:
        version = metadata.version("lihui")
    except metadata.PackageNotFoundError:  # run from the checkout: pyproject.toml says
        import tomllib

        try:
            version = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())["project"]["version"]
        except (OSError, KeyError, ValueError):
            version = "unknown"
    return {"version": version, "commit": os.environ.get("LIHUI_COMMIT") or _git_head(Path(settings.BASE_DIR) / ".git")}


def _git_head(git: Path) -> str | None:
    """The checked-out commit, read from .git's files (no git process)."""
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        if (git / ref).exists():
            return (git / ref).read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        pass
    return None


def remote_media() -> dict | None:
    """Where uploads live when the default storage is not the local file system (an S3
    bucket): backend, bucket, endpoint, prefix. None for local storage."""
    from django.core.files.storage import FileSystemStorage, storages

    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return None
    info = {"backend": f"{type(storage).__module__}.{type(storage).__qualname__}", "copied": False}
    for attr, key in (("bucket_name", "bucket"), ("endpoint_url", "endpoint"), ("region_name", "region"), ("location", "prefix")):
        if getattr(storage, attr, None):
            info[key] = str(getattr(storage, attr))
    return info


def _describe_remote(remote: dict) -> str:
    where = f"bucket {remote.get('bucket', '?')}" + (f" (prefix {remote['prefix']})" if remote.get("prefix") else "")
    return where + (f" at {remote['endpoint']}" if remote.get("endpoint") else "")


# --- backup ----------------------------------------------------------------------------


def backup_create(*, output: Path | str | None = None, db: dict | None = None, media_root: Path | str | None = None,
                  archive: bool = False, log=lambda line: None) -> Path:
    """Make a backup under `output` (default var/backups); returns the directory or .tar.gz.
    Uploads are copied from `media_root` (default MEDIA_ROOT), unless none is given and the
    default storage is remote: then the manifest records the bucket and copies nothing."""
    db = db or default_database()
    vendor = vendor_of(db)
    remote = None if media_root else remote_media()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    output = private_dir(Path(output or Path(settings.VAR_DIR) / "backups"))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name, n = f"lihui-backup-{stamp}", 1
    while (output / name).exists() or (output / f"{name}.tar.gz").exists():
        n += 1
        name = f"lihui-backup-{stamp}-{n}"
    work = output / f"{name}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=PRIVATE_DIR)
    work.chmod(PRIVATE_DIR)
    try:
        if vendor == "sqlite":
            database = _backup_sqlite(db, work / SQLITE_FILE)
        else:
            database = _backup_pg(db, work / PG_FILE)
        log(f"database ({vendor}): {len(database['tables'])} tables, {sum(database['tables'].values())} rows")
        if remote:
            files = {}
            log(f"media: not copied; uploads live in {_describe_remote(remote)} (its versioning/replication keeps them)")
        else:
            files = _copy_tree(media_root, work / MEDIA_DIR)
            log(f"media: {len(files)} files, {sum(f['size'] for f in files.values())} bytes")
        manifest = {
            "format": FORMAT,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "lihui": lihui_version(),
            "database": database,
            "media": {"files": files, **({"remote": remote} if remote else {})},
        }
        with private_file(work / MANIFEST, "w") as f:
            f.write(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
        final = output / name
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if archive:
        target = output / f"{name}.tar.gz"
        with private_file(output / f"{name}.tar.gz.partial") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(final, arcname=name)
        (output / f"{name}.tar.gz.partial").rename(target)
        shutil.rmtree(final)
        final = target
    return final


def _backup_sqlite(db: dict, dest_path: Path) -> dict:
    source = _sqlite_connect(db["NAME"])
    private_file(dest_path).close()  # SQLite keeps the mode of the file it opens
    dest = sqlite3.connect(dest_path)
    try:
        source.backup(dest)  # all pages in one step: one read transaction, one moment
    finally:
        source.close()
    try:
        dest.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
        check = dest.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            raise BackupError(f"the copy fails integrity_check: {check[:5]}")
        tables = sqlite_counts(dest)
    finally:
        dest.close()
    return {"vendor": "sqlite", "file": SQLITE_FILE, "size": dest_path.stat().st_size, "sha256": sha256_file(dest_path), "tables": tables}


def _backup_pg(db: dict, dest_path: Path) -> dict:
    import psycopg

    pg_dump = _tool("pg_dump")
    private_file(dest_path).close()  # pg_dump truncates it and keeps the mode
    with psycopg.connect(**_pg_params(db)) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_schema(), current_setting('server_version')")
            snapshot, schema, server_version = cursor.fetchone()
            tables = pg_counts(cursor, schema)
            # The dump sees exactly what the counts saw: the snapshot of this open transaction.
            done = subprocess.run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-owner", "--no-privileges", "--file", str(dest_path)],
                env=_pg_env(db), capture_output=True, text=True,
            )
        conn.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return {"vendor": "postgresql", "file": PG_FILE, "size": dest_path.stat().st_size, "sha256": sha256_file(dest_path),
            "schema": schema, "server_version": server_version, "tables": tables}


def _copy_tree(source: Path, dest: Path) -> dict[str, dict]:
    """Copy every regular file under `source`, hashing the bytes as they are written."""
    files: dict[str, dict] = {}
    private_dir(dest)
    if not source.is_dir():
        return files
    for path in sorted(source.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(source).as_posix()
        target = dest / rel
        for parent in reversed(target.relative_to(dest).parents[:-1]):
            private_dir(dest / parent)
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as src, private_file(target) as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        shutil.copystat(path, target)
        target.chmod(PRIVATE_FILE)  # copystat copied the upload's mode (0644 from older installs)
        files[rel] = {"size": size, "sha256": digest.hexdigest()}
    return files


# --- restore ---------------------------------------------------------------------------


@contextmanager
def opened(path: Path | str):
    """The backup directory, extracting a .tar.gz to a temporary one first."""
    path = Path(path)
    if path.is_dir():
        yield path
        return
    if not path.is_file() or not tarfile.is_tarfile(path):
        raise BackupError(f"{path} is neither a backup directory nor a .tar.gz")
    with tempfile.TemporaryDirectory(prefix="lihui-restore-") as tmp:
        with tarfile.open(path) as tar:
            tar.extractall(tmp, filter="data")
        found = [p.parent for p in Path(tmp).rglob(MANIFEST)]
        if len(found) != 1:
            raise BackupError(f"{path} holds {len(found)} manifests, expected one")
        yield found[0]


def load_manifest(root: Path) -> dict:
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RestoreRefused([f"{MANIFEST} unreadable: {exc}"]) from exc
    if manifest.get("format") != FORMAT:
        raise RestoreRefused([f"{MANIFEST}: format {manifest.get('format')!r}, this Lihui reads {FORMAT}"])
    return manifest


def verify_backup(root: Path, manifest: dict) -> list[str]:
    """What is wrong with the backup itself, before anything is restored."""
    problems = []
    database = manifest["database"]
    db_file = root / database["file"]
    if not db_file.is_file():
        problems.append(f"{database['file']}: missing")
    elif sha256_file(db_file) != database["sha256"]:
        problems.append(f"{database['file']}: SHA-256 differs from the manifest (changed or damaged)")
    elif database["vendor"] == "sqlite":
        conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        try:
            check = conn.execute("PRAGMA integrity_check").fetchall()
            if check != [("ok",)]:
                problems.append(f"{database['file']}: integrity_check {check[:3]}")
            problems += _compare_counts(database["tables"], sqlite_counts(conn), where="backup file")
        finally:
            conn.close()
    problems += _compare_files(manifest["media"]["files"], root / MEDIA_DIR, where="backup", extra_is_problem=True)
    return problems


def _compare_counts(expected: dict[str, int], found: dict[str, int], *, where: str) -> list[str]:
    problems = []
    for table in sorted(set(expected) | set(found)):
        if table not in found:
            problems.append(f"table {table}: missing in the {where}")
        elif table not in expected:
            problems.append(f"table {table}: in the {where} but not in the manifest")
        elif found[table] != expected[table]:
            problems.append(f"table {table}: {found[table]} rows in the {where}, the manifest says {expected[table]}")
    return problems


def _compare_files(expected: dict[str, dict], root: Path, *, where: str, extra_is_problem: bool) -> list[str]:
    problems = []
    for rel, meta in sorted(expected.items()):
        path = root / rel
        if not path.is_file():
            problems.append(f"media/{rel}: missing in the {where}")
        elif sha256_file(path) != meta["sha256"]:
            problems.append(f"media/{rel}: SHA-256 in the {where} differs from the manifest")
    if extra_is_problem and root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.relative_to(root).as_posix() not in expected:
                problems.append(f"media/{path.relative_to(root).as_posix()}: in the {where} but not in the manifest")
    return problems


def target_is_empty(db: dict) -> bool:
    """No people: a fresh instance (migrated or not) has none, a used one always has some."""
    from django.contrib.auth import get_user_model

    table = get_user_model()._meta.db_table
    if vendor_of(db) == "sqlite":
        conn = _sqlite_connect(db["NAME"])
        try:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone():
                return True
            return conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0] == 0
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(**_pg_params(db)) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", [table]).fetchone()[0]
        return exists is None or conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0] == 0


def database_counts(db: dict, schema: str | None = None) -> dict[str, int]:
    if vendor_of(db) == "sqlite":
        conn = _sqlite_connect(db["NAME"])
        try:
            return sqlite_counts(conn)
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(**_pg_params(db)) as conn:
        with conn.cursor() as cursor:
            return pg_counts(cursor, schema or conn.execute("SELECT current_schema()").fetchone()[0])


def restore(path: Path | str, *, db: dict | None = None, media_root: Path | str | None = None, force: bool = False,
            log=lambda line: None) -> RestoreReport:
    """Restore the backup at `path` into `db` and `media_root` (default: the configured
    ones), which must be empty unless `force`. Raises RestoreRefused before changing
    anything when the backup does not match its manifest or the target is not fit."""
    from django.db import connections

    db = db or default_database()
    explicit_media_root = media_root
    media_root = Path(media_root or settings.MEDIA_ROOT)
    report = RestoreReport()
    with opened(path) as root:
        manifest = load_manifest(root)
        database = manifest["database"]
        problems = verify_backup(root, manifest)
        if vendor_of(db) != database["vendor"]:
            problems.append(f"the backup is of {database['vendor']}, the target database is {vendor_of(db)}")
        if problems:
            raise RestoreRefused(problems)
        report.lines.append(f"backup {root.name}: made {manifest['created']} by Lihui {manifest['lihui'].get('version')}"
                            f" ({manifest['lihui'].get('commit') or 'commit unknown'}); checksums match the manifest")
        if not force:
            if not target_is_empty(db):
                raise RestoreRefused(["the target database already holds people; restore into a fresh one (or force)"])
            clashes = [rel for rel, meta in manifest["media"]["files"].items()
                       if (media_root / rel).is_file() and sha256_file(media_root / rel) != meta["sha256"]]
            if clashes:
                raise RestoreRefused([f"media/{rel}: exists in MEDIA_ROOT with other content" for rel in clashes[:10]])
        if db is default_database() or db.get("NAME") == default_database().get("NAME"):
            connections.close_all()
        if database["vendor"] == "sqlite":
            _restore_sqlite(root / database["file"], db)
        else:
            _restore_pg(root / database["file"], db, database)
        log("database restored")
        files = manifest["media"]["files"]
        for rel in sorted(files):
            target = media_root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / MEDIA_DIR / rel, target)
        log(f"{len(files)} media files restored")
    # Check the target, not the backup: what a fresh instance now holds.
    counts = database_counts(db, database.get("schema"))
    report.problems += _compare_counts(database["tables"], counts, where="restored database")
    report.problems += _compare_files(files, media_root, where="restored MEDIA_ROOT", extra_is_problem=False)
    rows = sum(database["tables"].values())
    matching = sum(1 for t, n in database["tables"].items() if counts.get(t) == n)
    report.lines.append(f"database ({database['vendor']}): {matching}/{len(database['tables'])} tables match the manifest's row counts ({rows} rows)")
    ok_files = len(files) - sum(1 for p in report.problems if p.startswith("media/"))
    remote = manifest["media"].get("remote")
    if remote:
        report.lines.append(f"media: not in this backup; uploads live in {_describe_remote(remote)}")
        here = remote_media()
        if not here or here.get("bucket") != remote.get("bucket"):
            stored = f"in {_describe_remote(here)}" if here else "on local disk"
            report.lines.append(f"  note: this instance stores uploads {stored}; point LIHUI_STORAGE=s3 and"
                                " AWS_STORAGE_BUCKET_NAME at that bucket (or a copy) to serve them")
    else:
        report.lines.append(f"media: {ok_files}/{len(files)} files match the manifest's SHA-256")
        here = remote_media()
        if files and here and explicit_media_root is None:
            report.lines.append(f"  note: this instance stores uploads in {_describe_remote(here)}; the files were written to"
                                f" {media_root}: copy them into the bucket under the same keys")
    return report


def _restore_sqlite(source_file: Path, db: dict) -> None:
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    dest = _sqlite_connect(db["NAME"])
    try:
        source.backup(dest)  # page by page under the target's write lock; -wal handled by SQLite
    finally:
        dest.close()
        source.close()


def _restore_pg(dump: Path, db: dict, database: dict) -> None:
    """pg_restore's script, then a check of every table's row count, all in one
    transaction: a count that differs from the manifest rolls everything back."""
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    env = _pg_env(db)
    schema = database.get("schema", "public")
    with tempfile.TemporaryDirectory(prefix="lihui-restore-") as tmp:
        script = Path(tmp) / "restore.sql"
        done = subprocess.run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--file", str(script), str(dump)],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        checks = ["DO $lihui_check$", "DECLARE n bigint;", "BEGIN"]
        for table, expected in sorted(database["tables"].items()):
            literal = table.replace("'", "''")
            checks.append(f"  SELECT count(*) INTO n FROM {_quote(schema)}.{_quote(table)};")
            checks.append(f"  IF n <> {int(expected)} THEN RAISE EXCEPTION 'table %: % rows restored, the manifest says %', '{literal}', n, {int(expected)}; END IF;")
        checks += ["END", "$lihui_check$;", ""]
        with open(script, "a", encoding="utf-8") as f:
            f.write("\n" + "\n".join(checks))
        done = subprocess.run([psql, "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-f", str(script)],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RestoreRefused([f"PostgreSQL restore rolled back: {done.stderr.strip()[-2000:]}"])
