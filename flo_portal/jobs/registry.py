"""Every scheduled job, in one place.

Each job is a function ``fn(now) -> counts`` that claims due rows idempotently and
flushes; the runner commits and records a JobRun. Feature modules are imported inside
the job functions so the scheduler process loads only what it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger("flo_portal.jobs")


@dataclass(frozen=True)
class JobSpec:
    name: str
    label: str
    every_seconds: int
    func: Callable[[datetime], object]


def deliver_outbox(now: datetime):
    from flo_portal.notifications.delivery import deliver_outbox as deliver

    return deliver(now)


def briefing_reminders(now: datetime):
    from flo_portal.briefings.reminders import send_due_reminders

    return send_due_reminders(now)


def training_expiry_notices(now: datetime):
    from flo_portal.training.expiry import send_training_expiry_notices

    return send_training_expiry_notices(now)


def rfi_due_and_overdue(now: datetime):
    from flo_portal.rfis.services import notify_due_rfis

    return notify_due_rfis(now)


def retention_review(now: datetime):
    from flo_portal.products.services import run_retention_review

    return run_retention_review(now.date())


def officer_safety_renotify(now: datetime):
    from flo_portal.products.services import renotify_unacknowledged_alerts

    return renotify_unacknowledged_alerts(now)


def training_current_refresh(now: datetime):
    """Records expire with the calendar, not only when rows change: recompute daily."""
    from flo_portal.training.services import refresh_training_current

    return {"officers": refresh_training_current(today=now.date())}


def daily_digest(now: datetime):
    from flo_portal.notifications.digest import send_daily_digests

    return send_daily_digests(now)


def audit_checkpoint(now: datetime):
    from flo_portal.audit.services import checkpoint_job

    return checkpoint_job(now)


MINUTE = 60
HOUR = 3600
DAY = 86400

JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in [
        JobSpec(
            "outbox_delivery",
            "Outbox delivery (e-mail with retries)",
            MINUTE,
            deliver_outbox,
        ),
        JobSpec(
            "briefing_reminders",
            "Briefing reminders (24 h and 1 h before)",
            MINUTE,
            briefing_reminders,
        ),
        JobSpec(
            "training_expiry",
            "Training-expiry notices (60/30/7 days)",
            HOUR,
            training_expiry_notices,
        ),
        JobSpec(
            "rfi_due",
            "RFI due-soon and overdue escalation",
            15 * MINUTE,
            rfi_due_and_overdue,
        ),
        JobSpec(
            "retention_review",
            "Retention review (28 CFR Part 23)",
            DAY,
            retention_review,
        ),
        JobSpec(
            "officer_safety_renotify",
            "Officer-safety alerts: re-notify unacknowledged",
            15 * MINUTE,
            officer_safety_renotify,
        ),
        JobSpec(
            "training_current_refresh",
            "Recompute which officers are training-current",
            HOUR,
            training_current_refresh,
        ),
        # Hourly: each user gets the digest at 07:00 in their own time zone.
        JobSpec("daily_digest", "Daily digest of unread notices", HOUR, daily_digest),
        JobSpec(
            "audit_checkpoint",
            "Audit trail: verify and write a signed checkpoint",
            HOUR,
            audit_checkpoint,
        ),
    ]
}
