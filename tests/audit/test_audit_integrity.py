"""The audit trail cannot be cut or rewritten unnoticed (issue 10 item 8)."""

from __future__ import annotations

import hashlib
import json
import socketserver
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from flo_portal.audit.models import AuditEvent
from flo_portal.audit.services import (
    _canonical,
    record,
    verify_chain,
    write_checkpoint,
)
from flo_portal.jobs.runner import run_job
from flo_portal.security.permissions import Role

NOW = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)


@pytest.fixture
def checkpoint_file(app, tmp_path):
    path = tmp_path / "audit-checkpoints.jsonl"
    old = app.config["AUDIT_CHECKPOINT_FILE"], app.config["SIEM_SYSLOG_ADDRESS"]
    app.config["AUDIT_CHECKPOINT_FILE"] = str(path)
    yield path
    app.config["AUDIT_CHECKPOINT_FILE"], app.config["SIEM_SYSLOG_ADDRESS"] = old


def _events(db, make_user, n=4):
    user = make_user(Role.COORDINATOR)
    for i in range(n):
        record("thing.changed", user, actor=user, summary=f"change {i}")
    db.session.commit()
    return db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()


def _sql(db, statements: list[str]):
    """Run raw SQL as someone with database access (the row trigger switched off)."""
    pg = db.engine.dialect.name == "postgresql"
    if pg:
        db.session.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
    for sql in statements:
        db.session.execute(sa.text(sql))
    if pg:
        db.session.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change"))
    db.session.commit()
    db.session.expire_all()


def test_new_rows_are_keyed_not_plain_sha256(db, make_user):
    events = _events(db, make_user, 2)
    assert {e.hash_alg for e in events} == {"hmac-sha256"}
    assert events[0].hash != hashlib.sha256(_canonical(events[0])).hexdigest()
    assert verify_chain().ok


@pytest.mark.parametrize("downgrade", [False, True], ids=["keep-alg", "claim-legacy"])
def test_rewriting_a_row_and_rehashing_without_the_key_fails(db, make_user, downgrade):
    events = _events(db, make_user)
    # The attacker edits row 2 and recomputes every later hash with plain SHA-256 —
    # all they can do without AUDIT_HMAC_KEY.
    prev = events[0].hash
    statements = []
    for i, event in enumerate(events[1:], start=1):
        if i == 1:
            event.summary = "nothing to see"
        event.prev_hash = prev
        new_hash = hashlib.sha256(_canonical(event)).hexdigest()
        alg = ", hash_alg = 'sha256'" if downgrade else ""
        statements.append(
            f"UPDATE audit_event SET summary = '{event.summary}', prev_hash = '{prev}', "
            f"hash = '{new_hash}'{alg} WHERE id = {event.id}"
        )
        prev = new_hash
    db.session.expire_all()
    _sql(db, statements)
    report = verify_chain()
    assert not report.ok and report.broken_at == events[1].id


def test_legacy_rows_verify_the_old_way(db, make_user):
    events = _events(db, make_user, 2)
    # As if written before the chain was keyed: plain SHA-256, hash_alg 'sha256'.
    first = events[0]
    first.hash_alg = "sha256"
    legacy = hashlib.sha256(_canonical(first)).hexdigest()
    db.session.expire_all()
    _sql(
        db,
        [
            f"UPDATE audit_event SET hash_alg = 'sha256', hash = '{legacy}' WHERE id = {first.id}",
            f"UPDATE audit_event SET prev_hash = '{legacy}' WHERE id = {events[1].id}",
        ],
    )
    # Row 2's HMAC covers its prev_hash, so re-sign it as the app would have.
    from flo_portal.audit.services import compute_hash

    second = db.session.get(AuditEvent, events[1].id)
    db.session.expire_all()
    _sql(db, [f"UPDATE audit_event SET hash = '{compute_hash(second)}' WHERE id = {second.id}"])
    assert verify_chain().ok


def test_untouched_chain_with_checkpoints_passes(db, make_user, checkpoint_file):
    _events(db, make_user)
    write_checkpoint(NOW)
    record("thing.later", summary="after the checkpoint", actor=None)
    db.session.commit()
    write_checkpoint(NOW)
    report = verify_chain()
    assert report.ok and report.checkpoints == 2


def test_deleting_the_newest_rows_fails(db, make_user, checkpoint_file):
    events = _events(db, make_user)
    write_checkpoint(NOW)
    _sql(db, [f"DELETE FROM audit_event WHERE id >= {events[2].id}"])
    assert verify_chain().checked == 2  # what is left is a valid chain on its own...
    report = verify_chain()
    assert not report.ok and "deleted" in report.reason  # ...but shorter than signed


def test_deleting_all_rows_fails(db, make_user, checkpoint_file):
    _events(db, make_user)
    write_checkpoint(NOW)
    _sql(db, ["DELETE FROM audit_event"])
    report = verify_chain()
    assert not report.ok and report.checked == 0


