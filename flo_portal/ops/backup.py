"""``flask backup create`` / ``flask backup restore``: the database and the uploads.

A backup is one folder::

    flo-backup-20261203T101500Z/
        manifest.json      what is inside, with a SHA-256 and size for every file,
                           the row count of every table and the audit chain's head
        database.dump      PostgreSQL: ``pg_dump --format=custom``
        database.sqlite    SQLite: a copy by SQLite's online backup API
        uploads/...        every file of UPLOAD_DIR

Restore checks every checksum first and refuses a backup that does not match, refuses a
database that already holds the portal's tables (unless ``--clean``), then loads the
database (``pg_restore`` or the backup API), copies the uploads back, and compares the
row counts with the manifest and verifies the audit chain (AUDIT_HMAC_KEY must be the
one the backup was made under).

The PostgreSQL client tools must not be older than the server (``pg_dump`` refuses to
dump a newer server): :func:`pg_tool` says so clearly.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.engine import URL, Engine

from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(click.ClickException):
    """A backup or restore that cannot go on; the message says why."""


@dataclass
class RestoreReport:
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    mismatched_tables: dict[str, tuple[int, int]] = field(default_factory=dict)
    chain_ok: bool = False
    chain_checked: int = 0
    chain_reason: str = ""

    @property
    def ok(self) -> bool:
        return self.chain_ok and not self.mismatched_tables


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _entry(root: Path, path: Path) -> dict:
    return {
        "path": path.relative_to(root).as_posix(),
        "sha256": sha256_of(path),
        "bytes": path.stat().st_size,
    }


def row_counts(engine: Engine | None = None) -> dict[str, int]:
    """Rows in every table the database holds (the portal's and Alembic's)."""
    engine = engine or db.engine
    with engine.connect() as conn:
        names = sorted(sa.inspect(conn).get_table_names())
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            for name in names
        }


# --- PostgreSQL -----------------------------------------------------------------------


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes in the environment."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or ""]
    return args, env


def _major(version_text: str) -> int:
    """15 from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", version_text) or re.search(r"(\d+)", version_text)
    if not found:
        raise BackupError(f"Cannot read a version from {version_text!r}.")
    return int(found.group(1))


