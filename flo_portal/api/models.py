"""Personal access tokens for the JSON API. Only a SHA-256 of each token is stored."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.core.enums import LabelledEnum
from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum, utcnow


class TokenScope(LabelledEnum):
    READ = "read", "Read only"
    READ_WRITE = "read-write", "Read and write"


class ApiToken(TimestampMixin, db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    user = relationship("User")
    name: Mapped[str] = mapped_column(sa.String(100))
    # sha256 hex of the whole token ("flo_pat_" + secret); the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scope: Mapped[TokenScope] = mapped_column(str_enum(TokenScope, 20), default=TokenScope.READ)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def can_write(self) -> bool:
        return TokenScope(self.scope) is TokenScope.READ_WRITE

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and self.expires_at > now

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= utcnow():
            return "expired"
        return "active"

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id} {self.scope}>"
