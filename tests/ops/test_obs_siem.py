"""Every committed audit event goes out as one JSON line to syslog (UDP) for the SIEM."""

from __future__ import annotations

import json
import socket

import pytest

from flo_portal.audit.services import record


@pytest.fixture
def syslog_server(app, monkeypatch):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(3)
    monkeypatch.setitem(app.config, "SIEM_SYSLOG_ADDRESS", f"127.0.0.1:{sock.getsockname()[1]}")
    yield sock
    sock.close()


def _receive(sock) -> dict:
    data = sock.recv(65535).decode()
    assert data.startswith("<"), data  # <priority>ident: line
    return json.loads(data.split("flo-portal-audit: ", 1)[1].rstrip("\x00"))


def test_a_committed_audit_event_arrives_as_json(db, make_user, syslog_server):
    user = make_user("admin")
    event = record("user.updated", user, summary="Changed the role", actor=user)
    db.session.commit()
    line = _receive(syslog_server)
    assert line["type"] == "flo_portal.audit"
    assert line["id"] == event.id and line["action"] == "user.updated"
    assert line["actor_id"] == user.id and line["object_type"] == "user_account"
    assert line["hash"] == event.hash


def test_a_rolled_back_event_is_not_sent(db, make_user, syslog_server):
    user = make_user("admin")
    record("user.updated", user, summary="rolled back", actor=user)
    db.session.rollback()
    record("user.viewed", user, summary="kept", actor=user)
    db.session.commit()
    assert _receive(syslog_server)["action"] == "user.viewed"
    syslog_server.settimeout(0.3)
    with pytest.raises(TimeoutError):
        syslog_server.recv(65535)


def test_off_by_default(app):
    assert app.config["SIEM_SYSLOG_ADDRESS"] == ""
