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

from flo_portal.notifications.services import notify_users
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
    notices were written. Two statements, whatever the number of followers
    (``notifications.services.notify_users``). Flushes."""
    if not keys and not matching:
        return 0
    return notify_users(
        sa.and_(User.id.in_(_followers(keys, matching)), viewers),
        kind=kind,
        title=title,
        body=body,
        link=link,
        dedupe_prefix=dedupe_prefix,
        email_title=email_title,
        email_body=email_body,
    )
