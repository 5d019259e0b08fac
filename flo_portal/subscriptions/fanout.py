"""Telling the followers of a released item, set-based: two INSERT ... SELECT statements
(the in-app notices, then the e-mails of those who want them at once) whatever the number
of followers.

The SELECT reads the followers from ``subscription`` and keeps only the users the item's
own policy lets see it (``viewers``: ``products.policies.product_viewers_condition`` or
``briefings.policies.briefing_viewers_condition``), so following something never widens
what a user may see. A dedupe key per user and item version makes a re-run a no-op.

"At once or in the daily digest" reuses the notification preferences: the family
``following`` set to ``email`` (the default) sends the e-mail now; ``in_app`` leaves the
in-app notice, which the daily digest (``notifications.digest``) counts the next morning.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from flo_portal.agencies.models import Agency
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.notifications.models import Notification, NotificationPreference, OutboxEmail
from flo_portal.notifications.services import EMAIL, _email_text
from flo_portal.subscriptions.kinds import Key
from flo_portal.subscriptions.models import Subscription
from flo_portal.users.models import User

FAMILY = "following"


def _followers(keys: Sequence[Key], matching: Sequence = ()):
    return sa.select(Subscription.user_id).where(
        sa.or_(
            *(sa.and_(Subscription.kind == k, Subscription.value == v) for k, v in keys),
            *matching,
        )
    )


def _channel(kind: str):
    """SQL: the user's channel for ``kind`` (exact preference, else the family's, else
    e-mail): ``notifications.services.channel_for`` for every user at once."""

    def pref(name: str):
        return (
            sa.select(NotificationPreference.channel)
            .where(NotificationPreference.user_id == User.id, NotificationPreference.kind == name)
            .scalar_subquery()
        )

    return sa.func.coalesce(pref(kind), pref(kind.split(".", 1)[0]), EMAIL)


def tell_followers(
    *,
    keys: Sequence[Key],
    matching: Sequence = (),
    viewers,
    kind: str,
    title: str,
    body: str,
    link: str,
    dedupe_prefix: str,
    email_title: str | None = None,
    email_body: str | None = None,
) -> int:
    """Notify every follower of any of ``keys`` (or of a subscription one of ``matching``,
    SQL conditions on Subscription, selects) whom ``viewers`` (SQL on User, outer-joined
    to Agency) lets see the item; e-mail those whose channel is e-mail. Returns how many
    notices were written. Two statements, whatever the number of followers. Flushes."""
    if not keys and not matching:
        return 0
    db.session.flush()
    now = utcnow()
    when = sa.literal(now, Notification.__table__.c.created_at.type)
    key = sa.literal(dedupe_prefix, sa.String) + sa.cast(User.id, sa.String)
    mail_key = sa.literal(f"email:{dedupe_prefix}", sa.String) + sa.cast(User.id, sa.String)

    def told(*where):
        return (
            sa.select(User.id)
            .outerjoin(Agency, Agency.id == User.agency_id)
            .where(User.id.in_(_followers(keys, matching)), viewers, *where)
        )

    fresh = told(~sa.exists().where(Notification.dedupe_key == key))
    notices = db.session.execute(
        sa.insert(Notification.__table__)
        .from_select(
            ["user_id", "kind", "title", "body", "link", "dedupe_key", "created_at"],
            fresh.with_only_columns(
                User.id,
                sa.literal(kind),
                sa.literal(title[:300]),
                sa.literal(body),
                sa.literal(link),
                key,
                when,
            ),
        )
        # RETURNING, not rowcount: SQLAlchemy reports no row count for INSERT ... SELECT
        # on PostgreSQL (psycopg); the ids are counted, still in the one statement.
        .returning(Notification.__table__.c.id)
    ).all()
    mail = told(
        User.email != "",
        _channel(kind) == EMAIL,
        ~sa.exists().where(OutboxEmail.dedupe_key == mail_key),
    )
    db.session.execute(
        sa.insert(OutboxEmail.__table__).from_select(
            [
                "to_address",
                "subject",
                "body_text",
                "kind",
                "dedupe_key",
                "attempts",
                "next_attempt_at",
                "last_error",
                "created_at",
            ],
            mail.with_only_columns(
                User.email,
                sa.literal((email_title or title)[:300]),
                sa.literal(
                    email_body if email_body is not None else _email_text(title, body, link)
                ),
                sa.literal(kind),
                mail_key,
                sa.literal(0),
                when,
                sa.literal(""),
                when,
            ),
        )
    )
    return len(notices)
