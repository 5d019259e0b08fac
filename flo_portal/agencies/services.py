"""Agency changes (coordinators), made by ``actor``. Audited; the unit of work commits."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.agencies.policies import visible_agencies_condition
from flo_portal.audit.services import record as audit
from flo_portal.core.extensions import db
from flo_portal.core.orm import any_contains

SORTS = {
    "name": (Agency.name,),
    "discipline": (Agency.discipline, Agency.name),
    "region": (Agency.region, Agency.name),
    "updated": (Agency.updated_at.desc(), Agency.id.desc()),
}


def agencies_query(
    viewer,
    *,
    q: str = "",
    discipline: str = "",
    region: str = "",
    active: str = "",
    sort: str = "name",
):
    stmt = sa.select(Agency).where(visible_agencies_condition(viewer))
    q = (q or "").strip().lower()[:100]
    if q:
        stmt = stmt.where(any_contains(q, Agency.name, Agency.jurisdiction))
    if discipline in Discipline._value2member_map_:
        stmt = stmt.where(Agency.discipline == Discipline(discipline))
    if region:
        stmt = stmt.where(Agency.region == region[:120])
    if active == "yes":
        stmt = stmt.where(Agency.active.is_(True))
    elif active == "no":
        stmt = stmt.where(Agency.active.is_(False))
    return stmt.order_by(*SORTS.get(sort, SORTS["name"]))


def regions() -> list[str]:
    return list(db.session.scalars(sa.select(Agency.region).distinct().order_by(Agency.region)))


def save_agency(agency: Agency | None, values: dict, *, actor) -> Agency:
    creating = agency is None
    agency = agency or Agency()
    diff = {
        k: [str(getattr(agency, k, "")), str(v)]
        for k, v in values.items()
        if getattr(agency, k, None) != v
    }
    for key, value in values.items():
        setattr(agency, key, value)
    if creating:
        db.session.add(agency)
    db.session.flush()
    if creating:
        audit("agency.created", agency, summary=agency.name, actor=actor)
    elif diff:
        action = (
            "agency.deactivated" if diff.get("active") == ["True", "False"] else "agency.updated"
        )
        audit(action, agency, summary=agency.name, details=diff, actor=actor)
    return agency


def set_agency_active(agency: Agency, active: bool, *, actor) -> None:
    if agency.active == active:
        return
    agency.active = active
    db.session.flush()
    audit(
        "agency.activated" if active else "agency.deactivated",
        agency,
        summary=agency.name,
        actor=actor,
    )
