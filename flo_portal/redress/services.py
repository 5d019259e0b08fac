"""Redress operations: file, start review, answer. Each audits, notifies and flushes;
the request commits once."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from flo_portal.audit.services import record
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.notifications.services import notify
from flo_portal.redress import workflow
from flo_portal.redress.models import RESPONSE_DAYS, RedressRequest, RedressStatus
from flo_portal.redress.workflow import Action, TransitionRefused
from flo_portal.rfis.services import center_today
from flo_portal.security.permissions import Role
from flo_portal.users.models import User

__all__ = ["RedressInputError", "TransitionRefused", "file_request", "perform"]


class RedressInputError(ValueError):
    """Input a person must correct."""


def _link(req: RedressRequest) -> str:
    return f"/redress/{req.id}"


def file_request(
    requester: User, *, requester_name: str, requester_contact: str, subject: str, description: str
) -> RedressRequest:
    """Record a redress request; the answer is due RESPONSE_DAYS after receipt (center
    date). Privacy officers are told."""
    values = {
        "requester_name": (requester_name or "").strip(),
        "requester_contact": (requester_contact or "").strip(),
        "subject": (subject or "").strip(),
        "description": (description or "").strip(),
    }
    if not all(values.values()):
        raise RedressInputError("Give your name, how to contact you, a subject and a description.")
    now = utcnow()
    req = RedressRequest(
        requester_id=requester.id,
        status=RedressStatus.RECEIVED,
        received_at=now,
        due_on=center_today(now) + timedelta(days=RESPONSE_DAYS),
        **values,
    )
    db.session.add(req)
    db.session.flush()
    record("redress.received", req, summary=f"{req.reference}: {req.subject}", actor=requester)
    officers = db.session.scalars(
        sa.select(User).where(User.role == Role.PRIVACY_OFFICER, User.is_active_account.is_(True))
    )
    for officer in officers:
        notify(
            officer,
            "redress.received",
            f"Redress request {req.reference}",
            f"{req.subject}. Answer due {req.due_on.isoformat()}.",
            _link(req),
        )
    db.session.flush()
    return req


def perform(user: User, req: RedressRequest, action: Action | str, *, answer: str = "") -> None:
    """Start the review or answer; the requester is told of the answer."""
    t = workflow.check(user, req, action)
    answer = (answer or "").strip()
    if t.needs_note and not answer:
        raise RedressInputError("Write the answer to the requester.")
    before = RedressStatus(req.status)
    now = utcnow()
    req.status = t.target
    if t.action == Action.START_REVIEW:
        req.reviewer_id, req.review_started_at = user.id, now
    else:
        req.answer, req.answered_at, req.answered_by_id = answer, now, user.id
        if req.reviewer_id is None:
            req.reviewer_id, req.review_started_at = user.id, now
    record(
        f"redress.{t.action.value}",
        req,
        summary=f"{req.reference}: {before.value} → {t.target.value}",
        details={"from": before.value, "to": t.target.value},
        actor=user,
    )
    if t.target == RedressStatus.ANSWERED:
        notify(
            req.requester,
            "redress.answered",
            f"Your redress request {req.reference} was answered",
            "The privacy officer answered your request; read the answer in the portal.",
            _link(req),
        )
    db.session.flush()