def test_replacing_the_newest_row_fails(db, make_user, checkpoint_file):
    events = _events(db, make_user)
    write_checkpoint(NOW)
    head_id = events[-1].id
    # Same count, but the checkpointed head row was swapped for a fresh event.
    _sql(db, [f"DELETE FROM audit_event WHERE id = {head_id}"])
    record("thing.forged", summary="replacement", actor=None)
    db.session.commit()
    report = verify_chain()
    assert not report.ok and report.broken_at == head_id
    assert "checkpointed row" in report.reason  # SQLite may reuse the id


def test_a_forged_checkpoint_fails(db, make_user, checkpoint_file):
    _events(db, make_user)
    write_checkpoint(NOW)
    line = json.loads(checkpoint_file.read_text())
    line["count"] = 1
    checkpoint_file.write_text(json.dumps(line) + "\n")
    report = verify_chain()
    assert not report.ok and "signature" in report.reason


def test_cli_verify_fails_after_rows_are_cut(app, db, make_user, checkpoint_file):
    events = _events(db, make_user)
    write_checkpoint(NOW)
    _sql(db, [f"DELETE FROM audit_event WHERE id = {events[-1].id}"])
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN" in result.output


class _Syslog(socketserver.BaseRequestHandler):
    received: list[bytes] = []

    def handle(self):
        self.received.append(self.request[0])


def test_the_hourly_job_writes_the_file_and_syslog(app, db, make_user, checkpoint_file):
    events = _events(db, make_user)
    server = socketserver.UDPServer(("127.0.0.1", 0), _Syslog)
    _Syslog.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        app.config["SIEM_SYSLOG_ADDRESS"] = f"127.0.0.1:{server.server_address[1]}"
        with time_machine.travel(NOW, tick=False):
            run = run_job("audit_checkpoint")
        assert run.outcome == "ok", run.error
        for _ in range(100):
            if len(_Syslog.received) >= 2:
                break
            threading.Event().wait(0.02)
    finally:
        server.shutdown()
        server.server_close()
    line = json.loads(checkpoint_file.read_text().splitlines()[-1])
    assert (line["seq"], line["head"], line["count"]) == (events[-1].id, events[-1].hash, 4)
    assert line["at"] == NOW.isoformat() and line["sig"]
    # One syslog, the SIEM's: the signed checkpoint line, and the job's own audit event.
    messages = sorted(m.decode() for m in _Syslog.received)
    checkpoint = json.dumps(line, sort_keys=True, separators=(",", ":"))
    assert len(messages) == 2 and all("flo-portal-audit" in m for m in messages)
    assert sum(checkpoint in m for m in messages) == 1
    assert sum('"action":"audit.verified"' in m for m in messages) == 1
    last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.action == "audit.verified" and last.actor_id is None
    assert verify_chain().ok


def test_postgres_refuses_truncate(db, make_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE triggers exist on PostgreSQL only")
    _events(db, make_user, 1)
    with pytest.raises(sa.exc.DBAPIError, match="TRUNCATE refused"):
        db.session.execute(sa.text("TRUNCATE audit_event"))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PRIVACY_OFFICER])
@time_machine.travel(NOW, tick=False)
def test_verify_now_records_and_shows_the_result(client, login_as, db, make_user, role):
    _events(db, make_user, 2)
    user = login_as(role)
    page = client.get("/audit/")
    assert b"Not verified yet." in page.data and b"Verify now" in page.data
    response = client.post("/audit/verify", follow_redirects=True)
    assert response.status_code == 200
    assert b"Audit chain intact" in response.data
    assert b"Intact" in response.data and user.email.encode() in response.data
    check = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "audit.verified")
    ).one()
    assert (check.actor_id, check.details["ok"], check.occurred_at) == (user.id, True, NOW)


def test_verify_now_shows_a_broken_chain(client, login_as, db, make_user):
    events = _events(db, make_user, 2)
    _sql(db, [f"UPDATE audit_event SET summary = 'x' WHERE id = {events[0].id}"])
    login_as(Role.ADMIN)
    response = client.post("/audit/verify", follow_redirects=True)
    assert b"BROKEN" in response.data


def test_coordinator_cannot_verify(client, login_as, db):
    login_as(Role.COORDINATOR)
    assert client.post("/audit/verify").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_verify_now_needs_the_csrf_token(app, client, login_as):
    login_as(Role.ADMIN)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/audit/verify").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_production_refuses_to_start_without_the_audit_key(monkeypatch):
    from flo_portal import create_app
    from tests.core.test_robustness import _production

    config = _production(monkeypatch)
    monkeypatch.setattr(config, "AUDIT_HMAC_KEY", "")
    with pytest.raises(RuntimeError, match="AUDIT_HMAC_KEY"):
        create_app(config)
    monkeypatch.setattr(config, "AUDIT_HMAC_KEY", "b" * 48)
    assert create_app(config).config["AUDIT_HMAC_KEY"] == "b" * 48


def test_the_job_does_not_sign_a_broken_chain(app, db, make_user, checkpoint_file):
    events = _events(db, make_user, 2)
    _sql(db, [f"UPDATE audit_event SET summary = 'x' WHERE id = {events[0].id}"])
    with time_machine.travel(NOW, tick=False):
        run = run_job("audit_checkpoint")
    assert run.outcome == "ok" and run.counts["ok"] == 0
    assert not checkpoint_file.exists()
    last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.action == "audit.verified" and last.details["ok"] is False
