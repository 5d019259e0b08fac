"""Passkeys (WebAuthn, with py_webauthn): registration, sign-in, who must have one.

A passkey is a second factor after the password, or a passwordless first factor
(a discoverable credential, user verification required). Every challenge is stored
server-side, bound to this browser's session, short-lived and taken by the first
response that names it. The authenticator's sign counter must grow. Services flush; the
request commits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import sqlalchemy as sa
import webauthn
from flask import current_app, session
from sqlalchemy.engine import CursorResult
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from flo_portal.audit.services import record
from flo_portal.auth.models import Passkey, WebAuthnChallenge
from flo_portal.core.errors import NotFound, Refused
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.users.models import User

SESSION_KEY = "webauthn_challenge"
REGISTER, SECOND_FACTOR, PASSWORDLESS = "register", "second_factor", "passwordless"
NAME_MAX = 80
TIMEOUT_MS = 60_000


class PasskeyRefused(Refused):
    """A WebAuthn response is not accepted (the message is safe to show)."""


@dataclass
class SignIn:
    user: User
    passkey: Passkey


# --- Relying party ----------------------------------------------------------------


def rp_id() -> str:
    return current_app.config.get("WEBAUTHN_RP_ID") or (
        urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    )


def origin() -> str:
    configured = current_app.config.get("WEBAUTHN_ORIGIN")
    if configured:
        return configured.rstrip("/")
    parts = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    return f"{parts.scheme}://{parts.netloc}"


def user_handle(user: User) -> bytes:
    """The WebAuthn user id: stable per account, not the database id nor the e-mail."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"webauthn-user:{user.id}".encode(), hashlib.sha256).digest()


# --- Who has and who needs one ----------------------------------------------------


def passkeys_of(user: User) -> list[Passkey]:
    return list(
        db.session.scalars(
            sa.select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id)
        )
    )


def has_passkey(user: User) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(Passkey.user_id == user.id))) or False


def phishing_resistant_required(user: User) -> bool:
    return user.role_enum.value in current_app.config["PHISHING_RESISTANT_MFA_ROLES"]


def must_register_passkey(user: User) -> bool:
    return phishing_resistant_required(user) and not has_passkey(user)


# --- Challenges -------------------------------------------------------------------


def _new_challenge(purpose: str, user: User | None) -> bytes:
    cutoff = utcnow() - timedelta(seconds=current_app.config["WEBAUTHN_CHALLENGE_SECONDS"])
    db.session.execute(sa.delete(WebAuthnChallenge).where(WebAuthnChallenge.created_at < cutoff))
    challenge = secrets.token_bytes(32)
    row = WebAuthnChallenge(
        challenge=bytes_to_base64url(challenge),
        purpose=purpose,
        user_id=user.id if user else None,
    )
    db.session.add(row)
    db.session.flush()
    session[SESSION_KEY] = row.id
    return challenge


def _take_challenge(purpose: str, user: User | None) -> bytes | None:
    """This browser's challenge for ``purpose``, taken once: a second response, another
    browser's or an expired challenge gets None."""
    row_id = session.pop(SESSION_KEY, None)
    if not isinstance(row_id, int):
        return None
    row = db.session.get(WebAuthnChallenge, row_id)
    if row is None:
        return None
    challenge, kind, owner, made = row.challenge, row.purpose, row.user_id, row.created_at
    # Of two responses racing with one challenge, one DELETE matches the row.
    result = db.session.execute(sa.delete(WebAuthnChallenge).where(WebAuthnChallenge.id == row_id))
    taken = cast(CursorResult, result).rowcount
    ttl = timedelta(seconds=current_app.config["WEBAUTHN_CHALLENGE_SECONDS"])
    if taken != 1 or kind != purpose or made < utcnow() - ttl:
        return None
    if owner != (user.id if user else None):
        return None
    return webauthn.base64url_to_bytes(challenge)


def _challenge_for(purpose: str, user: User | None, credential: Any, what: str) -> bytes:
    """The challenge a response answers (taken), or a refusal; ``credential`` must be the
    browser's JSON object."""
    challenge = _take_challenge(purpose, user)
    if challenge is None:
        raise _refuse(user, f"{what} with an expired or already used challenge", _STALE)
    if not isinstance(credential, dict):
        raise _refuse(user, f"{what} without a credential", _NOT_VERIFIED)
    return challenge


# --- Registration -----------------------------------------------------------------


def registration_options(user: User) -> str:
    """Options for navigator.credentials.create(), as JSON (base64url)."""
    options = webauthn.generate_registration_options(
        rp_id=rp_id(),
        rp_name=current_app.config["MFA_ISSUER"],
        user_id=user_handle(user),
        user_name=user.email,
        user_display_name=user.name,
        challenge=_new_challenge(REGISTER, user),
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[_descriptor(p) for p in passkeys_of(user)],
    )
    return webauthn.options_to_json(options)


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = []
    for name in filter(None, passkey.transports.split(",")):
        try:
            transports.append(AuthenticatorTransport(name))
        except ValueError:
            continue
    return PublicKeyCredentialDescriptor(
        id=webauthn.base64url_to_bytes(passkey.credential_id), transports=transports or None
    )


def clean_name(name: Any) -> str:
    name = " ".join(str(name or "").split())[:NAME_MAX]
    return name or "Passkey"


