"""/readyz fails with reasons when the scheduler is silent or the outbox is stuck;
/healthz stays the liveness check."""

from __future__ import annotations

from datetime import timedelta

from flo_portal import __version__
from flo_portal.core.orm import utcnow
from flo_portal.jobs.models import JobRun
from flo_portal.notifications.models import OutboxEmail


def _tick(db, ago: timedelta) -> None:
    at = utcnow() - ago
    db.session.add(
        JobRun(job="outbox_delivery", slot=at, started_at=at, finished_at=at, outcome="ok")
    )
    db.session.commit()


def test_not_ready_until_the_scheduler_has_ticked(client, db):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "not ready"
    assert response.json["version"] == __version__
    assert response.json["reasons"] == ["the scheduler has never run a job"]
    assert client.get("/healthz").status_code == 200  # alive, just not ready


def test_ready_with_a_recent_tick_and_an_empty_outbox(client, db):
    _tick(db, timedelta(seconds=30))
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ready" and response.json["reasons"] == []
    assert response.json["version"] == __version__
    assert response.json["checks"]["database"] == "ok"


def test_a_silent_scheduler_is_not_ready(client, db):
    _tick(db, timedelta(minutes=20))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "the scheduler has not ticked for" in response.json["reasons"][0]


def _readyz_with_one_mail(client, db, *, due_in, attempts=0):
    """/readyz with the scheduler ticking and one mail in the outbox, due ``due_in`` from now."""
    _tick(db, timedelta(seconds=10))
    mail = OutboxEmail(to_address="a@example.gov", subject="s", body_text="b", attempts=attempts)
    mail.next_attempt_at = utcnow() + due_in
    db.session.add(mail)
    db.session.commit()
    return client.get("/readyz")


def test_a_stuck_outbox_is_not_ready(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    response = _readyz_with_one_mail(client, db, due_in=-timedelta(hours=1))
    assert response.status_code == 503
    assert response.json["reasons"][0].startswith("the outbox is stuck")
    assert response.json["checks"]["outbox"]["backlog"] == 1


def test_a_mail_that_keeps_failing_is_not_ready(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    response = _readyz_with_one_mail(client, db, due_in=timedelta(hours=1), attempts=12)
    assert response.status_code == 503
    assert response.json["reasons"] == ["1 mail failed 10 or more times"]


def test_the_version_is_in_the_footer_and_the_openapi_document(client):
    assert f"FLO Portal {__version__}" in client.get("/auth/login").get_data(as_text=True)
    assert client.get("/api/v1/openapi.json").json["info"]["version"] == __version__


def test_with_mail_off_waiting_mail_is_not_a_reason(client, db):
    response = _readyz_with_one_mail(client, db, due_in=-timedelta(hours=1))
    assert response.status_code == 200
    assert response.json["checks"]["outbox"] == {
        "backlog": 1,
        "oldest_due": response.json["checks"]["outbox"]["oldest_due"],
        "failed_many_times": 0,
        "mail_enabled": False,
    }


def test_an_unreachable_database_is_not_ready(client, db, monkeypatch):
    import sqlalchemy as sa

    from flo_portal.ops import readiness

    def refuse(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(readiness.db.session, "execute", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["reasons"] == ["database unreachable"]
    assert response.json["version"] == __version__


def test_readiness_reports_postgres_autovacuum_as_a_warning_not_a_reason(client, db):
    import sqlalchemy as sa

    _tick(db, timedelta(seconds=30))
    body = client.get("/readyz").json
    if db.engine.dialect.name != "postgresql":
        assert "autovacuum" not in body["checks"]
        return
    setting = db.session.scalar(sa.text("SHOW autovacuum"))
    assert body["checks"]["autovacuum"] == setting
    assert body["status"] == "ready"  # a warning, never a reason to stop serving
    assert ("warnings" in body) == (setting != "on")
