"""`flask backup create` then `flask backup restore` into an empty database: every row
and every uploaded file comes back and the audit chain still verifies (SQLite's online
backup API, or pg_dump/pg_restore into a scratch PostgreSQL database this test makes)."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from config import TestConfig
from flo_portal import create_app
from flo_portal.core.extensions import db as _db
from tests.conftest import PG_URL


@contextmanager
def _empty_database(tmp_path: Path, name: str):
    """The URL of a new, empty database, dropped afterwards."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / f'{name}.sqlite'}"
        return
    dbname = f"test_ops_bk_{name}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{dbname}"'))
    try:
        yield sa.engine.make_url(PG_URL).set(database=dbname).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        admin.dispose()


def _app(url: str, uploads: Path):
    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        UPLOAD_DIR=str(uploads),
    )


def _seed(uploads: Path) -> dict:
    from flo_portal.audit.services import record, verify_chain
    from flo_portal.notifications.models import OutboxEmail
    from tests.factories import AgencyFactory, UserFactory

    agency = AgencyFactory()
    users = [UserFactory(role="liaison_officer", agency=agency) for _ in range(3)]
    admin = UserFactory(role="admin", agency=None)
    _db.session.flush()
    for user in users:
        record("user.invited", user, summary=f"Invited {user.email}", actor=admin)
    _db.session.add(OutboxEmail(to_address="x@example.gov", subject="s", body_text="b"))
    _db.session.commit()
    assert verify_chain().ok
    (uploads / "sar" / "7").mkdir(parents=True)
    (uploads / "sar" / "7" / "evidence.pdf").write_bytes(b"%PDF-1.7 evidence " * 100)
    (uploads / "products" / "briefing.docx").parent.mkdir(parents=True)
    (uploads / "products" / "briefing.docx").write_bytes(bytes(range(256)) * 40)
    return {"emails": sorted(u.email for u in [*users, admin])}


def _invoke(app, *args: str):
    """Run ``flask <args>`` on ``app`` (pushed: the suite's own app context is active)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def _contents() -> dict[str, list[str]]:
    """Every row of every table, as sorted text (compared across two databases)."""
    with _db.engine.connect() as conn:
        return {
            name: sorted(
                repr(tuple(row))
                for row in conn.execute(
                    sa.select(
                        sa.table(
                            name,
                            *[sa.column(c["name"]) for c in sa.inspect(conn).get_columns(name)],
                        )
                    )
                )
            )
            for name in sa.inspect(conn).get_table_names()
        }


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def source(tmp_path):
    with _empty_database(tmp_path, "src") as url:
        uploads = tmp_path / "uploads-src"
        uploads.mkdir()
        app = _app(url, uploads)
        with app.app_context():
            upgrade(revision="heads")
            seeded = _seed(uploads)
        yield app, uploads, seeded
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_backup_and_restore_into_an_empty_database(source, tmp_path):
    from flo_portal.audit.models import AuditEvent
    from flo_portal.audit.services import verify_chain
    from flo_portal.ops.backup import row_counts
    from flo_portal.users.models import User

    src_app, src_uploads, seeded = source
    with src_app.app_context():
        src_counts = row_counts()
        src_rows = _contents()
    created = _invoke(src_app, "backup", "create", "--to", str(tmp_path / "backups"))
    assert created.exit_code == 0, created.output
    (root,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["portal_version"] and manifest["tables"] == src_counts
    assert {e["path"] for e in manifest["uploads"]} == {
        "uploads/sar/7/evidence.pdf",
        "uploads/products/briefing.docx",
    }
    assert all(len(e["sha256"]) == 64 for e in [manifest["database"], *manifest["uploads"]])

    with _empty_database(tmp_path, "dst") as url:
        dst_uploads = tmp_path / "uploads-dst"
        dst_app = _app(url, dst_uploads)
        try:
            restored = _invoke(dst_app, "backup", "restore", str(root))
            assert restored.exit_code == 0, restored.output
            assert "audit chain verifies" in restored.output
            with dst_app.app_context():
                assert row_counts() == src_counts
                assert _contents() == src_rows  # every row, column for column
                assert src_counts["user_account"] == 4 and src_counts["audit_event"] >= 3
                emails = sorted(_db.session.scalars(sa.select(User.email)))
                assert emails == seeded["emails"]
                assert (
                    _db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
                    == (src_counts["audit_event"])
                )
                report = verify_chain()
                assert report.ok and report.checked == src_counts["audit_event"]
                _db.session.remove()
            assert _files(dst_uploads) == _files(src_uploads)

            # A second restore into the now-full database is refused.
            again = _invoke(dst_app, "backup", "restore", str(root))
            assert again.exit_code != 0 and "already holds" in again.output
        finally:
            with dst_app.app_context():
                _db.session.remove()
                _db.engine.dispose()


def test_a_tampered_backup_is_refused(source, tmp_path):
    src_app, _uploads, _seeded = source
    result = _invoke(src_app, "backup", "create", "--to", str(tmp_path))
    assert result.exit_code == 0, result.output
    (root,) = tmp_path.glob("flo-backup-*")
    evidence = root / "uploads" / "sar" / "7" / "evidence.pdf"
    evidence.write_bytes(evidence.read_bytes() + b"x")
    with _empty_database(tmp_path, "dst2") as url:
        dst_app = _app(url, tmp_path / "uploads-dst2")
        try:
            refused = _invoke(dst_app, "backup", "restore", str(root))
            assert refused.exit_code != 0
            assert "does not match its checksum" in refused.output
        finally:
            with dst_app.app_context():
                _db.session.remove()
                _db.engine.dispose()


def test_the_client_tools_version_is_read_and_compared():
    from flo_portal.ops.backup import _major

    assert _major("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)") == 15
    assert _major("pg_restore (PostgreSQL) 17.2") == 17


@pytest.mark.skipif(not PG_URL, reason="the client tools are compared with a PostgreSQL server")
def test_client_tools_older_than_the_server_are_refused(app, monkeypatch):
    import subprocess

    from flo_portal.ops import backup

    def old_pg_dump(argv, **kwargs):
        return subprocess.CompletedProcess(argv, 0, "pg_dump (PostgreSQL) 13.9\n", "")

    monkeypatch.setattr(backup.subprocess, "run", old_pg_dump)
    with pytest.raises(backup.BackupError, match=r"pg_dump is version 13 but the server is \d+"):
        backup.pg_tool("pg_dump", _db.engine)
