"""Briefing reminders 24 hours and 1 hour before the start, once per invitee each.

Each reminder is claimed by an UPDATE that stamps ``reminded_24h_at`` / ``reminded_1h_at``
where it is still NULL (on PostgreSQL the candidate rows are picked with
``FOR UPDATE SKIP LOCKED``); only the rows this run stamped are sent, and notify()'s
dedupe key guards once more. A re-run after a crash sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from flo_portal.briefings.models import Briefing, BriefingInvitation, BriefingStatus
from flo_portal.briefings.services import REMINDED, briefing_path, format_for
from flo_portal.core.extensions import db
from flo_portal.notifications.services import Notice, notify_many

# (name, column, window start before the briefing, window end before the briefing)
WINDOWS = (
    ("24h", "reminded_24h_at", timedelta(hours=24), timedelta(hours=1)),
    ("1h", "reminded_1h_at", timedelta(hours=1), timedelta(0)),
)
BATCH = 500


def _claim(column, lead: timedelta, until: timedelta, now: datetime) -> list[int]:
    candidates = (
        sa.select(BriefingInvitation.id)
        .join(Briefing, Briefing.id == BriefingInvitation.briefing_id)
        .where(
            Briefing.status == BriefingStatus.SCHEDULED,
            Briefing.starts_at <= now + lead,
            Briefing.starts_at > now + until,
            BriefingInvitation.status.in_(REMINDED),
            column.is_(None),
        )
        .limit(BATCH)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(of=BriefingInvitation, skip_locked=True)
    ids = list(db.session.scalars(candidates))
    if not ids:
        return []
    claimed = db.session.scalars(
        sa.update(BriefingInvitation)
        .where(BriefingInvitation.id.in_(ids), column.is_(None))
        .values({column: now})
        .returning(BriefingInvitation.id),
        execution_options={"synchronize_session": False},
    ).all()
    return list(claimed)


def send_due_reminders(now: datetime) -> dict:
    """Send the reminders that are due at ``now``, batch by batch. Flushes; the runner
    commits."""
    counts = {}
    for name, attr, lead, until in WINDOWS:
        column = getattr(BriefingInvitation, attr)
        sent = 0
        while ids := _claim(column, lead, until, now):
            invitations = db.session.scalars(
                sa.select(BriefingInvitation)
                .where(BriefingInvitation.id.in_(ids))
                .options(selectinload(BriefingInvitation.briefing))
            ).unique()
            notices = []
            for inv in invitations:
                b = inv.briefing
                notices.append(
                    Notice(
                        inv.user,
                        "briefing.reminder",
                        f"Reminder: {b.title}",
                        f"Starts {format_for(inv.user, b.starts_at)} ({b.location or b.join_url}).",
                        briefing_path(b.id),
                        dedupe_key=f"briefing:{b.id}:s{b.sequence}:reminder:{name}:user:{inv.user_id}",
                    )
                )
            notify_many(notices)
            sent += len(ids)
        counts[f"sent_{name}"] = sent
    db.session.flush()
    return counts
