"""The one notification service every feature uses.

``notify()`` writes an in-app notice and, by the user's choice, queues an e-mail in
the outbox; ``queue_email()`` queues an e-mail alone (password reset, invitations).
Nothing here talks SMTP: the outbox delivery job does, with retries.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from flo_portal.agencies.models import Agency
from flo_portal.core import request_cache
from flo_portal.core.extensions import db
from flo_portal.core.orm import upsert_insert, utcnow
from flo_portal.notifications.models import (
    Notification,
    NotificationPreference,
    OutboxEmail,
)
from flo_portal.registry import NOTIFICATION_KINDS
from flo_portal.users.models import User

EMAIL = "email"
IN_APP = "in_app"
CHANNELS = (EMAIL, IN_APP)

# Kinds of notice users can set a preference for: kind (or family prefix) -> label, as
# the features declare them in flo_portal/registry.py; kinds a user has received also
# appear.
KINDS: dict[str, str] = dict(NOTIFICATION_KINDS)


def kind_label(kind: str) -> str:
    """A reader's name for a kind of notice (its own, its family's, or a tidied kind)."""
    return (
        KINDS.get(kind)
        or KINDS.get(kind.split(".", 1)[0])
        or kind.replace(".", " ").replace("_", " ").capitalize()
    )


def channel_for(user_id: int, kind: str) -> str:
    """The user's channel for ``kind``: exact preference, else its family's, else e-mail."""
    family = kind.split(".", 1)[0]
    rows = dict(
        db.session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.channel).where(
                NotificationPreference.user_id == user_id,
                NotificationPreference.kind.in_({kind, family}),
            )
        ).all()
    )
    return rows.get(kind) or rows.get(family) or EMAIL


def preferences_for(user_id: int) -> list[tuple[str, str, str]]:
    """(kind, label, channel) for every known kind plus kinds the user has received."""
    received = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == user_id).distinct()
    ).all()
    kinds = dict(KINDS)
    for kind in received:
        if kind not in kinds and kind.split(".", 1)[0] not in kinds:
            kinds[kind] = kind.replace(".", " ").replace("_", " ").capitalize()
    saved = dict(
        db.session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.channel).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )
    return [
        (k, label, saved.get(k, EMAIL)) for k, label in sorted(kinds.items(), key=lambda kv: kv[1])
    ]


def set_preferences(user, choices: dict[str, str]) -> dict[str, str]:
    """Save ``{kind: channel}``; unknown channels are refused. Returns what changed."""
    existing = {
        p.kind: p
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    changed: dict[str, str] = {}
    for kind, channel in choices.items():
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        pref = existing.get(kind)
        old = pref.channel if pref else EMAIL
        if old == channel:
            continue
        if pref is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind[:60], channel=channel))
        else:
            pref.channel = channel
        changed[kind] = channel
    db.session.flush()
    if changed:
        from flo_portal.audit.services import record

        record("notifications.preferences_changed", user, details=changed, actor=user)
    return changed


def queue_email(
    to: str,
    subject: str,
    body: str,
    *,
    kind: str = "general",
    dedupe_key: str | None = None,
) -> OutboxEmail | None:
    """Queue one e-mail. With ``dedupe_key``, a second call with the same key is a no-op."""
    if dedupe_key is not None:
        exists = db.session.scalar(
            sa.select(OutboxEmail.id).where(OutboxEmail.dedupe_key == dedupe_key)
        )
        if exists:
            return None
    email = OutboxEmail(
        to_address=to,
        subject=subject[:300],
        body_text=body,
        kind=kind,
        dedupe_key=dedupe_key,
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
    email_title: str | None = None,
    email_body: str | None = None,
) -> Notification | None:
    """Tell ``user`` something: an in-app notice, plus an e-mail unless ``email`` is False.
    ``email_title``/``email_body`` give the e-mail its own subject and whole text (marked
    objects whose text may not leave by e-mail: ``core.tlp.email_may_carry_text``)."""
    if dedupe_key is not None:
        exists = db.session.scalar(
            sa.select(Notification.id).where(Notification.dedupe_key == dedupe_key)
        )
        if exists:
            return None
    notice = Notification(
        user_id=user.id,
        kind=kind,
        title=title[:300],
        body=body,
        link=link,
        dedupe_key=dedupe_key,
    )
    db.session.add(notice)
    _forget_unread_count()
    if email and user.email and channel_for(user.id, kind) == EMAIL:
        queue_email(
            user.email,
            email_title or title,
            email_body if email_body is not None else _email_text(title, body, link),
            kind=kind,
            dedupe_key=f"email:{dedupe_key}" if dedupe_key else None,
        )
    db.session.flush()
    return notice


# The unread count read in the signed-in user's own statement
# (``auth.session_rules.load_user``, ``core.request_cache.note``), so the navigation asks
# nothing more. Every write of notices below forgets it, and the count is then asked again.
UNREAD = "unread_count"


def unread_count(user_id: int) -> int:
    """How many of the user's in-app notices are unread (shown in the navigation)."""
    known = request_cache.noted(UNREAD, user_id)
    if known is not None:
        return known
    return db.session.scalar(_unread_count(), {"user_id": user_id})


