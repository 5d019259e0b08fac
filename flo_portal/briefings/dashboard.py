"""Dashboard card: upcoming briefings (staff) or briefings awaiting the user's answer."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import url_for

from flo_portal.briefings.models import (
    Briefing,
    BriefingInvitation,
    BriefingStatus,
    RsvpStatus,
)
from flo_portal.briefings.policies import sees_all_briefings
from flo_portal.core.orm import utcnow
from flo_portal.dashboard import card_provider, count_of
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission


@card_provider
def briefing_cards(user) -> list[dict]:
    if not can(Permission.BRIEFING_READ, user):
        return []
    now = utcnow()
    upcoming = [Briefing.status == BriefingStatus.SCHEDULED, Briefing.starts_at >= now]
    if sees_all_briefings(user):
        count = count_of(
            sa.select(sa.func.count(Briefing.id)).where(
                *upcoming, Briefing.starts_at < now + timedelta(days=30)
            )
        )
        return [
            {
                "title": "Briefings in the next 30 days",
                "value": count,
                "hint": "scheduled, not cancelled",
                "link": url_for("briefings.index"),
            }
        ]
    count = count_of(
        sa.select(sa.func.count(BriefingInvitation.id))
        .join(Briefing, Briefing.id == BriefingInvitation.briefing_id)
        .where(
            *upcoming,
            BriefingInvitation.user_id == user.id,
            BriefingInvitation.status == RsvpStatus.PENDING,
        )
    )
    return [
        {
            "title": "Briefings awaiting your answer",
            "value": count,
            "hint": "upcoming invitations",
            "link": url_for("briefings.index"),
        }
    ]
