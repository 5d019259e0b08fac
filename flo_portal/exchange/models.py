"""Partner TAXII collections the portal polls, and the STIX objects it has imported."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, utcnow


class PartnerCollection(TimestampMixin, db.Model):
    """A partner's TAXII 2.1 collection: where it is, how to sign in (the NAME of an
    environment variable; the secret itself is never stored), which TLP labels the center
    accepts from it and who reviews what arrives (as drafts)."""

    __tablename__ = "exchange_partner_collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_name: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.String(500), unique=True)  # the collection's URL
    credentials_env: Mapped[str] = mapped_column(sa.String(100), default="")
    accept_tlps: Mapped[str] = mapped_column(sa.String(200), default="TLP:CLEAR,TLP:GREEN")
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # The TAXII timestamp to ask for next (added_after), as the partner wrote it: its
    # precision is the partner's, and a round trip through datetime could lose it.
    added_after: Mapped[str] = mapped_column(sa.String(40), default="")
    last_polled_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")

    @property
    def accepted(self) -> list[str]:
        return [t.strip() for t in (self.accept_tlps or "").split(",") if t.strip()]


class ImportedObject(db.Model):
    """One STIX object version (id + modified) taken in; a second copy is ignored."""

    __tablename__ = "exchange_imported_object"
    __table_args__ = (
        sa.UniqueConstraint("stix_id", "stix_version", name="uq_exchange_imported_object_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exchange_partner_collection.id", ondelete="CASCADE"), index=True
    )
    stix_id: Mapped[str] = mapped_column(sa.String(100))
    stix_version: Mapped[str] = mapped_column(sa.String(40))
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="SET NULL"), index=True
    )
    outcome: Mapped[str] = mapped_column(sa.String(40), default="imported")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
