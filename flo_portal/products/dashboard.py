"""Dashboard cards for products (one aggregate query each)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from flo_portal.core.extensions import db
from flo_portal.dashboard import card_provider, count_of
from flo_portal.products.models import (
    PrivacyStatus,
    Product,
    ProductRecipient,
    ProductStatus,
    ProductType,
)
from flo_portal.products.policies import visible_products_condition
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission


def _unopened_counts(user) -> tuple[int, int]:
    """(unread products, officer-safety alerts to acknowledge) addressed to ``user``, in
    one query. The redundant ``Product.id IN (the user's receipts)`` lets the planner
    start from the user's few hundred receipts instead of checking the visibility rule on
    every product and hash-joining (4× faster at 50,000 products on PostgreSQL)."""
    mine = sa.select(ProductRecipient.product_id).where(ProductRecipient.user_id == user.id)
    unread, alerts = db.session.execute(
        sa.select(
            sa.func.count(ProductRecipient.id).filter(ProductRecipient.opened_at.is_(None)),
            sa.func.count(ProductRecipient.id).filter(
                ProductRecipient.acknowledged_at.is_(None),
                Product.product_type == ProductType.OFFICER_SAFETY,
            ),
        )
        .join(
            Product,
            sa.and_(
                Product.id == ProductRecipient.product_id,
                Product.version == ProductRecipient.version,
            ),
        )
        .where(
            ProductRecipient.user_id == user.id,
            Product.id.in_(mine),
            Product.status == ProductStatus.PUBLISHED,
            visible_products_condition(user),
        )
    ).one()
    return unread, alerts


@card_provider
def product_cards(user) -> list[dict]:
    cards = []
    if can(Permission.PRODUCT_FEEDBACK, user):
        unread, alerts = _unopened_counts(user)
        cards.append(
            {
                "title": "Unread products",
                "value": unread,
                "hint": "addressed to you",
                "link": url_for("products.feed"),
            }
        )
        if alerts:
            cards.append(
                {
                    "title": "Officer-safety alerts to acknowledge",
                    "value": alerts,
                    "hint": "open and acknowledge each",
                    "link": url_for("products.feed", product_type="officer_safety"),
                }
            )
    if can(Permission.PRODUCT_PUBLISH, user):
        cards.append(
            {
                "title": "Products in review",
                "hint": "waiting to be published",
                "value": count_of(
                    sa.select(sa.func.count(Product.id)).where(
                        Product.status == ProductStatus.IN_REVIEW
                    )
                ),
                "link": url_for("products.work"),
            }
        )
    if can(Permission.PRIVACY_REVIEW, user):
        cards.append(
            {
                "title": "Product privacy reviews",
                "hint": "awaiting your decision",
                "value": count_of(
                    sa.select(sa.func.count(Product.id)).where(
                        Product.status == ProductStatus.IN_REVIEW,
                        Product.privacy_status == PrivacyStatus.PENDING,
                    )
                ),
                "link": url_for("products.privacy_queue"),
            }
        )
    return cards
