"""Recording training and keeping officers' `training_current` flag true to the records."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from flo_portal.audit.services import record as audit
from flo_portal.extensions import db
from flo_portal.roster.models import Officer
from flo_portal.training.models import TrainingCourse, TrainingRecord


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expiry_for(course: TrainingCourse, completed_on: date) -> date | None:
    """The day a record stops counting; None when the course never expires."""
    if not course.validity_months:
        return None
    return add_months(completed_on, course.validity_months)


def record_training(
    officer: Officer,
    course: TrainingCourse,
    completed_on: date,
    *,
    source: str = "manual",
    verified_by=None,
) -> tuple[TrainingRecord, bool]:
    """Add a record unless the same officer/course/day exists. Returns (record, created)."""
    existing = db.session.scalar(
        sa.select(TrainingRecord).where(
            TrainingRecord.officer_id == officer.id,
            TrainingRecord.course_id == course.id,
            TrainingRecord.completed_on == completed_on,
        )
    )
    if existing is not None:
        return existing, False
    rec = TrainingRecord(
        officer_id=officer.id,
        course_id=course.id,
        completed_on=completed_on,
        expires_on=expiry_for(course, completed_on),
        source=source,
        verified_by_id=getattr(verified_by, "id", None),
    )
    db.session.add(rec)
    db.session.flush()
    audit(
        "training.recorded",
        rec,
        summary=f"{course.code} for officer {officer.id} ({source})",
        details={"officer_id": officer.id, "course": course.code, "completed_on": completed_on},
    )
    refresh_training_current([officer.id])
    return rec, True


def current_officer_ids_subquery(today: date | None = None):
    """SQL: ids of officers holding an unexpired record for every required course."""
    today = today or date.today()
    required = sa.select(TrainingCourse.id).where(TrainingCourse.required, TrainingCourse.active)
    valid = (
        sa.select(TrainingRecord.officer_id, TrainingRecord.course_id)
        .where(
            TrainingRecord.course_id.in_(required),
            sa.or_(TrainingRecord.expires_on.is_(None), TrainingRecord.expires_on > today),
        )
        .distinct()
        .subquery()
    )
    required_count = sa.select(sa.func.count()).select_from(required.subquery()).scalar_subquery()
    return (
        sa.select(valid.c.officer_id)
        .group_by(valid.c.officer_id)
        .having(sa.func.count(valid.c.course_id) >= required_count)
    )


def refresh_training_current(officer_ids: Iterable[int] | None = None, today: date | None = None) -> int:
    """Recompute `training_current` in two UPDATEs (for the given officers, or all)."""
    current = current_officer_ids_subquery(today)
    scope = [] if officer_ids is None else [Officer.id.in_(list(officer_ids))]
    db.session.execute(
        sa.update(Officer).where(*scope).values(training_current=Officer.id.in_(current)),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()
    return 0
