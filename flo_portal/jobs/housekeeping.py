"""Housekeeping: the job-run and sent-mail tables do not grow forever.

Daily, it deletes job runs that started more than ``JOB_RUN_RETENTION_DAYS`` ago (each
job's latest run is always kept, so the jobs page still says when it last ran) and
e-mails delivered more than ``SENT_MAIL_RETENTION_DAYS`` ago. Mail not yet delivered is
never deleted, however old. The defaults (400 days) keep more than a year. The audit
trail is not touched: it has its own retention and its own chain.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from flo_portal.core.extensions import db
from flo_portal.jobs.models import JobRun
from flo_portal.notifications.models import OutboxEmail


def _days(name: str) -> int:
    days = int(current_app.config.get(name, 400))
    if days < 1:
        raise ValueError(f"{name} must be at least 1 day (it is {days})")
    return days


def prune_old_rows(now: datetime) -> dict:
    """Delete old job runs and old delivered e-mails; the counts deleted. Flushes only."""
    job_cutoff = now - timedelta(days=_days("JOB_RUN_RETENTION_DAYS"))
    mail_cutoff = now - timedelta(days=_days("SENT_MAIL_RETENTION_DAYS"))
    latest_per_job = sa.select(sa.func.max(JobRun.id)).group_by(JobRun.job).scalar_subquery()
    runs = db.session.execute(
        sa.delete(JobRun).where(
            JobRun.started_at < job_cutoff,
            JobRun.id.not_in(latest_per_job),
        ),
        execution_options={"synchronize_session": False},
    ).rowcount
    mails = db.session.execute(
        sa.delete(OutboxEmail).where(
            OutboxEmail.sent_at.is_not(None), OutboxEmail.sent_at < mail_cutoff
        ),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.flush()
    return {"job_runs_deleted": runs, "emails_deleted": mails}