def _unread_of(user_id) -> sa.Select:
    return sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )


@functools.cache
def _unread_count():
    """The navigation's count, built once per process (a page asks it when the user's
    statement did not)."""
    return _unread_of(sa.bindparam("user_id", type_=sa.Integer))


def unread_count_column(user_id) -> sa.ScalarSelect:
    """SQL: ``unread_count`` of the user ``user_id`` (a column or a bind parameter), for
    the statement that reads the user."""
    return _unread_of(user_id).scalar_subquery()


def note_unread_count(user_id: int, count: int) -> None:
    """Keep ``unread_count`` of ``user_id`` for this request (read with the user)."""
    request_cache.note(UNREAD, user_id, count)


def _forget_unread_count() -> None:
    request_cache.forget(UNREAD)


def user_notifications_query(user_id: int, *, unread_only: bool = False):
    """The user's notices, newest first (the list page paginates it)."""
    stmt = sa.select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def mark_read(user_id: int, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notices read (all unread ones when no ids are given); returns how many."""
    stmt = sa.update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(notification_ids))
    _forget_unread_count()
    result = db.session.execute(
        stmt.values(read_at=utcnow()), execution_options={"synchronize_session": False}
    )
    return result.rowcount or 0


@dataclass
class Notice:
    """One notice for notify_many()."""

    user: Any
    kind: str
    title: str
    body: str = ""
    link: str = ""
    dedupe_key: str | None = None
    email: bool = True
    email_title: str | None = None  # the e-mail's own subject and text, when they differ
    email_body: str | None = None


def channel_sql(kind: str):
    """SQL on User: the user's channel for ``kind`` (exact preference, else the family's,
    else e-mail): ``channel_for`` for every user at once."""

    def pref(name: str):
        return (
            sa.select(NotificationPreference.channel)
            .where(NotificationPreference.user_id == User.id, NotificationPreference.kind == name)
            .scalar_subquery()
        )

    return sa.func.coalesce(pref(kind), pref(kind.split(".", 1)[0]), EMAIL)


def notify_users(
    recipients,
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_prefix: str,
    dedupe_suffix: str = "",
    email: bool = True,
    email_title: str | None = None,
    email_body: str | None = None,
) -> int:
    """notify() for every user ``recipients`` (a SQL condition on User, outer-joined to
    Agency) selects, all told the same thing: two INSERT ... SELECT statements whatever
    their number (the in-app notices; the e-mails of those whose channel for ``kind`` is
    e-mail). The dedupe key ``dedupe_prefix + user id + dedupe_suffix`` makes a re-run a
    no-op (ON CONFLICT DO NOTHING). Returns how many notices are new. Flushes first."""
    db.session.flush()
    now = sa.literal(utcnow(), Notification.__table__.c.created_at.type)
    user_key = sa.cast(User.id, sa.String) + sa.literal(dedupe_suffix, sa.String)
    key = sa.literal(dedupe_prefix, sa.String) + user_key
    mail_key = sa.literal(f"email:{dedupe_prefix}", sa.String) + user_key

    def chosen(*where):
        return (
            sa.select(User.id)
            .outerjoin(Agency, Agency.id == User.agency_id)
            .where(recipients, *where)
        )

    _forget_unread_count()
    notices = db.session.execute(
        upsert_insert(Notification)
        .from_select(
            ["user_id", "kind", "title", "body", "link", "dedupe_key", "created_at"],
            chosen().with_only_columns(
                User.id,
                sa.literal(kind),
                sa.literal(title[:300]),
                sa.literal(body),
                sa.literal(link),
                key,
                now,
            ),
        )
        .on_conflict_do_nothing()
        # RETURNING, not rowcount: SQLAlchemy reports no row count for INSERT ... SELECT
        # on PostgreSQL (psycopg); the new ids are counted, still in the one statement.
        .returning(Notification.__table__.c.id)
    ).all()
    if email:
        db.session.execute(
            upsert_insert(OutboxEmail)
            .from_select(
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
                chosen(User.email != "", channel_sql(kind) == EMAIL).with_only_columns(
                    User.email,
                    sa.literal((email_title or title)[:300]),
                    sa.literal(
                        email_body if email_body is not None else _email_text(title, body, link)
                    ),
                    sa.literal(kind),
                    mail_key,
                    sa.literal(0),
                    now,
                    sa.literal(""),
                    now,
                ),
            )
            .on_conflict_do_nothing()
        )
    return len(notices)


def _chunks(items: Sequence, size: int = 500) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _email_text(title: str, body: str, link: str) -> str:
    from flask import current_app

    text = f"{title}\n\n{body}\n"
    if link:
        text += f"\n{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{link}\n"
    return text


def notify_many(notices: Sequence[Notice]) -> int:
    """notify() for many users at once, in a fixed number of queries (dedupe keys and
    preferences read in bulk, rows inserted in bulk). Returns how many notices are new."""
    if not notices:
        return 0
    keys = [n.dedupe_key for n in notices if n.dedupe_key]
    seen: set[str] = set()
    seen_email: set[str] = set()
    for chunk in _chunks(keys):
        seen.update(
            db.session.scalars(
                sa.select(Notification.dedupe_key).where(Notification.dedupe_key.in_(chunk))
            )
        )
        seen_email.update(
            db.session.scalars(
                sa.select(OutboxEmail.dedupe_key).where(
                    OutboxEmail.dedupe_key.in_([f"email:{k}" for k in chunk])
                )
            )
        )
    user_ids = sorted({n.user.id for n in notices})
    prefs: dict[tuple[int, str], str] = {}
    for chunk in _chunks(user_ids):
        for uid, kind, channel in db.session.execute(
            sa.select(
                NotificationPreference.user_id,
                NotificationPreference.kind,
                NotificationPreference.channel,
            ).where(NotificationPreference.user_id.in_(chunk))
        ):
            prefs[(uid, kind)] = channel
    now = utcnow()
    notice_rows, email_rows = [], []
    for n in notices:
        key = n.dedupe_key
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        notice_rows.append(
            {
                "user_id": n.user.id,
                "kind": n.kind,
                "title": n.title[:300],
                "body": n.body,
                "link": n.link,
                "dedupe_key": key,
                "created_at": now,
                "read_at": None,
            }
        )
        family = n.kind.split(".", 1)[0]
        channel = prefs.get((n.user.id, n.kind)) or prefs.get((n.user.id, family)) or EMAIL
        email_key = f"email:{key}" if key else None
        if n.email and n.user.email and channel == EMAIL and email_key not in seen_email:
            if email_key:
                seen_email.add(email_key)
            email_rows.append(
                {
                    "to_address": n.user.email,
                    "subject": (n.email_title or n.title)[:300],
                    "body_text": n.email_body
                    if n.email_body is not None
                    else _email_text(n.title, n.body, n.link),
                    "kind": n.kind,
                    "dedupe_key": email_key,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "sent_at": None,
                    "last_error": "",
                    "created_at": now,
                }
            )
    if notice_rows:
        _forget_unread_count()
        db.session.execute(sa.insert(Notification), notice_rows)
    if email_rows:
        db.session.execute(sa.insert(OutboxEmail), email_rows)
    return len(notice_rows)
