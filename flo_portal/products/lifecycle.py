"""Moving a product along its workflow (``products/workflow.py``): submit, privacy review,
return, publish, archive, withdraw, with the audit entry and the notices of each step."""

from __future__ import annotations

from flo_portal.audit.services import record as audit
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.notifications.services import notify
from flo_portal.products.authoring import product_terms
from flo_portal.products.dissemination import (
    mail_fields,
    marking_line,
    notify_recipients,
    publish_version,
)
from flo_portal.products.errors import (
    ProductConflict,
    ProductInputError,
)
from flo_portal.products.models import (
    PrivacyStatus,
    Product,
    ProductStatus,
)
from flo_portal.products.workflow import MACHINE, check
from flo_portal.security.permissions import Role
from flo_portal.users.audience import Audience
from flo_portal.users.models import User
from flo_portal.users.queries import active_users_with_role

AUDIT_ACTIONS = {
    "submit": "product.submitted",
    "privacy_approve": "product.privacy_approved",
    "return": "product.returned",
    "publish": "product.published",
    "archive": "product.archived",
    "withdraw": "product.withdrawn",
}


def transition(product: Product, action: str, user: User, reason: str = "") -> Product:
    """Move ``product`` along the workflow (``products/workflow.py``), or raise a
    ProductError saying why not (409 wrong state, 403 not this user, 422 no reason)."""
    t = check(user, product, action)
    action = str(t.action)
    reason = (reason or "").strip()
    if t.needs_note and not reason:
        raise ProductInputError("Give a reason.", field="reason")
    before = product.status
    now = utcnow()
    if action == "submit":
        terms = product_terms(product)
        if Audience.from_json(product.audience).is_empty:
            raise ProductConflict("Choose an audience before submitting.")
        product.privacy_reasons = ", ".join(terms)
        if terms or product.privacy_review_requested:
            product.privacy_status = PrivacyStatus.PENDING
        else:
            product.privacy_status = PrivacyStatus.NOT_NEEDED
        product.review_note = ""
    elif action == "privacy_approve":
        product.privacy_status = PrivacyStatus.APPROVED
        product.privacy_reviewer_id = user.id
        product.privacy_reviewed_at = now
        product.review_note = reason
    elif action == "return":
        if Role(user.role) == Role.PRIVACY_OFFICER:
            product.privacy_status = PrivacyStatus.RETURNED
            product.privacy_reviewer_id = user.id
            product.privacy_reviewed_at = now
        product.review_note = reason
    elif action == "archive":
        product.archived_at = now
    elif action == "withdraw":
        product.withdrawn_at = now
        product.withdrawn_reason = reason
    product.status = t.target
    db.session.flush()
    if action == "publish":
        publish_version(product, user, "First publication", revised=False)
    audit(
        AUDIT_ACTIONS[action],
        product,
        summary=f"{product.reference}: {before} → {product.status}",
        details={"from": str(before), "to": str(product.status), "reason": reason},
        actor=user,
    )
    MACHINE.run_effects(user, product, t, reason=reason, before=before, now=now)
    return product


# --- side effects, registered beside the workflow (core.workflow.StateMachine.effect) ---


@MACHINE.effect("submit")
def _ask_privacy_review(user, product: Product, t, *, now, **_kw) -> None:
    if product.privacy_status != PrivacyStatus.PENDING:
        return
    for officer in active_users_with_role(Role.PRIVACY_OFFICER):
        notify(
            officer,
            "product.privacy_review",
            f"Privacy review: {product.reference}",
            f"{product.title}\nReason: {product.privacy_reasons or 'requested by the author'}",
            f"/products/{product.id}",
            email=True,
            dedupe_key=f"product:{product.id}:privacy:{now.isoformat()}:{officer.id}",
            **mail_fields(product, f"Privacy review: {marking_line(product)}"),
        )


@MACHINE.effect("return")
def _tell_the_author(user, product: Product, t, *, reason, **_kw) -> None:
    if product.author_id == user.id:
        return
    notify(
        product.author,
        "product.returned",
        f"{product.reference} returned to you",
        reason,
        f"/products/{product.id}",
        email=True,
        **mail_fields(product, f"{marking_line(product)} returned to you"),
    )


@MACHINE.effect("withdraw")
def _tell_the_recipients(user, product: Product, t, *, reason, before, **_kw) -> None:
    if before not in (ProductStatus.PUBLISHED, ProductStatus.ARCHIVED):
        return
    notify_recipients(
        product,
        "product.withdrawn",
        f"Withdrawn: {product.reference}",
        f"Reason: {reason}",
        mail_subject=f"Withdrawn: {marking_line(product)}",
    )
