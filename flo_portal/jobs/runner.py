"""Running one job exactly once per tick, whatever the number of schedulers.

Two guards, both in the database:

1. **The tick claim.** Every run INSERTs a ``JobRun`` row keyed by (job, slot), where
   the slot is the scheduled tick (interval ticks are aligned on the epoch, so every
   scheduler computes the same slots). A unique constraint lets only one INSERT win;
   a second scheduler firing the same tick gets an IntegrityError and stands down.
2. **The job lock.** While a run works it holds ``pg_try_advisory_lock`` on a connection
   of its own (PostgreSQL) or a lease row in ``job_lease`` (SQLite), so a slow run is
   never overlapped by the next tick's run from another process. A run that cannot
   take the lock is recorded as ``skipped``.

The jobs themselves claim due rows idempotently (``UPDATE ... WHERE sent_at IS NULL``),
so a run repeated after a crash sends nothing twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy.exc import IntegrityError

from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.core.unit_of_work import transaction
from flo_portal.jobs.models import JobLease, JobRun

log = logging.getLogger("flo_portal.jobs")

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
LEASE = timedelta(minutes=30)
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def slot_for(every_seconds: int, now: datetime) -> datetime:
    """The tick ``now`` belongs to: the start of its interval, counted from EPOCH."""
    elapsed = int((now - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=elapsed - elapsed % every_seconds)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a job name."""
    digest = hashlib.sha256(f"flo-portal-job:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def job_lock(name: str, now: datetime | None = None) -> Iterator[bool]:
    """Hold the job's database lock for the block; yields False when someone else has it."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(sa.select(sa.func.pg_try_advisory_lock(lock_key(name)))).scalar()
            conn.commit()
            try:
                yield bool(got)
            finally:
                if got:
                    conn.execute(sa.select(sa.func.pg_advisory_unlock(lock_key(name))))
                    conn.commit()
        return
    got = _take_lease(engine, name, now or utcnow())
    try:
        yield got
    finally:
        if got:
            with engine.begin() as conn:
                conn.execute(
                    sa.update(JobLease)
                    .where(JobLease.name == name, JobLease.holder == HOLDER)
                    .values(expires_at=EPOCH, holder="")
                )


def _take_lease(engine, name: str, now: datetime) -> bool:
    with engine.begin() as conn:
        exists = conn.execute(sa.select(JobLease.name).where(JobLease.name == name)).first()
        if exists is None:
            try:
                with conn.begin_nested():
                    conn.execute(sa.insert(JobLease).values(name=name, holder="", expires_at=EPOCH))
            except IntegrityError:
                pass
        result = conn.execute(
            sa.update(JobLease)
            .where(JobLease.name == name, JobLease.expires_at < now)
            .values(holder=HOLDER, expires_at=now + LEASE)
        )
        return result.rowcount == 1


def _as_counts(result) -> dict:
    if isinstance(result, dict):
        return {str(k): v for k, v in result.items()}
    if isinstance(result, int):
        return {"count": result}
    if hasattr(result, "as_counts"):
        return result.as_counts()
    return {}


def run_job(
    name: str, *, slot: datetime | None = None, now: datetime | None = None
) -> JobRun | None:
    """Run job ``name`` for ``slot`` (default: the current tick). Commits: the tick's
    claim, the job's work and the run's outcome are three transactions.

    Returns the JobRun, or None when another scheduler already claimed this tick.
    """
    if not has_request_context():
        # Jobs build links with url_for(), which needs a request: a synthetic one on the
        # public base URL. It is for links only: nobody is signed in in it, and a job
        # names its actor explicitly (core.actors.system_actor("job:<name>")).
        base = current_app.config.get("PUBLIC_BASE_URL", "http://localhost")
        with current_app.test_request_context(base_url=base):
            return run_job(name, slot=slot, now=now)
    from flo_portal.jobs.registry import JOBS

    spec = JOBS[name]
    now = now or utcnow()
    slot = slot or slot_for(spec.every_seconds, now)
    run = JobRun(job=name, slot=slot, started_at=utcnow(), host=HOLDER[:120], counts={})
    try:
        with transaction():
            db.session.add(run)
            db.session.flush()
    except IntegrityError:
        log.info(
            "job %s: tick %s already claimed by another scheduler",
            name,
            slot.isoformat(),
        )
        return None
    run_id = run.id
    with job_lock(name, now) as got:
        if not got:
            with transaction():
                run.outcome = "skipped"
                run.error = "another run of this job still holds its lock"
                run.finished_at = utcnow()
            log.info("job %s: skipped, lock held elsewhere", name)
            return run
        try:
            # The job's own transaction: all its work, or (rolled back) none of it.
            with transaction():
                counts = _as_counts(spec.func(now))
            outcome, error = "ok", ""
        except Exception:
            counts, outcome, error = {}, "error", traceback.format_exc()[-4000:]
            log.exception("job %s failed", name)
    # Its bookkeeping, in a transaction of its own: a failed run is recorded (and its
    # tick stays claimed); the job retries at its next tick.
    with transaction():
        run = db.session.get(JobRun, run_id)
        run.counts = counts
        run.outcome = outcome
        run.error = error
        run.finished_at = utcnow()
    log.info("job %s: %s %s", name, outcome, counts)
    return run


def latest_runs() -> dict[str, JobRun]:
    """The most recent run of each job, in one query."""
    latest = (
        sa.select(JobRun.job, sa.func.max(JobRun.id).label("id")).group_by(JobRun.job).subquery()
    )
    rows = db.session.scalars(sa.select(JobRun).join(latest, JobRun.id == latest.c.id))
    return {r.job: r for r in rows}
