"""In-app notices and the e-mail outbox."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow


class OutboxEmail(db.Model):
    """An e-mail waiting to be sent. The delivery job sends and retries; rows are kept."""

    __tablename__ = "outbox_email"
    __table_args__ = (sa.Index("ix_outbox_email_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(60), default="general")
    # Lets a job enqueue the same notice idempotently (e.g. "reminder:briefing:7:24h:user:3").
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")


class Notification(db.Model):
    """An in-app notice for one user."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]


class NotificationPreference(db.Model):
    """A user's choice for one kind of notice: ``email`` (in-app + e-mail) or ``in_app`` only.

    No row means the default: e-mail on. ``kind`` is an exact kind ("briefing.reminder")
    or a family prefix ("briefing") that covers every kind starting with it.
    """

    __tablename__ = "notification_preference"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", name="uq_notification_preference_user_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(60))
    channel: Mapped[str] = mapped_column(sa.String(10), default="email")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
