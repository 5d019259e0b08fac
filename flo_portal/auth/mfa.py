"""TOTP multi-factor authentication: who must use it, encrypted secrets, recovery codes.

TOTP secrets are stored as Fernet ciphertext under the keys in MFA_ENCRYPTION_KEYS
(newest first; older keys still decrypt, so a key can be rotated with
``flask mfa rotate-key``). Recovery codes carry 80 random bits and are stored as
Argon2id hashes, each usable once.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from datetime import datetime, timedelta
from functools import cache

import click
import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from flo_portal.auth.passwords import hash_password, verify_password
from flo_portal.core.display import plural
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.core.unit_of_work import transaction
from flo_portal.users.models import RecoveryCode, User

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_BYTES = 10  # 80 bits: 16 base32 characters, shown in groups of four
# Fixed, public development key: only where no MFA_ENCRYPTION_KEYS is configured and
# never in production (ProductionConfig.validate refuses to start without keys).
_DEV_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"flo-portal development MFA key").digest())


# --- Secrets at rest --------------------------------------------------------------


@cache
def _multi_fernet(keys: tuple[str, ...], env_name: str) -> MultiFernet:
    if not keys:
        if env_name == "production":
            raise RuntimeError("MFA_ENCRYPTION_KEYS is not set; production cannot run without it.")
        logger.warning(
            "MFA_ENCRYPTION_KEYS is not set: TOTP secrets are encrypted with the fixed "
            "development key. Set MFA_ENCRYPTION_KEYS before holding real accounts."
        )
        return MultiFernet([Fernet(_DEV_KEY)])
    return MultiFernet([Fernet(key) for key in keys])


def secret_box(config=None) -> MultiFernet:
    """The MultiFernet for the app's MFA_ENCRYPTION_KEYS (the first key encrypts)."""
    config = config if config is not None else current_app.config
    return _multi_fernet(tuple(config.get("MFA_ENCRYPTION_KEYS") or ()), config["ENV_NAME"])


def encrypt_secret(secret: str) -> str:
    return secret_box().encrypt(secret.encode()).decode()


def decrypt_secret(ciphertext: str | None) -> str | None:
    """The plain secret; None when there is none or no configured key opens it."""
    if not ciphertext:
        return None
    try:
        return secret_box().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        logger.error("a TOTP secret could not be decrypted with MFA_ENCRYPTION_KEYS")
        return None


def rotate_secrets() -> int:
    """Re-encrypt every stored TOTP secret with the first key. Flushes; returns the count."""
    box = secret_box()
    count = 0
    users = db.session.scalars(sa.select(User).where(User.mfa_secret_encrypted.is_not(None)))
    for user in users:
        user.mfa_secret_encrypted = box.rotate(user.mfa_secret_encrypted.encode()).decode()
        count += 1
    db.session.flush()
    return count


# --- TOTP -------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["MFA_ISSUER"]
    )


def qr_svg_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def check_totp(secret: str, code: str, last_timestep: int | None = None) -> int | None:
    """The accepted time step, or None. One step of clock drift either way; no replay."""
    code = _normalise(code)
    if not secret or len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step, now_step - 1, now_step + 1):
        if last_timestep is not None and step <= last_timestep:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_user_totp(user: User, code: str) -> bool:
    step = check_totp(user.mfa_secret or "", code, user.mfa_last_timestep)
    return step is not None and claim_totp_step(user, step)


