"""Both ways at once: the portal's client polls the portal's own TAXII server (over real
HTTP, with a Bearer token from the environment) and the reports come back as drafts."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.exchange.models import PartnerCollection
from flo_portal.exchange.policies import COLLECTIONS
from flo_portal.exchange.taxii_client import poll_partners
from flo_portal.products.models import Product, ProductStatus
from tests.exchange.conftest import START, serve


def test_the_portal_polls_its_own_server(app, world, token_for, monkeypatch):
    monkeypatch.setenv("SELF_TAXII", "Bearer " + token_for(world.flo_a))
    before = set(db.session.scalars(sa.select(Product.id)))
    with serve(app) as base:
        db.session.add(
            PartnerCollection(
                partner_name="Ourselves",
                url=f"{base}/taxii2/api/collections/{COLLECTIONS[0].id}/",
                credentials_env="SELF_TAXII",
                accept_tlps="TLP:CLEAR,TLP:GREEN,TLP:AMBER",
                reviewer_id=world.analyst.id,
            )
        )
        db.session.commit()
        counts = poll_partners(START)
        db.session.commit()
        assert counts["imported"] == 3 and counts["failed"] == 0
        assert poll_partners(START)["imported"] == 0
        db.session.commit()
    drafts = db.session.scalars(sa.select(Product).where(Product.id.not_in(before))).all()
    assert sorted(p.title for p in drafts) == sorted(
        f"[Ourselves] {p.title}" for p in (world.green_all, world.amber_a, world.iw)
    )
    assert all(p.status == ProductStatus.DRAFT for p in drafts)
    green = next(p for p in drafts if "Copper" in p.title)
    assert green.caveats == "LES; FOUO" and green.tlp == "TLP:GREEN"
