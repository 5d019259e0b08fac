"""Audiences: who a product, briefing or tasking is addressed to.

An audience is stored as JSON on the owning row:
``{"all_flos": bool, "agency_ids": [int], "disciplines": [str], "regions": [str], "user_ids": [int]}``
and resolves to partner users (FLOs and agency heads of active agencies) plus any
named users. Products, briefings and RFI taskings all use these functions, so "who is
in the audience" has one definition; TLP limits on top of it live in the products policy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import sqlalchemy as sa

from flo_portal.agencies.models import Agency
from flo_portal.core.display import plural
from flo_portal.security.permissions import Role
from flo_portal.users.models import User

PARTNER_ROLES = (Role.LIAISON_OFFICER, Role.AGENCY_HEAD)


@dataclass
class Audience:
    all_flos: bool = False
    agency_ids: list[int] = field(default_factory=list)
    disciplines: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict | None) -> Audience:
        data = data or {}
        return cls(
            all_flos=bool(data.get("all_flos")),
            agency_ids=[int(x) for x in data.get("agency_ids", [])],
            disciplines=[str(x) for x in data.get("disciplines", [])],
            regions=[str(x) for x in data.get("regions", [])],
            user_ids=[int(x) for x in data.get("user_ids", [])],
        )

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def is_empty(self) -> bool:
        return not (
            self.all_flos or self.agency_ids or self.disciplines or self.regions or self.user_ids
        )

    def describe(self) -> str:
        parts = []
        if self.all_flos:
            parts.append("all FLOs")
        if self.agency_ids:
            parts.append(plural(len(self.agency_ids), "agency"))
        if self.disciplines:
            parts.append("disciplines: " + ", ".join(self.disciplines))
        if self.regions:
            parts.append("regions: " + ", ".join(self.regions))
        if self.user_ids:
            parts.append(plural(len(self.user_ids), "named person", "named people"))
        return "; ".join(parts) or "nobody"


def group_condition(aud: Audience):
    """SQL condition on User (joined to Agency) for the group part: all/agency/discipline/region."""
    clauses = []
    if aud.all_flos:
        clauses.append(sa.true())
    if aud.agency_ids:
        clauses.append(User.agency_id.in_(aud.agency_ids))
    if aud.disciplines:
        clauses.append(Agency.discipline.in_(aud.disciplines))
    if aud.regions:
        clauses.append(Agency.region.in_(aud.regions))
    if not clauses:
        return sa.false()
    return sa.and_(User.role.in_(PARTNER_ROLES), Agency.active.is_(True), sa.or_(*clauses))


def audience_condition(aud: Audience):
    """SQL condition on User (outer-joined to Agency): the group part or a named user."""
    named = User.id.in_(aud.user_ids) if aud.user_ids else sa.false()
    return sa.and_(User.is_active_account.is_(True), sa.or_(group_condition(aud), named))


def recipients_query(aud: Audience):
    """SELECT of the users in the audience, one query."""
    return (
        sa.select(User)
        .outerjoin(Agency, User.agency_id == Agency.id)
        .where(audience_condition(aud))
        .order_by(User.name)
    )


def user_in_audience(user, aud: Audience) -> bool:
    """The same rule for one user, in Python (for detail checks)."""
    if not getattr(user, "is_active_account", False):
        return False
    if user.id in aud.user_ids:
        return True
    if Role(user.role) not in PARTNER_ROLES or user.agency is None or not user.agency.active:
        return False
    return bool(
        aud.all_flos
        or user.agency_id in aud.agency_ids
        or str(user.agency.discipline) in aud.disciplines
        or user.agency.region in aud.regions
    )
