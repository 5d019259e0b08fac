"""/api/v1/agencies: read through the agencies policy (the same rule as the pages)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.agencies.policies import can_view_agency, visible_agencies_condition
from flo_portal.api.blueprint import bp
from flo_portal.api.openapi import QueryBool, operation
from flo_portal.api.pagination import paginate
from flo_portal.api.schemas import ListQuery, Out, Page, QueryText
from flo_portal.audit.reads import audit_listing, refuse
from flo_portal.extensions import db
from flo_portal.security import Permission, require

ID = "int"  # ids past 2**31-1 answer 404 (blueprint.api_request_rules)


class AgencyOut(Out):
    id: int
    name: str
    discipline: Discipline
    region: str
    jurisdiction: str
    contact_name: str
    contact_email: str
    contact_phone: str
    active: bool


class AgencyQuery(ListQuery):
    discipline: Discipline | None = None
    region: QueryText | None = None
    active: QueryBool | None = None
    q: QueryText | None = None


@bp.route("/agencies")
@require(Permission.AGENCY_READ)
@operation(
    summary="List agencies",
    tags=["agencies"],
    query=AgencyQuery,
    response=Page[AgencyOut],
)
def list_agencies(query: AgencyQuery):
    """Agencies the caller may see: all for center staff, their own for an agency head."""
    stmt = sa.select(Agency).where(visible_agencies_condition(current_user))
    if query.discipline is not None:
        stmt = stmt.where(Agency.discipline == query.discipline)
    if query.region:
        stmt = stmt.where(Agency.region == query.region)
    if query.active is not None:
        stmt = stmt.where(Agency.active.is_(query.active))
    if query.q:
        stmt = stmt.where(Agency.name.icontains(query.q, autoescape=True))
    rows, next_cursor = paginate(stmt, Agency.id, query.limit, query.cursor, "agencies")
    values = ("discipline", "active")  # never "q" or "region": typed text
    audit_listing("agency", query.model_dump(), len(rows), values=values, listing="api")
    return Page[AgencyOut](
        data=[AgencyOut.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@bp.route(f"/agencies/<{ID}:agency_id>")
@require(Permission.AGENCY_READ)
@operation(summary="One agency", tags=["agencies"], response=AgencyOut)
def get_agency(agency_id: int):
    agency = db.session.get(Agency, agency_id)
    if not can_view_agency(current_user, agency):
        refuse(agency)
    return AgencyOut.model_validate(agency)
