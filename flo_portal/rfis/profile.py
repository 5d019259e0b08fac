"""The "RFIs" section of an officer's profile: what they asked and were tasked with."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from flo_portal.core.extensions import db
from flo_portal.rfis.models import Rfi, RfiRecipient
from flo_portal.rfis.policies import visible_rfis_condition
from flo_portal.roster.profile_sections import profile_section

LIMIT = 10


@profile_section
def rfis_of_officer(viewer, officer) -> dict | None:
    """Up to ten RFIs the officer requested or was tasked with, that ``viewer`` may see."""
    if officer.user_id is None:
        return {"title": "RFIs", "items": [], "empty": "No portal account: no RFIs."}
    # The officer's RFIs as one id list (asked UNION tasked): each half uses its index,
    # where "requester = x OR EXISTS (tasked)" made the database test every RFI.
    theirs = sa.union(
        sa.select(Rfi.id).where(Rfi.requester_id == officer.user_id),
        sa.select(RfiRecipient.rfi_id).where(RfiRecipient.user_id == officer.user_id),
    )
    condition = sa.and_(Rfi.id.in_(theirs), visible_rfis_condition(viewer))
    # The total with the page, in one statement: the window counts before the LIMIT.
    page = db.session.execute(
        sa.select(Rfi, sa.func.count().over())
        .where(condition)
        .order_by(Rfi.submitted_at.desc())
        .limit(LIMIT)
    ).all()
    total = page[0][1] if page else 0
    rows = [r for r, _total in page]
    items = [
        {
            "label": f"{r.reference} · {r.title}",
            "link": url_for("rfis.detail", rfi_id=r.id),
            "meta": f"{r.direction.value} · {r.status.value.replace('_', ' ')}",
        }
        for r in rows
    ]
    title = "RFIs" if total <= LIMIT else f"RFIs (latest {LIMIT} of {total})"
    return {"title": title, "items": items, "empty": "No RFIs."}
