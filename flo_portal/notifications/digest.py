"""The daily digest: at 07:00 in each user's own time zone, one e-mail listing the
unread in-app notices of the last day. Idempotent per user and local date.

The scheduled job is ``daily_digest`` in ``flo_portal/jobs/registry.py``."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from flo_portal.core.clock import zone
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification
from flo_portal.notifications.services import EMAIL, channel_for, kind_label, queue_email
from flo_portal.users.models import User


def send_daily_digests(now: datetime) -> dict:
    """Queue today's digest for users whose local hour is the digest hour. Flushes."""
    hour = int(current_app.config.get("DIGEST_HOUR", 7))
    since = now - timedelta(days=1)
    unread = (
        sa.select(Notification.user_id, sa.func.count(Notification.id).label("n"))
        .where(
            Notification.read_at.is_(None),
            Notification.created_at >= since,
            Notification.kind != "digest",
        )
        .group_by(Notification.user_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(User, unread.c.n)
        .join(unread, unread.c.user_id == User.id)
        .where(User.is_active_account.is_(True))
    ).all()
    due = [(u, n) for u, n in rows if now.astimezone(zone(u.timezone)).hour == hour]
    queued = 0
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    for user, count in due:
        if channel_for(user.id, "digest") != EMAIL:
            continue
        local_day = now.astimezone(zone(user.timezone)).date()
        # Counts per kind of notice only: titles can carry RFI or product text, and
        # e-mail leaves the portal whatever the item's TLP marking.
        per_kind = db.session.execute(
            sa.select(Notification.kind, sa.func.count(Notification.id))
            .where(
                Notification.user_id == user.id,
                Notification.read_at.is_(None),
                Notification.created_at >= since,
                Notification.kind != "digest",
            )
            .group_by(Notification.kind)
            .order_by(Notification.kind)
        ).all()
        body = "\n".join(f"- {n} × {kind_label(kind)}" for kind, n in per_kind)
        email = queue_email(
            user.email,
            f"FLO Portal: {count} unread notices",
            f"Unread in the last day:\n\n{body}\n\nRead them at {base}/notifications/\n",
            kind="digest",
            dedupe_key=f"digest:{user.id}:{local_day.isoformat()}",
        )
        queued += email is not None
    return {"users": len(due), "queued": queued}
