"""Signed, expiring, single-use tokens for password reset and invitations.

A token names the user and a fingerprint of their current password hash and session
token; once the password is set the fingerprint changes, so the token is spent.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from flo_portal.core.extensions import db
from flo_portal.users.models import User


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"flo-portal:{purpose}")


def _fingerprint(user: User) -> str:
    material = f"{user.password_hash or ''}|{user.session_token}".encode()
    return hashlib.sha256(material).hexdigest()[:20]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"uid": user.id, "fp": _fingerprint(user)})


def load_token(token: str, purpose: str, max_age_seconds: int) -> User | None:
    """The user the token was made for, or None when bad, expired or already used."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if user is None or not user.is_active_account or data.get("fp") != _fingerprint(user):
        return None
    return user
