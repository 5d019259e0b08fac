"""Who received an RFI's answer, when and why; and purging an RFI's content at retention."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.orm import upsert_insert
from flo_portal.rfis.attachments import attachment_path
from flo_portal.rfis.models import Rfi, RfiDissemination, RfiRecipient
from flo_portal.security.permissions import Role


def answer_rule(user, rfi: Rfi) -> str | None:
    """Why ``user`` receives the answer; None for center staff (they hold it already)."""
    if Role(user.role).is_center_staff:
        return None
    if user.id == rfi.requester_id:
        return "requester"
    if any(r.user_id == user.id for r in rfi.recipients):
        return "addressee of the tasking"
    if user.agency_id is not None and user.agency_id == rfi.agency_id:
        return f"same agency as the requester ({rfi.tlp})"
    return "participant"


def log_answer_received(user, rfi: Rfi) -> RfiDissemination | None:
    """Record once that ``user`` received the answer of ``rfi``. Flushes.

    Race-safe: two requests of the same person (a double click, the page and the API)
    may both get here; INSERT ... ON CONFLICT DO NOTHING on uq_rfi_dissemination_once
    lets the second one find the row already there instead of failing. Returns the new
    row, or None when nothing was written (not answered, center staff, already logged).
    """
    if rfi.answered_at is None or not rfi.answer:
        return None
    rule = answer_rule(user, rfi)
    if rule is None:
        return None
    db.session.flush()  # pending ORM rows first, so the Core insert sees them
    new_id = db.session.execute(
        upsert_insert(RfiDissemination)
        .values(rfi_id=rfi.id, user_id=user.id, rule=rule[:300], disseminated_at=clock.now())
        .on_conflict_do_nothing(index_elements=["rfi_id", "user_id"])
        .returning(RfiDissemination.__table__.c.id)
    ).scalar_one_or_none()
    if new_id is None:
        return None
    return db.session.get(RfiDissemination, new_id)


def dissemination_log(rfi: Rfi) -> list[RfiDissemination]:
    return list(
        db.session.scalars(
            sa.select(RfiDissemination)
            .where(RfiDissemination.rfi_id == rfi.id)
            .order_by(RfiDissemination.disseminated_at)
        )
    )


PURGED_TITLE = "[purged at retention review]"


def purge_rfi_content(rfi: Rfi) -> None:
    """Remove an RFI's content (text, thread, responses, attachment files) at retention.

    Kept: the reference, dates, status history without notes, and the dissemination
    log, so the record that something existed and who received it survives (28 CFR 23).
    """
    for name in (
        "question",
        "justification",
        "answer",
        "closure_comment",
        "return_note",
        "reject_reason",
        "privacy_note",
        "privacy_terms",
    ):
        setattr(rfi, name, "")
    rfi.title = PURGED_TITLE
    for att in list(rfi.attachments):
        try:
            attachment_path(att).unlink(missing_ok=True)
        except OSError:
            current_app.logger.exception("could not delete attachment file %s", att.stored_name)
        db.session.delete(att)
    for message in list(rfi.messages):
        db.session.delete(message)
    db.session.execute(
        sa.update(RfiRecipient).where(RfiRecipient.rfi_id == rfi.id).values(response="")
    )
    for change in rfi.history:
        change.note = ""
    rfi.review_due_on = None
    db.session.flush()
