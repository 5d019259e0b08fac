"""List queries and the dashboard cards for SARs (aggregates in SQL)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from flo_portal.dashboard import card_provider, count_of
from flo_portal.sar.models import OPEN_SAR_STATUSES, SarStatus
from flo_portal.sar.models import SuspiciousActivityReport as Sar
from flo_portal.sar.policies import visible_sars_condition
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission


def my_sars_query(user):
    return (
        sa.select(Sar)
        .where(Sar.reporter_id == user.id, visible_sars_condition(user))
        .order_by(Sar.submitted_at.desc(), Sar.id.desc())
    )


def vetting_queue_query(user, status: str | None):
    """The vetting queue: open reports first (oldest first), or one status."""
    stmt = (
        sa.select(Sar)
        .where(visible_sars_condition(user))
        .options(joinedload(Sar.reporter), joinedload(Sar.agency))
    )
    if status:
        stmt = stmt.where(Sar.status == SarStatus(status))
        return stmt.order_by(Sar.submitted_at.desc(), Sar.id.desc())
    return stmt.where(Sar.status.in_(OPEN_SAR_STATUSES)).order_by(Sar.submitted_at, Sar.id)


@card_provider
def sar_cards(user) -> list[dict]:
    if can(Permission.SAR_VET, user):
        waiting = count_of(
            sa.select(sa.func.count(Sar.id)).where(Sar.status.in_(OPEN_SAR_STATUSES))
        )
        return [
            {
                "title": "SARs awaiting vetting",
                "value": waiting,
                "link": "/sar/queue",
                "hint": "Suspicious activity reports submitted or under review",
            }
        ]
    if can(Permission.SAR_SUBMIT, user):
        mine = count_of(sa.select(sa.func.count(Sar.id)).where(Sar.reporter_id == user.id))
        return [
            {
                "title": "My suspicious activity reports",
                "value": mine,
                "link": "/sar/",
                "hint": "Reports you filed and their vetting outcome",
            }
        ]
    return []