def pg_tool(name: str, engine: Engine) -> str:
    """The path of ``pg_dump``/``pg_restore``, refused when older than the server."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) of the server's major version."
        )
    tool_text = subprocess.run(  # noqa: S603 - a fixed tool and argument
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout
    with engine.connect() as conn:
        server = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one()) // 10000
    tool = _major(tool_text)
    if tool < server:
        raise BackupError(
            f"{name} is version {tool} but the server is {server}: install the client "
            f"tools of version {server} or later."
        )
    return path


def _run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: {done.stderr.strip()[-2000:]}")


# --- create ---------------------------------------------------------------------------


def create(target_dir: Path | None = None) -> Path:
    """Write a backup folder under ``target_dir`` (default BACKUP_DIR); returns its path."""
    from flo_portal import __version__
    from flo_portal.audit.models import AuditEvent

    engine = db.engine
    db.session.remove()  # nothing of ours is open while the copy is taken
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    root = Path(target_dir or current_app.config["BACKUP_DIR"]) / f"flo-backup-{stamp}"
    if root.exists():
        raise BackupError(f"{root} already exists.")
    root.mkdir(parents=True)
    os.chmod(root, 0o700)  # the backup holds everything the portal knows

    dialect = engine.dialect.name
    if dialect == "postgresql":
        args, env = _libpq(engine.url)
        db_file = root / "database.dump"
        _run(
            [
                pg_tool("pg_dump", engine),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(db_file),
                *args,
            ],
            env,
        )
    elif dialect == "sqlite":
        db_file = root / "database.sqlite"
        raw = engine.raw_connection()
        try:
            out = sqlite3.connect(db_file)
            try:
                raw.driver_connection.backup(out)  # type: ignore[union-attr]
            finally:
                out.close()
        finally:
            raw.close()
    else:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {dialect}.")

    uploads = Path(current_app.config["UPLOAD_DIR"])
    files = []
    if uploads.is_dir():
        for src in sorted(p for p in uploads.rglob("*") if p.is_file()):
            dest = root / "uploads" / src.relative_to(uploads)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
            files.append(_entry(root, dest))

    head = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    manifest = {
        "format": FORMAT,
        "portal_version": __version__,
        "created_at": utcnow().isoformat(),
        "dialect": dialect,
        "database": _entry(root, db_file),
        "uploads": files,
        "tables": row_counts(engine),
        "audit_head": {"id": head.id, "hash": head.hash} if head else None,
    }
    db.session.remove()
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return root


# --- restore --------------------------------------------------------------------------


def read_manifest(root: Path) -> dict:
    """The backup's manifest, after checking every file against its checksum."""
    path = root / MANIFEST
    if not path.is_file():
        raise BackupError(f"{root} has no {MANIFEST}: not a portal backup.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for entry in [manifest["database"], *manifest["uploads"]]:
        file = root / entry["path"]
        if not file.is_file():
            raise BackupError(f"The backup lacks {entry['path']}.")
        if sha256_of(file) != entry["sha256"]:
            raise BackupError(f"{entry['path']} does not match its checksum: refusing it.")
    return manifest


def restore(root: Path, *, clean: bool = False) -> RestoreReport:
    """Load the backup at ``root`` into the app's database and UPLOAD_DIR, then check."""
    from flo_portal.audit.services import verify_chain

    manifest = read_manifest(root)
    engine = db.engine
    dialect = engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(
            f"This backup is of a {manifest['dialect']} database; the portal is on {dialect}."
        )
    db.session.remove()
    existing = [t for t in sa.inspect(engine).get_table_names() if t != "alembic_version"]
    if existing and not clean:
        raise BackupError(
            f"The target database already holds {len(existing)} tables; restore into an "
            "empty database, or pass --clean to replace what it holds."
        )
    db_file = root / manifest["database"]["path"]
    if dialect == "postgresql":
        args, env = _libpq(engine.url)
        extra = ["--clean", "--if-exists"] if clean else []
        engine.dispose()
        _run(
            [
                pg_tool("pg_restore", engine),
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *extra,
                *args,
                str(db_file),
            ],
            env,
        )
    else:
        src = sqlite3.connect(db_file)
        raw = engine.raw_connection()
        try:
            src.backup(raw.driver_connection)  # type: ignore[arg-type]
        finally:
            raw.close()
            src.close()
    engine.dispose()

    uploads = Path(current_app.config["UPLOAD_DIR"])
    report = RestoreReport()
    for entry in manifest["uploads"]:
        rel = Path(entry["path"]).relative_to("uploads")
        dest = uploads / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / entry["path"], dest)
        if sha256_of(dest) != entry["sha256"]:
            raise BackupError(f"{dest} was not written intact.")
        report.files += 1

    report.tables = row_counts(engine)
    for name, count in manifest["tables"].items():
        got = report.tables.get(name, -1)
        if got != count:
            report.mismatched_tables[name] = (count, got)
    chain = verify_chain()
    report.chain_ok, report.chain_checked = chain.ok, chain.checked
    report.chain_reason = getattr(chain, "reason", "") or ""
    db.session.remove()
    return report


# --- commands -------------------------------------------------------------------------


def register(app: Flask) -> None:
    group = AppGroup("backup", help="Back up or restore the database and the uploads.")

    @group.command("create")
    @click.option(
        "--to",
        "to",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Folder to write the backup in (default BACKUP_DIR).",
    )
    def create_command(to: Path | None) -> None:
        """Write a backup folder (database, uploads, manifest with SHA-256 checksums)."""
        root = create(to)
        manifest = json.loads((root / MANIFEST).read_text())
        rows = sum(manifest["tables"].values())
        click.echo(
            f"Backup written to {root}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{len(manifest['uploads'])} uploaded files."
        )

    @group.command("restore")
    @click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--clean", is_flag=True, help="Replace what the target database holds.")
    def restore_command(path: Path, clean: bool) -> None:
        """Restore a backup folder into this portal's (empty) database and UPLOAD_DIR."""
        report = restore(path, clean=clean)
        rows = sum(report.tables.values())
        click.echo(
            f"Restored {len(report.tables)} tables, {rows} rows, {report.files} files; "
            f"audit chain {'verifies' if report.chain_ok else 'BROKEN'} "
            f"({report.chain_checked} events)."
        )
        for name, (want, got) in sorted(report.mismatched_tables.items()):
            click.echo(f"  {name}: {got} rows, the backup had {want}", err=True)
        if not report.ok:
            raise SystemExit(1)

    app.cli.add_command(group)
