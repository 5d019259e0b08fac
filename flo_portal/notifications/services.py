"""The one notification service every feature uses.

``notify()`` writes an in-app notice and, by the user's choice, queues an e-mail in
the outbox; ``queue_email()`` queues an e-mail alone (password reset, invitations).
Nothing here talks SMTP: the outbox delivery job does, with retries.
"""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.extensions import db
from flo_portal.notifications.models import Notification, OutboxEmail


def queue_email(
    to: str, subject: str, body: str, *, kind: str = "general", dedupe_key: str | None = None
) -> OutboxEmail | None:
    """Queue one e-mail. With ``dedupe_key``, a second call with the same key is a no-op."""
    if dedupe_key is not None:
        exists = db.session.scalar(
            sa.select(OutboxEmail.id).where(OutboxEmail.dedupe_key == dedupe_key)
        )
        if exists:
            return None
    email = OutboxEmail(
        to_address=to, subject=subject[:300], body_text=body, kind=kind, dedupe_key=dedupe_key
    )
    db.session.add(email)
    db.session.flush()
    return email


def notify(
    user,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    *,
    email: bool = True,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Tell ``user`` something: an in-app notice, plus an e-mail unless ``email`` is False."""
    if dedupe_key is not None:
        exists = db.session.scalar(
            sa.select(Notification.id).where(Notification.dedupe_key == dedupe_key)
        )
        if exists:
            return None
    notice = Notification(
        user_id=user.id, kind=kind, title=title[:300], body=body, link=link, dedupe_key=dedupe_key
    )
    db.session.add(notice)
    if email and user.email:
        text = f"{title}\n\n{body}\n"
        if link:
            from flask import current_app

            text += f"\n{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{link}\n"
        queue_email(
            user.email,
            title,
            text,
            kind=kind,
            dedupe_key=f"email:{dedupe_key}" if dedupe_key else None,
        )
    db.session.flush()
    return notice


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )
