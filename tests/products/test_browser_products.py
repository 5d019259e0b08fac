"""Browser journey: a coordinator publishes an officer-safety alert; an FLO of the
audience sees and acknowledges it; an FLO outside the audience gets 404 on its URL."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from flo_portal.core.extensions import db
from flo_portal.products import services
from flo_portal.products.models import ProductRecipient, ProductStatus
from flo_portal.security.permissions import Role
from tests.browser.fixtures import officer_safety_alert, product_desk

pytestmark = pytest.mark.browser


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_officer_safety_alert_published_acknowledged_and_fenced(
    page, live_server, make_user, sign_in, axe_check, shot
):
    inside, outside, analyst, coordinator = product_desk(make_user)
    flo_in = make_user(Role.LIAISON_OFFICER, agency=inside, name="Deputy Inside")
    flo_out = make_user(Role.LIAISON_OFFICER, agency=outside, name="Captain Outside")
    product = officer_safety_alert(analyst, inside)
    services.transition(product, "submit", analyst)
    db.session.commit()
    url = f"{live_server}/products/{product.id}"

    sign_in(page, coordinator)
    page.goto(f"{live_server}/products/work")
    page.get_by_role("link", name="Armed subject ambushing deputies").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("publish — done")).to_be_visible()
    expect(page.locator("[data-tlp-banner]")).to_have_count(2)
    _sign_out(page)

    sign_in(page, flo_in)
    page.goto(f"{live_server}/products/")
    item = page.locator(f'[data-product-id="{product.id}"]')
    expect(item.get_by_text("Acknowledgement needed")).to_be_visible()
    expect(item.get_by_text("Unread")).to_be_visible()
    item.get_by_role("link", name="Armed subject ambushing deputies").click()
    expect(page.locator("[data-tlp-banner=top]")).to_contain_text("TLP:AMBER · LES")
    expect(page.locator("[data-tlp-banner=bottom]")).to_contain_text("TLP:AMBER · LES")
    assert axe_check(page) == []
    page.get_by_role("button", name="I have read and understood this alert").click()
    expect(page.get_by_text("You acknowledged this alert")).to_be_visible()
    shot(page, "product-acknowledged")
    _sign_out(page)

    sign_in(page, flo_out)
    response = page.goto(url)
    assert response.status == 404
    expect(page.get_by_text("Armed subject")).to_have_count(0)

    db.session.expire_all()
    assert product.status == ProductStatus.PUBLISHED
    receipt = db.session.query(ProductRecipient).filter_by(user_id=flo_in.id).one()
    assert receipt.acknowledged_at is not None and receipt.opened_at is not None
    assert db.session.query(ProductRecipient).filter_by(user_id=flo_out.id).count() == 0