def claim_totp_step(user: User, step: int) -> bool:
    """Record ``step`` as used, atomically: of two sign-ins racing with the same code,
    one UPDATE matches the row and the other (blocked on its lock, then re-checked by
    the database) matches nothing. True for the one that won."""
    claimed = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.mfa_last_timestep.is_(None), User.mfa_last_timestep < step),
        )
        .values(mfa_last_timestep=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(user, ["mfa_last_timestep"])
    return claimed == 1


# --- Recovery codes ---------------------------------------------------------------


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def generate_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; returns the plain codes to show once."""
    for rc in list(user.recovery_codes):
        db.session.delete(rc)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        user.recovery_codes.append(RecoveryCode(code_hash=hash_password(_normalise(code))))
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Accept an unused recovery code once (marks it used)."""
    code = _normalise(code)
    if len(code) != RECOVERY_CODE_BYTES * 8 // 5:
        return False  # not shaped like a recovery code: spare the Argon2 work
    for rc in user.recovery_codes:
        if rc.used_at is None and verify_password(rc.code_hash, code):
            # Claim atomically: of two sign-ins racing with one code, one UPDATE matches.
            claimed = db.session.execute(
                sa.update(RecoveryCode)
                .where(RecoveryCode.id == rc.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            db.session.refresh(rc, ["used_at"])
            return claimed == 1
    return False


def remaining_recovery_codes(user: User) -> int:
    return sum(1 for rc in user.recovery_codes if rc.used_at is None)


# --- Who must enrol, and when -----------------------------------------------------


def has_grace_period(user: User) -> bool:
    return user.role_enum.value in current_app.config["MFA_GRACE_ROLES"]


def grace_ends_at(user: User) -> datetime | None:
    """When the user's enrolment grace ends; None while it has not started.

    The period counts from the first sign-in without MFA (``mfa_grace_started_at``),
    so an account that has not signed in yet has its whole period ahead of it. Roles
    outside MFA_GRACE_ROLES have a period of zero: they enrol before signing in.
    """
    if user.mfa_grace_started_at is None:
        return None
    days = current_app.config["MFA_ENROLMENT_GRACE_DAYS"] if has_grace_period(user) else 0
    return user.mfa_grace_started_at + timedelta(days=days)


def enrolment_due(user: User) -> bool:
    """MFA is required for the role and not yet set up (neither TOTP nor a passkey)."""
    from flo_portal.auth.passkeys import has_passkey

    return user.mfa_required and not user.mfa_enabled and not has_passkey(user)


def in_grace(user: User, now: datetime | None = None) -> bool:
    ends = grace_ends_at(user)
    return ends is None or (now or utcnow()) < ends


def must_enrol_now(user: User) -> bool:
    """Enrolment is due and there is no (more) grace: only the enrolment page is open.
    Grace first: it is read off the user, while ``enrolment_due`` asks the database
    whether a passkey exists (every request of a user in grace ran that query)."""
    return not in_grace(user) and enrolment_due(user)


def start_grace(user: User) -> None:
    """Start the grace period at the user's first sign-in without MFA. Call it before
    ``must_enrol_now`` at sign-in."""
    if enrolment_due(user) and user.mfa_grace_started_at is None:
        user.mfa_grace_started_at = utcnow()


# Endpoints a signed-in user who must enrol can still reach.
_OPEN_WHILE_ENROLLING = {
    "static",
    "auth.mfa_setup",
    "auth.logout",
    "passkeys.manage",
    "passkeys.register_options",
    "passkeys.register",
}


def require_enrolment():
    """before_request: after the grace period, a user without MFA reaches only enrolment."""
    if request.endpoint in _OPEN_WHILE_ENROLLING or not current_user.is_authenticated:
        return None
    from flo_portal.auth.passkeys import must_register_passkey

    needs_passkey = must_register_passkey(current_user)  # its role was added meanwhile
    if not needs_passkey and not must_enrol_now(current_user):
        return None
    if getattr(current_user, "via_token", False) or request.path.startswith("/api/"):
        abort(403)
    if needs_passkey:
        flash("Your role signs in with a passkey: register one to continue.", "warning")
        return redirect(url_for("passkeys.manage"))
    flash("Set up multi-factor sign-in to continue: your grace period has ended.", "warning")
    return redirect(url_for("auth.mfa_setup", next=request.full_path.rstrip("?")))


# --- CLI --------------------------------------------------------------------------


def register(app) -> None:
    @app.cli.group("mfa")
    def mfa_cli() -> None:
        """Multi-factor authentication maintenance."""

    @mfa_cli.command("rotate-key")
    def rotate_key() -> None:
        """Re-encrypt every TOTP secret with the first key of MFA_ENCRYPTION_KEYS."""
        try:
            with transaction():
                count = rotate_secrets()
        except InvalidToken as err:
            raise click.ClickException(
                "A stored secret opens with none of MFA_ENCRYPTION_KEYS; keep the old key in "
                "the list (after the new one) until rotation has run."
            ) from err
        click.echo(f"Re-encrypted {plural(count, 'TOTP secret')} with the first key.")
