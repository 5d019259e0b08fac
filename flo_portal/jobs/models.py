"""Job runs and the lease rows that stand in for advisory locks on SQLite."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow


class JobRun(db.Model):
    """One run of one job. ``slot`` is the scheduled tick the run belongs to.

    The unique (job, slot) pair is the claim: when two schedulers fire the same tick,
    only the first INSERT wins and the other one skips, on PostgreSQL and SQLite alike.
    """

    __tablename__ = "job_run"
    __table_args__ = (
        sa.UniqueConstraint("job", "slot", name="uq_job_run_job_slot"),
        sa.Index("ix_job_run_job_started", "job", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(60))
    slot: Mapped[datetime]
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    # running | ok | error | skipped (a job whose feature is not installed yet)
    outcome: Mapped[str] = mapped_column(sa.String(20), default="running", index=True)
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    host: Mapped[str] = mapped_column(sa.String(120), default="")

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class JobLease(db.Model):
    """A named lease: the SQLite stand-in for ``pg_try_advisory_lock``."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(120), default="")
    expires_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrainingExpiryNotice(db.Model):
    """One row per training record and threshold (60/30/7 days): the notice is sent once."""

    __tablename__ = "training_expiry_notice"
    __table_args__ = (
        sa.UniqueConstraint("record_id", "days_before", name="uq_training_expiry_notice_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("training_record.id", ondelete="CASCADE"))
    days_before: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
