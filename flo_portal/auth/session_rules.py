"""Loading the signed-in user and ending sessions: on sign-out, idle, or too old.

A browser session is a row in ``user_session``; the signed cookie carries only a random
id for it. Signing out revokes the row, so a copy of the cookie stops working too.
``User.session_token`` stays as the per-user generation: rotating it ends every session
of the user at once (password set, deactivation, role change).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from flo_portal.agreements.queries import any_unsigned_current_column, note_any_unsigned
from flo_portal.auth.models import UserSession
from flo_portal.core import clock
from flo_portal.core.extensions import db, login_manager
from flo_portal.core.orm import utcnow
from flo_portal.notifications.services import note_unread_count, unread_count_column
from flo_portal.users.models import User

SESSION_KEY = "sid"
# last_seen_at is written at most this often, so reading pages is not a write each time.
TOUCH_EVERY = timedelta(seconds=60)

END_MESSAGES = {
    "idle": "Your session ended after a period of inactivity. Please sign in again.",
    "absolute": "Your session reached its time limit. Please sign in again.",
    "revoked": "Your session has ended. Please sign in again.",
}


_RECORD = "flo_session_record"  # g: this request's session row, read with its user


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """IDs are "<id>:<session token>": rotating the token signs out every session.

    The user and this browser's session row come in one query (every signed-in request
    needs both: the session rules below check the row), and with them what every page
    asks next about the user: the navigation's unread count and whether an agreement
    awaits their signature (the agreements gate)."""
    try:
        raw_id, token = user_id.split(":", 1)
        uid = int(raw_id)
    except (ValueError, TypeError):
        return None
    raw = session.get(SESSION_KEY)
    if isinstance(raw, str) and raw:
        row = db.session.execute(
            _user_and_session(), {"uid": uid, "token_hash": _digest(raw), "today": clock.today()}
        ).first()
        user, record = (row[0], row[1]) if row is not None else (None, None)
        g.setdefault(_RECORD, record)
        if user is not None:
            note_unread_count(user.id, row.unread)
            note_any_unsigned(user.id, row.any_unsigned)
    else:
        user = db.session.get(User, uid)
    if user is None or user.session_token != token or not user.is_active_account:
        return None
    return user


@functools.cache
def _user_and_session():
    """The statement of ``load_user``, built once per process (every request runs it)."""
    uid = sa.bindparam("uid", type_=sa.Integer)
    return (
        sa.select(
            User,
            UserSession,
            unread_count_column(uid).label("unread"),
            any_unsigned_current_column(uid, User.role, sa.bindparam("today")).label(
                "any_unsigned"
            ),
        )
        .outerjoin(
            UserSession,
            sa.and_(
                UserSession.user_id == User.id,
                UserSession.token_hash == sa.bindparam("token_hash", type_=sa.String),
            ),
        )
        .where(User.id == uid)
    )


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def open_session_record(user: User, *, ip: str = "", user_agent: str = "") -> str:
    """Add a server-side session for ``user`` and flush; returns the id for the cookie."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(token_hash=_digest(raw), user=user, ip=ip[:45], user_agent=user_agent[:255])
    )
    db.session.flush()
    return raw


def begin_session(user: User) -> None:
    """Sign ``user`` in on this browser: a fresh cookie and a new session record (flushed)."""
    session.clear()
    g.pop(_RECORD, None)
    raw = open_session_record(
        user, ip=request.remote_addr or "", user_agent=request.user_agent.string
    )
    login_user(user)
    session[SESSION_KEY] = raw


def current_session_record() -> UserSession | None:
    if _RECORD in g:
        return g.get(_RECORD)
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, str) or not raw:
        return None
    return db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == _digest(raw)))


def revoke_sessions(user: User, *, reason: str, keep: UserSession | None = None) -> int:
    """Revoke every open session of ``user`` except ``keep``; flushes. Returns how many."""
    stmt = (
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason[:100])
    )
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    return db.session.execute(stmt).rowcount


def end_session(reason: str = "signed out") -> None:
    """Revoke this browser's session record (flushed; the caller commits), then forget it."""
    record = current_session_record()
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
        record.revoked_reason = reason[:100]
        db.session.flush()
    logout_user()
    session.clear()
    g.pop(_RECORD, None)


def _why_ended(record: UserSession | None, user: User) -> str | None:
    if record is None or record.user_id != user.id or record.revoked_at is not None:
        return "revoked"
    now = utcnow()
    if now - record.created_at > timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]):
        return "absolute"
    if now - record.last_seen_at > timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]):
        return "idle"
    return None


def expire_idle_session():
    """before_request: end a browser session that was revoked, idle longer than
    SESSION_IDLE_MINUTES or older than SESSION_ABSOLUTE_HOURS; otherwise note it is in use.

    It commits its own small write (the touch, or the expiry): the unit of work wraps
    only the view, and this hook runs before it — an expired session is answered with a
    redirect from here and never reaches a view at all.
    """
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    if getattr(current_user, "via_token", False):
        return None  # API token requests carry no session
    record = current_session_record()
    why = _why_ended(record, current_user)
    if why is None:
        if utcnow() - record.last_seen_at >= TOUCH_EVERY:
            record.last_seen_at = utcnow()
            db.session.commit()
        return None
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
        record.revoked_reason = f"expired ({why})"
        db.session.commit()
    logout_user()
    session.clear()
    g.pop(_RECORD, None)
    if request.path.startswith("/api/"):
        return None  # the guard answers 401
    flash(END_MESSAGES[why], "warning")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
