"""Sign-in, lock-out and password changes. Services flush; the request commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for

from flo_portal.audit.services import record
from flo_portal.auth import tokens
from flo_portal.auth.passwords import hash_password, needs_rehash, verify_password
from flo_portal.extensions import db
from flo_portal.notifications.services import queue_email
from flo_portal.orm import utcnow
from flo_portal.users.models import User

GENERIC_FAILURE = "E-mail or password is incorrect."


@dataclass
class AuthResult:
    user: User | None
    error: str | None = None


def find_user_by_email(email: str) -> User | None:
    email = (email or "").strip().lower()
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))


def register_failure(user: User, reason: str) -> None:
    """Count a failed attempt; lock the account at the threshold."""
    user.failed_logins += 1
    record("auth.login_failed", user, actor=user, summary=reason)
    if user.failed_logins >= current_app.config["LOCKOUT_THRESHOLD"]:
        user.locked_until = utcnow() + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
        user.failed_logins = 0
        record("auth.locked_out", user, actor=user, summary="too many failed sign-ins")


def lockout_message() -> str:
    minutes = current_app.config["LOCKOUT_MINUTES"]
    return (
        "This account is locked after too many failed sign-ins. "
        f"Try again in {minutes} minutes or ask an administrator to unlock it."
    )


def check_password_step(email: str, password: str) -> AuthResult:
    """First factor. Counts failures and refuses locked or deactivated accounts."""
    user = find_user_by_email(email)
    if user is None:
        verify_password(None, password)
        record(
            "auth.login_failed",
            summary="unknown e-mail",
            details={"email": (email or "")[:254]},
        )
        return AuthResult(None, GENERIC_FAILURE)
    if user.is_locked():
        record("auth.login_refused_locked", user, actor=user)
        return AuthResult(None, lockout_message())
    if not verify_password(user.password_hash, password):
        register_failure(user, "wrong password")
        if user.is_locked():
            return AuthResult(None, lockout_message())
        return AuthResult(None, GENERIC_FAILURE)
    if not user.is_active_account:
        record("auth.login_refused_inactive", user, actor=user)
        return AuthResult(None, "This account is deactivated. Contact your administrator.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return AuthResult(user)


def complete_sign_in(user: User, method: str) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    record("auth.login", user, actor=user, details={"method": method})


def set_password(user: User, password: str, *, reason: str) -> None:
    """Set a new password and sign out every other session of the user."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.rotate_session_token()
    user.failed_logins = 0
    user.locked_until = None
    record("auth.password_set", user, actor=user, summary=reason)


def send_password_reset(user: User) -> None:
    token = tokens.make_token(user, "reset")
    link = url_for("auth.reset_password", token=token, _external=False)
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    queue_email(
        user.email,
        "Reset your FLO Portal password",
        f"Someone asked to reset the password of {user.email} on FLO Portal.\n\n"
        f"Open this link within {hours} hours to choose a new password:\n{base}{link}\n\n"
        "If it was not you, ignore this message; your password is unchanged.",
        kind="password_reset",
    )
    record("auth.password_reset_requested", user, actor=user)


def send_invitation(user: User, inviter: User | None) -> None:
    token = tokens.make_token(user, "invite")
    link = url_for("auth.accept_invitation", token=token)
    days = current_app.config["INVITE_DAYS"]
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    by = f" by {inviter.name}" if inviter else ""
    queue_email(
        user.email,
        "Your FLO Portal account",
        f"You have been invited{by} to FLO Portal as {user.role_enum.label}.\n\n"
        f"Open this link within {days} days to choose your password:\n{base}{link}\n",
        kind="invitation",
    )
    record("user.invited", user, summary=f"invitation sent to {user.email}")
