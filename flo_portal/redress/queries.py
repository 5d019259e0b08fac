"""Redress lists and the dashboard card (aggregates in SQL)."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.dashboard import card_provider
from flo_portal.redress.models import RedressRequest, RedressStatus
from flo_portal.redress.policies import visible_redress_condition
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission


def redress_list_query(user, *, open_only: bool = False):
    """What ``user`` may see: open requests by due date first, then answered ones."""
    stmt = sa.select(RedressRequest).where(visible_redress_condition(user))
    if open_only:
        stmt = stmt.where(RedressRequest.status != RedressStatus.ANSWERED)
    answered_last = sa.case((RedressRequest.status == RedressStatus.ANSWERED, 1), else_=0)
    return stmt.order_by(answered_last, RedressRequest.due_on, RedressRequest.id)


@card_provider
def redress_cards(user) -> list[dict]:
    if not can(Permission.REDRESS_REVIEW, user):
        return []
    open_ = RedressRequest.status != RedressStatus.ANSWERED
    row = db.session.execute(
        sa.select(
            sa.func.count(RedressRequest.id),
            sa.func.coalesce(
                sa.func.sum(sa.case((RedressRequest.due_on < clock.today(), 1), else_=0)), 0
            ),
        ).where(open_)
    ).one()
    return [
        {
            "title": "Open redress requests",
            "value": row[0] or 0,
            "link": "/redress/",
            "hint": f"{row[1] or 0} overdue (answer due 30 days after receipt)",
        }
    ]
