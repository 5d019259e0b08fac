"""Writing and verifying the audit trail.

Each event carries an HMAC-SHA256 (under AUDIT_HMAC_KEY, which is not in the database)
of its own canonical content plus the previous event's hash, so editing or deleting any
row breaks the chain at that row, and someone with only database access cannot
recompute the hashes. Rows written before the chain was keyed keep their plain SHA-256
(``hash_alg = "sha256"``); a plain row after a keyed one is refused, so a rewrite cannot
downgrade itself to the unkeyed algorithm.

Cutting the newest rows (or all of them) leaves a shorter chain that is still valid,
so a job writes signed checkpoints (last id, head hash, count) outside the database —
to AUDIT_CHECKPOINT_FILE and to syslog — and verify compares the table with them.

On PostgreSQL a transaction-scoped advisory lock serialises writers so two requests
cannot both chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import logging.handlers
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from flo_portal.audit.models import AuditEvent
from flo_portal.core.actors import is_system
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.ops import siem

GENESIS = "0" * 64
_AUDIT_LOCK_KEY = 0x464C4F41  # "FLOA"
LEGACY_ALG = "sha256"
KEYED_ALG = "hmac-sha256"
VERIFIED_ACTION = "audit.verified"
# Fixed, public development key: only where no AUDIT_HMAC_KEY is configured and never
# in production (ProductionConfig.validate refuses to start without one).
_DEV_HMAC_KEY = "flo-portal development audit key (not secret)"

log = logging.getLogger(__name__)


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


@cache
def _key_bytes(key: str, env_name: str) -> bytes:
    if not key:
        if env_name == "production":
            raise RuntimeError("AUDIT_HMAC_KEY is not set; production cannot run without it.")
        log.warning(
            "AUDIT_HMAC_KEY is not set: the audit chain is keyed with the fixed development "
            "key. Set AUDIT_HMAC_KEY before holding real data."
        )
        key = _DEV_HMAC_KEY
    return key.encode()


def _hmac_key() -> bytes:
    config = current_app.config
    return _key_bytes(config.get("AUDIT_HMAC_KEY") or "", config["ENV_NAME"])


def _mac(data: bytes) -> str:
    return hmac.new(_hmac_key(), data, hashlib.sha256).hexdigest()


def compute_hash(event: AuditEvent) -> str:
    """The row's hash under its own algorithm (keyed HMAC unless a legacy row)."""
    if event.hash_alg == LEGACY_ALG:
        return hashlib.sha256(_canonical(event)).hexdigest()
    return _mac(_canonical(event))


