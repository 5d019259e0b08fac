"""Argon2id password hashing and the NIST SP 800-63B password policy."""

from __future__ import annotations

import contextlib
import gzip
from functools import cache
from pathlib import Path

import argon2
from argon2 import PasswordHasher
from flask import current_app

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


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Reasons ``password`` is not acceptable; empty when it is. No composition rules."""
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
    if name and len(name) >= 4 and name.lower().replace(" ", "") in lowered.replace(" ", ""):
        problems.append("Do not use your name in your password.")
    if len(set(password)) < 4 and len(password) >= minimum:
        problems.append("Do not repeat the same few characters.")
    return problems
