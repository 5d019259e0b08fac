"""Training-expiry notices at 60, 30 and 7 days before a record expires, once each.

A notice is claimed by inserting a ``TrainingExpiryNotice`` row (unique per record and
threshold) in a savepoint; only then is the officer told. A record first seen inside a
window (entered late, or the job was down) gets the nearest threshold only. Days are
counted on the center's calendar (``core.clock``), as ``expires_on`` is.

The scheduled job is ``training_expiry`` in ``flo_portal/jobs/registry.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.jobs.models import TrainingExpiryNotice
from flo_portal.notifications.services import notify, queue_email
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.training.models import TrainingRecord

THRESHOLDS = (7, 30, 60)


def threshold_for(days_left: int) -> int | None:
    """The notice due for a record with ``days_left``: the smallest threshold it is within."""
    for days in THRESHOLDS:
        if 0 < days_left <= days:
            return days
    return None


def records_expiring_query(today):
    """Records expiring in 1..60 days that no later record of the same course replaces."""
    newer = aliased(TrainingRecord)
    superseded = (
        sa.select(newer.id)
        .where(
            newer.officer_id == TrainingRecord.officer_id,
            newer.course_id == TrainingRecord.course_id,
            sa.or_(newer.expires_on.is_(None), newer.expires_on > TrainingRecord.expires_on),
        )
        .exists()
    )
    return (
        sa.select(TrainingRecord)
        .join(Officer, Officer.id == TrainingRecord.officer_id)
        .where(
            TrainingRecord.expires_on > today,
            TrainingRecord.expires_on <= today + timedelta(days=max(THRESHOLDS)),
            Officer.status.not_in([OfficerStatus.SEPARATED]),
            ~superseded,
        )
        .options(
            joinedload(TrainingRecord.officer).joinedload(Officer.user),
            joinedload(TrainingRecord.course),
        )
        .order_by(TrainingRecord.expires_on, TrainingRecord.id)
    )


def send_training_expiry_notices(now: datetime) -> dict:
    """Tell officers about training expiring in 60/30/7 days; each notice once. Flushes."""
    today = clock.today(now)
    records = db.session.scalars(records_expiring_query(today)).unique().all()
    if not records:
        return {"checked": 0, "sent": 0}
    sent_rows = db.session.execute(
        sa.select(TrainingExpiryNotice.record_id, TrainingExpiryNotice.days_before).where(
            TrainingExpiryNotice.record_id.in_([r.id for r in records])
        )
    ).all()
    already: dict[int, set[int]] = {}
    for record_id, days in sent_rows:
        already.setdefault(record_id, set()).add(days)
    sent = 0
    for rec in records:
        days_left = (rec.expires_on - today).days
        days = threshold_for(days_left)
        if days is None or any(d <= days for d in already.get(rec.id, ())):
            continue
        try:
            with db.session.begin_nested():
                db.session.add(
                    TrainingExpiryNotice(record_id=rec.id, days_before=days, sent_at=now)
                )
        except IntegrityError:
            continue  # claimed by a concurrent run
        _tell(rec, days, days_left)
        sent += 1
    db.session.flush()
    return {"checked": len(records), "sent": sent}


def _tell(rec: TrainingRecord, days: int, days_left: int) -> None:
    officer, course = rec.officer, rec.course
    title = f"{course.code} {course.title} expires in {days_left} days"
    body = (
        f"Your training record for {course.title} ({course.code}) expires on "
        f"{rec.expires_on:%Y-%m-%d}. Plan the refresher so your FLO status stays current."
    )
    key = f"training-expiry:{rec.id}:{days}"
    if officer.user is not None and officer.user.is_active_account:
        notify(officer.user, "training.expiry", title, body, dedupe_key=key)
    elif officer.email:
        queue_email(
            officer.email,
            title,
            body,
            kind="training.expiry",
            dedupe_key=f"email:{key}",
        )