def _lock_chain_head() -> None:
    """Serialise appends until this transaction ends, so two writers never chain onto
    the same predecessor (a fork).

    PostgreSQL: a transaction-scoped advisory lock. SQLite has one database-wide write
    lock: a write statement that touches no row takes it (RESERVED) before the head is
    read, and holds it to commit — what ``BEGIN IMMEDIATE`` would, inside the session's
    already-open transaction. Waiting writers queue on the busy timeout.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY})
    elif dialect == "sqlite":
        db.session.execute(sa.text("UPDATE audit_event SET hash_alg = hash_alg WHERE 0 = 1"))


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
    actor: Any,
    object_type: str | None = None,
    object_id: Any = None,
) -> AuditEvent:
    """Append an audit event for ``action`` on ``obj`` and flush it.

    ``actor`` is who acts, always named by the caller: a user, a system actor
    (``core.actors.system_actor("job:…")``, recorded by its name) or None (nobody: an
    unknown account's failed sign-in). ``obj`` is any model with an ``id`` (flushed
    here when it has none yet). The caller's transaction commits it.
    """
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    otype, oid = _object_ref(obj)
    if object_type is not None:
        otype = object_type
    if object_id is not None:
        oid = str(object_id)
    ip = ua = ""
    if has_request_context():
        ip = request.remote_addr or ""
        ua = (request.user_agent.string or "")[:300]
    _lock_chain_head()
    last = db.session.execute(
        sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar()
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_email=(actor.name if is_system(actor) else getattr(actor, "email", "")) or "",
        action=action,
        object_type=otype,
        object_id=oid,
        summary=summary[:500],
        # Stored as JSON: make it JSON-safe now so the hash matches what is read back.
        details=json.loads(json.dumps(details or {}, default=str)),
        ip=ip,
        user_agent=ua,
        prev_hash=last or GENESIS,
        hash_alg=KEYED_ALG,
    )
    event.hash = compute_hash(event)
    db.session.add(event)
    db.session.flush()
    siem.queue(db.session, event)  # its JSON line goes to the SIEM when this commits
    return event


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    def as_details(self) -> dict:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "broken_at": self.broken_at,
            "reason": self.reason,
            "checkpoints": self.checkpoints,
        }


@dataclass
class _Checkpoint:
    seq: int | None
    head: str
    count: int
    signed: bool
    raw: dict = field(default_factory=dict)


def _checkpoint_path() -> Path | None:
    value = current_app.config.get("AUDIT_CHECKPOINT_FILE") or ""
    return Path(value) if value else None


def _signature(payload: dict) -> str:
    body = {k: payload.get(k) for k in ("seq", "head", "count", "at")}
    return _mac(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def _read_checkpoints() -> list[_Checkpoint]:
    path = _checkpoint_path()
    if path is None or not path.exists():
        return []
    checkpoints = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            signed = hmac.compare_digest(str(raw.get("sig", "")), _signature(raw))
            seq = raw.get("seq")
            checkpoints.append(
                _Checkpoint(
                    seq=int(seq) if seq is not None else None,
                    head=str(raw.get("head", "")),
                    count=int(raw.get("count", 0)),
                    signed=signed,
                    raw=raw,
                )
            )
        except (ValueError, TypeError, AttributeError):
            checkpoints.append(_Checkpoint(seq=None, head="", count=0, signed=False))
    return checkpoints


def verify_chain(batch: int = 2000) -> ChainReport:
    """Walk the trail in order and report the first row whose link is broken.

    Then compare the table with the signed checkpoints written outside the database:
    a bad signature, fewer rows than a checkpoint counted, or a checkpointed row that
    is missing or whose hash changed all fail verification.
    """
    checkpoints = _read_checkpoints()
    wanted = {c.seq for c in checkpoints if c.seq is not None}
    seen: dict[int, str] = {}
    expected_prev = GENESIS
    checked = 0
    keyed_seen = False
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)
    result = db.session.scalars(stmt)
    try:
        for event in result:
            checked += 1
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.id, "previous-hash link does not match")
            if event.hash_alg == LEGACY_ALG and keyed_seen:
                return ChainReport(checked, event.id, "unkeyed hash after keyed rows")
            keyed_seen = keyed_seen or event.hash_alg != LEGACY_ALG
            if compute_hash(event) != event.hash:
                return ChainReport(checked, event.id, "row content does not match its hash")
            if event.id in wanted:
                seen[event.id] = event.hash
            expected_prev = event.hash
    finally:
        result.close()  # a streamed cursor left open on early return leaks on PostgreSQL
    for cp in checkpoints:
        at = cp.seq or 0
        if not cp.signed:
            return ChainReport(checked, at, "a checkpoint's signature is bad", len(checkpoints))
        if checked < cp.count:
            return ChainReport(
                checked,
                at,
                f"{checked} rows but a checkpoint counted {cp.count}: rows were deleted",
                len(checkpoints),
            )
        if cp.seq is not None and seen.get(cp.seq) != cp.head:
            reason = "is missing" if cp.seq not in seen else "has a different hash"
            return ChainReport(checked, at, f"the checkpointed row {reason}", len(checkpoints))
    return ChainReport(checked, checkpoints=len(checkpoints))


def write_checkpoint(now: datetime) -> dict:
    """Append a signed checkpoint of the chain head to the file and send it to syslog.

    Reads only committed rows (the caller has written nothing in this transaction), so
    a checkpoint never names a row that could still roll back.
    """
    head = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
    payload = {
        "seq": head.id if head else None,
        "head": head.hash if head else GENESIS,
        "count": count,
        "at": now.isoformat(),
    }
    payload["sig"] = _signature(payload)
    line = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    written = {"file": 0, "syslog": 0}
    path = _checkpoint_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        written["file"] = 1
    address = current_app.config.get("SIEM_SYSLOG_ADDRESS") or ""
    if address:  # the SIEM's syslog, the same one every audit event goes to (ops.siem)
        siem.send(address, line)
        written["syslog"] = 1
    return {"seq": payload["seq"] or 0, "count": count, **written}


def verify_and_record(actor: Any = None) -> ChainReport:
    """Verify the chain and append the outcome as an ``audit.verified`` event (flushes).

    ``actor`` is the person who asked; None means the scheduled job.
    """
    report = verify_chain()
    _record_verification(report, actor)
    return report


def _record_verification(report: ChainReport, actor: Any) -> None:
    summary = (
        f"Chain intact: {report.checked} events, {report.checkpoints} checkpoints."
        if report.ok
        else f"BROKEN at id {report.broken_at}: {report.reason}"
    )
    record(VERIFIED_ACTION, summary=summary, details=report.as_details(), actor=actor)


def last_verification() -> AuditEvent | None:
    """The most recent ``audit.verified`` event."""
    return db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == VERIFIED_ACTION)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()


def checkpoint_job(now: datetime) -> dict:
    """Hourly: verify, write a signed checkpoint of the (intact) head, record the check.

    A broken chain is not checkpointed, so a tampered head is never signed.
    """
    report = verify_chain()
    counts = {"ok": int(report.ok), "checked": report.checked}
    if report.ok:
        counts.update(write_checkpoint(now))
    else:
        log.error("audit chain BROKEN at id %s: %s", report.broken_at, report.reason)
    _record_verification(report, None)
    return counts
