"""Issue 10 item 1: an earlier version is visible only to the audience of the marking it
was released under AND of the product's current marking (the stricter wins).

Matrix: first-version TLP × current TLP × viewer, through the SQL filter, the Python
check, the version page and the list of earlier versions on the detail page.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench.harness import signed_in_client
from flo_portal.agencies.models import Discipline
from flo_portal.extensions import db
from flo_portal.products import services
from flo_portal.products.models import Product, ProductVersion, Tlp
from flo_portal.products.policies import (
    can_view_product,
    can_view_version,
    visible_versions_condition,
)
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory
from tests.products.helpers import draft, publish

VIEWERS = ["named", "flo_listed_agency", "flo_other_agency", "coordinator", "analyst", "author"]
MARKINGS = [Tlp.RED, Tlp.AMBER_STRICT, Tlp.AMBER, Tlp.GREEN]


def reaches(tlp: Tlp, viewer: str) -> bool:
    """Who the audience {named person, listed agency, all FLOs} reaches under ``tlp``,
    written out from the rule in flo_portal/products/policies.py."""
    if viewer in ("coordinator", "author"):
        return True
    if viewer == "analyst":
        return tlp != Tlp.RED
    if tlp == Tlp.RED:
        return viewer == "named"
    if tlp == Tlp.AMBER_STRICT:
        return viewer in ("named", "flo_listed_agency")
    return True


@pytest.fixture
def world(make_user):
    listed = AgencyFactory(discipline=Discipline.LAW_ENFORCEMENT, region="North")
    other = AgencyFactory(discipline=Discipline.FIRE, region="South")
    people = {
        "named": make_user(Role.LIAISON_OFFICER, agency=other),
        "flo_listed_agency": make_user(Role.LIAISON_OFFICER, agency=listed),
        "flo_other_agency": make_user(Role.LIAISON_OFFICER, agency=other),
        "coordinator": make_user(Role.COORDINATOR),
        "analyst": make_user(Role.ANALYST),
        "author": make_user(Role.ANALYST),
    }
    audience = {
        "all_flos": True,
        "agency_ids": [listed.id],
        "user_ids": [people["named"].id],
    }
    return people, audience


@pytest.mark.parametrize("now", MARKINGS, ids=lambda t: f"now-{t.value}")
@pytest.mark.parametrize("first", MARKINGS, ids=lambda t: f"v1-{t.value}")
def test_version_matrix(app, world, first, now):
    people, audience = world
    product = draft(
        people["author"], tlp=first.value, audience=audience, body_md="Secret v1 kestrelbody."
    )
    publish(product, people["coordinator"])
    services.update_product(
        product,
        {"tlp": now.value, "body_md": "Public v2 text."},
        people["coordinator"],
        "Re-marked",
    )
    db.session.commit()
    assert product.version == 2
    v1 = db.session.scalar(
        sa.select(ProductVersion).where(
            ProductVersion.product_id == product.id, ProductVersion.number == 1
        )
    )
    for name in VIEWERS:
        user = people[name]
        want = reaches(first, name) and reaches(now, name)
        assert can_view_product(user, product) is reaches(now, name), (name, "current")
        assert can_view_version(user, product, v1) is want, (name, "python")
        by_sql = set(
            db.session.scalars(
                sa.select(ProductVersion.id)
                .join(Product, Product.id == ProductVersion.product_id)
                .where(visible_versions_condition(user))
            )
        )
        assert (v1.id in by_sql) is want, (name, "sql")
        client = signed_in_client(app, user)
        page = client.get(f"/products/{product.id}/versions/1")
        assert page.status_code == (200 if want else 404), (name, "page")
        assert (b"kestrelbody" in page.data) is want, (name, "page body")
        if reaches(now, name):
            detail = client.get(f"/products/{product.id}")
            assert detail.status_code == 200
            link = f"/products/{product.id}/versions/1".encode()
            assert (link in detail.data) is want, (name, "versions list")
