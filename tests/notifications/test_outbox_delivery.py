"""The outbox job against a real (local) SMTP server: fails, backs off, retries, delivers."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from flo_portal.extensions import db
from flo_portal.notifications.delivery import deliver_outbox
from flo_portal.notifications.models import OutboxEmail
from flo_portal.notifications.services import queue_email


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
