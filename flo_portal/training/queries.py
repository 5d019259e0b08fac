"""Loading training records for a user: one loader, used by every page that takes a
record id (evidence upload and download, delete).

A record is visible exactly when its officer is (``roster.policies.can_view_officer``);
otherwise 404, and the refusal is recorded (``audit.reads.refuse``).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from flo_portal.audit.reads import refuse
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.request_cache import per_request
from flo_portal.roster.policies import can_view_officer
from flo_portal.training.models import TrainingCourse, TrainingRecord
from flo_portal.training.services import required_condition

EXPIRING_SOON_DAYS = 60  # "expires soon" on the officer's own dashboard


def get_visible_record_or_404(user, record_id: int) -> TrainingRecord:
    rec = db.session.get(TrainingRecord, record_id)
    if rec is None or not can_view_officer(user, rec.officer):
        refuse(rec)
    return rec


class TrainingSummary(NamedTuple):
    expiring_soon: int  # required records expiring within EXPIRING_SOON_DAYS
    last_sar_awareness_on: date | None


@per_request
def officer_training_summary(officer_id: int) -> TrainingSummary:
    """What the officer's own dashboard shows of their training, as one aggregate over
    their records (once per request: the "My training" and the SAR card both read it)."""
    today = clock.today()
    expiring, last_sar = db.session.execute(
        _training_summary(),
        {
            "officer_id": officer_id,
            "today": today,
            "soon": today + timedelta(days=EXPIRING_SOON_DAYS),
        },
    ).one()
    return TrainingSummary(int(expiring or 0), last_sar)


@functools.cache
def _training_summary():
    """``officer_training_summary``'s statement, built once per process."""
    today = sa.bindparam("today", type_=sa.Date)
    expiring = sa.and_(
        required_condition(today),
        TrainingRecord.expires_on.is_not(None),
        TrainingRecord.expires_on > today,
        TrainingRecord.expires_on <= sa.bindparam("soon", type_=sa.Date),
    )
    return (
        sa.select(
            sa.func.count(sa.case((expiring, TrainingRecord.id))),
            sa.func.max(
                sa.case((TrainingCourse.is_sar_awareness.is_(True), TrainingRecord.completed_on))
            ),
        )
        .join(TrainingCourse, TrainingCourse.id == TrainingRecord.course_id)
        .where(TrainingRecord.officer_id == sa.bindparam("officer_id", type_=sa.Integer))
    )


def last_sar_awareness_on(officer_id: int) -> date | None:
    """The day the officer last completed a SAR-awareness course, or None."""
    return officer_training_summary(officer_id).last_sar_awareness_on
