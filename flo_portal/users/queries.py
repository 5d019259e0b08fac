"""Loading users: the one loader of an account by id (the pages that manage accounts) and
the one query for "active users with role ..." (notify, assign, review)."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.reads import refuse
from flo_portal.core.extensions import db
from flo_portal.users.models import User


def active_users_with_role_query(*roles) -> sa.Select:
    return (
        sa.select(User)
        .where(User.role.in_([str(r) for r in roles]), User.is_active_account.is_(True))
        .order_by(User.id)
    )


def active_users_with_role(*roles) -> list[User]:
    return list(db.session.scalars(active_users_with_role_query(*roles)))


def get_user_or_404(user_id: int) -> User:
    """The account with this id, or 404. Who may manage accounts is a permission
    (USERS_MANAGE, declared on the view); there is no per-account rule, so a missing row
    is the only refusal, and it records nothing."""
    user = db.session.get(User, user_id)
    if user is None:
        refuse(None)
    return user
