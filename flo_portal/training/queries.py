"""Loading training records for a user: one loader, used by every page that takes a
record id (evidence upload and download, delete).

A record is visible exactly when its officer is (``roster.policies.can_view_officer``);
otherwise 404, and the refusal is recorded (``audit.reads.refuse``).
"""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.reads import refuse
from flo_portal.core.extensions import db
from flo_portal.roster.policies import can_view_officer
from flo_portal.training.models import TrainingCourse, TrainingRecord


def get_visible_record_or_404(user, record_id: int) -> TrainingRecord:
    rec = db.session.get(TrainingRecord, record_id)
    if rec is None or not can_view_officer(user, rec.officer):
        refuse(rec)
    return rec


def last_sar_awareness_on(officer_id: int):
    """The day the officer last completed a SAR-awareness course (one aggregate), or None."""
    return db.session.scalar(
        sa.select(sa.func.max(TrainingRecord.completed_on))
        .join(TrainingCourse, TrainingCourse.id == TrainingRecord.course_id)
        .where(TrainingRecord.officer_id == officer_id, TrainingCourse.is_sar_awareness.is_(True))
    )
