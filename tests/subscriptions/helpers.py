"""Helpers for subscription tests."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.notifications.models import OutboxEmail
from flo_portal.subscriptions import services


def follow(user, kind: str, value: str):
    sub = services.follow(user, kind, value)
    db.session.commit()
    return sub


def following_mails(user) -> list[OutboxEmail]:
    """The e-mails the fan-out queued for ``user`` (dedupe key email:following:...)."""
    return list(
        db.session.scalars(
            sa.select(OutboxEmail).where(
                OutboxEmail.to_address == user.email,
                OutboxEmail.dedupe_key.like("email:following:%"),
            )
        )
    )
