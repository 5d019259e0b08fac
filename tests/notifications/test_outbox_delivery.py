"""The outbox job against a real (local) SMTP server: fails, backs off, retries, delivers."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from flo_portal.core.extensions import db
from flo_portal.notifications.delivery import deliver_outbox
from flo_portal.notifications.models import OutboxEmail
from flo_portal.notifications.services import queue_email
from tests.markers import needs_postgres


class Collect(Sink):
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    # Controller(port=0) does not work: find a free port ourselves.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port(app):
    port = _free_port()
    old = {
        k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_ENABLED", "MAIL_TIMEOUT")
    }
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_ENABLED=True, MAIL_TIMEOUT=5)
    yield port
    app.config.update(old)


def test_failed_sends_are_kept_backed_off_and_delivered_when_the_server_returns(smtp_port):
    for i in range(3):
        queue_email(f"flo{i}@example.gov", f"Notice {i}", "Body")
    db.session.commit()
    t0 = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)

    down = deliver_outbox(t0)  # nothing listens on the port
    assert down.sent == 0 and down.failed == 1  # the batch stops at the first refused connection
    rows = db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert rows[0].attempts == 1 and "Connection" in rows[0].last_error
    assert rows[0].next_attempt_at == t0 + timedelta(minutes=1)
    assert all(r.sent_at is None for r in rows)

    # The next run tries again; the server is still down. Untried rows stay due, untouched.
    assert deliver_outbox(t0 + timedelta(minutes=1)).failed == 1
    db.session.expire_all()
    rows = db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)).all()
    # Exponential: the first row has now failed twice and waits 2 minutes.
    assert rows[0].attempts == 2 and rows[0].next_attempt_at == t0 + timedelta(minutes=3)
    assert [r.attempts for r in rows[1:]] == [0, 0]

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        up = deliver_outbox(t0 + timedelta(minutes=10))
    finally:
        controller.stop()
    assert up.sent == 3 and up.failed == 0
    assert sorted(e.rcpt_tos[0] for e in handler.messages) == [
        f"flo{i}@example.gov" for i in range(3)
    ]
    db.session.expire_all()
    assert all(
        r.sent_at is not None and r.last_error == ""
        for r in db.session.scalars(sa.select(OutboxEmail))
    )
    # Sent rows are kept, never resent.
    assert deliver_outbox(t0 + timedelta(hours=1)).sent == 0
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 3


def test_claim_prevents_double_send(smtp_port):
    from flo_portal.notifications.delivery import claim

    email = queue_email("a@example.gov", "Once", "Body")
    db.session.commit()
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert claim(email.id, now) is True
    assert claim(email.id, now) is False  # leased to the first sender


def test_backoff_is_capped(app):
    from flo_portal.notifications.delivery import backoff

    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == timedelta(minutes=360)


class RefuseOne(Collect):
    """A real server that refuses one recipient (550), as a mailbox that does not exist."""

    def __init__(self, refused: str):
        super().__init__()
        self.refused = refused

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp_server(smtp_port):
    servers = []

    def _start(handler):
        controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        servers.append(controller)
        return handler

    yield _start
    for controller in servers:
        controller.stop()


T0 = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)


def test_one_poisoned_message_neither_blocks_nor_repeats_the_others(smtp_server):
    with time_machine.travel(T0, tick=False):
        for i in range(6):
            queue_email(f"flo{i}@example.gov", f"Notice {i}", "Body")
        # A carriage return in an officer's name reached the subject: it must not inject.
        queue_email("flo6@example.gov", "Welcome, Dana\r\nBcc: spy@evil.example", "Body")
        # A recipient that cannot be an address at all: it cannot be built, so it fails alone.
        poisoned = queue_email("flo7@example.gov\r\nBcc: spy@evil.example", "Hi", "Body")
        # The server refuses this one: it fails alone too, on the same connection.
        refused = queue_email("refuse@example.gov", "Hi", "Body")
        for i in range(8, 10):
            queue_email(f"flo{i}@example.gov", f"Notice {i}", "Body")
        db.session.commit()
        poisoned_id, refused_id = poisoned.id, refused.id
        handler = smtp_server(RefuseOne("refuse@example.gov"))

        first = deliver_outbox(T0)
        assert (first.sent, first.failed) == (9, 2)
        assert "control character" in " ".join(first.errors)

        # Every other message arrived exactly once; nothing went to the injected Bcc.
        delivered = sorted(rcpt for e in handler.messages for rcpt in e.rcpt_tos)
        assert delivered == sorted(f"flo{i}@example.gov" for i in (0, 1, 2, 3, 4, 5, 6, 8, 9))
        assert not any(b"\r\nBcc:" in e.content for e in handler.messages)
        injected = next(e for e in handler.messages if e.rcpt_tos == ["flo6@example.gov"])
        assert b"Subject: Welcome, Dana Bcc: spy@evil.example\r\n" in injected.content

        db.session.expire_all()
        rows = {r.id: r for r in db.session.scalars(sa.select(OutboxEmail))}
        for bad in (poisoned_id, refused_id):
            assert rows[bad].sent_at is None and rows[bad].attempts == 1
            assert rows[bad].next_attempt_at == T0 + timedelta(minutes=1)
        assert "control character" in rows[poisoned_id].last_error
        assert "550" in rows[refused_id].last_error
        assert all(
            r.sent_at is not None for i, r in rows.items() if i not in {poisoned_id, refused_id}
        )

        # Next cycle: the two failures are retried alone, the sent ones are never resent.
        second = deliver_outbox(T0 + timedelta(minutes=1))
        assert (second.sent, second.failed) == (0, 2)
        assert len(handler.messages) == 9
        db.session.expire_all()
        assert db.session.get(OutboxEmail, poisoned_id).attempts == 2
        assert db.session.get(OutboxEmail, poisoned_id).next_attempt_at == T0 + timedelta(minutes=3)
        # Before its backoff is over nothing is tried at all.
        assert deliver_outbox(T0 + timedelta(minutes=2)).as_counts() == {
            "sent": 0,
            "failed": 0,
            "skipped": 0,
        }


@needs_postgres
def test_two_delivery_runs_racing_deliver_every_message_exactly_once(app, smtp_server):
    n = 40
    with time_machine.travel(T0, tick=False):
        for i in range(n):
            queue_email(f"flo{i}@example.gov", f"Notice {i}", "Body")
        db.session.commit()
    handler = smtp_server(Collect())
    runners = 3
    barrier = threading.Barrier(runners)
    reports, errors = [], []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                reports.append(deliver_outbox(T0 + timedelta(seconds=1)))
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    delivered = [rcpt for e in handler.messages for rcpt in e.rcpt_tos]
    assert sorted(delivered) == sorted(f"flo{i}@example.gov" for i in range(n))
    assert sum(r.sent for r in reports) == n and sum(r.failed for r in reports) == 0
    db.session.expire_all()
    rows = db.session.scalars(sa.select(OutboxEmail)).all()
    assert all(r.sent_at is not None and r.attempts == 1 for r in rows)
