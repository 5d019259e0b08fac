"""/api/v1/briefings: the briefings the caller may see, and RSVP to an invitation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import current_user
from pydantic import Field

from flo_portal.api.blueprint import ID, bp
from flo_portal.api.openapi import QueryBool, operations
from flo_portal.api.pagination import listed_page
from flo_portal.api.schemas import In, ListQuery, Out, Page
from flo_portal.briefings import services
from flo_portal.briefings.models import (
    Briefing,
    BriefingMode,
    BriefingStatus,
    RsvpStatus,
)
from flo_portal.briefings.policies import visible_briefings_condition
from flo_portal.briefings.queries import (
    get_own_invitation_or_404,
    get_visible_briefing_or_404,
    my_rsvps,
)
from flo_portal.core.orm import utcnow
from flo_portal.security import Permission, require

op = operations("briefings")


class RsvpAnswer(StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class BriefingOut(Out):
    id: int
    title: str
    topic: str
    presenter: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    mode: BriefingMode
    location: str
    capacity: int | None
    status: BriefingStatus
    my_rsvp: RsvpStatus | None = Field(description="Your answer; null when not invited.")


class BriefingQuery(ListQuery):
    upcoming: QueryBool | None = Field(None, description="Only briefings that have not ended.")


class RsvpIn(In):
    answer: RsvpAnswer


class RsvpOut(Out):
    briefing_id: int
    status: RsvpStatus = Field(description="`waitlisted` when you said yes to a full briefing.")


def _out(b: Briefing, my_status) -> BriefingOut:
    return BriefingOut(
        id=b.id,
        title=b.title,
        topic=b.topic,
        presenter=b.presenter,
        starts_at=b.starts_at,
        ends_at=b.ends_at,
        timezone=b.timezone,
        mode=b.mode,
        location=b.location,
        capacity=b.capacity,
        status=b.status,
        my_rsvp=my_status,
    )


@bp.route("/briefings")
@require(Permission.BRIEFING_READ)
@op("List briefings", query=BriefingQuery, response=Page[BriefingOut])
def list_briefings(query: BriefingQuery):
    """Every briefing for center staff; the ones they are invited to for partners."""
    stmt = sa.select(Briefing).where(visible_briefings_condition(current_user))
    if query.upcoming is True:
        stmt = stmt.where(Briefing.ends_at > utcnow())
    elif query.upcoming is False:
        stmt = stmt.where(Briefing.ends_at <= utcnow())

    def with_my_rsvp(rows: list) -> list:
        mine = my_rsvps(current_user, [b.id for b in rows])
        return [_out(b, mine.get(b.id)) for b in rows]

    return listed_page(
        BriefingOut,
        stmt,
        Briefing.id,
        query,
        "briefings",
        audit_as="briefing",
        values=["upcoming"],
        to_data=with_my_rsvp,
    )


@bp.route(f"/briefings/<{ID}:briefing_id>/rsvp", methods=["POST"])
@require(Permission.BRIEFING_RSVP)
@op("Answer an invitation", body=RsvpIn, response=RsvpOut, errors=(409,))
def rsvp_briefing(briefing_id: int, body: RsvpIn):
    """yes / no / maybe. A yes to a full briefing joins the waitlist. 404 when not invited;
    409 when the briefing is cancelled or over."""
    b = get_visible_briefing_or_404(current_user, briefing_id)
    invitation = get_own_invitation_or_404(current_user, b)
    # A cancelled or finished briefing raises BriefingConflict: the core handler answers 409.
    status = services.rsvp(b, invitation, body.answer.value, current_user)
    return RsvpOut(briefing_id=b.id, status=status)