def register(user: User, credential: Any, name: Any) -> Passkey:
    """Verify an attestation (``credential``: the browser's JSON) and keep the passkey."""
    challenge = _challenge_for(REGISTER, user, credential, "registration")
    try:
        verified = webauthn.verify_registration_response(
            credential=_as_json(credential),
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=origin(),
            require_user_verification=True,
        )
    except WebAuthnException as err:
        raise _refuse(user, f"registration not verified: {err}", _NOT_VERIFIED) from err
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(sa.select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise _refuse(user, "registration of a credential already registered", _KNOWN)
    transports = _response_of(credential).get("transports")
    transports = transports if isinstance(transports, list) else []
    passkey = Passkey(
        user=user,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=clean_name(name),
        transports=",".join(str(t) for t in transports if isinstance(t, str))[:120],
    )
    db.session.add(passkey)
    db.session.flush()
    record("auth.passkey_registered", passkey, actor=user, summary=passkey.name)
    return passkey


# --- Sign-in ----------------------------------------------------------------------


def authentication_options(user: User | None) -> str:
    """Options for navigator.credentials.get(): the user's passkeys as a second factor,
    or (``user`` None) any discoverable passkey, user verification required."""
    purpose = SECOND_FACTOR if user else PASSWORDLESS
    options = webauthn.generate_authentication_options(
        rp_id=rp_id(),
        challenge=_new_challenge(purpose, user),
        timeout=TIMEOUT_MS,
        allow_credentials=[_descriptor(p) for p in passkeys_of(user)] if user else [],
        user_verification=UserVerificationRequirement.REQUIRED
        if user is None
        else UserVerificationRequirement.PREFERRED,
    )
    return webauthn.options_to_json(options)


def authenticate(credential: Any, user: User | None) -> SignIn:
    """Verify an assertion: as the second factor of ``user``, or passwordless (None)."""
    purpose = SECOND_FACTOR if user else PASSWORDLESS
    challenge = _challenge_for(purpose, user, credential, "sign-in")
    cred_id = credential.get("id")
    passkey = (
        db.session.scalar(sa.select(Passkey).where(Passkey.credential_id == cred_id))
        if isinstance(cred_id, str)
        else None
    )
    if passkey is None:
        raise _refuse(user, "sign-in with an unknown or removed passkey", _UNKNOWN)
    owner = passkey.user
    if user is not None and owner.id != user.id:
        raise _refuse(user, "sign-in with another account's passkey", _UNKNOWN)
    if user is None and _user_handle_of(credential) != user_handle(owner):
        raise _refuse(owner, "passwordless sign-in without the account's user handle", _UNKNOWN)
    try:
        verified = webauthn.verify_authentication_response(
            credential=_as_json(credential),
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=origin(),
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=user is None,
        )
    except WebAuthnException as err:
        cloned = "sign count" in str(err).lower()
        reason = "sign counter did not increase (cloned authenticator?)" if cloned else str(err)
        raise _refuse(owner, f"passkey sign-in not verified: {reason}", _NOT_VERIFIED) from err
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    record("auth.passkey_used", passkey, actor=owner, summary=passkey.name)
    return SignIn(owner, passkey)


def _user_handle_of(credential: dict) -> bytes | None:
    handle = _response_of(credential).get("userHandle")
    try:
        return webauthn.base64url_to_bytes(handle) if isinstance(handle, str) else None
    except ValueError:
        return None


def _response_of(credential: dict) -> dict:
    response = credential.get("response")
    return response if isinstance(response, dict) else {}


def _as_json(credential: dict) -> str:
    return json.dumps(credential)


# --- Managing ---------------------------------------------------------------------


def get_own_passkey_or_404(user: User, passkey_id: int) -> Passkey:
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        raise NotFound("There is no such passkey on your account.")
    return passkey


def rename(user: User, passkey: Passkey, name: Any) -> None:
    passkey.name = clean_name(name)
    record("auth.passkey_renamed", passkey, actor=user, summary=passkey.name)


def may_remove(user: User) -> str | None:
    """Why the user may not remove a passkey now (it is their last and they need it)."""
    if len(passkeys_of(user)) > 1:
        return None
    if phishing_resistant_required(user):
        return "Your role must sign in with a passkey: add another before removing this one."
    if user.mfa_required and not user.mfa_enabled:
        return "Your role must keep a second factor: turn on an authenticator app first."
    return None


def remove(user: User, passkey: Passkey) -> None:
    problem = may_remove(user)
    if problem:
        raise Refused(problem)
    record("auth.passkey_removed", passkey, actor=user, summary=passkey.name)
    db.session.delete(passkey)
    db.session.flush()


def remove_all_passkeys(user: User, actor: Any) -> int:
    """An administrator's MFA reset (lost device): every passkey of ``user`` goes."""
    gone = passkeys_of(user)
    for passkey in gone:
        record("auth.passkey_removed", passkey, actor=actor, summary=f"{passkey.name} (MFA reset)")
        db.session.delete(passkey)
    db.session.flush()
    return len(gone)


# --- Refusals ---------------------------------------------------------------------

_STALE = "This passkey request has expired or was already used. Try again."
_NOT_VERIFIED = "The passkey's answer could not be verified. Try again or use another way."
_UNKNOWN = "This passkey is not registered for this account."
_KNOWN = "This passkey is already registered."


def _refuse(user: User | None, reason: str, message: str) -> PasskeyRefused:
    record("auth.passkey_refused", user, actor=user, summary=reason[:250])
    return PasskeyRefused(message)
