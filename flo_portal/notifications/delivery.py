"""Sending the outbox over SMTP, with retries and exponential backoff.

A row is never deleted: on success it gets ``sent_at``; on failure ``attempts`` grows,
``last_error`` says why and ``next_attempt_at`` moves out by 1, 2, 4, ... minutes (capped
at ``OUTBOX_MAX_BACKOFF_MINUTES``), so it is retried until the mail server takes it.

Each message is *claimed* before sending by one conditional UPDATE that pushes
``next_attempt_at`` a lease ahead: two deliverers running at once (they should not,
the scheduler holds a lock, but a manual ``flask scheduler run-job`` could) never
both send the same row. The claim, and the result, are committed per message, so a
crash mid-batch loses nothing: an unfinished claim simply expires and is retried.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app

from flo_portal.extensions import db
from flo_portal.notifications.models import OutboxEmail
from flo_portal.orm import utcnow

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=10)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def as_counts(self) -> dict:
        return {"sent": self.sent, "failed": self.failed, "skipped": self.skipped}


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failures: 1, 2, 4, 8 ... minutes, capped."""
    cap = int(current_app.config.get("OUTBOX_MAX_BACKOFF_MINUTES", 360))
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), cap))


def due_ids(now: datetime, limit: int) -> list[int]:
    stmt = (
        sa.select(OutboxEmail.id)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(db.session.scalars(stmt))


def _claim_ids(ids: list[int], now: datetime) -> list[int]:
    if not ids:
        return []
    claimed = db.session.scalars(
        sa.update(OutboxEmail)
        .where(
            OutboxEmail.id.in_(ids),
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + CLAIM_LEASE, attempts=OutboxEmail.attempts + 1)
        .returning(OutboxEmail.id),
        execution_options={"synchronize_session": False},
    ).all()
    db.session.commit()
    return sorted(claimed)


def claim(email_id: int, now: datetime) -> bool:
    """Take one due row for sending; False when someone else has it or it was sent."""
    return _claim_ids([email_id], now) == [email_id]


def claim_batch(now: datetime, limit: int) -> list[int]:
    """Take up to ``limit`` due rows in one UPDATE (committed): they are ours for the lease."""
    return _claim_ids(due_ids(now, limit), now)


def _release(ids: list[int], now: datetime) -> None:
    """Give back claimed rows we did not try (the server went away mid-batch)."""
    if ids:
        db.session.execute(
            sa.update(OutboxEmail)
            .where(OutboxEmail.id.in_(ids), OutboxEmail.sent_at.is_(None))
            .values(next_attempt_at=now, attempts=OutboxEmail.attempts - 1),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()


def build_message(email: OutboxEmail) -> EmailMessage:
    config = current_app.config
    msg = EmailMessage()
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    msg["To"] = email.to_address
    msg["Subject"] = email.subject
    msg["Date"] = formatdate(localtime=False)
    # A stable Message-ID: if a crash makes us send twice, mail systems can tell.
    domain = config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "flo-portal.local"
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{email.id}", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(email.body_text)
    return msg


def _connect() -> smtplib.SMTP:
    config = current_app.config
    timeout = float(config.get("MAIL_TIMEOUT", 10))
    smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=timeout)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def _record_failure(email: OutboxEmail, now: datetime, error: str) -> None:
    email.last_error = error[:500]
    email.next_attempt_at = now + backoff(email.attempts)
    db.session.commit()


COMMIT_EVERY = 50


def deliver_outbox(now: datetime | None = None, *, limit: int = 500) -> DeliveryReport:
    """Send what is due over one SMTP connection. Rows are claimed in one committed UPDATE;
    results are committed every COMMIT_EVERY messages and at the end (this is the job's
    unit of work). A crash between sending and committing can send a message twice once
    its lease expires (never zero times); the stable Message-ID lets mail systems tell."""
    now = now or utcnow()
    report = DeliveryReport()
    if not current_app.config.get("MAIL_ENABLED", True):
        report.skipped = len(due_ids(now, limit))
        db.session.rollback()
        log.info("MAIL_ENABLED is off: %s e-mails stay in the outbox", report.skipped)
        return report
    ids = claim_batch(now, limit)
    emails = {
        e.id: e for e in db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.id.in_(ids)))
    }
    smtp: smtplib.SMTP | None = None
    try:
        for position, email_id in enumerate(ids):
            email = emails[email_id]
            connecting = smtp is None
            try:
                if smtp is None:
                    smtp = _connect()
                smtp.send_message(build_message(email))
            except (TimeoutError, smtplib.SMTPException, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                _record_failure(email, now, error)
                report.failed += 1
                report.errors.append(error)
                log.warning(
                    "outbox %s: send failed (attempt %s): %s",
                    email.id,
                    email.attempts,
                    error,
                )
                if connecting:
                    # The server is down: give the rest back for the next run.
                    _release(ids[position + 1 :], now)
                    break
                # A broken connection fails every later message too: reconnect next time.
                if not isinstance(exc, smtplib.SMTPRecipientsRefused):
                    _quit(smtp)
                    smtp = None
                continue
            email.sent_at = utcnow()
            email.last_error = ""
            report.sent += 1
            if report.sent % COMMIT_EVERY == 0:
                db.session.commit()
        db.session.commit()
    finally:
        if smtp is not None:
            _quit(smtp)
    return report


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def outbox_summary() -> dict:
    """Counts for the jobs page: waiting, waiting with errors, sent."""
    waiting, with_errors, sent = db.session.execute(
        sa.select(
            sa.func.count().filter(OutboxEmail.sent_at.is_(None)),
            sa.func.count().filter(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts > 0),
            sa.func.count().filter(OutboxEmail.sent_at.is_not(None)),
        )
    ).one()
    return {"waiting": waiting, "with_errors": with_errors, "sent": sent}
