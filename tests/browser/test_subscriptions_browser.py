"""Browser journey: an FLO follows a topic on the Following page, a coordinator publishes
a matching product, the FLO sees the notice; an FLO of another agency who follows the
same topic is told nothing (a subscription never widens the audience)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from flo_portal.core.extensions import db
from flo_portal.products import services
from flo_portal.security.permissions import Role
from flo_portal.subscriptions.services import follow
from tests.browser.fixtures import product_desk
from tests.factories import notices
from tests.products.helpers import draft

pytestmark = pytest.mark.browser


def test_flo_follows_a_topic_and_sees_the_notice(
    page, live_server, make_user, sign_in, axe_check, shot
):
    inside, outside, analyst, coordinator = product_desk(make_user)
    flo = make_user(Role.LIAISON_OFFICER, agency=inside, name="Deputy Follower")
    stranger = make_user(Role.LIAISON_OFFICER, agency=outside, name="Captain Elsewhere")
    follow(stranger, "topic", "port security")
    product = draft(
        analyst,
        tlp="TLP:AMBER",
        title="Drone flights over the container terminal",
        summary="Report sightings to the watch desk.",
        body_md="Seen at night.",
        topics="Port security, drones",
        audience={"agency_ids": [inside.id]},
    )
    services.transition(product, "submit", analyst)
    db.session.commit()

    sign_in(page, flo)
    page.goto(f"{live_server}/account/")
    page.get_by_role("link", name="Manage what you follow").click()
    expect(page.get_by_text("You follow nothing yet.")).to_be_visible()
    page.get_by_label("Follow a").select_option("topic")
    page.get_by_label("Name").fill("Port security")
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page.get_by_text("You now follow topic")).to_be_visible()
    expect(page.locator("#followed")).to_contain_text("port security")
    assert axe_check(page) == []
    shot(page, "following")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, coordinator)
    page.goto(f"{live_server}/products/{product.id}")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("publish — done")).to_be_visible()
    page.goto(f"{live_server}/following/counts")
    expect(page.locator("#follower-counts")).to_contain_text("port security")
    assert axe_check(page) == []
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, flo)
    page.goto(f"{live_server}/notifications/")
    expect(
        page.get_by_text("Following — [TLP:AMBER] Drone flights over the container terminal")
    ).to_be_visible()
    shot(page, "following-notice")
    # Follow buttons on the product page (a CSRF-protected POST that comes back here).
    page.goto(f"{live_server}/products/{product.id}")
    page.get_by_role("button", name="Follow drones").click()
    expect(page.get_by_text("Following drones")).to_be_visible()
    assert page.url.endswith(f"/products/{product.id}")

    db.session.expire_all()
    assert notices(stranger, "following.product") == []
