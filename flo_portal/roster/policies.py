"""Who may see and change which officer.

``visible_officers_condition`` is the SQL filter for lists, search, exports and the API;
``can_view_officer`` is the same rule for one officer (profile, evidence download).
Officers a viewer may not see answer 404.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.roster.models import Officer
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def visible_officers_condition(user):
    """SQL condition on Officer: every officer for center roster readers, the own agency's
    officers for agency heads, only their own record for an FLO, nothing for others."""
    if not _signed_in(user):
        return sa.false()
    if can(Permission.ROSTER_READ_ALL, user):
        return sa.true()
    if can(Permission.ROSTER_READ_OWN_AGENCY, user) and user.agency_id:
        return Officer.agency_id == user.agency_id
    return sa.and_(Officer.user_id.is_not(None), Officer.user_id == user.id)


def can_view_officer(user, officer: Officer | None) -> bool:
    """Python twin of ``visible_officers_condition`` for one officer."""
    if officer is None or not _signed_in(user):
        return False
    if can(Permission.ROSTER_READ_ALL, user):
        return True
    if can(Permission.ROSTER_READ_OWN_AGENCY, user) and user.agency_id:
        return officer.agency_id == user.agency_id
    return officer.user_id is not None and officer.user_id == user.id


def officer_for_user(user) -> Officer | None:
    """The roster entry linked to ``user``'s account, if any."""
    if not _signed_in(user):
        return None
    return db.session.scalar(_officer_of_user(), {"user_id": user.id})


@functools.cache
def _officer_of_user():
    """``officer_for_user``'s statement, built once per process."""
    return sa.select(Officer).where(Officer.user_id == sa.bindparam("user_id", type_=sa.Integer))


def can_edit_officer(user, officer: Officer) -> bool:
    """Full edit (name, agency, rank, onboarding dates): roster editors only."""
    return can_view_officer(user, officer) and can(Permission.ROSTER_EDIT, user)


def can_edit_contact(user, officer: Officer) -> bool:
    """Contact details: roster editors, and the officer themself."""
    if can_edit_officer(user, officer):
        return True
    return _signed_in(user) and officer.user_id is not None and officer.user_id == user.id


def can_nominate_for(user, agency_id: int | None) -> bool:
    """Coordinators nominate for any agency; agency heads only for their own."""
    if not _signed_in(user) or not can(Permission.ROSTER_NOMINATE, user):
        return False
    if can(Permission.ROSTER_READ_ALL, user):
        return True
    return bool(user.agency_id) and user.agency_id == agency_id


def can_record_training(user, officer: Officer) -> bool:
    return can_view_officer(user, officer) and can(Permission.TRAINING_EDIT, user)
