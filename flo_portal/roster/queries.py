"""Loading roster objects for a user: the one loader per object, for pages and the API."""

from __future__ import annotations

from collections.abc import Sequence

from flo_portal.audit.reads import refuse
from flo_portal.core.extensions import db
from flo_portal.roster.models import Officer
from flo_portal.roster.policies import can_view_officer


def get_visible_officer_or_404(user, officer_id: int, *, options: Sequence = ()) -> Officer:
    """The officer, when ``user`` may see them; else 404 (the refusal is recorded).
    ``options``: loader options for what the page shows with the officer (then the row
    is read even when the session holds it, so the options apply)."""
    officer = db.session.get(Officer, officer_id, options=options, populate_existing=bool(options))
    if not can_view_officer(user, officer):
        refuse(officer)
    return officer
