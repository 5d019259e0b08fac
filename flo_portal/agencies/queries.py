"""Loading agencies for a user: the one loader, for pages and the API; the active
agencies a form offers."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.agencies.models import Agency
from flo_portal.agencies.policies import can_view_agency
from flo_portal.audit.reads import refuse
from flo_portal.core.extensions import db


def get_visible_agency_or_404(user, agency_id: int) -> Agency:
    """The agency, when ``user`` may see it; else 404 (the refusal is recorded)."""
    agency = db.session.get(Agency, agency_id)
    if not can_view_agency(user, agency):
        refuse(agency)
    return agency


def active_agencies(*where) -> list:
    """The active agencies as ``(id, name)`` rows by name, the choices of an agency field;
    ``where`` narrows them (the viewer's visibility condition)."""
    return db.session.execute(
        sa.select(Agency.id, Agency.name)
        .where(Agency.active.is_(True), *where)
        .order_by(Agency.name)
    ).all()
