"""The "Briefings" section of an officer's profile: invitations, RSVPs and attendance."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from flo_portal.briefings.models import Briefing, BriefingInvitation
from flo_portal.briefings.policies import visible_briefings_condition
from flo_portal.core.display import localtime
from flo_portal.core.extensions import db
from flo_portal.roster.profile_sections import profile_section

LIMIT = 10


@profile_section
def briefings_of_officer(viewer, officer) -> dict | None:
    """Up to ten briefings the officer was invited to, that ``viewer`` may see."""
    if officer.user_id is None:
        return {"title": "Briefings", "items": [], "empty": "No portal account: no invitations."}
    rows = db.session.execute(
        sa.select(Briefing, BriefingInvitation)
        .join(BriefingInvitation, BriefingInvitation.briefing_id == Briefing.id)
        .where(BriefingInvitation.user_id == officer.user_id, visible_briefings_condition(viewer))
        .order_by(Briefing.starts_at.desc())
        .limit(LIMIT)
    ).all()
    items = []
    for briefing, invitation in rows:
        attended = {True: "attended", False: "absent"}.get(invitation.attended, "")
        meta = " · ".join(x for x in (invitation.status.label, attended) if x)
        items.append(
            {
                "label": f"{localtime(briefing.starts_at, '%Y-%m-%d')} · {briefing.title}",
                "link": url_for("briefings.detail", briefing_id=briefing.id),
                "meta": meta,
            }
        )
    return {"title": "Briefings", "items": items, "empty": "No briefing invitations."}
