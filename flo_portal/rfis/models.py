"""Requests for information (RFIs): both directions, their conversation and responses."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.agencies.models import Agency
from flo_portal.core.enums import LabelledEnum
from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum, utcnow
from flo_portal.core.tlp import Tlp
from flo_portal.users.models import User


class RfiStatus(LabelledEnum):
    SUBMITTED = "submitted"
    PRIVACY_REVIEW = "privacy_review"
    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    CLOSED = "closed"
    RETURNED = "returned"
    REJECTED = "rejected"


# Statuses in which the center still owes an answer (due-date tracking applies).
OPEN_STATUSES = (
    RfiStatus.SUBMITTED,
    RfiStatus.PRIVACY_REVIEW,
    RfiStatus.ACCEPTED,
    RfiStatus.ASSIGNED,
)


class RfiDirection(LabelledEnum):
    REQUEST = "request", "Request to the center"  # an FLO or agency head asks the center
    TASKING = "tasking", "Tasking from the center"  # the center asks officers / agencies


class RfiPriority(LabelledEnum):
    ROUTINE = "routine"
    PRIORITY = "priority"
    URGENT = "urgent"


class RfiCounter(db.Model):
    """Last reference number handed out per year; its row is locked while numbering."""

    __tablename__ = "rfi_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class Rfi(TimestampMixin, db.Model):
    __tablename__ = "rfi"
    __table_args__ = (
        sa.UniqueConstraint("ref_year", "ref_seq", name="uq_rfi_ref_year_seq"),
        sa.Index("ix_rfi_status_due", "status", "due_on"),
        sa.Index("ix_rfi_priority_submitted", "priority", "submitted_at"),
        # The queue filtered by status and priority, newest first (migration 0018a).
        sa.Index("ix_rfi_status_priority_submitted", "status", "priority", "submitted_at"),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
            name="satisfaction_range",
        ),
        # Search is ILIKE over these three columns. On PostgreSQL this is a GIN trigram
        # index (pg_trgm, created by migration 0004), which serves '%word%' patterns;
        # on SQLite it is a plain index the LIKE scan does not use.
        sa.Index(
            "ix_rfi_search_trgm",
            "title",
            "question",
            "answer",
            postgresql_using="gin",
            postgresql_ops=dict.fromkeys(("title", "question", "answer"), "gin_trgm_ops"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    ref_year: Mapped[int]
    ref_seq: Mapped[int]
    direction: Mapped[RfiDirection] = mapped_column(str_enum(RfiDirection, 20), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    question: Mapped[str] = mapped_column(sa.Text)
    justification: Mapped[str] = mapped_column(sa.Text)
    priority: Mapped[RfiPriority] = mapped_column(str_enum(RfiPriority, 20))
    tlp: Mapped[Tlp] = mapped_column(str_enum(Tlp, 20), index=True)
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)
    status: Mapped[RfiStatus] = mapped_column(str_enum(RfiStatus, 20), index=True)
    # Optimistic concurrency: SQLAlchemy adds "AND version = :old" to every UPDATE,
    # and forms carry the version they were rendered with.
    version: Mapped[int] = mapped_column(default=1)

    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    # The requester's agency at submission (None for taskings and center staff).
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    agency: Mapped[Agency | None] = relationship()
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    # For taskings: the audience spec (flo_portal.users.audience.Audience JSON) it was sent to.
    audience: Mapped[dict | None] = mapped_column(sa.JSON)

    attested_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    # Privacy / CR-CL safeguard.
    privacy_flagged: Mapped[bool] = mapped_column(default=False, index=True)
    privacy_terms: Mapped[str] = mapped_column(sa.String(500), default="")
    privacy_reviewed_at: Mapped[datetime | None]
    privacy_reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    privacy_note: Mapped[str] = mapped_column(sa.Text, default="")

    return_note: Mapped[str] = mapped_column(sa.Text, default="")
    reject_reason: Mapped[str] = mapped_column(sa.Text, default="")

    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None]
    satisfaction: Mapped[int | None]
    closure_comment: Mapped[str] = mapped_column(sa.Text, default="")

    # 28 CFR Part 23: criminal intelligence is reviewed/validated by review_due_on.
    criminal_intelligence: Mapped[bool] = mapped_column(default=False)
    review_due_on: Mapped[date | None] = mapped_column(sa.Date, index=True)

    __mapper_args__ = {"version_id_col": version}

    messages: Mapped[list[RfiMessage]] = relationship(
        back_populates="rfi", order_by="RfiMessage.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[RfiAttachment]] = relationship(
        back_populates="rfi", order_by="RfiAttachment.id", cascade="all, delete-orphan"
    )
    recipients: Mapped[list[RfiRecipient]] = relationship(
        back_populates="rfi", order_by="RfiRecipient.id", cascade="all, delete-orphan"
    )
    history: Mapped[list[RfiStatusChange]] = relationship(
        back_populates="rfi",
        order_by="RfiStatusChange.id",
        cascade="all, delete-orphan",
    )

    @property
    def is_tasking(self) -> bool:
        return RfiDirection(self.direction) == RfiDirection.TASKING

    def is_overdue(self, today: date) -> bool:
        return RfiStatus(self.status) in OPEN_STATUSES and self.due_on < today

    def __repr__(self) -> str:
        return f"<Rfi {self.reference} {self.status}>"


class RfiMessage(db.Model):
    """One entry of the threaded conversation."""

    __tablename__ = "rfi_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    rfi_id: Mapped[int] = mapped_column(sa.ForeignKey("rfi.id", ondelete="CASCADE"), index=True)
    rfi: Mapped[Rfi] = relationship(back_populates="messages")
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    author: Mapped[User] = relationship()
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RfiAttachment(db.Model):
    """A file stored under UPLOAD_DIR/rfis/, served only through the access check."""

    __tablename__ = "rfi_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    rfi_id: Mapped[int] = mapped_column(sa.ForeignKey("rfi.id", ondelete="CASCADE"), index=True)
    rfi: Mapped[Rfi] = relationship(back_populates="attachments")
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rfi_message.id", ondelete="SET NULL")
    )
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    uploaded_by: Mapped[User] = relationship()
    filename: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RfiRecipient(db.Model):
    """One addressee of a tasking and their own response."""

    __tablename__ = "rfi_recipient"
    __table_args__ = (sa.UniqueConstraint("rfi_id", "user_id", name="uq_rfi_recipient_rfi_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rfi_id: Mapped[int] = mapped_column(sa.ForeignKey("rfi.id", ondelete="CASCADE"))
    rfi: Mapped[Rfi] = relationship(back_populates="recipients")
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    user: Mapped[User] = relationship()
    response: Mapped[str] = mapped_column(sa.Text, default="")
    responded_at: Mapped[datetime | None]


class RfiStatusChange(db.Model):
    """Dated history of every transition (who, when, why)."""

    __tablename__ = "rfi_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    rfi_id: Mapped[int] = mapped_column(sa.ForeignKey("rfi.id", ondelete="CASCADE"), index=True)
    rfi: Mapped[Rfi] = relationship(back_populates="history")
    action: Mapped[str] = mapped_column(sa.String(40))
    from_status: Mapped[RfiStatus | None] = mapped_column(str_enum(RfiStatus, 20))
    to_status: Mapped[RfiStatus] = mapped_column(str_enum(RfiStatus, 20))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    changed_by: Mapped[User | None] = relationship()
    note: Mapped[str] = mapped_column(sa.Text, default="")


class RfiDissemination(db.Model):
    """Dissemination log for RFI answers (28 CFR 23.20(f)): who received the answer,
    when, and why (the rule that let them see it). Kept when content is purged."""

    __tablename__ = "rfi_dissemination"
    __table_args__ = (sa.UniqueConstraint("rfi_id", "user_id", name="uq_rfi_dissemination_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rfi_id: Mapped[int] = mapped_column(sa.ForeignKey("rfi.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    user: Mapped[User] = relationship()
    disseminated_at: Mapped[datetime] = mapped_column(default=utcnow)
    rule: Mapped[str] = mapped_column(sa.String(300))
