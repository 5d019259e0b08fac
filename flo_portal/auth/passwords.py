"""Argon2id password hashing and the password policy (NIST SP 800-63B, zxcvbn)."""

from __future__ import annotations

import contextlib
import gzip
import re
from functools import cache
from pathlib import Path

import argon2
from argon2 import PasswordHasher
from flask import current_app
from zxcvbn import zxcvbn

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


@cache
def _hasher(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(argon2.profiles, profile))


def hasher() -> PasswordHasher:
    return _hasher(current_app.config["ARGON2_PROFILE"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-time-ish check; an account without a password never matches."""
    if not password_hash:
        # Spend the same effort so unknown accounts are not told apart by timing.
        _dummy_verify(password)
        return False
    try:
        return hasher().verify(password_hash, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


@cache
def _dummy_hash(profile: str) -> str:
    return _hasher(profile).hash("not-a-real-password-for-timing")


def _dummy_verify(password: str) -> None:
    profile = current_app.config["ARGON2_PROFILE"]
    with contextlib.suppress(argon2.exceptions.VerificationError):
        _hasher(profile).verify(_dummy_hash(profile), password)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of ~20,000 common passwords (from Django, BSD licence)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


# Words an attacker guessing at this portal would try first.
PORTAL_WORDS = ("flo", "portal", "floportal", "fusion", "liaison", "officer", "center")
# zxcvbn looks at this many characters; longer passwords are scored on their start.
ESTIMATE_LENGTH = 72


def _own_words(email: str, name: str) -> set[str]:
    """The words of the user's name and e-mail address (``morgan``, ``castellano``...)."""
    local, _, domain = (email or "").lower().partition("@")
    parts = re.findall(r"[a-z]+", f"{local} {name.lower()} {domain}")
    return {p for p in parts if len(p) >= 3} - {"com", "gov", "org", "net", "edu", "mil"}


def _context_words(email: str, name: str) -> list[str]:
    """The user's own name and e-mail, whole and in parts, plus the portal's words."""
    words = [*PORTAL_WORDS, current_app.config["MFA_ISSUER"].lower()]
    local = (email or "").lower().partition("@")[0]
    for text in (local, name.lower()):
        words += [text, "".join(re.findall(r"[a-z0-9]+", text))]
    words += sorted(_own_words(email, name))
    return [w for w in dict.fromkeys(words) if len(w) >= 3]


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Reasons ``password`` is not acceptable, with what would do; empty when it is.

    The one check for every place a password is set (invitation, reset, change, the
    admin CLI). No composition rules: a strength estimate (zxcvbn) that knows the
    user's name, e-mail and the portal's name, plus the shipped common-password list.
    """
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(f"Use at least {minimum} characters.")
    if len(password) > 256:
        problems.append("Use at most 256 characters.")
    lowered = password.lower()
    if lowered in common_passwords():
        problems.append("This password is on a list of commonly used passwords.")
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and local in lowered:
        problems.append("Do not use your e-mail address in your password.")
    own_words = _own_words(email, name)
    words = re.findall(r"[a-z]+", lowered)
    if name and len(name) >= 4 and name.lower().replace(" ", "") in lowered.replace(" ", ""):
        problems.append("Do not use your name in your password.")
    elif own_words and words and all(w in own_words for w in words):
        problems.append("Do not build your password from your name or e-mail address.")
    if problems:
        return problems
    result = zxcvbn(password[:ESTIMATE_LENGTH], user_inputs=_context_words(email, name))
    if result["score"] < current_app.config["PASSWORD_MIN_SCORE"]:
        feedback = result["feedback"]
        problems.append(feedback["warning"] or "This password would be easy to guess.")
        problems += feedback["suggestions"] or [
            "Add another word or two. Uncommon words are better."
        ]
    return problems
