"""The training catalogue and officers' training records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.core.enums import LabelledEnum
from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum, utcnow


class TrainingCourse(TimestampMixin, db.Model):
    __tablename__ = "training_course"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    hours: Mapped[float] = mapped_column(sa.Numeric(5, 1, asdecimal=False), default=0)
    provider: Mapped[str] = mapped_column(sa.String(200), default="")
    validity_months: Mapped[int] = mapped_column(default=0)  # 0: never expires
    required: Mapped[bool] = mapped_column(default=False, index=True)
    # CVE-related courses are reviewed point by point against DHS's CVE Training Guidance
    # (CveReview below; flo_portal.training.cve decides what counts as approved).
    is_cve: Mapped[bool] = mapped_column(default=False, index=True)  # the CVE report's filter
    # A course that teaches how to report suspicious activity (the FLO's dashboard shows
    # when they last completed one).
    is_sar_awareness: Mapped[bool] = mapped_column(default=False, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Optimistic concurrency (flo_portal.core.formtools.stale_edit): SQLAlchemy adds
    # "AND version = :old" to every UPDATE, and edit forms carry the version they showed.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class TrainingRecord(TimestampMixin, db.Model):
    __tablename__ = "training_record"
    __table_args__ = (
        sa.UniqueConstraint(
            "officer_id", "course_id", "completed_on", name="uq_training_record_once"
        ),
        sa.Index("ix_training_record_course_expiry", "course_id", "expires_on"),
        # Covers the coverage page's "best record per officer and course" aggregate.
        sa.Index(
            "ix_training_record_officer_course_expiry",
            "officer_id",
            "course_id",
            "expires_on",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("officer.id", ondelete="CASCADE"), index=True
    )
    officer = relationship("Officer")
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("training_course.id"))
    course: Mapped[TrainingCourse] = relationship()
    completed_on: Mapped[date] = mapped_column(sa.Date)
    expires_on: Mapped[date | None] = mapped_column(sa.Date, index=True)  # derived from the course
    evidence_path: Mapped[str] = mapped_column(sa.String(300), default="")
    evidence_name: Mapped[str] = mapped_column(sa.String(200), default="")
    evidence_mime: Mapped[str] = mapped_column(sa.String(60), default="")
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    verified_by = relationship("User")
    verified_at: Mapped[datetime | None] = mapped_column(default=None)
    # Where it came from: "manual", "bulk", "import", "briefing:<id>".
    source: Mapped[str] = mapped_column(sa.String(60), default="manual")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class OfficerCourseValidity(db.Model):
    """The summary of an officer's records of one course, kept on write: when their best
    record of it stops counting (its ``expires_on``: the first day it no longer counts;
    ``training.services.NEVER`` when it never expires). One row per officer and course
    with at least one record. It holds dates only: whether the course is held, required or
    expiring soon is decided against today when read (``flo_portal.roster.coverage``).
    Every writer of training records calls ``training.services.refresh_validity`` in the
    same transaction; ``flask roster rebuild-validity`` rebuilds it from the records."""

    __tablename__ = "officer_course_validity"
    __table_args__ = (
        sa.Index("ix_officer_course_validity_course", "course_id", "expires_on", "officer_id"),
    )

    officer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("officer.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_course.id", ondelete="CASCADE"), primary_key=True
    )
    expires_on: Mapped[date] = mapped_column(sa.Date)


class CveAnswer(LabelledEnum):
    MEETS = "meets"
    DOES_NOT_MEET = "does_not_meet"
    NOT_APPLICABLE = "not_applicable"


class CveOutcome(StrEnum):
    APPROVED = "approved"  # every point meets or is not applicable
    NOT_APPROVED = "not_approved"  # at least one point does not meet
    # Carried over from the typed "reviewed by / on" fields: a record of what was said,
    # not a checklist review, so it never counts as approval.
    LEGACY = "legacy"


class CveReview(db.Model):
    """One review of a CVE course against the guidance's points: versioned per course
    (``number`` 1, 2, ...), never edited; the newest one is the course's standing."""

    __tablename__ = "cve_review"
    __table_args__ = (sa.UniqueConstraint("course_id", "number", name="uq_cve_review_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("training_course.id", ondelete="CASCADE"))
    course: Mapped[TrainingCourse] = relationship()
    number: Mapped[int]
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reviewer = relationship("User")
    reviewer_name: Mapped[str] = mapped_column(sa.String(200), default="")  # as typed (legacy)
    reviewed_on: Mapped[date | None] = mapped_column(sa.Date)
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[CveOutcome] = mapped_column(str_enum(CveOutcome, 20))
    approved_until: Mapped[date | None] = mapped_column(sa.Date)  # first day it no longer counts
    note: Mapped[str] = mapped_column(sa.Text, default="")

    answers: Mapped[list[CveReviewAnswer]] = relationship(
        back_populates="review", order_by="CveReviewAnswer.id", cascade="all, delete-orphan"
    )


class CveReviewAnswer(db.Model):
    __tablename__ = "cve_review_answer"
    __table_args__ = (sa.UniqueConstraint("review_id", "point_key", name="uq_cve_answer_point"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("cve_review.id", ondelete="CASCADE"))
    review: Mapped[CveReview] = relationship(back_populates="answers")
    point_key: Mapped[str] = mapped_column(sa.String(60))  # flo_portal.training.cve_points
    answer: Mapped[CveAnswer] = mapped_column(str_enum(CveAnswer, 20))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_path: Mapped[str] = mapped_column(sa.String(300), default="")
    evidence_name: Mapped[str] = mapped_column(sa.String(200), default="")
    evidence_mime: Mapped[str] = mapped_column(sa.String(60), default="")
