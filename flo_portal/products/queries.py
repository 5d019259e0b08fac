"""Loading products for a user: the one loader the pages and the API share."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort, current_app

from flo_portal.agencies.models import Agency
from flo_portal.audit.reads import refuse
from flo_portal.core.extensions import db
from flo_portal.core.tlp import Tlp
from flo_portal.products.models import (
    Product,
    ProductAttachment,
    ProductRecipient,
    ProductStatus,
    ProductType,
    ProductVersion,
    listed_topics,
)
from flo_portal.products.policies import (
    can_view_product,
    can_view_version,
    visible_products_condition,
)
from flo_portal.users.audience import PARTNER_ROLES
from flo_portal.users.models import User

FEED_STATUSES = (ProductStatus.PUBLISHED, ProductStatus.ARCHIVED)


def feed_ids_query(user, conditions=()) -> sa.Select:
    """The ids of the feed's products ``user`` may see (and that meet ``conditions``, the
    search form's), newest published first."""
    return (
        sa.select(Product.id)
        .where(visible_products_condition(user), Product.status.in_(FEED_STATUSES), *conditions)
        .order_by(Product.last_published_at.desc(), Product.id.desc())
    )


def feed_count_query(user, conditions=()) -> sa.Select:
    """How many products ``feed_ids_query`` lists (the same rule, shaped for a count)."""
    return (
        sa.select(sa.func.count())
        .select_from(Product)
        .where(
            visible_products_condition(user, True),  # for_count
            Product.status.in_(FEED_STATUSES),
            *conditions,
        )
    )


class FeedEntry(NamedTuple):
    """One product of the feed's page as the page shows it: the columns it prints, with
    the labels and the viewer's receipt of the current version worked out once per row
    (the page printed them through ORM rows, enum lookups and two dict lookups a row)."""

    id: int
    title: str
    tlp: str
    tlp_css: str
    reference: str | None
    type_label: str
    last_published_at: datetime | None
    version: int
    status: str
    purged_at: datetime | None
    summary: str
    unread: bool  # the viewer received the current version and has not opened it
    acknowledgement_due: bool  # an officer-safety product the viewer has not acknowledged

    @property
    def status_enum(self) -> ProductStatus:  # for ``status_badge``
        return ProductStatus(self.status)


@functools.cache
def _feed_entries_statement() -> sa.Select:
    """The feed page's products by id with the viewer's receipt of their current version
    (at most one: ``uq_product_recipient_once``), built once per process."""
    return (
        sa.select(
            Product.id,
            Product.title,
            Product.tlp,
            Product.reference,
            Product.product_type,
            Product.last_published_at,
            Product.version,
            Product.status,
            Product.purged_at,
            Product.summary,
            ProductRecipient.id,
            ProductRecipient.opened_at,
            ProductRecipient.acknowledged_at,
        )
        .outerjoin(
            ProductRecipient,
            sa.and_(
                ProductRecipient.product_id == Product.id,
                ProductRecipient.version == Product.version,
                ProductRecipient.user_id == sa.bindparam("user_id", type_=sa.Integer),
            ),
        )
        .where(Product.id.in_(sa.bindparam("ids", expanding=True)))
    )


def feed_entries(user_id: int, ids: list[int]) -> list[FeedEntry]:
    """The feed's page of products ``ids`` (in that order) as ``user_id`` sees them listed,
    in one narrow statement (no bodies, no ORM rows)."""
    if not ids:
        return []
    found = {}
    for row in db.session.execute(_feed_entries_statement(), {"user_id": user_id, "ids": ids}):
        (pid, title, tlp, reference, ptype, published, version, status, purged_at, summary,
         receipt_id, opened_at, acknowledged_at) = row  # fmt: skip
        received = receipt_id is not None
        found[pid] = FeedEntry(
            pid,
            title,
            tlp,
            Tlp(tlp).css,
            reference,
            ProductType(ptype).label,
            published,
            version,
            status,
            purged_at,
            summary,
            received and opened_at is None,
            received and ptype == ProductType.OFFICER_SAFETY and acknowledged_at is None,
        )
    return [found[i] for i in ids if i in found]


def get_visible_product_or_404(user, product_id: int) -> Product:
    """The product ``user`` may see; 404 otherwise (an existing one is recorded as
    refused by ``audit.reads.refuse``: whether it exists is not told)."""
    product = db.session.get(Product, product_id)
    if not can_view_product(user, product):
        refuse(product)
    return product


def get_visible_version_or_404(user, product: Product, number: int) -> ProductVersion:
    """Version ``number`` of a product the user sees, when its own audience includes them."""
    version = db.session.scalar(
        sa.select(ProductVersion).where(
            ProductVersion.product_id == product.id, ProductVersion.number == number
        )
    )
    if not can_view_version(user, product, version):
        refuse(version)
    return version


def get_attachment_or_404(product: Product, attachment_id: int) -> ProductAttachment:
    """One of ``product``'s attachments (the product is already visible); 404 otherwise."""
    att = db.session.get(ProductAttachment, attachment_id)
    if att is None or att.product_id != product.id:
        abort(404)
    return att


def partner_user_choices() -> list[tuple[int, str]]:
    """Active partner users (FLOs, agency heads) for the audience picker, by name."""
    rows = db.session.execute(
        sa.select(User.id, User.name, Agency.name)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(User.is_active_account.is_(True), User.role.in_(PARTNER_ROLES))
        .order_by(User.name)
    ).all()
    return [(r[0], f"{r[1]} ({r[2] or 'no agency'})") for r in rows]


def reporting_guide_for(user) -> Product | None:
    """The center's short "how to report suspicious activity" guide as ``user`` may see
    it: the newest published training-material product carrying the topic named by the
    ``SAR_REPORTING_GUIDE_TOPIC`` setting (topics are a comma-separated list)."""
    topic = current_app.config.get("SAR_REPORTING_GUIDE_TOPIC", "").strip().lower()
    if not topic:
        return None
    return db.session.scalar(reporting_guide_statement(user, topic))


def reporting_guide_statement(user, topic: str) -> sa.Select:
    """``reporting_guide_for``'s query (the topic test is served by
    ``ix_product_topics_trgm`` on PostgreSQL)."""
    return (
        sa.select(Product)
        .where(
            Product.product_type == ProductType.TRAINING_MATERIAL,
            Product.status == ProductStatus.PUBLISHED,
            listed_topics(Product.topics).contains("," + topic.replace(" ", "") + ","),
            visible_products_condition(user),
        )
        .order_by(Product.last_published_at.desc(), Product.id.desc())
        .limit(1)
    )
