"""Loading briefings for a user: one loader per object, used by the pages and the API.

The loaders answer 404 for a briefing the user may not know exists (and record the
refusal, ``audit.reads.refuse``); the rules themselves are in ``policies.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import abort

from flo_portal.audit.reads import refuse
from flo_portal.briefings.models import Briefing, BriefingInvitation, RsvpStatus
from flo_portal.briefings.policies import can_manage_briefings, can_view_briefing, invitation_for
from flo_portal.core.extensions import db


def get_visible_briefing_or_404(user, briefing_id: int) -> Briefing:
    """The briefing ``user`` may see (detail, .ics, RSVP), else 404."""
    b = db.session.get(Briefing, briefing_id)
    if b is None or not can_view_briefing(user, b):
        refuse(b)
    return b


def get_manageable_briefing_or_404(user, briefing_id: int) -> Briefing:
    """The briefing ``user`` may edit, cancel or take attendance of, else 404."""
    b = db.session.get(Briefing, briefing_id)
    if b is None or not can_manage_briefings(user):
        refuse(b)
    return b


def get_own_invitation_or_404(user, briefing: Briefing) -> BriefingInvitation:
    """``user``'s invitation to ``briefing`` (to answer it), else 404."""
    invitation = invitation_for(user, briefing)
    if invitation is None:
        abort(404)
    return invitation


def my_rsvps(user, briefing_ids: Iterable[int]) -> dict[int, RsvpStatus]:
    """``user``'s answer to each of these briefings they are invited to (list pages, API)."""
    ids = list(briefing_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(BriefingInvitation.briefing_id, BriefingInvitation.status).where(
            BriefingInvitation.user_id == user.id,
            BriefingInvitation.briefing_id.in_(ids),
        )
    ).all()
    return {briefing_id: RsvpStatus(status) for briefing_id, status in rows}
