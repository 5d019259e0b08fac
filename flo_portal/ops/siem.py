"""Every audit event, once committed, as one JSON line to syslog for the center's SIEM.

``SIEM_SYSLOG_ADDRESS`` is ``host:port`` (UDP) or a socket path such as ``/dev/log``;
empty (the default) sends nothing. ``audit.services.record`` calls :func:`queue` after
it appends an event; the line leaves only when the transaction commits (a rolled-back
event never reaches the SIEM) and a syslog failure never fails the request.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import threading
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)
_PENDING = "flo_siem_pending"
_handlers: dict[str, logging.Handler] = {}
_lock = threading.Lock()


def event_line(event: Any) -> str:
    """The SIEM's JSON line for one audit event (the chain hash included)."""
    return json.dumps(
        {
            "type": "flo_portal.audit",
            "id": event.id,
            "at": event.occurred_at.isoformat() if event.occurred_at else None,
            "action": event.action,
            "actor_id": event.actor_id,
            "actor_email": event.actor_email,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "summary": event.summary,
            "details": event.details,
            "ip": event.ip,
            "user_agent": event.user_agent,
            "hash": event.hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )


def queue(session: Session | scoped_session, event: Any) -> None:
    """Hold ``event``'s line until ``session`` commits (no-op when no address is set)."""
    if not has_app_context():
        return
    address = current_app.config.get("SIEM_SYSLOG_ADDRESS") or ""
    if not address:
        return
    session.info.setdefault(_PENDING, []).append((address, event_line(event)))


def _handler(address: str) -> logging.Handler:
    with _lock:
        handler = _handlers.get(address)
        if handler is None:
            target: str | tuple[str, int] = address
            if not address.startswith("/"):
                host, _, port = address.rpartition(":")
                target = (host or "127.0.0.1", int(port or 514))
            handler = logging.handlers.SysLogHandler(
                address=target, facility=logging.handlers.SysLogHandler.LOG_AUTH
            )
            handler.ident = "flo-portal-audit: "  # type: ignore[attr-defined]
            _handlers[address] = handler
        return handler


def send(address: str, line: str) -> None:
    record = logging.LogRecord("flo_portal.audit", logging.INFO, __file__, 0, line, None, None)
    try:
        _handler(address).handle(record)
    except Exception:
        log.exception("could not send an audit event to syslog at %s", address)


@sa_event.listens_for(Session, "after_commit")
def _flush_pending(session: Session) -> None:
    for address, line in session.info.pop(_PENDING, []):
        send(address, line)


@sa_event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
