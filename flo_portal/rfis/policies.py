"""Who may see which RFI: one SQL condition, used for lists, search and the detail check.

* coordinators: every RFI — they are the center's triage desk, the named addressee of
  every request, TLP:RED included;
* analysts: every RFI except TLP:RED ones they are not a participant of;
* privacy officers: RFIs flagged for privacy review (or that they reviewed);
* FLOs and agency heads: their own, their agency's requests (not TLP:RED), and
  taskings addressed to them;
* admins and anyone without ``rfi:read``: none.

Participants are the requester, the assignee and the addressees of a tasking.
``can_view_rfi`` runs the same condition for one row, so there is no second copy.
"""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.core.orm import shared_alias
from flo_portal.rfis.models import Rfi, RfiDirection, RfiMessage, RfiRecipient, Tlp
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission, Role


def _participant_ids(user) -> sa.CompoundSelect:
    """Ids of the RFIs ``user`` is the requester, the assignee or an addressee of: three
    index lookups (rfi.requester_id, rfi.assignee_id, rfi_recipient.user_id)."""
    other = shared_alias(Rfi, "other_rfi")
    return sa.union_all(
        sa.select(other.id).where(other.requester_id == user.id),
        sa.select(other.id).where(other.assignee_id == user.id),
        sa.select(RfiRecipient.rfi_id).where(RfiRecipient.user_id == user.id),
    )


def participant_condition(user):
    """SQL: ``user`` is the requester, the assignee or an addressee of the RFI.

    ``rfi.id IN (<ids by index>)`` rather than ``requester = u OR assignee = u OR EXISTS``:
    an OR across columns and a subquery cannot use an index, so the OR form tests every
    row of the table; the IN form lets the database semi-join the few ids it finds."""
    return Rfi.id.in_(_participant_ids(user))


def _is_participant_row(user):
    """SQL: ``user`` takes part in *this* RFI row (correlated). The form for an OR with
    another test of the row (the analyst's rule): PostgreSQL may probe it per row by
    primary key when few rows are tested (a search's matches) or hash the ids once when
    many are (a list), and costs both; an uncorrelated IN under an OR is always costed as
    building the hash, per loop, which makes every join with it scan the whole table."""
    ids = _participant_ids(user).subquery()
    return sa.exists().where(ids.c.id == Rfi.id)


def _reads_rfis(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and can(Permission.RFI_READ, user)


def visible_rfis_condition(user):
    """SQL condition on ``Rfi`` selecting exactly the RFIs ``user`` may see."""
    if not _reads_rfis(user):
        return sa.false()
    role = Role(user.role)
    if role == Role.COORDINATOR:
        return sa.true()
    if role == Role.ANALYST:
        return sa.or_(Rfi.tlp != Tlp.RED, _is_participant_row(user))
    if role == Role.PRIVACY_OFFICER:
        return sa.or_(Rfi.privacy_flagged.is_(True), Rfi.privacy_reviewer_id == user.id)
    if role in (Role.LIAISON_OFFICER, Role.AGENCY_HEAD):
        ids = _participant_ids(user)
        if user.agency_id is not None:
            # The agency's requests (not TLP:RED): one more index lookup in the same IN.
            other = shared_alias(Rfi, "other_rfi")
            ids = sa.union_all(
                *ids.selects,
                sa.select(other.id).where(
                    other.direction == RfiDirection.REQUEST,
                    other.agency_id == user.agency_id,
                    other.tlp != Tlp.RED,
                ),
            )
        return Rfi.id.in_(ids)
    return sa.false()


def my_rfis_condition(user):
    """SQL: the RFIs ``user`` takes part in (``participant_condition``) and may see.

    Under the coordinator's, the analyst's, the FLO's and the agency head's rule a
    participant always sees the RFI, so for them the participant condition is the whole
    condition (one IN of a few index lookups; AND-ing the visibility IN to it only makes
    the planner guess one row and choose nested loops). Everyone else: both conditions."""
    if _reads_rfis(user) and Role(user.role) in (
        Role.COORDINATOR,
        Role.ANALYST,
        Role.LIAISON_OFFICER,
        Role.AGENCY_HEAD,
    ):
        return participant_condition(user)
    return sa.and_(visible_rfis_condition(user), participant_condition(user))


def can_view_rfi(user, rfi: Rfi) -> bool:
    """The detail / download / API check: the list condition applied to one row."""
    if rfi is None or rfi.id is None:
        return False
    stmt = sa.select(sa.literal(1)).where(Rfi.id == rfi.id, visible_rfis_condition(user))
    return db.session.execute(stmt).first() is not None


def sees_all_tasking_responses(user, rfi: Rfi) -> bool:
    """The sender and center staff see every addressee's response; an addressee only theirs."""
    return rfi.requester_id == user.id or Role(user.role).is_center_staff


def visible_messages(user, rfi: Rfi) -> list[RfiMessage]:
    """On a tasking, an addressee sees the center's messages and their own, not other
    agencies' exchanges; on a request, everyone who may see the RFI sees the thread."""
    if not rfi.is_tasking or sees_all_tasking_responses(user, rfi):
        return list(rfi.messages)
    return [m for m in rfi.messages if m.author_id == user.id or m.author.is_center_staff]


def can_post_message(user, rfi: Rfi) -> bool:
    from flo_portal.rfis.models import RfiStatus

    if RfiStatus(rfi.status) in (RfiStatus.CLOSED, RfiStatus.REJECTED):
        return False
    if Role(user.role) in (Role.COORDINATOR, Role.ANALYST):
        return True
    if Role(user.role) == Role.PRIVACY_OFFICER:
        return RfiStatus(rfi.status) == RfiStatus.PRIVACY_REVIEW
    # Partners: the requester, an addressee, or an agency colleague on a request.
    return (
        rfi.requester_id == user.id
        or any(r.user_id == user.id for r in rfi.recipients)
        or (not rfi.is_tasking and rfi.agency_id == user.agency_id)
    )


def can_flag_criminal_intelligence(user) -> bool:
    """Only a coordinator marks an RFI as criminal intelligence (28 CFR Part 23)."""
    return str(getattr(user, "role", "")) == Role.COORDINATOR


def can_see_dissemination_log(user) -> bool:
    """Center staff see to whom an RFI's answer went."""
    try:
        return Role(getattr(user, "role", "")).is_center_staff
    except ValueError:
        return False
