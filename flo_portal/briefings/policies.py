"""Who may see which briefing. One SQL filter for lists and feeds, one check for details.

Center staff with ``briefing:read`` see every briefing (the program calendar); partner
users (FLOs, agency heads) see the briefings they are invited to, nothing else.
"""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.briefings.models import Briefing, BriefingInvitation
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission, Role


def sees_all_briefings(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and Role(user.role).is_center_staff
        and can(Permission.BRIEFING_READ, user)
    )


def visible_briefings_condition(user):
    """SQL condition on Briefing: the briefings ``user`` may see."""
    if not can(Permission.BRIEFING_READ, user):
        return sa.false()
    if sees_all_briefings(user):
        return sa.true()
    invited = sa.select(BriefingInvitation.briefing_id).where(BriefingInvitation.user_id == user.id)
    return Briefing.id.in_(invited)


def can_manage_briefings(user) -> bool:
    """Schedule, edit, cancel and take attendance (any briefing)."""
    return can(Permission.BRIEFING_MANAGE, user)


def can_view_briefing(user, briefing: Briefing) -> bool:
    """The same rule for one briefing (detail page, .ics, API)."""
    from flo_portal.core.extensions import db

    if not can(Permission.BRIEFING_READ, user):
        return False
    if sees_all_briefings(user):
        return True
    return (
        db.session.scalar(
            sa.select(BriefingInvitation.id).where(
                BriefingInvitation.briefing_id == briefing.id,
                BriefingInvitation.user_id == user.id,
            )
        )
        is not None
    )


def invitation_for(user, briefing: Briefing) -> BriefingInvitation | None:
    from flo_portal.core.extensions import db

    return db.session.scalar(
        sa.select(BriefingInvitation).where(
            BriefingInvitation.briefing_id == briefing.id,
            BriefingInvitation.user_id == user.id,
        )
    )


def briefing_viewers_condition(briefing: Briefing):
    """SQL condition on User: the users ``can_view_briefing`` lets see ``briefing``
    (center staff who may read briefings, and the people invited to it)."""
    from flo_portal.security.permissions import CENTER_STAFF, role_has
    from flo_portal.users.models import User

    readers = [r for r in Role if role_has(r, Permission.BRIEFING_READ)]
    invited = sa.select(BriefingInvitation.user_id).where(
        BriefingInvitation.briefing_id == briefing.id
    )
    return sa.and_(
        User.is_active_account.is_(True),
        User.role.in_(readers),
        sa.or_(User.role.in_(CENTER_STAFF), User.id.in_(invited)),
    )
