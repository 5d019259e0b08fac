"""Whether a CVE-related course stands approved against DHS's CVE Training Guidance, as
SQL for lists and requirements and as a guard for the services that rely on it.

A course's standing is its newest review (``CveReview`` with the highest ``number``):
approved while that review's outcome is ``approved`` and the center's date is before its
``approved_until``. A failed review, a lapsed approval, a legacy record carried over
from the typed fields, or no review at all: not approved. A course that is not
CVE-related needs no review. What is decided here:

* ``required_courses_select`` (training.services) counts a CVE course as required for
  FLO status only while it stands approved, so a lapse takes effect with the calendar;
* ``save_course`` refuses to make an unapproved CVE course required;
* a briefing cannot credit an unapproved CVE course (briefings.services).

The points themselves are in ``training.cve_points``; reviews are taken in
``training.cve_reviews``.
"""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from flo_portal.core import clock
from flo_portal.core.enums import LabelledEnum
from flo_portal.core.errors import Conflict
from flo_portal.core.extensions import db
from flo_portal.training.models import CveOutcome, CveReview, TrainingCourse


class CveNotApproved(Conflict):
    default_message = (
        "This CVE-related course is not approved against the DHS CVE Training Guidance "
        "(never reviewed, failed its review, or its approval has lapsed)."
    )


class CveStanding(LabelledEnum):
    """A CVE course's place in the privacy officer's report."""

    APPROVED = "approved"
    EXPIRED = "expired", "Approval lapsed"  # approved once; the approval has lapsed
    NOT_APPROVED = "not_approved"  # the newest review found a point not met
    # Only the typed reviewer/date carried over: not an approval.
    LEGACY = "legacy", "Legacy, not checklist-reviewed (does not count as approval)"
    NEVER_REVIEWED = "never_reviewed"


def newest_review_condition(review=CveReview):
    """SQL on ``review``: it is its course's newest review (no higher number exists)."""
    newer = aliased(CveReview)
    return ~sa.exists().where(newer.course_id == review.course_id, newer.number > review.number)


def approved_course_ids(today: date | None = None):
    """SQL: ids of courses whose newest review approves them on ``today`` (a date, or a
    bound parameter in a statement built once)."""
    today = clock.today() if today is None else today
    return sa.select(CveReview.course_id).where(
        newest_review_condition(),
        CveReview.outcome == CveOutcome.APPROVED,
        CveReview.approved_until > today,
    )


def compliant_condition(today: date | None = None):
    """SQL on TrainingCourse: not CVE-related, or CVE-related and approved on ``today``."""
    return sa.or_(
        TrainingCourse.is_cve.is_(False), TrainingCourse.id.in_(approved_course_ids(today))
    )


def standing_expression(review, today: date):
    """SQL CASE: the ``CveStanding`` of a course outer-joined to its newest ``review``."""
    return sa.case(
        (review.id.is_(None), CveStanding.NEVER_REVIEWED.value),
        (review.outcome == CveOutcome.LEGACY, CveStanding.LEGACY.value),
        (review.outcome == CveOutcome.NOT_APPROVED, CveStanding.NOT_APPROVED.value),
        (review.approved_until > today, CveStanding.APPROVED.value),
        else_=CveStanding.EXPIRED.value,
    )


def is_approved(course: TrainingCourse, today: date | None = None) -> bool:
    """True when the course needs no review or stands approved on ``today``."""
    if not course.is_cve:
        return True
    if course.id is None:
        return False
    found = db.session.scalar(
        approved_course_ids(today).where(CveReview.course_id == course.id).limit(1)
    )
    return found is not None


def ensure_approved(course: TrainingCourse, use: str, *, field: str | None = None) -> None:
    """Raise ``CveNotApproved`` when an unapproved CVE course is put to ``use`` ("be
    required for FLO status", "be credited by a briefing")."""
    if not is_approved(course):
        raise CveNotApproved(
            f"{course.code} cannot {use}: it is a CVE-related course that is not approved "
            "against the DHS CVE Training Guidance (never reviewed, failed its review, or "
            "its approval has lapsed). A privacy officer reviews it under Training → CVE "
            "review.",
            field=field,
        )


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").strip().lower())


def is_provider(course: TrainingCourse, user) -> bool:
    """True when ``user`` is the course's provider, who may not review it.

    The provider is who delivers the course: the organisation or trainer named in the
    catalogue's ``provider`` field. A user counts as the provider when that text names
    them (their full name or e-mail) or their agency.
    """
    provider = _norm(course.provider)
    if not provider:
        return False
    names = {_norm(user.name), _norm(user.email)}
    if getattr(user, "agency", None) is not None:
        names.add(_norm(user.agency.name))
    names.discard("")
    return any(n == provider or re.search(rf"\b{re.escape(n)}\b", provider) for n in names)
