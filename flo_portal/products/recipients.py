"""The recipients' side: receipts, reading, acknowledging and sharing with a colleague."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.services import record as audit
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.products.dissemination import marking_line, notify_one
from flo_portal.products.errors import (
    ProductConflict,
    ProductRefused,
)
from flo_portal.products.models import (
    Product,
    ProductRecipient,
    ProductShare,
)
from flo_portal.products.policies import (
    share_problem,
)
from flo_portal.users.models import User


def current_receipt(product: Product, user: User) -> ProductRecipient | None:
    return db.session.scalar(
        sa.select(ProductRecipient).where(
            ProductRecipient.product_id == product.id,
            ProductRecipient.version == product.version,
            ProductRecipient.user_id == user.id,
        )
    )


def record_view(
    product: Product, user: User, version: int | None = None
) -> ProductRecipient | None:
    """Audit the view and mark the receipt opened (first open of the current version).
    Returns the user's receipt of the current version (None for an earlier version's
    view, or when the user was not a recipient), which the page shows."""
    receipt = None
    if version is None:
        receipt = current_receipt(product, user)
        if receipt is not None and receipt.opened_at is None:
            receipt.opened_at = utcnow()
        audit(
            "product.viewed",
            product,
            summary=product.reference or "",
            details={"version": product.version},
            actor=user,
        )
    else:
        audit(
            "product.version_viewed",
            product,
            summary=f"{product.reference} v{version}",
            details={"version": version},
            actor=user,
        )
    db.session.flush()
    return receipt


def acknowledge(product: Product, user: User) -> ProductRecipient:
    if not product.needs_acknowledgement:
        raise ProductConflict("This product does not need an acknowledgement.")
    receipt = current_receipt(product, user)
    if receipt is None:
        raise ProductConflict("You are not a recipient of this version.")
    if receipt.acknowledged_at is None:
        now = utcnow()
        receipt.acknowledged_at = now
        receipt.opened_at = receipt.opened_at or now
        audit(
            "product.acknowledged",
            product,
            summary=f"{product.reference} v{product.version}",
            details={"version": product.version},
            actor=user,
        )
    db.session.flush()
    return receipt


def share_product(product: Product, sharer: User, colleague: User | None) -> ProductShare:
    """Share with a colleague where the TLP allows it (never RED or AMBER+STRICT)."""
    problem = share_problem(sharer, product, colleague)
    if problem:
        audit(
            "product.share_refused",
            product,
            summary=problem,
            details={
                "to_user_id": getattr(colleague, "id", None),
                "tlp": str(product.tlp),
            },
            actor=sharer,
        )
        raise ProductRefused(problem)
    share = db.session.scalar(
        sa.select(ProductShare).where(
            ProductShare.product_id == product.id, ProductShare.user_id == colleague.id
        )
    )
    if share is None:
        share = ProductShare(product_id=product.id, user_id=colleague.id, shared_by_id=sharer.id)
        db.session.add(share)
        db.session.flush()
    if current_receipt(product, colleague) is None:
        db.session.add(
            ProductRecipient(
                product_id=product.id,
                version=product.version,
                user_id=colleague.id,
                rule=f"{product.tlp} shared by {sharer.name} (#{sharer.id})",
            )
        )
        db.session.flush()
    audit(
        "product.shared",
        product,
        summary=f"{product.reference} with user #{colleague.id}",
        details={"to_user_id": colleague.id, "tlp": str(product.tlp)},
        actor=sharer,
    )
    notify_one(
        product,
        colleague,
        "product.shared",
        f"{sharer.name} shared [{product.tlp}] {product.title}",
        dedupe=f"product:{product.id}:share:{colleague.id}",
        mail_subject=f"{sharer.name} shared {marking_line(product)}",
    )
    return share
