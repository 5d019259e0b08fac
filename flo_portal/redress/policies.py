"""Who may see which redress request: privacy officers (``redress:review``) see all;
any other signed-in user sees only the requests they filed. One SQL condition, used
by the lists and (for one row) by the detail check."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.redress.models import RedressRequest
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission


def visible_redress_condition(user):
    if not getattr(user, "is_authenticated", False):
        return sa.false()
    if can(Permission.REDRESS_REVIEW, user):
        return sa.true()
    return RedressRequest.requester_id == user.id


def can_view_redress(user, req: RedressRequest | None) -> bool:
    if req is None or req.id is None:
        return False
    stmt = sa.select(sa.literal(1)).where(
        RedressRequest.id == req.id, visible_redress_condition(user)
    )
    return db.session.execute(stmt).first() is not None
