"""User accounts: one role each and, outside the center, one agency."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.agencies.models import Agency
from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum, utcnow
from flo_portal.security.permissions import Role


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 30), index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    agency: Mapped[Agency | None] = relationship(lazy="joined")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    password_changed_at: Mapped[datetime | None]
    # Rotated on password change, deactivation and MFA reset: signs out every session.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    is_active_account: Mapped[bool] = mapped_column("active", default=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")

    # Fernet ciphertext of the TOTP secret; read and set it through ``mfa_secret``.
    mfa_secret_encrypted: Mapped[str | None] = mapped_column(sa.String(255))
    mfa_enabled: Mapped[bool] = mapped_column(default=False)
    mfa_last_timestep: Mapped[int | None]
    # Set at the first sign-in without MFA; the enrolment grace period counts from it.
    mfa_grace_started_at: Mapped[datetime | None]

    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_center_staff(self) -> bool:
        return Role(self.role).is_center_staff

    @property
    def mfa_required(self) -> bool:
        return Role(self.role).value in current_app.config["MFA_REQUIRED_ROLES"]

    @property
    def mfa_secret(self) -> str | None:
        """The plain TOTP secret, decrypted with MFA_ENCRYPTION_KEYS."""
        from flo_portal.auth.mfa import decrypt_secret

        return decrypt_secret(self.mfa_secret_encrypted)

    @mfa_secret.setter
    def mfa_secret(self, secret: str | None) -> None:
        from flo_portal.auth.mfa import encrypt_secret

        self.mfa_secret_encrypted = encrypt_secret(secret) if secret else None

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class RecoveryCode(db.Model):
    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(255))  # Argon2id
    used_at: Mapped[datetime | None]
    user: Mapped[User] = relationship(back_populates="recovery_codes")
