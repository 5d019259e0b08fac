"""Issue 10 item 1: an earlier version is visible only to the audience it was released
under (its own audience under its own marking) AND to those who may see the product now
(the stricter wins).

Matrix: first-version TLP × current TLP × viewer, through the SQL filter, the Python
check, the version page and the list of earlier versions on the detail page; then the
same when the audience is widened while re-marking, attachments (released with version
1), shares (counted under every marking that applies) and the migration's backfill.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench.harness import signed_in_client
from flo_portal.agencies.models import Discipline
from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification
from flo_portal.products import services
from flo_portal.products.models import (
    Product,
    ProductRecipient,
    ProductVersion,
    ProductVersionAudience,
    Tlp,
)
from flo_portal.products.policies import (
    audience_rows,
    can_view_product,
    can_view_version,
    effective_audience,
    visible_products_condition,
    visible_versions_condition,
)
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory
from tests.products.helpers import PDF, attach_pdf, draft, publish

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


def _version(product, number):
    return db.session.scalar(
        sa.select(ProductVersion).where(
            ProductVersion.product_id == product.id, ProductVersion.number == number
        )
    )


def _versions_by_sql(user) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(ProductVersion.id)
            .join(Product, Product.id == ProductVersion.product_id)
            .where(visible_versions_condition(user))
        )
    )


def _products_by_sql(user) -> set[int]:
    return set(db.session.scalars(sa.select(Product.id).where(visible_products_condition(user))))


def _refusals(obj) -> int:
    return len(
        db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "access.refused",
                AuditEvent.object_type == obj.__tablename__,
                AuditEvent.object_id == str(obj.id),
            )
        ).all()
    )


def test_release_records_the_versions_own_audience(app, world):
    people, audience = world
    product = draft(people["author"], tlp=Tlp.AMBER_STRICT.value, audience=audience)
    publish(product, people["coordinator"])
    rows = db.session.execute(
        sa.select(ProductVersionAudience.kind, ProductVersionAudience.value).where(
            ProductVersionAudience.version_id == _version(product, 1).id
        )
    ).all()
    # AMBER+STRICT lets the listed agency and the named person through, not "all FLOs".
    assert sorted(rows) == sorted(
        [("agency", str(audience["agency_ids"][0])), ("user", str(people["named"].id))]
    )


@pytest.mark.parametrize("now", MARKINGS, ids=lambda t: f"now-{t.value}")
@pytest.mark.parametrize("first", MARKINGS, ids=lambda t: f"v1-{t.value}")
def test_widening_the_audience_while_re_marking_gives_newcomers_the_new_version_only(
    app, make_user, first, now
):
    """A coordinator adds an agency and a named person while re-marking: the newcomers
    read the current version but not the earlier one; the original audience keeps both
    (where both markings let them in)."""
    listed = AgencyFactory(discipline=Discipline.LAW_ENFORCEMENT, region="North")
    added = AgencyFactory(discipline=Discipline.FIRE, region="South")
    elsewhere = AgencyFactory(discipline=Discipline.FIRE, region="South")
    people = {
        "named": make_user(Role.LIAISON_OFFICER, agency=elsewhere),
        "flo_listed_agency": make_user(Role.LIAISON_OFFICER, agency=listed),
        "flo_added_agency": make_user(Role.LIAISON_OFFICER, agency=added),
        "added_named": make_user(Role.LIAISON_OFFICER, agency=elsewhere),
        "coordinator": make_user(Role.COORDINATOR),
        "author": make_user(Role.ANALYST),
    }
    product = draft(
        people["author"],
        tlp=first.value,
        audience={"agency_ids": [listed.id], "user_ids": [people["named"].id]},
        body_md="Original v1 kestrelbody.",
    )
    publish(product, people["coordinator"])
    services.update_product(
        product,
        {
            "tlp": now.value,
            "body_md": "Widened v2 text.",
            "audience": {
                "agency_ids": [listed.id, added.id],
                "user_ids": [people["named"].id, people["added_named"].id],
            },
        },
        people["coordinator"],
        "Widened and re-marked",
    )
    db.session.commit()
    v1 = _version(product, 1)

    def in_v1(name):  # audience {listed agency, named} under ``first``
        if name in ("coordinator", "author"):
            return True
        if name == "named":
            return True
        return name == "flo_listed_agency" and first != Tlp.RED

    def in_now(name):  # audience {listed, added agency, named, added named} under ``now``
        if name in ("coordinator", "author", "named", "added_named"):
            return True
        return now != Tlp.RED

    for name, user in people.items():
        want_v1 = in_v1(name) and in_now(name)
        assert can_view_product(user, product) is in_now(name), (name, "current")
        assert can_view_version(user, product, v1) is want_v1, (name, "python")
        assert (v1.id in _versions_by_sql(user)) is want_v1, (name, "sql")
        client = signed_in_client(app, user)
        page = client.get(f"/products/{product.id}/versions/1")
        assert page.status_code == (200 if want_v1 else 404), (name, "page")
        assert (b"kestrelbody" in page.data) is want_v1, (name, "page body")
        if in_now(name):
            detail = client.get(f"/products/{product.id}")
            assert detail.status_code == 200
            assert b"Widened v2 text." in detail.data
            assert (f"/products/{product.id}/versions/1".encode() in detail.data) is want_v1
    # The newcomers are the point of the test: never v1, always the current version.
    for name in ("flo_added_agency", "added_named"):
        if in_now(name):
            assert not can_view_version(people[name], product, v1)
            assert can_view_version(people[name], product, _version(product, 2))
    assert _refusals(v1) == sum(1 for n in people if in_now(n) and not in_v1(n))


@pytest.mark.parametrize(
    ("first", "now", "audience_now"),
    [
        (Tlp.RED, Tlp.GREEN, None),
        (Tlp.AMBER_STRICT, Tlp.AMBER, None),
        (Tlp.GREEN, Tlp.GREEN, "widened"),
    ],
    ids=["red-to-green", "strict-to-amber", "widened"],
)
def test_attachments_follow_the_version_they_were_released_with(
    app, make_user, first, now, audience_now
):
    listed = AgencyFactory()
    added = AgencyFactory()
    named = make_user(Role.LIAISON_OFFICER, agency=added)
    insider = make_user(Role.LIAISON_OFFICER, agency=listed)
    outsider = make_user(Role.LIAISON_OFFICER, agency=added)
    coordinator = make_user(Role.COORDINATOR)
    author = make_user(Role.ANALYST)
    v1_audience = (
        {"agency_ids": [listed.id], "user_ids": [named.id]}
        if audience_now
        else {"all_flos": True, "agency_ids": [listed.id], "user_ids": [named.id]}
    )
    product = draft(author, tlp=first.value, audience=v1_audience)
    att = attach_pdf(product, author)
    publish(product, coordinator)
    change = {"tlp": now.value, "body_md": "Re-released."}
    if audience_now:
        change["audience"] = {"agency_ids": [listed.id, added.id], "user_ids": [named.id]}
    services.update_product(product, change, coordinator, "Re-marked")
    db.session.commit()

    # ``outsider`` may read the current version (all FLOs / their agency, now) but was not
    # in the audience version 1 and its attachment went out to.
    readers = {"named": named, "coordinator": coordinator, "author": author}
    if first != Tlp.RED:
        readers["insider"] = insider
    for name, user in [*readers.items(), ("outsider", outsider)]:
        want = name in readers
        assert can_view_product(user, product), name
        client = signed_in_client(app, user)
        got = client.get(f"/products/{product.id}/attachments/{att.id}")
        assert got.status_code == (200 if want else 404), name
        assert (got.data == PDF) is want, name
        detail = client.get(f"/products/{product.id}")
        link = f"/products/{product.id}/attachments/{att.id}".encode()
        assert (link in detail.data) is want, (name, "listed on the page")
    assert _refusals(att) == 1
    downloads = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "product.attachment_downloaded")
    ).all()
    assert len(downloads) == len(readers)


def test_a_share_counts_only_under_every_marking_that_applies(app, make_user):
    """Shared under GREEN across agencies, then re-marked AMBER: AMBER allows sharing only
    within the sharer's own agency, so the cross-agency share stops counting (feed, page,
    earlier version, the revision's notice) while the same-agency one still counts."""
    home = AgencyFactory()
    other = AgencyFactory()
    sharer = make_user(Role.LIAISON_OFFICER, agency=home)
    colleague = make_user(Role.LIAISON_OFFICER, agency=home)
    partner = make_user(Role.LIAISON_OFFICER, agency=other)
    coordinator = make_user(Role.COORDINATOR)
    author = make_user(Role.ANALYST)
    product = draft(
        author, tlp=Tlp.GREEN.value, audience={"user_ids": [sharer.id]}, body_md="v1 wrenbody."
    )
    publish(product, coordinator)
    services.share_product(product, sharer, colleague)
    services.share_product(product, sharer, partner)
    db.session.commit()
    v1 = _version(product, 1)
    for user in (colleague, partner):
        assert can_view_product(user, product)
        assert product.id in _products_by_sql(user)
        assert can_view_version(user, product, v1)
        assert v1.id in _versions_by_sql(user)

    services.update_product(
        product, {"tlp": Tlp.AMBER.value, "body_md": "v2 AMBER text."}, coordinator, "Re-marked"
    )
    db.session.commit()
    v2 = _version(product, 2)

    assert can_view_product(colleague, product)
    assert product.id in _products_by_sql(colleague)
    for v in (v1, v2):
        assert can_view_version(colleague, product, v)
        assert v.id in _versions_by_sql(colleague)
    page = signed_in_client(app, colleague).get(f"/products/{product.id}/versions/1")
    assert page.status_code == 200 and b"wrenbody" in page.data

    assert not can_view_product(partner, product)
    assert product.id not in _products_by_sql(partner)
    for v in (v1, v2):
        assert not can_view_version(partner, product, v)
        assert v.id not in _versions_by_sql(partner)
    client = signed_in_client(app, partner)
    assert client.get(f"/products/{product.id}").status_code == 404
    assert client.get(f"/products/{product.id}/versions/1").status_code == 404
    assert client.get(f"/products/{product.id}/export.txt").status_code == 404
    assert client.get(f"/api/v1/products/{product.id}").status_code in (401, 404)

    # The revision went out to the same-agency colleague, not across agencies.
    logged = set(
        db.session.scalars(
            sa.select(ProductRecipient.user_id).where(
                ProductRecipient.product_id == product.id, ProductRecipient.version == 2
            )
        )
    )
    assert colleague.id in logged and partner.id not in logged
    noticed = db.session.scalars(
        sa.select(Notification.title).where(Notification.user_id == partner.id)
    ).all()
    assert not any("v2" in title for title in noticed)


def _load_migration():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "migrations/versions/0014_product_version_audience.py"
    spec = importlib.util.spec_from_file_location("mig_0014", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("tlp", list(Tlp), ids=lambda t: t.value)
def test_backfill_rows_are_the_policys_effective_audience(tlp):
    """Migration 0014 backfills each version from the product's audience under the
    version's own TLP: the same rows the release now writes."""
    from flo_portal.users.audience import Audience

    spec = {
        "all_flos": True,
        "agency_ids": [3, 7],
        "disciplines": ["fire"],
        "regions": ["North"],
        "user_ids": [11],
    }
    want = audience_rows(effective_audience(Audience.from_json(spec), tlp))
    assert sorted(_load_migration()._rows(spec, tlp.value)) == sorted(want)
