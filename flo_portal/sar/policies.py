"""Who may see which suspicious activity report: one SQL condition for lists and the
same condition, for one row, on the detail view (and any future API).

* coordinators and analysts (``sar:vet``): every report — they are the vetting desk;
* FLOs and agency heads (``sar:submit``): only reports they filed themselves;
* everyone else: none.
"""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.sar.models import SuspiciousActivityReport as Sar
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission


def visible_sars_condition(user):
    """SQL condition on ``SuspiciousActivityReport`` selecting what ``user`` may see."""
    if not getattr(user, "is_authenticated", False):
        return sa.false()
    if can(Permission.SAR_VET, user):
        return sa.true()
    if can(Permission.SAR_SUBMIT, user):
        return Sar.reporter_id == user.id
    return sa.false()


def can_view_sar(user, sar: Sar | None) -> bool:
    """The detail check: the list condition applied to one row."""
    if sar is None or sar.id is None:
        return False
    stmt = sa.select(sa.literal(1)).where(Sar.id == sar.id, visible_sars_condition(user))
    return db.session.execute(stmt).first() is not None
