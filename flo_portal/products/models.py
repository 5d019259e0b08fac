"""Products, their published versions, audience rows, recipients (the dissemination
log and read receipts), PDF downloads, feedback, shares and attachments."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.core.enums import LabelledEnum
from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum, utcnow
from flo_portal.core.tlp import Tlp


class ProductType(LabelledEnum):
    BULLETIN = "bulletin"
    SITUATIONAL_AWARENESS = "situational_awareness"
    INTELLIGENCE_ASSESSMENT = "intelligence_assessment"
    OFFICER_SAFETY = "officer_safety", "Officer safety alert"
    INDICATORS_WARNINGS = "indicators_warnings", "Indicators and warnings"
    PROTECTIVE_MEASURES = "protective_measures"
    REPORTING_GUIDANCE = "reporting_guidance"
    TRAINING_MATERIAL = "training_material"


class ProductStatus(LabelledEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"
    WITHDRAWN = "withdrawn"


class PrivacyStatus(LabelledEnum):
    NOT_NEEDED = "not_needed"
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"


def listed_topics(topics) -> sa.ColumnElement[str]:
    """SQL: the comma-separated ``topics`` as ``,a,b,`` (lower-case, no spaces), so that
    ``.contains(",topic,")`` tests one whole topic. The literals are written into the
    statement (not bound) so it is the expression ``ix_product_topics_trgm`` indexes."""

    def lit(text: str):
        return sa.literal_column(f"'{text}'", sa.String)

    return lit(",") + sa.func.replace(sa.func.lower(topics), lit(" "), lit("")) + lit(",")


class Product(TimestampMixin, db.Model):
    __tablename__ = "product"
    __table_args__ = (
        sa.Index("ix_product_status_published", "status", "published_at"),
        sa.Index("ix_product_retention", "criminal_intelligence", "review_due_on"),
        # The feed's order, covering what the visibility rule and the dashboard's join
        # read: the feed's page and count and the unread-products cards are index-only
        # scans on PostgreSQL (INCLUDE is PostgreSQL's; elsewhere the two key columns).
        sa.Index(
            "ix_product_feed",
            "last_published_at",
            "id",
            postgresql_include=[
                "status",
                "purged_at",
                "tlp",
                "author_id",
                "privacy_reviewer_id",
                "version",
            ],
        ),
        # A partner's feed total: the ids that reach the user are probed here for whether
        # the product is released and not purged, without reading the product rows
        # (migration 0027c; the INCLUDE is PostgreSQL's, elsewhere it is the id alone).
        sa.Index("ix_product_release", "id", postgresql_include=["status", "purged_at"]),
        # "Carries the topic" (``listed_topics``, the SAR reporting guide's test): a
        # substring test no btree serves, so a trigram index on that very expression
        # (PostgreSQL; migration 0026). Without it every dashboard of a FLO read all the
        # training-material products (18 ms at 6,300).
        sa.Index(
            "ix_product_topics_trgm",
            # ``listed_topics(topics)`` as PostgreSQL prints it back (for the model check)
            sa.literal_column("((',' || replace(lower(topics), ' ', '')) || ',')", sa.String).label(
                "listed"
            ),
            postgresql_using="gin",
            postgresql_ops={"listed": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(sa.String(30), unique=True)
    product_type: Mapped[ProductType] = mapped_column(str_enum(ProductType), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body_md: Mapped[str] = mapped_column(sa.Text, default="")
    tlp: Mapped[Tlp] = mapped_column(str_enum(Tlp, 20), index=True)
    caveats: Mapped[str] = mapped_column(sa.String(500), default="")
    topics: Mapped[str] = mapped_column(sa.String(500), default="")
    # The Audience spec (flo_portal.users.audience); product_audience rows are derived from it.
    audience: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[ProductStatus] = mapped_column(
        str_enum(ProductStatus), default=ProductStatus.DRAFT, index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    author = relationship("User", foreign_keys=[author_id])

    privacy_review_requested: Mapped[bool] = mapped_column(default=False)
    privacy_status: Mapped[PrivacyStatus] = mapped_column(
        str_enum(PrivacyStatus), default=PrivacyStatus.NOT_NEEDED, index=True
    )
    privacy_reasons: Mapped[str] = mapped_column(sa.String(500), default="")
    privacy_reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    privacy_reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(sa.Text, default="")

    version: Mapped[int] = mapped_column(default=0)  # last published version number
    published_at: Mapped[datetime | None]  # first publication
    last_published_at: Mapped[datetime | None] = mapped_column(index=True)  # feed order
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    archived_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str] = mapped_column(sa.String(1000), default="")

    # 28 CFR Part 23 retention.
    criminal_intelligence: Mapped[bool] = mapped_column(default=False)
    review_due_on: Mapped[date | None] = mapped_column(sa.Date)
    validated_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]

    # Optimistic concurrency (flo_portal.core.formtools.stale_edit). ``version`` above is the
    # release number, so the edit counter has its own name.
    edit_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": edit_version}

    versions: Mapped[list[ProductVersion]] = relationship(
        back_populates="product",
        order_by="ProductVersion.number",
        cascade="all, delete-orphan",
    )
    attachments: Mapped[list[ProductAttachment]] = relationship(
        back_populates="product",
        order_by="ProductAttachment.id",
        cascade="all, delete-orphan",
    )

    @property
    def type_enum(self) -> ProductType:
        return ProductType(self.product_type)

    @property
    def tlp_enum(self) -> Tlp:
        return Tlp(self.tlp)

    @property
    def status_enum(self) -> ProductStatus:
        return ProductStatus(self.status)

    @property
    def topic_list(self) -> list[str]:
        return [t.strip() for t in (self.topics or "").split(",") if t.strip()]

    @property
    def needs_acknowledgement(self) -> bool:
        return self.product_type == ProductType.OFFICER_SAFETY

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.reference} {self.status}>"


class ProductVersion(db.Model):
    """A snapshot taken at each publication; recipients can open earlier ones."""

    __tablename__ = "product_version"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "number", name="uq_product_version_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    product: Mapped[Product] = relationship(back_populates="versions")
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body_md: Mapped[str] = mapped_column(sa.Text, default="")
    tlp: Mapped[str] = mapped_column(sa.String(20))
    caveats: Mapped[str] = mapped_column(sa.String(500), default="")
    topics: Mapped[str] = mapped_column(sa.String(500), default="")
    change_note: Mapped[str] = mapped_column(sa.String(500), default="")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    @property
    def tlp_enum(self) -> Tlp:
        return Tlp(self.tlp)


class ProductVersionAudience(db.Model):
    """The effective audience a version was released under (its audience limited by its
    own TLP), as rows like product_audience: a version stays visible only to these people
    even after the product's audience or marking changes (flo_portal.products.policies).
    """

    __tablename__ = "product_version_audience"
    __table_args__ = (sa.Index("ix_product_version_audience_match", "kind", "value", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product_version.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    value: Mapped[str] = mapped_column(sa.String(120), default="")


class ProductAudience(db.Model):
    """The *effective* audience (after the TLP limit) as rows the SQL policy can match.

    kind: all | agency | discipline | region | user; value: the id or name as text.
    """

    __tablename__ = "product_audience"
    __table_args__ = (sa.Index("ix_product_audience_match", "kind", "value", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    value: Mapped[str] = mapped_column(sa.String(120), default="")


class ProductRecipient(db.Model):
    """Dissemination log (28 CFR 23.20(f)) and read receipt: one row per user per version."""

    __tablename__ = "product_recipient"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "version", "user_id", name="uq_product_recipient_once"),
        sa.Index("ix_product_recipient_user", "user_id", "product_id"),
        sa.Index("ix_product_recipient_ack", "acknowledged_at", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    user = relationship("User")
    disseminated_at: Mapped[datetime] = mapped_column(default=utcnow)
    rule: Mapped[str] = mapped_column(sa.String(300))  # why this person received it
    opened_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]


class ProductDownload(db.Model):
    """A PDF copy handed to one person, part of the dissemination log: the download id
    printed in the copy's footer traces a leaked copy back to this row."""

    __tablename__ = "product_download"
    __table_args__ = (sa.Index("ix_product_download_product", "product_id", "downloaded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    download_id: Mapped[str] = mapped_column(sa.String(20), unique=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"))
    version: Mapped[int]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    user = relationship("User")
    downloaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductFeedback(db.Model):
    __tablename__ = "product_feedback"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "version", "user_id", name="uq_product_feedback_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    user = relationship("User")
    useful: Mapped[int]
    actionable: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductShare(db.Model):
    """A recipient shared a product with a colleague (only where the TLP allows it)."""

    __tablename__ = "product_share"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "user_id", name="uq_product_share_once"),
        sa.Index("ix_product_share_user", "user_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    shared_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    shared_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductAttachment(db.Model):
    __tablename__ = "product_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    product: Mapped[Product] = relationship(back_populates="attachments")
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
