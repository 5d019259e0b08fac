"""The training catalogue and officers' training records."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, utcnow


class TrainingCourse(TimestampMixin, db.Model):
    __tablename__ = "training_course"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    hours: Mapped[float] = mapped_column(sa.Numeric(5, 1, asdecimal=False), default=0)
    provider: Mapped[str] = mapped_column(sa.String(200), default="")
    validity_months: Mapped[int] = mapped_column(default=0)  # 0: never expires
    required: Mapped[bool] = mapped_column(default=False, index=True)
    is_cve: Mapped[bool] = mapped_column(default=False)
    # CVE courses: reviewed against DHS's CVE Training Guidance and Best Practices.
    cve_reviewed_by: Mapped[str] = mapped_column(sa.String(200), default="")
    cve_reviewed_on: Mapped[date | None] = mapped_column(sa.Date)
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
