"""Server-side records of browser sessions: signing out revokes the record, not the cookie."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.users.models import User


class UserSession(db.Model):
    """One signed-in browser. The cookie carries a random id; only its SHA-256 is stored,
    so a copy of the database cannot be replayed as cookies."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    user: Mapped[User] = relationship()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(sa.String(100), default="")
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(255), default="")

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id} revoked={self.revoked_at}>"


class Passkey(db.Model):
    """A WebAuthn credential (passkey or security key) a user registered. Only its public
    key is held; ``sign_count`` is the authenticator's counter, which must grow (a
    cloned authenticator repeats or lowers it)."""

    __tablename__ = "passkey"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    user: Mapped[User] = relationship()
    credential_id: Mapped[str] = mapped_column(sa.String(400), unique=True)  # base64url
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)  # COSE_Key
    sign_count: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(80))
    transports: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Passkey {self.id} user={self.user_id} {self.name!r}>"


class WebAuthnChallenge(db.Model):
    """A challenge handed to one browser for one ceremony. Taken (deleted) by the first
    response that names it, so it is never accepted twice; older than
    WEBAUTHN_CHALLENGE_SECONDS it is refused and purged."""

    __tablename__ = "webauthn_challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge: Mapped[str] = mapped_column(sa.String(100), unique=True)  # base64url
    purpose: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
