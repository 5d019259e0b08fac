"""Briefings, their invitations (RSVP, waitlist, attendance, reminders) and feed tokens."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.core.enums import LabelledEnum
from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum, utcnow


class BriefingMode(LabelledEnum):
    IN_PERSON = "in_person"
    VIRTUAL = "virtual"


class BriefingStatus(LabelledEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Recurrence(LabelledEnum):
    NONE = "none", "Does not repeat"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class RsvpStatus(LabelledEnum):
    PENDING = "pending", "No answer yet"  # invited, no answer yet
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"
    WAITLISTED = "waitlisted", "On the waitlist"  # said yes when the briefing was full


class Briefing(TimestampMixin, db.Model):
    __tablename__ = "briefing"
    __table_args__ = (
        sa.Index("ix_briefing_starts_status", "starts_at", "status"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Occurrences of one recurring briefing share a series key.
    series_key: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    topic: Mapped[str] = mapped_column(sa.String(200), default="")
    presenter: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")
    mode: Mapped[BriefingMode] = mapped_column(
        str_enum(BriefingMode), default=BriefingMode.IN_PERSON
    )
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    join_url: Mapped[str] = mapped_column(sa.String(500), default="")
    capacity: Mapped[int | None]  # None: no limit
    audience: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    recurrence: Mapped[Recurrence] = mapped_column(str_enum(Recurrence), default=Recurrence.NONE)
    status: Mapped[BriefingStatus] = mapped_column(
        str_enum(BriefingStatus), default=BriefingStatus.SCHEDULED
    )
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # Attendance at this briefing can credit a training course.
    credit_course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_course.id"))
    credit_course = relationship("TrainingCourse")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_by = relationship("User", foreign_keys=[created_by_id])
    # iCalendar SEQUENCE: bumped on every change calendar clients must pick up.
    sequence: Mapped[int] = mapped_column(default=0)
    # Optimistic concurrency (flo_portal.core.formtools.stale_edit): SQLAlchemy adds
    # "AND version = :old" to every UPDATE, and the edit form carries the version it
    # showed. Not ``sequence``: that counts what calendar clients must pick up.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    invitations: Mapped[list[BriefingInvitation]] = relationship(
        back_populates="briefing", cascade="all, delete-orphan"
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_cancelled(self) -> bool:
        return self.status == BriefingStatus.CANCELLED

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def ical_uid(self) -> str:
        return f"briefing-{self.id}@flo-portal"

    def __repr__(self) -> str:
        return f"<Briefing {self.id} {self.title!r} {self.starts_at:%Y-%m-%d %H:%M}Z>"


class BriefingInvitation(db.Model):
    __tablename__ = "briefing_invitation"
    __table_args__ = (
        sa.UniqueConstraint("briefing_id", "user_id", name="uq_briefing_invitation_once"),
        sa.Index("ix_briefing_invitation_briefing_status", "briefing_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    briefing_id: Mapped[int] = mapped_column(sa.ForeignKey("briefing.id", ondelete="CASCADE"))
    briefing: Mapped[Briefing] = relationship(back_populates="invitations")
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    user = relationship("User", lazy="joined", foreign_keys=[user_id])
    status: Mapped[RsvpStatus] = mapped_column(str_enum(RsvpStatus), default=RsvpStatus.PENDING)
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    responded_at: Mapped[datetime | None]
    # Waitlist order: the earliest waitlisted_at is promoted first.
    waitlisted_at: Mapped[datetime | None]
    # Reminders are claimed by setting these (UPDATE ... WHERE ... IS NULL): sent once.
    reminded_24h_at: Mapped[datetime | None]
    reminded_1h_at: Mapped[datetime | None]
    attended: Mapped[bool | None]
    attendance_marked_at: Mapped[datetime | None]
    attendance_marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


class CalendarFeedToken(db.Model):
    """A user's personal calendar feed. Only the SHA-256 of the token is stored."""

    __tablename__ = "calendar_feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
