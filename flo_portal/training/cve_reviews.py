"""Reviewing a CVE-related course point by point against DHS's CVE Training Guidance,
and the privacy officer's report of CVE courses by standing.

A review answers every point of ``training.cve_points`` with meets / does not meet /
not applicable, a note and evidence (text, and optionally a file kept through
``core.uploads``). It is a new numbered record each time, never an edit. It approves the
course when every point meets or is not applicable; the approval lasts
``CVE_APPROVAL_MONTHS`` from the review. The course's provider may not review it
(``training.cve.is_provider``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from flo_portal.audit.services import record as audit
from flo_portal.core import clock
from flo_portal.core.errors import Conflict, InputError, Refused
from flo_portal.core.extensions import db
from flo_portal.core.uploads import (
    IMAGES_AND_PDF,
    UploadRefused,
    check_upload,
    store_file,
    stored_path,
)
from flo_portal.training import cve
from flo_portal.training.cve_points import CVE_POINTS
from flo_portal.training.models import (
    CveAnswer,
    CveOutcome,
    CveReview,
    CveReviewAnswer,
    TrainingCourse,
)
from flo_portal.training.services import add_months, refresh_training_current

EVIDENCE_AREA = "cve"  # the file store's folder for review evidence


@dataclass
class PointAnswer:
    """What the reviewer said about one point; ``file`` is (filename, bytes) or None."""

    answer: str
    note: str = ""
    evidence: str = ""
    file: tuple[str, bytes] | None = None


def _check_answers(answers: dict[str, PointAnswer]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for point in CVE_POINTS:
        given = answers.get(point.key)
        if given is None or given.answer not in {a.value for a in CveAnswer}:
            problems[f"answer_{point.key}"] = ["Answer this point."]
        elif given.answer == CveAnswer.MEETS and not (given.evidence.strip() or given.file):
            problems[f"evidence_{point.key}"] = ["Say what shows the course meets this point."]
        elif given.answer != CveAnswer.MEETS and not given.note.strip():
            problems[f"note_{point.key}"] = ["Say why it does not meet or does not apply."]
    return problems


def submit_review(
    course: TrainingCourse, answers: dict[str, PointAnswer], reviewer, *, note: str = ""
) -> CveReview:
    """``reviewer`` reviews ``course`` against every guidance point; returns the new review.

    Refused when the reviewer is the course's provider; an input error when a point is
    unanswered, a "meets" has no evidence, or another answer has no note. Who is current
    is recomputed, since a CVE course counts as required only while it stands approved.
    """
    if not course.is_cve:
        raise Conflict(f"{course.code} is not marked as CVE-related; it needs no CVE review.")
    if cve.is_provider(course, reviewer):
        raise Refused(
            f"You are {course.code}'s provider ({course.provider}): someone independent of "
            "the provider must review it."
        )
    problems = _check_answers(answers)
    if problems:
        raise InputError("Every point needs an answer, with evidence or a note.", fields=problems)
    checked = {}
    for key, given in answers.items():
        if given.file:
            try:
                checked[key] = check_upload(*given.file, allowed=IMAGES_AND_PDF)
            except UploadRefused as err:
                raise UploadRefused(str(err), field=f"file_{key}") from err
    today = clock.today()
    approved = all(answers[p.key].answer != CveAnswer.DOES_NOT_MEET for p in CVE_POINTS)
    number = (
        db.session.scalar(
            sa.select(sa.func.max(CveReview.number)).where(CveReview.course_id == course.id)
        )
        or 0
    ) + 1
    review = CveReview(
        course_id=course.id,
        number=number,
        reviewer_id=reviewer.id,
        reviewer_name=reviewer.name,
        reviewed_on=today,
        outcome=CveOutcome.APPROVED if approved else CveOutcome.NOT_APPROVED,
        approved_until=(
            add_months(today, current_app.config["CVE_APPROVAL_MONTHS"]) if approved else None
        ),
        note=note.strip(),
    )
    db.session.add(review)
    db.session.flush()
    for point in CVE_POINTS:
        given = answers[point.key]
        row = CveReviewAnswer(
            review_id=review.id,
            point_key=point.key,
            answer=CveAnswer(given.answer),
            note=given.note.strip(),
            evidence=given.evidence.strip(),
        )
        upload = checked.get(point.key)
        if upload is not None:
            row.evidence_path = store_file(
                EVIDENCE_AREA, given.file[1], prefix=f"{review.id}-", suffix=f".{upload.extension}"
            )
            row.evidence_name = upload.filename
            row.evidence_mime = upload.content_type
        db.session.add(row)
    db.session.flush()
    audit(
        "training.cve_reviewed",
        review,
        summary=f"{course.code} review {number}: {review.outcome.value}",
        details={
            "course_id": course.id,
            "number": number,
            "outcome": review.outcome.value,
            "approved_until": review.approved_until,
            "not_met": [p.key for p in CVE_POINTS if answers[p.key].answer == "does_not_meet"],
        },
        actor=reviewer,
    )
    refresh_training_current()
    return review


def evidence_file(answer: CveReviewAnswer) -> Path | None:
    """The stored evidence file of an answer, or None."""
    return stored_path(EVIDENCE_AREA, answer.evidence_path) if answer.evidence_path else None


def reviews_of(course: TrainingCourse) -> list[CveReview]:
    """Every review of ``course``, newest first, with their answers."""
    return list(
        db.session.scalars(
            sa.select(CveReview)
            .where(CveReview.course_id == course.id)
            .order_by(CveReview.number.desc())
        )
    )


@dataclass
class ReportRow:
    course: TrainingCourse
    standing: cve.CveStanding
    review: CveReview | None


def cve_report(today: date | None = None) -> dict[cve.CveStanding, list[ReportRow]]:
    """CVE-related courses grouped by standing on ``today`` (one query: each course with
    its newest review)."""
    today = today or clock.today()
    newest = aliased(CveReview)
    standing = cve.standing_expression(newest, today).label("standing")
    rows = db.session.execute(
        sa.select(TrainingCourse, newest, standing)
        .outerjoin(
            newest,
            sa.and_(newest.course_id == TrainingCourse.id, cve.newest_review_condition(newest)),
        )
        .where(TrainingCourse.is_cve.is_(True))
        .order_by(TrainingCourse.code)
    ).all()
    grouped: dict[cve.CveStanding, list[ReportRow]] = {s: [] for s in cve.CveStanding}
    for course, review, state in rows:
        grouped[cve.CveStanding(state)].append(ReportRow(course, cve.CveStanding(state), review))
    return grouped
