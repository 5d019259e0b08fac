"""Helpers for briefing tests: a scheduled briefing with its invitations."""

from __future__ import annotations

from datetime import datetime, timedelta

from flo_portal.briefings.models import BriefingMode
from flo_portal.briefings.services import BriefingData, schedule_briefing
from flo_portal.core.extensions import db
from flo_portal.users.audience import Audience


def make_briefing(
    creator,
    *,
    user_ids=(),
    start=datetime(2030, 3, 12, 9, 0),
    hours=2,
    timezone="America/New_York",
    capacity=None,
    commit=True,
    **kw,
):
    data = BriefingData(
        title=kw.pop("title", "Threat picture: critical infrastructure"),
        local_start=start,
        local_end=start + timedelta(hours=hours),
        timezone=timezone,
        mode=kw.pop("mode", BriefingMode.IN_PERSON),
        location=kw.pop("location", "Fusion center, room 2"),
        capacity=capacity,
        audience=kw.pop("audience", None) or Audience(user_ids=list(user_ids)),
        **kw,
    )
    briefings = schedule_briefing(data, creator)
    if commit:
        db.session.commit()
    return briefings[0] if len(briefings) == 1 else briefings
