"""Revising a published product: protected-activity terms privacy review did not approve
are refused; the terms it approved may stay."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.products import services
from flo_portal.products.models import PrivacyStatus, Product, ProductVersion
from tests.products.helpers import draft, publish, revision_form, staff


def _versions(product_id):
    return db.session.scalar(
        sa.select(sa.func.count(ProductVersion.id)).where(ProductVersion.product_id == product_id)
    )


def _approved(people, **kw):
    product = publish(draft(people["author"], **kw), people["coordinator"], people["privacy"])
    assert product.privacy_status == PrivacyStatus.APPROVED
    return product


def test_revision_adding_a_new_term_is_refused_after_approval(make_user):
    people = staff(make_user)
    product = _approved(people, body_md="A protest is planned at the capitol.")
    assert product.privacy_reasons == "protest"
    with pytest.raises(services.ProductError, match=r"not approved \(mosque\).*privacy review"):
        services.update_product(
            product,
            {"body_md": "A protest is planned at the capitol and outside the mosque."},
            people["coordinator"],
            "Added location",
        )
    db.session.rollback()
    db.session.refresh(product)
    assert product.version == 1 and "mosque" not in product.body_md
    assert _versions(product.id) == 1


def test_revision_keeping_only_approved_terms_is_published(make_user):
    people = staff(make_user)
    product = _approved(people, body_md="A protest is planned at the capitol.")
    services.update_product(
        product,
        {"body_md": "A PROTEST is planned at the capitol on Friday."},
        people["coordinator"],
        "Corrected the day",
    )
    db.session.commit()
    assert product.version == 2 and _versions(product.id) == 2


def test_review_asked_by_the_author_does_not_cover_terms_added_later(make_user):
    people = staff(make_user)
    product = _approved(people, privacy_review_requested=True)
    assert product.privacy_reasons == ""
    with pytest.raises(services.ProductError, match=r"\(rally\)"):
        services.update_product(
            product, {"summary": "Rally downtown."}, people["coordinator"], "More detail"
        )


def test_revision_without_privacy_review_still_refuses_terms(make_user):
    people = staff(make_user)
    product = publish(draft(people["author"]), people["coordinator"])
    assert product.privacy_status == PrivacyStatus.NOT_NEEDED
    with pytest.raises(services.ProductError, match=r"\(religious\)"):
        services.update_product(
            product, {"summary": "Religious site."}, people["coordinator"], "Detail"
        )


def test_edit_page_shows_the_refusal_and_saves_nothing(make_user, client, login_as):
    people = staff(make_user)
    product = _approved(people, body_md="A protest is planned.")
    login_as(people["coordinator"])
    r = client.post(
        f"/products/{product.id}/edit",
        data=revision_form(
            product, "Added the boycott", body_md="A protest and a boycott are planned."
        ),
    )
    assert r.status_code == 200
    assert b"boycott" in r.data and b"needs privacy review" in r.data
    db.session.expire_all()
    assert db.session.get(Product, product.id).version == 1
    assert _versions(product.id) == 1
