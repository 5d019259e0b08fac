"""TOTP multi-factor authentication and single-use recovery codes."""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from flo_portal.extensions import db
from flo_portal.orm import utcnow
from flo_portal.users.models import RecoveryCode, User

RECOVERY_CODE_COUNT = 10


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


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def generate_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; returns the plain codes to show once."""
    for rc in list(user.recovery_codes):
        db.session.delete(rc)
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        user.recovery_codes.append(RecoveryCode(code_hash=_hash_code(code)))
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    digest = _hash_code(code)
    for rc in user.recovery_codes:
        if rc.used_at is None and secrets.compare_digest(rc.code_hash, digest):
            rc.used_at = utcnow()
            return True
    return False


def remaining_recovery_codes(user: User) -> int:
    return sum(1 for rc in user.recovery_codes if rc.used_at is None)
