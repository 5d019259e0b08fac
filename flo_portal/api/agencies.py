"""/api/v1/agencies: read through the agencies policy (the same rule as the pages)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from pydantic import Field

from flo_portal.agencies import services
from flo_portal.agencies.models import Agency, Discipline
from flo_portal.agencies.policies import visible_agencies_condition
from flo_portal.agencies.queries import get_visible_agency_or_404
from flo_portal.api.blueprint import ID, bp
from flo_portal.api.errors import check_version, validation_error
from flo_portal.api.openapi import QueryBool, operations
from flo_portal.api.pagination import listed_page, where_given
from flo_portal.api.schemas import BodyText, In, ListQuery, Out, Page, QueryText
from flo_portal.core.extensions import db
from flo_portal.security import Permission, require

op = operations("agencies")


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
    version: int = Field(description="Send back as `If-Match` (the ETag) or `version`.")


class AgencyPatch(In):
    name: BodyText | None = Field(None, min_length=1, max_length=200)
    discipline: Discipline | None = None
    region: BodyText | None = Field(None, min_length=1, max_length=120)
    jurisdiction: BodyText | None = Field(None, max_length=200)
    contact_name: BodyText | None = Field(None, max_length=200)
    contact_email: BodyText | None = Field(None, max_length=254)
    contact_phone: BodyText | None = Field(None, max_length=40)
    active: bool | None = None
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="Instead of If-Match.")


class AgencyQuery(ListQuery):
    discipline: Discipline | None = None
    region: QueryText | None = None
    active: QueryBool | None = None
    q: QueryText | None = None


@bp.route("/agencies")
@require(Permission.AGENCY_READ)
@op("List agencies", query=AgencyQuery, response=Page[AgencyOut])
def list_agencies(query: AgencyQuery):
    """Agencies the caller may see: all for center staff, their own for an agency head."""
    stmt = sa.select(Agency).where(visible_agencies_condition(current_user))
    stmt = where_given(
        stmt,
        (Agency.discipline, query.discipline),
        (Agency.region, query.region or None),
        (Agency.active, query.active),
    )
    if query.q:
        stmt = stmt.where(Agency.name.icontains(query.q, autoescape=True))
    values = ("discipline", "active")  # never "q" or "region": typed text
    return listed_page(
        AgencyOut, stmt, Agency.id, query, "agencies", audit_as="agency", values=values
    )


@bp.route(f"/agencies/<{ID}:agency_id>")
@require(Permission.AGENCY_READ)
@op("One agency", response=AgencyOut, etag=True)
def get_agency(agency_id: int):
    agency = get_visible_agency_or_404(current_user, agency_id)
    return AgencyOut.model_validate(agency)


@bp.route(f"/agencies/<{ID}:agency_id>", methods=["PATCH"])
@require(Permission.AGENCY_EDIT)
@op("Change an agency", body=AgencyPatch, response=AgencyOut, etag=True)
def patch_agency(agency_id: int, body: AgencyPatch):
    """Changes the fields given. Send `If-Match` with the ETag you read (or `version`):
    if someone changed the agency since, 409 and nothing is saved."""
    agency = get_visible_agency_or_404(current_user, agency_id)
    check_version(agency.version, body.version)
    values = body.model_dump(exclude_unset=True, exclude_none=True, exclude={"version"})
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    if values.get("name"):
        other = db.session.scalar(
            sa.select(Agency).where(sa.func.lower(Agency.name) == values["name"].lower())
        )
        if other is not None and other is not agency:
            raise validation_error({"name": ["An agency with this name already exists."]})
    if "contact_email" in values:
        values["contact_email"] = values["contact_email"].lower()
    services.save_agency(agency, values, actor=current_user)
    return AgencyOut.model_validate(agency)
