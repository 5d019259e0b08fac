"""``/readyz``: may this instance take traffic? (``/healthz`` stays the liveness check.)

Ready when the database answers, the scheduler has started a job run within
READY_SCHEDULER_MAX_AGE_SECONDS (its outbox job ticks every minute) and the outbox is
not stuck: no unsent mail has been due for more than READY_OUTBOX_STUCK_SECONDS and
none has failed READY_OUTBOX_MAX_ATTEMPTS times (with MAIL_ENABLED off, as in
development, mail waits in the outbox on purpose and is not a reason). Not ready is 503 with the reasons.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from flo_portal.core.display import plural
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def check(now: datetime | None = None) -> tuple[bool, dict]:
    from flo_portal import __version__
    from flo_portal.jobs.models import JobRun
    from flo_portal.notifications.models import OutboxEmail

    now = now or utcnow()
    cfg = current_app.config
    reasons: list[str] = []
    body: dict = {"version": __version__, "checks": {}}
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # any failure here means not ready; the unit of work rolls back the 503
        body.update(status="not ready", reasons=["database unreachable"])
        body["checks"]["database"] = "unreachable"
        return False, body
    body["checks"]["database"] = "ok"

    max_age = int(cfg.get("READY_SCHEDULER_MAX_AGE_SECONDS", 300))
    last_tick = _aware(db.session.scalar(sa.select(sa.func.max(JobRun.started_at))))
    age = None if last_tick is None else (now - last_tick).total_seconds()
    body["checks"]["scheduler"] = {
        "last_tick": last_tick.isoformat() if last_tick else None,
        "age_seconds": None if age is None else round(age),
        "max_age_seconds": max_age,
    }
    if last_tick is None:
        reasons.append("the scheduler has never run a job")
    elif age is not None and age > max_age:
        reasons.append(f"the scheduler has not ticked for {round(age)} s (limit {max_age} s)")

    stuck_after = timedelta(seconds=int(cfg.get("READY_OUTBOX_STUCK_SECONDS", 900)))
    max_attempts = int(cfg.get("READY_OUTBOX_MAX_ATTEMPTS", 10))
    unsent = OutboxEmail.sent_at.is_(None)
    backlog = db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(unsent)) or 0
    oldest_due = _aware(
        db.session.scalar(
            sa.select(sa.func.min(OutboxEmail.next_attempt_at)).where(
                unsent, OutboxEmail.next_attempt_at <= now
            )
        )
    )
    exhausted = (
        db.session.scalar(
            sa.select(sa.func.count(OutboxEmail.id)).where(
                unsent, OutboxEmail.attempts >= max_attempts
            )
        )
        or 0
    )
    mail_on = bool(cfg.get("MAIL_ENABLED", True))
    body["checks"]["outbox"] = {
        "backlog": backlog,
        "oldest_due": oldest_due.isoformat() if oldest_due else None,
        "failed_many_times": exhausted,
        "mail_enabled": mail_on,
    }
    if not mail_on:
        pass  # MAIL_ENABLED off (development): mail waits in the outbox on purpose
    elif oldest_due is not None and now - oldest_due > stuck_after:
        reasons.append(f"the outbox is stuck: a mail has been due since {oldest_due.isoformat()}")
    if mail_on and exhausted:
        reasons.append(f"{plural(exhausted, 'mail')} failed {max_attempts} or more times")

    if db.session.get_bind().dialect.name == "postgresql":
        # Not a reason to stop serving, but a warning to act on: without autovacuum dead
        # rows pile up and list pages slow down week by week (issue 18).
        autovacuum = db.session.scalar(sa.text("SELECT current_setting('autovacuum')"))
        body["checks"]["autovacuum"] = autovacuum
        if autovacuum != "on":
            body["warnings"] = ["PostgreSQL autovacuum is off: turn it on (postgresql.conf)."]

    ok = not reasons
    body["status"] = "ready" if ok else "not ready"
    body["reasons"] = reasons
    return ok, body
