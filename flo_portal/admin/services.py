"""User management by administrators. Every change is audited.

Two-person rule: a change to a center-staff account's e-mail, role, MFA or password
(and a role change that would make anyone center staff) is filed as a pending
``AccountChangeRequest``; a different administrator approves or rejects it, and only
an approval applies it. The account holder is told at the address they had before.
"""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.admin.models import AccountChangeRequest, ChangeKind, ChangeStatus
from flo_portal.audit.reads import refuse
from flo_portal.audit.services import record
from flo_portal.auth.passkeys import remove_all_passkeys
from flo_portal.auth.services import send_invitation, send_password_reset
from flo_portal.core.extensions import db
from flo_portal.core.orm import any_contains, utcnow
from flo_portal.core.workflow import TransitionRefused
from flo_portal.notifications.services import queue_email
from flo_portal.security.permissions import Role
from flo_portal.users.models import User

# Account fields whose change on center staff needs a second administrator.
GUARDED_FIELDS = ("email", "role", "agency_id")


class ChangeRefused(TransitionRefused):
    """A change request may not be filed, approved or rejected as asked."""


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
    record(
        "user.created",
        user,
        actor=inviter,
        details={"role": user.role, "agency_id": user.agency_id},
    )
    send_invitation(user, inviter)
    return user


def needs_second_admin(user: User, new_role: Role | None = None) -> bool:
    """Center-staff accounts (and promotions to center staff) fall under the two-person rule."""
    return user.is_center_staff or (new_role is not None and new_role.is_center_staff)


def update_user(
    user: User, *, name: str, email: str, role: str, agency_id: int | None, actor: User
) -> AccountChangeRequest | None:
    """Save an administrator's edit. Guarded fields of center staff become a pending
    request (returned); everything else applies at once."""
    wanted = {
        "name": name.strip(),
        "email": email.strip().lower(),
        "role": Role(role),
        "agency_id": agency_id or None,
    }
    guarded = {}
    if needs_second_admin(user, wanted["role"]):
        guarded = {f: wanted.pop(f) for f in GUARDED_FIELDS if getattr(user, f) != wanted[f]}
    _apply_details(user, wanted, actor)
    if guarded:
        return request_change(user, ChangeKind.ACCOUNT_DETAILS, actor, guarded)
    return None


def _apply_details(user: User, values: dict, actor) -> dict:
    changes = {}
    for field, value in values.items():
        if getattr(user, field) != value:
            changes[field] = [_plain(getattr(user, field)), _plain(value)]
            setattr(user, field, value)
    if "role" in changes or "agency_id" in changes or "email" in changes:
        user.rotate_session_token()  # new rights take effect at once
    if changes:
        record("user.updated", user, actor=actor, details=changes)
    return changes


def _plain(value):
    return value.value if isinstance(value, Role) else value


def describe_change(change: AccountChangeRequest) -> str:
    if change.kind_enum is not ChangeKind.ACCOUNT_DETAILS:
        return change.kind_enum.label
    names = {"email": "e-mail", "role": "role", "agency_id": "agency"}
    return "; ".join(
        f"{names[f]}: {old or '—'} → {new or '—'}" for f, (old, new) in change.changes.items()
    )


def request_change(
    user: User, kind: ChangeKind, actor: User, values: dict | None = None
) -> AccountChangeRequest:
    """File a change to ``user`` that waits for a second administrator. Flushes."""
    change = AccountChangeRequest(
        target=user,
        kind=kind,
        changes={f: [_plain(getattr(user, f)), _plain(v)] for f, v in (values or {}).items()},
        requested_by=actor,
        requested_at=utcnow(),
        status=ChangeStatus.PENDING,
    )
    db.session.add(change)
    db.session.flush()
    record(
        "user.change_requested",
        user,
        actor=actor,
        summary=describe_change(change),
        details={"request_id": change.id, "kind": change.kind_enum.value},
    )
    queue_email(
        user.email,
        "A change to your FLO Portal account is awaiting approval",
        f"{actor.name} asked for this change to your FLO Portal account ({user.email}):\n"
        f"{describe_change(change)}\n\n"
        "A second administrator must approve it before it takes effect. If you did not "
        "expect it, tell the fusion center's security officer now.",
        kind="account_change",
    )
    return change


