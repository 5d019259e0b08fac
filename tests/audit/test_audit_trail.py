"""The audit trail: chained, verifiable, append-only, readable and exportable by the right roles."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.audit.services import record, verify_chain
from flo_portal.security.permissions import Role


def _three_events(db, make_user):
    user = make_user(Role.COORDINATOR)
    record("thing.created", user, actor=user, summary="one")
    record("thing.updated", user, actor=user, details={"field": ["a", "b"]})
    record("thing.deleted", user, actor=user)
    db.session.commit()
    return user


def test_each_event_links_to_the_previous(db, make_user):
    _three_events(db, make_user)
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert events[0].prev_hash == "0" * 64
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert verify_chain().ok and verify_chain().checked == 3


def _tamper(db, sql: str):
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
    db.session.execute(sa.text(sql))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change"))
    db.session.commit()
    db.session.expire_all()


def test_verify_reports_the_first_edited_row(db, make_user):
    _three_events(db, make_user)
    second = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
    _tamper(db, f"UPDATE audit_event SET summary = 'nothing to see' WHERE id = {second}")
    report = verify_chain()
    assert not report.ok and report.broken_at == second
    assert "content" in report.reason


def test_verify_reports_a_deleted_row(db, make_user):
    _three_events(db, make_user)
    ids = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
    _tamper(db, f"DELETE FROM audit_event WHERE id = {ids[1]}")
    report = verify_chain()
    assert report.broken_at == ids[2] and "link" in report.reason


def test_cli_verify_exit_codes(app, db, make_user):
    _three_events(db, make_user)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "OK: 3 audit events" in ok.output
    first = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).first()
    _tamper(db, f"UPDATE audit_event SET action = 'x' WHERE id = {first}")
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"BROKEN at audit_event id {first}" in broken.output


def test_the_orm_refuses_to_edit_or_delete_events(db, make_user):
    _three_events(db, make_user)
    event = db.session.scalars(sa.select(AuditEvent)).first()
    event.summary = "changed"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_postgres_refuses_edits_itself(db, make_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    _three_events(db, make_user)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text("UPDATE audit_event SET summary = 'x'"))
    db.session.rollback()


def test_privacy_officer_filters_and_reading_is_itself_audited(client, login_as, db, make_user):
    user = _three_events(db, make_user)
    officer = login_as(Role.PRIVACY_OFFICER)
    page = client.get("/audit/?action=thing.upd")
    assert page.status_code == 200
    assert b"thing.updated" in page.data and b"thing.deleted" not in page.data
    last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (last.action, last.actor_id) == ("audit.searched", officer.id)
    by_actor = client.get(f"/audit/?actor={user.email}")
    assert b"thing.created" in by_actor.data


def test_bad_dates_in_the_filter_are_explained_not_500(client, login_as):
    login_as(Role.ADMIN)
    response = client.get("/audit/?since=yesterday")
    assert response.status_code == 200 and b"YYYY-MM-DD" in response.data


def test_export_is_csv_and_audited(client, login_as, db, make_user):
    _three_events(db, make_user)
    record("evil", summary='=HYPERLINK("http://x")', actor=None)
    db.session.commit()
    admin = login_as(Role.ADMIN)
    response = client.get("/audit/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert [r["action"] for r in rows][:2] == ["evil", "thing.deleted"]
    assert rows[0]["summary"].startswith("'=")  # no formula injection
    last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (last.action, last.actor_id) == ("audit.exported", admin.id)


def test_there_is_no_way_to_edit_the_trail_through_the_app(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/audit") and rule.endpoint != "audit.verify_now":
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_every_event_names_its_actor_and_a_system_actor_by_name(app, db):
    from flo_portal.core.actors import system_actor

    with pytest.raises(TypeError):
        record("thing.anonymous", summary="who?")  # the caller must say who acts
    event = record("thing.swept", summary="nightly", actor=system_actor("job:retention_review"))
    assert event.actor_id is None and event.actor_email == "job:retention_review"
