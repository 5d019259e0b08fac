"""What comes after the first factor (a password, or an agency's identity provider): one
decision for every way in, so the second-factor, passkey and enrolment rules are the
same whichever first factor the user gave.

A half-signed-in user is kept in ``session["pending"]`` (who, their session token, the
step they are at, when, and where they were going) until the step is done.
"""

from __future__ import annotations

import time

from flask import session

from flo_portal.auth import mfa, passkeys
from flo_portal.users.models import User

VERIFY = "totp"  # a TOTP code, a recovery code or a passkey (auth.mfa_verify)
REGISTER_PASSKEY = "enrol_passkey"  # the role needs a passkey the user has not registered
ENROL = "enrol"  # MFA enrolment is due and its grace period is over

PAGES = {VERIFY: "auth.mfa_verify", REGISTER_PASSKEY: "passkeys.enrol", ENROL: "auth.mfa_setup"}
MESSAGES = {
    REGISTER_PASSKEY: "Your role signs in with a passkey. Register one to continue.",
    ENROL: "Set up multi-factor sign-in before continuing.",
}


def next_step(user: User) -> str | None:
    """The step ``user`` must take before being signed in, or None (signed in now)."""
    if user.mfa_enabled or passkeys.has_passkey(user):
        return VERIFY
    if passkeys.must_register_passkey(user):
        return REGISTER_PASSKEY
    mfa.start_grace(user)
    if mfa.must_enrol_now(user):
        return ENROL
    return None


def set_pending(user: User, stage: str, next_path: str | None = None) -> None:
    """Hold ``user`` half-signed-in at ``stage``; ``next_path`` is where they go after
    (else where the pending sign-in was already going)."""
    if next_path is None:
        next_path = (session.get("pending") or {}).get("next") or ""
    session["pending"] = {
        "uid": user.id,
        "tok": user.session_token,
        "stage": stage,
        "at": int(time.time()),
        "next": next_path,
    }
