"""Coordinators register partner collections; nobody else may."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.exchange.models import PartnerCollection
from flo_portal.security.permissions import Role


def _form(reviewer, **kw):
    data = {
        "partner_name": "Neighbour Center",
        "url": "https://taxii.example.org/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116",
        "credentials_env": "NEIGHBOUR_TAXII",
        "accept_tlps": ["TLP:CLEAR", "TLP:GREEN"],
        "reviewer_id": str(reviewer),
        "active": "y",
    }
    data.update(kw)
    return data


def test_a_coordinator_registers_a_partner_collection(client, login_as, make_user):
    analyst = make_user(Role.ANALYST, name="Ana Lyst")
    coordinator = login_as(Role.COORDINATOR)
    assert client.get("/exchange/partners").status_code == 200
    assert client.get("/exchange/partners/new").status_code == 200
    r = client.post("/exchange/partners/new", data=_form(analyst.id))
    assert r.status_code == 303
    partner = db.session.scalar(sa.select(PartnerCollection))
    assert partner.url.endswith("/") and partner.accepted == ["TLP:GREEN", "TLP:CLEAR"]
    assert partner.reviewer_id == analyst.id and partner.created_by_id == coordinator.id
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "exchange.partner_registered")
    )
    assert event.actor_id == coordinator.id
    page = client.get("/exchange/partners")
    assert b"Neighbour Center" in page.data
    r = client.post(f"/exchange/partners/{partner.id}/active")
    assert r.status_code == 303
    db.session.refresh(partner)
    assert partner.active is False


def test_bad_input_is_shown_on_the_form(client, login_as, make_user):
    analyst = make_user(Role.ANALYST)
    flo = make_user(Role.LIAISON_OFFICER)
    login_as(Role.COORDINATOR)
    for bad in (
        {"url": "ftp://nowhere"},
        {"credentials_env": "lower case; rm -rf"},
        {"accept_tlps": []},
        {"reviewer_id": str(flo.id)},
        {"reviewer_id": "not a number"},
    ):
        r = client.post("/exchange/partners/new", data=_form(analyst.id, **bad))
        assert r.status_code == 200, bad
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnerCollection)) == 0


def test_others_may_not_manage_partners(client, login_as):
    login_as(Role.ANALYST)
    assert client.get("/exchange/partners").status_code == 403
    assert client.post("/exchange/partners/new", data={}).status_code == 403
