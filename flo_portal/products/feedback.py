"""Recipients' ratings of a product version (one per person and version)."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.services import record as audit
from flo_portal.core.extensions import db
from flo_portal.products.errors import (
    ProductConflict,
    ProductInputError,
)
from flo_portal.products.models import (
    Product,
    ProductFeedback,
    ProductStatus,
)
from flo_portal.users.models import User


def give_feedback(
    product: Product, user: User, useful: int, actionable: int, comment: str
) -> ProductFeedback:
    if product.status not in (ProductStatus.PUBLISHED, ProductStatus.ARCHIVED):
        raise ProductConflict("Feedback is for published products.")
    if not (1 <= useful <= 5 and 1 <= actionable <= 5):
        raise ProductInputError("Ratings go from 1 to 5.")
    exists = db.session.scalar(
        sa.select(ProductFeedback.id).where(
            ProductFeedback.product_id == product.id,
            ProductFeedback.version == product.version,
            ProductFeedback.user_id == user.id,
        )
    )
    if exists:
        raise ProductConflict("You already gave feedback on this version.")
    fb = ProductFeedback(
        product_id=product.id,
        version=product.version,
        user_id=user.id,
        useful=useful,
        actionable=actionable,
        comment=(comment or "").strip()[:2000],
    )
    db.session.add(fb)
    db.session.flush()
    audit(
        "product.feedback",
        product,
        summary=f"{product.reference} v{product.version}",
        details={
            "useful": useful,
            "actionable": actionable,
            "comment": bool(fb.comment),
        },
        actor=user,
    )
    return fb
