"""Sending the outbox over SMTP, with retries and exponential backoff.

A row is never deleted: on success it gets ``sent_at``; on failure ``attempts`` grows,
``last_error`` says why and ``next_attempt_at`` moves out by 1, 2, 4, ... minutes (capped
at ``OUTBOX_MAX_BACKOFF_MINUTES``), so it is retried until the mail server takes it.

Each message is *claimed* before sending by one conditional UPDATE that pushes
``next_attempt_at`` a lease ahead: two deliverers running at once (they should not,
the scheduler holds a lock, but a manual ``flask scheduler run-job`` could) never
both send the same row. The claim, and the result, are committed per message (each its
own ``transaction()``: this job is the one place that must keep one row's outcome when
another's fails), so a crash mid-batch loses nothing: an unfinished claim simply expires
and is retried.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app

from flo_portal.core.extensions import db
from flo_portal.core.formtools import CONTROL_CHARACTERS
from flo_portal.core.orm import utcnow
from flo_portal.core.unit_of_work import transaction
from flo_portal.notifications.models import OutboxEmail

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
    base = int(current_app.config.get("OUTBOX_BACKOFF_BASE_MINUTES", 1))
    cap = int(current_app.config.get("OUTBOX_MAX_BACKOFF_MINUTES", 360))
    return timedelta(minutes=min(base * 2 ** max(attempts - 1, 0), cap))


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
    with transaction():
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
    return sorted(claimed)


def claim(email_id: int, now: datetime) -> bool:
    """Take one due row for sending; False when someone else has it or it was sent."""
    return _claim_ids([email_id], now) == [email_id]


def _header_text(value: str) -> str:
    """One line of header text: any control character (CR and LF above all) becomes a
    space, so a stored value can never start a second header or break the message."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", value).split())


def build_message(email: OutboxEmail) -> EmailMessage:
    """The message for one row, built with ``email.headerregistry``: the recipient is parsed
    as an address (a malformed one raises ``ValueError`` for this row alone) and free text
    is folded to one line, so no value can inject a header."""
    config = current_app.config
    msg = EmailMessage(policy=email_policy.SMTP)
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    to_address = email.to_address.strip()
    if CONTROL_CHARACTERS.search(to_address):
        raise ValueError("the recipient address contains a control character")
    msg["To"] = Address(addr_spec=to_address)
    msg["Subject"] = _header_text(email.subject)
    msg["Date"] = formatdate(localtime=False)
    # A stable Message-ID: if a crash makes us send twice, mail systems can tell.
    domain = config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "flo-portal.local"
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{email.id}", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(email.body_text)
    return msg


class SinkConnection:
    """``MAIL_BACKEND=sink`` (development): takes every message and sends none. The row
    is marked sent like any other and administrators read it at /dev/mail."""

    def send_message(self, message: EmailMessage) -> dict:
        log.info("mail sink: kept %r for %s", message["Subject"], message["To"])
        return {}

    def quit(self) -> None:
        return None

    close = quit


def tls_context() -> ssl.SSLContext:
    """The verifying context for the mail relay: certificate chain and host name checked,
    against the system's CAs or, when ``MAIL_CA_FILE`` is set, against that file only."""
    cafile = current_app.config.get("MAIL_CA_FILE") or None
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _connect() -> smtplib.SMTP:
    """One connection to the relay: implicit TLS (``MAIL_USE_SSL``, port 465) or STARTTLS
    (``MAIL_USE_TLS``), both verified; ``MAIL_TIMEOUT`` bounds the connect and each reply.
    STARTTLS that the server does not offer is an error, never a fall-back to plain text."""
    config = current_app.config
    if config.get("MAIL_BACKEND", "smtp") == "sink":
        return SinkConnection()  # type: ignore[return-value]
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    timeout = float(config.get("MAIL_TIMEOUT", 10))
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=tls_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _record_failure(email_id: int, now: datetime, error: str) -> int:
    """Write this row's failure and its next try, in its own transaction; its attempts.

    Building and sending a message write nothing, so the session holds only this row's
    committed claim: the transaction below keeps the failure and nothing else."""
    with transaction():
        email = db.session.get(OutboxEmail, email_id)
        email.last_error = error[:500]
        email.next_attempt_at = now + backoff(email.attempts)
        attempts = email.attempts
    return attempts


def _record_sent(email: OutboxEmail) -> None:
    """The server took it: committed at once, so a later failure can never resend it."""
    with transaction():
        email.sent_at = utcnow()
        email.last_error = ""


def deliver_outbox(now: datetime | None = None, *, limit: int = 500) -> DeliveryReport:
    """Send what is due over one SMTP connection, one message at a time.

    Each row is claimed by its own committed conditional UPDATE just before it is sent
    (so two runs never send the same row) and its outcome — sent, or the error and the
    backed-off next try — is committed on its own right after. A message that cannot be
    built or that the server refuses fails alone; the others go on. Only a crash between
    the server's "250" and the commit can repeat a message, once its lease expires; the
    stable Message-ID lets mail systems tell."""
    now = now or utcnow()
    report = DeliveryReport()
    if not current_app.config.get("MAIL_ENABLED", True):
        with transaction():  # a read: it writes nothing, and ends the row locks
            report.skipped = len(due_ids(now, limit))
        log.info("MAIL_ENABLED is off: %s e-mails stay in the outbox", report.skipped)
        return report
    with transaction():  # end the read; each row's own claim below decides who sends it
        ids = sorted(due_ids(now, limit))  # oldest first, as queued
    smtp: smtplib.SMTP | None = None
    try:
        for email_id in ids:
            if not claim(email_id, now):
                continue  # another run has it, or sent it meanwhile
            email = db.session.get(OutboxEmail, email_id)
            try:
                message = build_message(email)
            except Exception as exc:  # whatever is wrong with one row stays with that row
                _fail(report, email_id, now, f"message could not be built: {exc}")
                continue
            try:
                if smtp is None:
                    smtp = _connect()
            except (TimeoutError, smtplib.SMTPException, OSError) as exc:
                # The server is down: this row counts the failure, the rest stay due.
                _fail(report, email_id, now, f"{type(exc).__name__}: {exc}")
                break
            try:
                smtp.send_message(message)
            except (TimeoutError, smtplib.SMTPException, OSError) as exc:
                _fail(report, email_id, now, f"{type(exc).__name__}: {exc}")
                # A broken connection fails every later message too: reconnect next time.
                if not isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                    _quit(smtp)
                    smtp = None
                continue
            _record_sent(email)
            report.sent += 1
    finally:
        if smtp is not None:
            _quit(smtp)
    return report


def _fail(report: DeliveryReport, email_id: int, now: datetime, error: str) -> None:
    attempts = _record_failure(email_id, now, error)
    report.failed += 1
    report.errors.append(error)
    log.warning("outbox %s: send failed (attempt %s): %s", email_id, attempts, error)


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
