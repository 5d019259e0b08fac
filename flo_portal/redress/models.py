"""Redress: a person asks the privacy officer to review how the center handled
information about them; the request is tracked to an answer."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.core.enums import LabelledEnum
from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum, utcnow
from flo_portal.users.models import User

RESPONSE_DAYS = 30  # the answer is due this many days after receipt


class RedressStatus(LabelledEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    ANSWERED = "answered"


class RedressRequest(TimestampMixin, db.Model):
    __tablename__ = "redress_request"
    __table_args__ = (sa.Index("ix_redress_request_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    requester_name: Mapped[str] = mapped_column(sa.String(200))
    requester_contact: Mapped[str] = mapped_column(sa.String(300))
    subject: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[RedressStatus] = mapped_column(str_enum(RedressStatus, 20), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    due_on: Mapped[date] = mapped_column(sa.Date)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    review_started_at: Mapped[datetime | None]
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def reference(self) -> str:
        return f"RDR-{self.received_at.year}-{self.id:05d}"

    def is_overdue(self, today: date) -> bool:
        return RedressStatus(self.status) != RedressStatus.ANSWERED and self.due_on < today

    def __repr__(self) -> str:
        return f"<RedressRequest {self.id} {self.status}>"
