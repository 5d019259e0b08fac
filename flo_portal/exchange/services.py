"""Registering partner collections (the coordinator's). Services flush; the request commits."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.services import record
from flo_portal.core.errors import Conflict, InputError, Refused
from flo_portal.core.extensions import db
from flo_portal.exchange.models import PartnerCollection
from flo_portal.exchange.policies import may_manage_partners
from flo_portal.security.permissions import Permission, role_has
from flo_portal.users.models import User


class PartnerExists(Conflict):
    default_message = "That collection is already registered."


def reviewer_choices() -> list[tuple[int, str]]:
    users = db.session.scalars(
        sa.select(User).where(User.is_active_account.is_(True)).order_by(User.name)
    )
    return [(u.id, u.name) for u in users if role_has(u.role, Permission.PRODUCT_DRAFT)]


def register_partner(actor: User, data: dict) -> PartnerCollection:
    if not may_manage_partners(actor):
        raise Refused("Only coordinators register partner collections.")
    reviewer = db.session.get(User, data.get("reviewer_id") or 0)
    if reviewer is None or not role_has(reviewer.role, Permission.PRODUCT_DRAFT):
        raise InputError("Choose an analyst or coordinator to review drafts.", field="reviewer_id")
    if db.session.scalar(
        sa.select(PartnerCollection.id).where(PartnerCollection.url == data["url"])
    ):
        raise PartnerExists(field="url")
    partner = PartnerCollection(created_by_id=actor.id, **data)
    db.session.add(partner)
    db.session.flush()
    record(
        "exchange.partner_registered",
        partner,
        summary=f"TAXII collection of {partner.partner_name} registered",
        details={"url": partner.url, "accept_tlps": partner.accept_tlps},
        actor=actor,
    )
    return partner


def set_active(actor: User, partner: PartnerCollection, active: bool) -> None:
    if not may_manage_partners(actor):
        raise Refused("Only coordinators manage partner collections.")
    partner.active = active
    db.session.flush()
    record(
        "exchange.partner_" + ("resumed" if active else "paused"),
        partner,
        summary=f"TAXII collection of {partner.partner_name} {'resumed' if active else 'paused'}",
        actor=actor,
    )
