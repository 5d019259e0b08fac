"""Mail goes out over verified TLS: STARTTLS or implicit TLS (port 465), the server's
certificate checked against MAIL_CA_FILE (or the system's CAs); timeouts and backoff
come from the settings. The server is aiosmtpd, with a certificate the test makes."""

from __future__ import annotations

import socket
import ssl
from datetime import timedelta

import pytest

from flo_portal.core.orm import utcnow
from flo_portal.notifications import delivery
from flo_portal.notifications.models import OutboxEmail
from tests.ops.tls_certs import make_pki


class Catcher:
    def __init__(self):
        self.messages: list[bytes] = []
        self.tls: list[bool] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        # STARTTLS sets session.ssl; on implicit TLS the transport itself is TLS.
        self.tls.append(session.ssl is not None or bool(server.transport.get_extra_info("cipher")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def _server_context(pki) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert_file, pki.key_file)
    return context


@pytest.fixture
def smtp_server(pki):
    """Start aiosmtpd: ``start("starttls" | "implicit" | "plain")`` -> (port, catcher)."""
    from aiosmtpd.controller import Controller

    started = []

    def start(mode: str):
        catcher = Catcher()
        port = _free_port()
        kwargs: dict = {"hostname": "127.0.0.1", "port": port}
        if mode == "starttls":
            kwargs.update(tls_context=_server_context(pki), require_starttls=True)
        elif mode == "implicit":
            kwargs.update(ssl_context=_server_context(pki), server_hostname="127.0.0.1")
        controller = Controller(catcher, **kwargs)
        controller.start()
        started.append(controller)
        return port, catcher

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def mail_settings(app, monkeypatch):
    def _set(port: int, **settings):
        values = {
            "MAIL_ENABLED": True,
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "MAIL_CA_FILE": "",
            "MAIL_USERNAME": None,
            "MAIL_TIMEOUT": 5.0,
        }
        values.update(settings)
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)

    return _set


def _queue(db, to="flo@agency.example.gov") -> int:
    email = OutboxEmail(
        to_address=to,
        subject="Your invitation",
        body_text="Sign up: https://portal.example.gov/auth/invite/x",
        next_attempt_at=utcnow() - timedelta(minutes=1),
    )
    db.session.add(email)
    db.session.commit()
    return email.id


def _row(db, email_id: int) -> OutboxEmail:
    db.session.expire_all()
    return db.session.get(OutboxEmail, email_id)


@pytest.mark.parametrize(
    ("mode", "setting"), [("starttls", "MAIL_USE_TLS"), ("implicit", "MAIL_USE_SSL")]
)
def test_tls_with_the_trusted_ca_delivers(db, pki, smtp_server, mail_settings, mode, setting):
    """STARTTLS on the submission port, or implicit TLS on the SMTPS port."""
    port, catcher = smtp_server(mode)
    mail_settings(port, **{setting: True}, MAIL_CA_FILE=str(pki.ca_file))
    email_id = _queue(db)
    report = delivery.deliver_outbox()
    assert report.as_counts()["sent"] == 1, report.errors
    assert catcher.tls == [True]
    assert b"Subject: Your invitation" in catcher.messages[0]
    assert _row(db, email_id).sent_at is not None


def test_starttls_refuses_a_certificate_it_cannot_verify(db, smtp_server, mail_settings):
    port, catcher = smtp_server("starttls")
    mail_settings(port, MAIL_USE_TLS=True)  # the system's CAs do not know the test CA
    email_id = _queue(db)
    report = delivery.deliver_outbox()
    assert report.as_counts() == {"sent": 0, "failed": 1, "skipped": 0}
    assert catcher.messages == []
    row = _row(db, email_id)
    assert row.sent_at is None
    assert "CERTIFICATE_VERIFY_FAILED" in row.last_error
    assert row.next_attempt_at > utcnow()  # backed off, to be retried


def test_starttls_checks_the_host_name(app, pki, smtp_server, mail_settings):
    """The certificate names 127.0.0.1 and localhost: a relay reached under another name
    with the same certificate is refused (the context checks the host name)."""
    import smtplib

    port, catcher = smtp_server("starttls")
    mail_settings(port, MAIL_USE_TLS=True, MAIL_CA_FILE=str(pki.ca_file))
    context = delivery.tls_context()
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=5)
    smtp._host = "mail.example.gov"  # the name smtplib verifies the certificate against
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch|match"):
        smtp.starttls(context=context)
    smtp.close()
    assert catcher.messages == []


@pytest.mark.parametrize(
    ("server", "settings", "error"),
    [
        ("implicit", {"MAIL_USE_SSL": True}, "CERTIFICATE_VERIFY_FAILED"),
        # STARTTLS asked for but not offered: an error, never a fall-back to plain text.
        ("plain", {"MAIL_USE_TLS": True}, "STARTTLS"),
    ],
    ids=["implicit-tls-refuses-an-unknown-ca", "starttls-not-offered-is-an-error"],
)
def test_a_tls_failure_sends_nothing_and_keeps_the_error(
    db, smtp_server, mail_settings, server, settings, error
):
    port, catcher = smtp_server(server)
    mail_settings(port, **settings)
    email_id = _queue(db)
    assert delivery.deliver_outbox().failed == 1
    assert catcher.messages == []
    assert error in _row(db, email_id).last_error


def test_port_465_means_implicit_tls_by_default(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("MAIL_PORT", "465")
    monkeypatch.delenv("MAIL_USE_SSL", raising=False)
    try:
        assert importlib.reload(config).Config.MAIL_USE_SSL is True
        monkeypatch.setenv("MAIL_PORT", "587")
        assert importlib.reload(config).Config.MAIL_USE_SSL is False
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_a_silent_server_times_out_after_mail_timeout(app, mail_settings):
    with socket.socket() as silent:  # accepts connections (backlog) and never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        mail_settings(silent.getsockname()[1], MAIL_TIMEOUT=0.5)
        import smtplib
        import time

        started = time.monotonic()
        # smtplib reports a reply that never comes as a disconnection "timed out".
        with pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected), match="timed out"):
            delivery._connect()
        assert time.monotonic() - started < 3


def test_backoff_comes_from_the_settings(app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_BACKOFF_BASE_MINUTES", 5)
    monkeypatch.setitem(app.config, "OUTBOX_MAX_BACKOFF_MINUTES", 30)
    assert [delivery.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 5)] == [
        5,
        10,
        20,
        30,
        30,
    ]
