"""Writing and verifying the audit trail.

Each event carries the SHA-256 of its own canonical content plus the previous event's
hash, so editing or deleting any row breaks the chain at that row. On PostgreSQL a
transaction-scoped advisory lock serialises writers so two requests cannot both chain
onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from flo_portal.audit.models import AuditEvent
from flo_portal.extensions import db
from flo_portal.orm import utcnow

GENESIS = "0" * 64
_AUDIT_LOCK_KEY = 0x464C4F41  # "FLOA"


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "prev": event.prev_hash,
        "at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "summary": event.summary,
        "details": event.details,
        "ip": event.ip,
        "ua": event.user_agent,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _object_ref(obj: Any) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj.__tablename__, str(getattr(obj, "id", ""))


def record(
    action: str,
    obj: Any = None,
    *,
    summary: str = "",
    details: dict | None = None,
    actor: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
) -> AuditEvent:
    """Append an audit event for ``action`` on ``obj`` and flush it.

    ``actor`` defaults to the signed-in user; ``obj`` is any model with an ``id``
    (flush it first so it has one). The caller's transaction commits it.
    """
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    otype, oid = _object_ref(obj)
    if object_type is not None:
        otype = object_type
    if object_id is not None:
        oid = str(object_id)
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    ip = ua = ""
    if has_request_context():
        ip = request.remote_addr or ""
        ua = (request.user_agent.string or "")[:300]
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY})
    last = db.session.execute(
        sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar()
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        object_type=otype,
        object_id=oid,
        summary=summary[:500],
        # Stored as JSON: make it JSON-safe now so the hash matches what is read back.
        details=json.loads(json.dumps(details or {}, default=str)),
        ip=ip,
        user_agent=ua,
        prev_hash=last or GENESIS,
    )
    event.hash = compute_hash(event)
    db.session.add(event)
    db.session.flush()
    return event


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch: int = 2000) -> ChainReport:
    """Walk the trail in order and report the first row whose link is broken."""
    expected_prev = GENESIS
    checked = 0
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)
    result = db.session.scalars(stmt)
    try:
        for event in result:
            checked += 1
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.id, "previous-hash link does not match")
            if compute_hash(event) != event.hash:
                return ChainReport(checked, event.id, "row content does not match its hash")
            expected_prev = event.hash
    finally:
        result.close()  # a streamed cursor left open on early return leaks on PostgreSQL
    return ChainReport(checked)
