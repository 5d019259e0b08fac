"""Who holds a role: the one query for "active users with role ..." (notify, assign, review)."""

from __future__ import annotations

import sqlalchemy as sa

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
