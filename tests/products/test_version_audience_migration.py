"""Migration 0014 backfills product_version_audience for versions released before it:
the product's current audience under each version's own TLP (what the policy used until
then, so upgrading changes nobody's access); the downgrade drops the table."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from flo_portal.core.extensions import db
from flo_portal.products import services
from flo_portal.products.models import Tlp
from flo_portal.security.permissions import Role
from flo_portal.users.audience import Audience
from tests.conftest import scratch_app
from tests.factories import AgencyFactory, UserFactory
from tests.products.helpers import draft, publish


def _rows(version_id: int) -> list[tuple[str, str]]:
    return sorted(
        tuple(r)
        for r in db.session.execute(
            sa.text("SELECT kind, value FROM product_version_audience WHERE version_id = :v"),
            {"v": version_id},
        )
    )


def test_backfill_from_the_products_audience_under_each_versions_tlp(tmp_path):
    with scratch_app(tmp_path) as app, app.app_context():
        upgrade(revision="heads")
        agency = AgencyFactory()
        flo = UserFactory(role=Role.LIAISON_OFFICER, agency=agency)
        coordinator = UserFactory(role=Role.COORDINATOR, agency=None)
        author = UserFactory(role=Role.ANALYST, agency=None)
        db.session.commit()
        audience = {"all_flos": True, "agency_ids": [agency.id], "user_ids": [flo.id]}
        product = draft(author, tlp=Tlp.RED.value, audience=audience)
        publish(product, coordinator)
        services.update_product(product, {"tlp": Tlp.GREEN.value}, coordinator, "Re-marked")
        db.session.commit()
        v1, v2 = (
            db.session.execute(
                sa.text("SELECT id FROM product_version WHERE product_id = :p ORDER BY number"),
                {"p": product.id},
            )
            .scalars()
            .all()
        )
        flo_id, agency_id, product_id = flo.id, agency.id, product.id
        db.session.remove()

        downgrade(revision="0013")
        names = sa.inspect(db.engine).get_table_names()
        assert "product_version_audience" not in names
        upgrade(revision="heads")

        # RED version 1: the named person only; GREEN version 2: the whole audience.
        assert _rows(v1) == [("user", str(flo_id))]
        assert _rows(v2) == sorted([("all", ""), ("agency", str(agency_id)), ("user", str(flo_id))])
        stored = db.session.execute(
            sa.text("SELECT audience FROM product WHERE id = :p"), {"p": product_id}
        ).scalar_one()
        if isinstance(stored, str):
            stored = json.loads(stored)
        assert Audience.from_json(stored) == Audience.from_json(audience)  # left unchanged
        db.session.remove()
        db.engine.dispose()
