"""Who received an RFI's answer, when and why; and purging an RFI's content at retention."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from flo_portal.extensions import db
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
    """Record once that ``user`` received the answer of ``rfi``. Flushes."""
    if rfi.answered_at is None or not rfi.answer:
        return None
    rule = answer_rule(user, rfi)
    if rule is None:
        return None
    exists = db.session.scalar(
        sa.select(RfiDissemination.id).where(
            RfiDissemination.rfi_id == rfi.id, RfiDissemination.user_id == user.id
        )
    )
    if exists:
        return None
    row = RfiDissemination(rfi_id=rfi.id, user_id=user.id, rule=rule[:300])
    db.session.add(row)
    db.session.flush()
    return row


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
    for name in ("question", "justification", "answer", "closure_comment", "return_note",
                 "reject_reason", "privacy_note", "privacy_terms"):
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
