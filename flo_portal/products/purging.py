"""Removing a product's content at retention (``flo_portal.retention`` decides when)."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.products.attachments import attachment_path
from flo_portal.products.models import Product, ProductFeedback

PURGED_TITLE = "[purged]"


def purge_product_content(product: Product) -> None:
    """Blank the text of the product, of every version and of the feedback comments, and
    delete the attachment files; the row, its reference and its dissemination log stay."""
    for att in list(product.attachments):
        attachment_path(att).unlink(missing_ok=True)
        db.session.delete(att)
    product.title = PURGED_TITLE
    product.summary = product.body_md = product.caveats = product.topics = ""
    product.review_note = product.privacy_reasons = product.withdrawn_reason = ""
    for v in product.versions:
        v.title, v.summary, v.body_md, v.caveats, v.topics, v.change_note = (
            PURGED_TITLE,
            "",
            "",
            "",
            "",
            "",
        )
    db.session.execute(
        sa.update(ProductFeedback)
        .where(ProductFeedback.product_id == product.id)
        .values(comment="")
    )
    product.purged_at = utcnow()
