"""Sign-in, lock-out and password changes. Services flush; the request commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for

from flo_portal.audit.services import record
from flo_portal.auth import mfa, tokens
from flo_portal.auth.models import UserSession
from flo_portal.auth.passwords import hash_password, needs_rehash, verify_password
from flo_portal.auth.session_rules import revoke_sessions
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.notifications.services import queue_email
from flo_portal.users.models import User

# One answer for a wrong password, an unknown e-mail and a locked account, so the
# sign-in page never tells whether an account exists or is locked.
SIGN_IN_REFUSED = (
    "E-mail or password is incorrect, or the account is locked after too many failed "
    "attempts. Check them, or wait {minutes} minutes and try again."
)


@dataclass
class AuthResult:
    user: User | None
    error: str | None = None


@dataclass
class SecretCheck:
    """Outcome of checking a password or code of a known account."""

    ok: bool
    locked: bool = False


def sign_in_refused() -> str:
    return SIGN_IN_REFUSED.format(minutes=current_app.config["LOCKOUT_MINUTES"])


def find_user_by_email(email: str) -> User | None:
    email = (email or "").strip().lower()
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))


def register_failure(user: User, reason: str) -> None:
    """Count a failed password or code check in the database; lock at the threshold.

    The count is one UPDATE, so concurrent guesses from several workers all count.
    """
    db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["failed_logins"])
    record("auth.login_failed", user, actor=user, summary=reason)
    if user.failed_logins >= current_app.config["LOCKOUT_THRESHOLD"]:
        user.locked_until = utcnow() + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
        user.failed_logins = 0
        record("auth.locked_out", user, actor=user, summary="too many failed attempts")
        _tell_locked_out(user)


def _tell_locked_out(user: User) -> None:
    """The sign-in page does not say an account is locked (that would tell who has one),
    so the holder hears it by e-mail, which also warns them of someone guessing."""
    minutes = current_app.config["LOCKOUT_MINUTES"]
    queue_email(
        user.email,
        "Your FLO Portal account is locked for now",
        f"After too many failed sign-in or password attempts, sign-in to {user.email} on "
        f"FLO Portal is paused for {minutes} minutes.\n\n"
        "If this was not you, someone may be guessing your password: tell your "
        "administrator.",
        kind="account_locked",
    )


def lockout_message() -> str:
    minutes = current_app.config["LOCKOUT_MINUTES"]
    return (
        "This account is locked after too many failed attempts. "
        f"Try again in {minutes} minutes or ask an administrator to unlock it."
    )


def check_user_password(user: User, password: str, *, reason: str) -> SecretCheck:
    """The one password check of a known account: sign-in, password change, re-auth.

    A locked account is refused without looking at the password (same effort spent);
    every wrong password counts toward the same lock-out.
    """
    if user.is_locked():
        verify_password(None, password)
        record("auth.refused_locked", user, actor=user, summary=reason)
        return SecretCheck(False, locked=True)
    if verify_password(user.password_hash, password):
        return SecretCheck(True)
    register_failure(user, reason)
    return SecretCheck(False, locked=user.is_locked())


def check_password_step(email: str, password: str) -> AuthResult:
    """First factor. Counts failures and refuses locked or deactivated accounts."""
    user = find_user_by_email(email)
    if user is None:
        verify_password(None, password)
        record(
            "auth.login_failed",
            actor=None,  # no account: nobody to name
            summary="unknown e-mail",
            details={"email": (email or "")[:254]},
        )
        return AuthResult(None, sign_in_refused())
    if not check_user_password(user, password, reason="wrong password").ok:
        return AuthResult(None, sign_in_refused())
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


def set_password(
    user: User, password: str, *, reason: str, keep: UserSession | None = None
) -> None:
    """Set a new password and end every session of the user but ``keep`` (this one)."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.rotate_session_token()  # also spends half-finished sign-ins elsewhere
    revoke_sessions(user, reason="password changed", keep=keep)
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
    record("user.invited", user, actor=inviter, summary=f"invitation sent to {user.email}")


def turn_on_mfa(user: User, secret: str, step: int) -> list[str]:
    """``user`` proved they hold ``secret`` (TOTP ``step``): MFA is on; returns the new
    recovery codes to show once."""
    user.mfa_secret = secret
    user.mfa_enabled = True
    user.mfa_last_timestep = step
    codes = mfa.generate_recovery_codes(user)
    record("auth.mfa_enrolled", user, actor=user)
    return codes


def turn_off_mfa(user: User, *, keep: UserSession | None = None) -> None:
    """``user`` turns their MFA off (password confirmed): every other session ends."""
    user.mfa_enabled = False
    user.mfa_secret = None
    for rc in list(user.recovery_codes):
        db.session.delete(rc)
    record("auth.mfa_disabled", user, actor=user)
    revoke_sessions(user, reason="MFA turned off", keep=keep)


def regenerate_recovery_codes(user: User) -> list[str]:
    codes = mfa.generate_recovery_codes(user)
    record("auth.recovery_codes_regenerated", user, actor=user)
    return codes


def reauth_failed(user: User, purpose: str) -> None:
    record("auth.reauth_failed", user, actor=user, summary=purpose)
