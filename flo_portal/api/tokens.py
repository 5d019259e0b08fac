"""Personal access tokens: create, revoke, and authenticate ``Authorization: Bearer``.

A token is ``flo_pat_`` + 43 url-safe characters (256 bits). Only its SHA-256 is stored,
so a database leak gives no usable token; the prefix lets secret scanners spot leaks.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import g, request

from flo_portal.api.models import ApiToken, TokenScope
from flo_portal.audit.reads import refuse
from flo_portal.audit.services import record
from flo_portal.core.errors import InputError
from flo_portal.core.extensions import db, login_manager
from flo_portal.core.orm import utcnow
from flo_portal.users.models import User

TOKEN_PREFIX = "flo_pat_"  # noqa: S105 - a public prefix, not a secret
EXPIRY_CHOICES_DAYS = (7, 30, 90, 365)
MAX_ACTIVE_TOKENS = 20
# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones included, for the record)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def create_token(
    user: User, name: str, scope: TokenScope, expires_in_days: int
) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns the row and the token text, which is shown once."""
    if expires_in_days not in EXPIRY_CHOICES_DAYS:
        raise InputError("expiry must be one of the offered choices", field="expires_in_days")
    token_text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:100],
        token_hash=hash_token(token_text),
        scope=TokenScope(scope),
        expires_at=utcnow() + timedelta(days=expires_in_days),
    )
    db.session.add(token)
    db.session.flush()
    record(
        "api_token.created",
        token,
        summary=f"token {token.name!r} ({token.scope}) for {user.email}",
        details={"scope": str(token.scope), "expires_at": token.expires_at.isoformat()},
        actor=user,
    )
    return token, token_text


def count_usable_tokens(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > utcnow(),
        )
    )


def revoke_token(token: ApiToken, by: User) -> bool:
    """Revoke ``token``; False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    record("api_token.revoked", token, summary=f"token {token.name!r} revoked", actor=by)
    return True


def get_own_token_or_404(user: User, token_id: int) -> ApiToken:
    """One of ``user``'s own tokens; anyone else's is refused as if it did not exist."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        refuse(token, actor=user)
    return token


def find_usable_token(token_text: str, now: datetime | None = None) -> ApiToken | None:
    """The unrevoked, unexpired token with this text whose owner's account is active."""
    if not token_text.startswith(TOKEN_PREFIX) or len(token_text) > 200:
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token_text))
    )
    if token is None or not token.is_usable(now):
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.is_active_account:
        return None
    return token


def _bearer_from_header() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@login_manager.request_loader
def load_user_from_bearer(req) -> User | None:
    """Flask-Login request loader: a bearer token authenticates API requests only."""
    if not req.path.startswith("/api/"):
        return None
    token_text = _bearer_from_header()
    if token_text is None:
        return None
    now = utcnow()
    token = find_usable_token(token_text, now)
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        _touch(token.id, now)
        g.api_token_touched = (token.id, now)
    # Per-request marks: the idle-session rule skips token requests; the API checks scope.
    user.via_token = True
    user.token_id = token.id
    user.token_scope = TokenScope(token.scope)
    g.api_token_user = user
    return user


def _touch(token_id: int, now: datetime) -> None:
    db.session.execute(
        sa.update(ApiToken)
        .where(
            ApiToken.id == token_id,
            sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now),
        )
        .values(last_used_at=now),
        execution_options={"synchronize_session": False},
    )


def keep_token_use() -> bool:
    """Unit of work, after a failed request's rollback: a token's use is kept even when
    the request was refused or failed (a stolen token probing shows in "last used").
    A request that succeeds commits it with the rest."""
    touched = g.pop("api_token_touched", None)
    if touched is None:
        return False
    _touch(*touched)
    return True


def forget_token_use() -> None:
    """Unit of work, before a successful request's commit: the touch commits with it."""
    g.pop("api_token_touched", None)


def clear_token_marks(_exc=None) -> None:
    """teardown_request: the User instance may outlive the request in the identity map."""
    g.pop("api_token_touched", None)
    user = g.pop("api_token_user", None)
    if user is not None:
        for attr in ("via_token", "token_id", "token_scope"):
            user.__dict__.pop(attr, None)


def request_token_id() -> int | None:
    from flask_login import current_user

    if getattr(current_user, "via_token", False):
        return current_user.token_id
    return None
