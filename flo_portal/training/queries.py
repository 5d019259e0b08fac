"""Loading training records for a user: one loader, used by every page that takes a
record id (evidence upload and download, delete).

A record is visible exactly when its officer is (``roster.policies.can_view_officer``);
otherwise 404, and the refusal is recorded (``audit.reads.refuse``). Also what an
officer's own dashboard shows of their training (``own_training``), and the
catalogue's courses with their record counts (``catalogue_query``).
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
from flo_portal.roster.models import Officer
from flo_portal.roster.policies import can_view_officer
from flo_portal.training.models import TrainingCourse, TrainingRecord
from flo_portal.training.services import required_condition

EXPIRING_SOON_DAYS = 60  # "expires soon" on the officer's own dashboard


def catalogue_query() -> sa.Select:
    """SELECT of every course with the number of its records, active courses first. Each
    course's records are counted under it, from the (course_id, expires_on) index alone:
    joining every record to its course and grouping read the whole table (60,000 records
    at a center's size) for a handful of rows."""
    records = (
        sa.select(sa.func.count())
        .where(TrainingRecord.course_id == TrainingCourse.id)
        .correlate(TrainingCourse)
        .scalar_subquery()
    )
    return sa.select(TrainingCourse, records).order_by(
        TrainingCourse.active.desc(), TrainingCourse.code
    )


def get_visible_record_or_404(user, record_id: int) -> TrainingRecord:
    rec = db.session.get(TrainingRecord, record_id)
    if rec is None or not can_view_officer(user, rec.officer):
        refuse(rec)
    return rec


class OwnTraining(NamedTuple):
    officer: Officer
    expiring_soon: int  # required records expiring within EXPIRING_SOON_DAYS
    last_sar_awareness_on: date | None


@per_request
def own_training(user) -> OwnTraining | None:
    """The roster entry linked to ``user``'s account, if any, with what their dashboard
    shows of their training, in one statement (once per request: the "My training" and
    the SAR card both read it)."""
    if not getattr(user, "is_authenticated", False):
        return None
    today = clock.today()
    row = db.session.execute(
        _own_training(),
        {
            "user_id": user.id,
            "today": today,
            "soon": today + timedelta(days=EXPIRING_SOON_DAYS),
        },
    ).first()
    return None if row is None else OwnTraining(row[0], int(row[1] or 0), row[2])


@functools.cache
def _own_training():
    """``own_training``'s statement, built once per process: the officer and one
    aggregate over their records."""
    today = sa.bindparam("today", type_=sa.Date)
    expiring = sa.and_(
        required_condition(today),
        TrainingRecord.expires_on.is_not(None),
        TrainingRecord.expires_on > today,
        TrainingRecord.expires_on <= sa.bindparam("soon", type_=sa.Date),
    )
    return (
        sa.select(
            Officer,
            sa.func.count(sa.case((expiring, TrainingRecord.id))),
            sa.func.max(sa.case((_sar_awareness(), TrainingRecord.completed_on))),
        )
        .outerjoin(TrainingRecord, TrainingRecord.officer_id == Officer.id)
        .outerjoin(TrainingCourse, TrainingCourse.id == TrainingRecord.course_id)
        .where(Officer.user_id == sa.bindparam("user_id", type_=sa.Integer))
        .group_by(Officer.id)
    )


def _sar_awareness():
    return TrainingCourse.is_sar_awareness.is_(True)


def last_sar_awareness_on(officer_id: int) -> date | None:
    """The day the officer last completed a SAR-awareness course (one aggregate), or None."""
    return db.session.scalar(
        sa.select(sa.func.max(TrainingRecord.completed_on))
        .join(TrainingCourse, TrainingCourse.id == TrainingRecord.course_id)
        .where(TrainingRecord.officer_id == officer_id, _sar_awareness())
    )