def get_change_request_or_404(request_id: int) -> AccountChangeRequest:
    """The change request with this id (the change-requests page; USERS_MANAGE sees all)."""
    change = db.session.get(AccountChangeRequest, request_id)
    if change is None:
        refuse(None)
    return change


def pending_changes():
    return (
        sa.select(AccountChangeRequest)
        .where(AccountChangeRequest.status == ChangeStatus.PENDING)
        .order_by(AccountChangeRequest.requested_at, AccountChangeRequest.id)
    )


def _decide(change: AccountChangeRequest, actor: User, status: ChangeStatus) -> None:
    """Claim the pending request for this decision. A conditional UPDATE, so two
    administrators deciding at once cannot both apply it."""
    if change.requested_by_id == actor.id:
        raise ChangeRefused("You filed this request; another administrator must decide it.")
    claimed = db.session.execute(
        sa.update(AccountChangeRequest)
        .where(
            AccountChangeRequest.id == change.id,
            AccountChangeRequest.status == ChangeStatus.PENDING,
        )
        .values(status=status, decided_by_id=actor.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ChangeRefused("This request was already decided.")
    db.session.refresh(change)


def approve_change(change: AccountChangeRequest, actor: User) -> None:
    """A second administrator approves: apply the change and tell the holder at the old
    address. Refused for the requester and for a request overtaken by other edits."""
    _decide(change, actor, ChangeStatus.APPROVED)
    user = change.target
    old_email = user.email
    if change.kind_enum is ChangeKind.ACCOUNT_DETAILS:
        for field, (was, _new) in change.changes.items():
            if _plain(getattr(user, field)) != was:
                raise ChangeRefused(
                    "The account changed since this request was filed; reject it and file "
                    "a new one."
                )
        _apply_details(
            user,
            {f: Role(new) if f == "role" else new for f, (_was, new) in change.changes.items()},
            actor,
        )
    elif change.kind_enum is ChangeKind.MFA_RESET:
        reset_mfa(user, actor)
    else:
        reset_password(user, actor)
    record(
        "user.change_approved",
        user,
        actor=actor,
        summary=describe_change(change),
        details={"request_id": change.id, "requested_by": change.requested_by_id},
    )
    queue_email(
        old_email,
        "A change to your FLO Portal account was made",
        f"This change to your FLO Portal account ({old_email}) was requested by "
        f"{change.requested_by.name}, approved by {actor.name} and is now in effect:\n"
        f"{describe_change(change)}\n\n"
        "If you did not expect it, tell the fusion center's security officer now.",
        kind="account_change",
    )


def reject_change(change: AccountChangeRequest, actor: User) -> None:
    _decide(change, actor, ChangeStatus.REJECTED)
    record(
        "user.change_rejected",
        change.target,
        actor=actor,
        summary=describe_change(change),
        details={"request_id": change.id, "requested_by": change.requested_by_id},
    )


def set_active(user: User, active: bool, actor) -> None:
    user.is_active_account = active
    if not active:
        user.rotate_session_token()
    record("user.activated" if active else "user.deactivated", user, actor=actor)


def unlock(user: User, actor) -> None:
    user.locked_until = None
    user.failed_logins = 0
    record("user.unlocked", user, actor=actor)


def reset_mfa(user: User, actor) -> None:
    """Clear the user's authenticator and passkeys; center staff re-enrol at their next
    sign-in."""
    user.mfa_enabled = False
    user.mfa_secret = None
    user.mfa_last_timestep = None
    for rc in list(user.recovery_codes):
        db.session.delete(rc)
    remove_all_passkeys(user, actor)
    user.rotate_session_token()
    record("user.mfa_reset", user, actor=actor)


def reset_password(user: User, actor) -> None:
    """Void the password and sessions, and send a reset link to the account's address."""
    user.password_hash = None
    user.rotate_session_token()
    record("user.password_reset", user, actor=actor)
    send_password_reset(user)


def users_page_query(q: str = "", role: str = ""):
    stmt = sa.select(User).order_by(User.name)
    if q:
        stmt = stmt.where(any_contains(q, User.name, User.email))
    if role in Role._value2member_map_:
        stmt = stmt.where(User.role == Role(role))
    return stmt
