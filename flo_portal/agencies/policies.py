"""Who may see which agency: one SQL filter for lists, one check for detail pages."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.agencies.models import Agency
from flo_portal.core.extensions import db
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def visible_agencies_condition(user):
    """SQL condition on Agency: the agencies ``user`` may see.

    Center staff with the all-roster right see every agency; an agency head sees their own;
    everyone else sees none through the agency pages.
    """
    if not _signed_in(user):
        return sa.false()
    if can(Permission.ROSTER_READ_ALL, user):
        return sa.true()
    if can(Permission.AGENCY_READ, user) and user.agency_id:
        return Agency.id == user.agency_id
    return sa.false()


def can_view_agency(user, agency: Agency | None) -> bool:
    """The same rule as ``visible_agencies_condition`` for one agency."""
    if agency is None or not _signed_in(user):
        return False
    if can(Permission.ROSTER_READ_ALL, user):
        return True
    return can(Permission.AGENCY_READ, user) and user.agency_id == agency.id


def can_edit_agency(user, agency: Agency | None = None) -> bool:
    return _signed_in(user) and can(Permission.AGENCY_EDIT, user)


def agency_for_user(user) -> Agency | None:
    """The partner agency a user belongs to (None for center staff)."""
    if not _signed_in(user) or not user.agency_id:
        return None
    return db.session.get(Agency, user.agency_id)
