"""Loading agencies for a user: the one loader, for pages and the API."""

from __future__ import annotations

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
