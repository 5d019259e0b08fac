"""What a user follows: one row per (user, kind, value)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow


class Subscription(db.Model):
    """``kind`` is one of ``subscriptions.kinds.KINDS``; ``value`` is its normalised key
    (a lower-cased topic or region, a product type or discipline value, an agency id)."""

    __tablename__ = "subscription"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "value", name="uq_subscription_once"),
        # The fan-out matches (kind, value) pairs and reads the user ids from the index;
        # the counts page groups by it.
        sa.Index("ix_subscription_match", "kind", "value", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    value: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
