"""/api/v1/products: the feed, reading, acknowledging and rating, through the products
policy (audience + TLP) and services."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import current_user
from pydantic import Field

from flo_portal.api.blueprint import ID, bp
from flo_portal.api.openapi import operations
from flo_portal.api.pagination import listed_page, where_given
from flo_portal.api.schemas import BodyText, In, ListQuery, Out, Page
from flo_portal.products import services
from flo_portal.products.models import Product, ProductStatus, ProductType
from flo_portal.products.policies import visible_products_condition
from flo_portal.products.queries import FEED_STATUSES, get_visible_product_or_404
from flo_portal.security import Permission, require

op = operations("products")


class ProductOut(Out):
    id: int
    reference: str | None
    product_type: ProductType
    title: str
    summary: str
    tlp: str
    caveats: str
    topics: str
    status: ProductStatus
    version: int
    last_published_at: datetime | None
    needs_acknowledgement: bool


class ProductDetailOut(ProductOut):
    body_markdown: str
    opened_at: datetime | None = Field(description="When you first opened this version.")
    acknowledged_at: datetime | None


class ProductQuery(ListQuery):
    product_type: ProductType | None = None


class AcknowledgementOut(Out):
    product_id: int
    version: int
    acknowledged_at: datetime


class FeedbackIn(In):
    useful: int = Field(ge=1, le=5)
    actionable: int = Field(ge=1, le=5)
    comment: BodyText = Field("", max_length=2000)


class FeedbackOut(Out):
    id: int
    product_id: int
    version: int
    useful: int
    actionable: int
    comment: str


def _detail(product: Product) -> ProductDetailOut:
    receipt = services.current_receipt(product, current_user)
    return ProductDetailOut(
        **ProductOut.model_validate(product).model_dump(),
        body_markdown=product.body_md,
        opened_at=receipt.opened_at if receipt else None,
        acknowledged_at=receipt.acknowledged_at if receipt else None,
    )


@bp.route("/products")
@require(Permission.PRODUCT_READ)
@op("Product feed", query=ProductQuery, response=Page[ProductOut])
def list_products(query: ProductQuery):
    """Published and archived products disseminated to the caller (audience and TLP rules)."""
    stmt = sa.select(Product).where(
        visible_products_condition(current_user), Product.status.in_(FEED_STATUSES)
    )
    stmt = where_given(stmt, (Product.product_type, query.product_type))
    return listed_page(
        ProductOut, stmt, Product.id, query, "products", audit_as="product", values=["product_type"]
    )


@bp.route(f"/products/<{ID}:product_id>")
@require(Permission.PRODUCT_READ)
@op("Read a product", response=ProductDetailOut)
def read_product(product_id: int):
    """Reading marks the current version opened and is recorded in the audit log."""
    product = get_visible_product_or_404(current_user, product_id)
    services.record_view(product, current_user)
    return _detail(product)


@bp.route(f"/products/<{ID}:product_id>/acknowledge", methods=["POST"])
@require(Permission.PRODUCT_READ)
@op("Acknowledge an officer-safety alert", response=AcknowledgementOut, errors=(409,))
def acknowledge_product(product_id: int):
    """409 when the product needs no acknowledgement or the caller is not a recipient of its
    current version. Acknowledging twice keeps the first time."""
    product = get_visible_product_or_404(current_user, product_id)
    receipt = services.acknowledge(product, current_user)  # ProductConflict: 409
    return AcknowledgementOut(
        product_id=product.id,
        version=receipt.version,
        acknowledged_at=receipt.acknowledged_at,
    )


@bp.route(f"/products/<{ID}:product_id>/feedback", methods=["POST"])
@require(Permission.PRODUCT_FEEDBACK)
@op("Rate a product", body=FeedbackIn, response=FeedbackOut, status=201, errors=(409,))
def product_feedback(product_id: int, body: FeedbackIn):
    """One rating per person and version; 409 when already given or not published."""
    product = get_visible_product_or_404(current_user, product_id)
    feedback = services.give_feedback(  # ProductConflict: 409
        product, current_user, body.useful, body.actionable, body.comment
    )
    return FeedbackOut.model_validate(feedback), 201
