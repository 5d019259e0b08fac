"""Recording training and keeping officers' `training_current` flag true to the records.

An officer is *current* when every required (active) course has an unexpired record.
With no required course at all, everyone is current. ``expires_on`` is the first day a
record no longer counts; ``None`` means it never expires.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa

from flo_portal.audit.services import record as audit
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.orm import upsert_insert, utcnow
from flo_portal.core.uploads import (
    IMAGES_AND_PDF,
    UploadRefused,
    check_upload,
    read_limited,
    store_file,
    stored_path,
)
from flo_portal.roster.models import Officer
from flo_portal.training import cve
from flo_portal.training.models import OfficerCourseValidity, TrainingCourse, TrainingRecord

NEVER = date(9999, 12, 31)  # stands for "never expires" inside SQL aggregates


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
    refresh: bool = True,
    actor=None,
) -> tuple[TrainingRecord, bool]:
    """``actor`` adds a record unless the same officer/course/day exists. Returns (record,
    created). ``verified_by`` is who checked the certificate (often the actor, or nobody).

    ``actor`` is None only where no one acts (demo data, tests); every view, API endpoint
    and service passes the acting user. ``refresh=False`` lets bulk callers recompute
    the validity summary and `training_current` once at the end.
    """
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
        verified_at=utcnow() if verified_by is not None else None,
    )
    db.session.add(rec)
    db.session.flush()
    audit(
        "training.recorded",
        rec,
        summary=f"{course.code} for officer {officer.id} ({source})",
        details={
            "officer_id": officer.id,
            "course": course.code,
            "completed_on": completed_on,
        },
        actor=actor,
    )
    if refresh:
        refresh_validity([officer.id], course_ids=[course.id])
        refresh_training_current([officer.id])
    return rec, True


def bulk_record(
    course: TrainingCourse,
    officers: Iterable[Officer],
    completed_on: date,
    *,
    verified_by=None,
    actor,
) -> tuple[int, int]:
    """``actor`` records one course for many officers (after a class). Returns (created,
    already there)."""
    created = existing = 0
    ids = []
    for officer in officers:
        _rec, new = record_training(
            officer,
            course,
            completed_on,
            source="bulk",
            verified_by=verified_by,
            refresh=False,
            actor=actor,
        )
        ids.append(officer.id)
        created += new
        existing += not new
    if ids:
        refresh_validity(ids, course_ids=[course.id])
        refresh_training_current(ids)
    return created, existing


def delete_record(rec: TrainingRecord, actor) -> None:
    officer_id, course_id = rec.officer_id, rec.course_id
    audit(
        "training.deleted",
        rec,
        summary=f"record {rec.id} of officer {officer_id} deleted",
        details={"course_id": rec.course_id, "completed_on": rec.completed_on},
        actor=actor,
    )
    remove_evidence_file(rec)
    db.session.delete(rec)
    db.session.flush()
    refresh_validity([officer_id], course_ids=[course_id])
    refresh_training_current([officer_id])


def refresh_validity(
    officer_ids: Iterable[int] | None = None, *, course_ids: Iterable[int] | None = None
) -> None:
    """Rebuild the ``officer_course_validity`` summary from the records, set-based (one
    DELETE, one INSERT ... SELECT), for the given officers and/or courses or for everyone.
    Every path that writes training records calls it in the same transaction."""
    scope_ocv, scope_rec = [], []
    for given, summary_column, record_column in (
        (officer_ids, OfficerCourseValidity.officer_id, TrainingRecord.officer_id),
        (course_ids, OfficerCourseValidity.course_id, TrainingRecord.course_id),
    ):
        if given is None:
            continue
        ids = list(given)
        if not ids:
            return
        scope_ocv.append(summary_column.in_(ids))
        scope_rec.append(record_column.in_(ids))
    db.session.execute(sa.delete(OfficerCourseValidity).where(*scope_ocv))
    best = sa.func.max(sa.func.coalesce(TrainingRecord.expires_on, sa.literal(NEVER, sa.Date)))
    # An upsert, not a plain INSERT: a concurrent writer for the same officer and course
    # may have put the row back after our DELETE (its aggregate then gives way to ours,
    # which sees its committed record too).
    stmt = upsert_insert(OfficerCourseValidity).from_select(
        ["officer_id", "course_id", "expires_on"],
        sa.select(TrainingRecord.officer_id, TrainingRecord.course_id, best)
        .where(sa.true(), *scope_rec)  # SQLite: INSERT ... SELECT ... WHERE before ON CONFLICT
        .group_by(TrainingRecord.officer_id, TrainingRecord.course_id),
    )
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["officer_id", "course_id"],
            set_={"expires_on": stmt.excluded.expires_on},
        )
    )


def required_condition(today: date | None = None):
    """SQL on TrainingCourse: the courses required for FLO status on ``today``: flagged
    required, offered, and (for a CVE-related course) approved against the DHS CVE
    Training Guidance on that day (flo_portal.training.cve)."""
    return sa.and_(
        TrainingCourse.required.is_(True),
        TrainingCourse.active.is_(True),
        cve.compliant_condition(today),
    )


def required_courses_select(today: date | None = None):
    return sa.select(TrainingCourse.id).where(required_condition(today))


def current_officer_ids_subquery(today: date | None = None):
    """SQL: ids of officers holding an unexpired record for every required course."""
    today = today or clock.today()
    required = required_courses_select(today)
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


def refresh_training_current(
    officer_ids: Iterable[int] | None = None, today: date | None = None
) -> int:
    """Recompute `training_current` in one UPDATE (for the given officers, or all).

    Returns the number of rows the UPDATE touched. Run it daily for everyone (records
    expire with time, not only when rows change): ``flask roster refresh-current``.
    """
    required_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(required_courses_select(today).subquery())
    )
    scope = []
    if officer_ids is not None:
        ids = list(officer_ids)
        if not ids:
            return 0
        scope = [Officer.id.in_(ids)]
    value = sa.true() if not required_count else Officer.id.in_(current_officer_ids_subquery(today))
    result = db.session.execute(
        sa.update(Officer).where(*scope).values(training_current=value),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()
    return result.rowcount or 0


def save_course(course: TrainingCourse | None, data: dict, actor) -> TrainingCourse:
    """``actor`` creates or updates a catalogue course; expiries and the current flags are
    derived again."""
    creating = course is None
    course = course or TrainingCourse()
    before = {k: getattr(course, k, None) for k in data}
    for key, value in data.items():
        setattr(course, key, value)
    if creating:
        db.session.add(course)
    db.session.flush()
    if course.required and course.is_cve:
        cve.ensure_approved(course, "be required for FLO status", field="required")
    diff = {k: [str(before[k]), str(v)] for k, v in data.items() if before[k] != v}
    audit(
        "training.course_created" if creating else "training.course_updated",
        course,
        summary=f"{course.code} {course.title}",
        details=diff,
        actor=actor,
    )
    if not creating and "validity_months" in diff:
        for rec in db.session.scalars(
            sa.select(TrainingRecord).where(TrainingRecord.course_id == course.id)
        ):
            rec.expires_on = expiry_for(course, rec.completed_on)
        db.session.flush()
        refresh_validity(course_ids=[course.id])
    if creating or {"validity_months", "required", "active"} & diff.keys():
        refresh_training_current()
    return course


# --- evidence files -------------------------------------------------------------

# Evidence is a scan or a certificate; the check itself is flo_portal.core.uploads.check_upload.
EVIDENCE_EXTENSIONS = IMAGES_AND_PDF
EVIDENCE_AREA = "training"  # the file store's folder; evidence_path is "training/<name>"
EvidenceError = UploadRefused  # what attach_evidence raises; the message is for the user


def attach_evidence(rec: TrainingRecord, storage, *, actor=None) -> None:
    """Check (flo_portal.core.uploads: PDF, PNG or JPEG, content matching the name, size-limited)
    and store a file ``actor`` uploaded for a record (``actor`` None: tests only)."""
    data = read_limited(storage.stream)
    checked = check_upload(storage.filename, data, allowed=EVIDENCE_EXTENSIONS)
    mime, ext = checked.content_type, checked.extension
    name = store_file(EVIDENCE_AREA, data, prefix=f"{rec.id}-", suffix=f".{ext}")
    remove_evidence_file(rec)
    rec.evidence_path = f"training/{name}"
    rec.evidence_name = checked.filename
    rec.evidence_mime = mime
    db.session.flush()
    audit(
        "training.evidence_uploaded",
        rec,
        summary=f"{rec.evidence_name} ({len(data)} bytes)",
        details={"mime": mime, "bytes": len(data)},
        actor=actor,
    )


def evidence_file(rec: TrainingRecord) -> Path | None:
    """The stored evidence file, or None (none attached, gone, or a path that would
    leave the store's training folder)."""
    if not rec.evidence_path:
        return None
    return stored_path(EVIDENCE_AREA, rec.evidence_path.removeprefix(f"{EVIDENCE_AREA}/"))


def remove_evidence_file(rec: TrainingRecord) -> None:
    path = evidence_file(rec)
    if path is not None:
        path.unlink(missing_ok=True)


def refresh_training_current_job(now: datetime) -> dict[str, int]:
    """The hourly job: records expire with the calendar, not only when rows change, so
    recompute who is current as of the center's date at ``now``."""
    from flo_portal.core import clock

    return {"officers": refresh_training_current(today=clock.today(now))}
