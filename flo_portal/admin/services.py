"""User management by administrators. Every change is audited."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.services import record
from flo_portal.auth.services import send_invitation
from flo_portal.extensions import db
from flo_portal.security.permissions import Role
from flo_portal.users.models import User


def create_user(*, name: str, email: str, role: str, agency_id: int | None, inviter) -> User:
    """Create an account without a password and e-mail an invitation to set one."""
    user = User(
        name=name.strip(),
        email=email.strip().lower(),
        role=Role(role),
        agency_id=agency_id or None,
    )
    db.session.add(user)
    db.session.flush()
    record("user.created", user, details={"role": user.role, "agency_id": user.agency_id})
    send_invitation(user, inviter)
    return user


def update_user(user: User, *, name: str, email: str, role: str, agency_id: int | None) -> None:
    changes = {}
    for field, value in (
        ("name", name.strip()),
        ("email", email.strip().lower()),
        ("role", Role(role)),
        ("agency_id", agency_id or None),
    ):
        if getattr(user, field) != value:
            changes[field] = [str(getattr(user, field)), str(value)]
            setattr(user, field, value)
    if "role" in changes or "agency_id" in changes:
        user.rotate_session_token()  # new rights take effect at once
    if changes:
        record("user.updated", user, details=changes)


def set_active(user: User, active: bool) -> None:
    user.is_active_account = active
    if not active:
        user.rotate_session_token()
    record("user.activated" if active else "user.deactivated", user)


def unlock(user: User) -> None:
    user.locked_until = None
    user.failed_logins = 0
    record("user.unlocked", user)


def reset_mfa(user: User) -> None:
    """Clear the user's authenticator; center staff re-enrol at their next sign-in."""
    user.mfa_enabled = False
    user.mfa_secret = None
    user.mfa_last_timestep = None
    for rc in list(user.recovery_codes):
        db.session.delete(rc)
    user.rotate_session_token()
    record("user.mfa_reset", user)


def users_page_query(q: str = "", role: str = ""):
    stmt = sa.select(User).order_by(User.name)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            sa.or_(sa.func.lower(User.name).like(like), sa.func.lower(User.email).like(like))
        )
    if role in Role._value2member_map_:
        stmt = stmt.where(User.role == Role(role))
    return stmt
