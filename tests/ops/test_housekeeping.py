"""Housekeeping: job runs and delivered e-mails older than their periods are deleted by
a daily job; undelivered mail and each job's latest run are kept. The clock is frozen
(time-machine), so "older than 400 days" is exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from flo_portal.core.orm import utcnow
from flo_portal.jobs.models import JobRun
from flo_portal.jobs.registry import JOBS
from flo_portal.jobs.runner import run_job
from flo_portal.notifications.models import OutboxEmail

NOW = datetime(2027, 3, 1, 3, 30, tzinfo=UTC)  # New York is still on 28 February


def _run(db, job: str, days_ago: float, outcome: str = "ok") -> None:
    at = NOW - timedelta(days=days_ago)
    db.session.add(JobRun(job=job, slot=at, started_at=at, finished_at=at, outcome=outcome))


def _mail(db, subject: str, *, created_days_ago: float, sent_days_ago: float | None) -> None:
    created = NOW - timedelta(days=created_days_ago)
    db.session.add(
        OutboxEmail(
            to_address="x@agency.example.gov",
            subject=subject,
            body_text="-",
            created_at=created,
            next_attempt_at=created,
            sent_at=None if sent_days_ago is None else NOW - timedelta(days=sent_days_ago),
        )
    )


@pytest.fixture
def history(db):
    _run(db, "rfi_due", 800)
    _run(db, "rfi_due", 400.01)  # just past the default period
    _run(db, "rfi_due", 399.99)  # just inside it
    _run(db, "rfi_due", 1)
    _run(db, "retention_review", 900, outcome="error")  # its only run: kept
    _mail(db, "old sent", created_days_ago=500, sent_days_ago=500)
    _mail(db, "sent just past", created_days_ago=401, sent_days_ago=400.01)
    _mail(db, "sent just inside", created_days_ago=401, sent_days_ago=399.99)
    _mail(db, "never delivered", created_days_ago=900, sent_days_ago=None)
    db.session.commit()


def _left(db):
    db.session.expire_all()
    runs = db.session.execute(
        sa.select(JobRun.job, JobRun.started_at).where(JobRun.job != "housekeeping")
    ).all()
    ages = sorted((job, round((NOW - at).total_seconds() / 86400, 2)) for job, at in runs)
    subjects = sorted(db.session.scalars(sa.select(OutboxEmail.subject)))
    return ages, subjects


def test_the_daily_job_prunes_with_the_default_periods(app, db, history):
    assert JOBS["housekeeping"].every_seconds == 86400
    assert app.config["JOB_RUN_RETENTION_DAYS"] >= 365
    assert app.config["SENT_MAIL_RETENTION_DAYS"] >= 365
    with time_machine.travel(NOW, tick=False):
        assert utcnow() == NOW
        run = run_job("housekeeping")
    assert run.outcome == "ok", run.error
    assert run.counts == {"job_runs_deleted": 2, "emails_deleted": 2}
    ages, subjects = _left(db)
    assert ages == [("retention_review", 900.0), ("rfi_due", 1.0), ("rfi_due", 399.99)]
    assert subjects == ["never delivered", "sent just inside"]
    # Run again the same day: nothing more to delete.
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        again = run_job("housekeeping", slot=NOW + timedelta(minutes=1))
    assert again.counts == {"job_runs_deleted": 0, "emails_deleted": 0}


def test_the_periods_are_configurable(app, db, history, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_RUN_RETENTION_DAYS", 2)
    monkeypatch.setitem(app.config, "SENT_MAIL_RETENTION_DAYS", 1000)
    with time_machine.travel(NOW, tick=False):
        run = run_job("housekeeping")
    assert run.counts == {"job_runs_deleted": 3, "emails_deleted": 0}
    ages, subjects = _left(db)
    assert ages == [("retention_review", 900.0), ("rfi_due", 1.0)]
    assert len(subjects) == 4


def test_a_period_below_one_day_is_an_error_not_a_purge(app, db, history, monkeypatch):
    monkeypatch.setitem(app.config, "SENT_MAIL_RETENTION_DAYS", 0)
    with time_machine.travel(NOW, tick=False):
        run = run_job("housekeeping")
    assert run.outcome == "error" and "SENT_MAIL_RETENTION_DAYS" in run.error
    assert len(_left(db)[1]) == 4
