"""A coordinator registers a partner's TAXII collection through the real pages."""

import pytest
from playwright.sync_api import expect

from flo_portal.exchange.models import PartnerCollection
from flo_portal.security.permissions import Role

pytestmark = pytest.mark.browser


def test_coordinator_registers_a_partner_collection(
    page, live_server, make_user, sign_in, axe_check, shot, db
):
    make_user(Role.ANALYST, name="Riley Reviewer")
    coordinator = make_user(Role.COORDINATOR, name="Casey Partners")
    sign_in(page, coordinator)
    page.get_by_role("button", name="Products", exact=True).click()  # the Products menu
    page.get_by_role("link", name="Partners", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert axe_check(page) == []
    page.goto(f"{live_server}/exchange/partners/new")

    # A URL that is not one is refused next to its field, and what was typed stays.
    page.get_by_label("Partner", exact=True).fill("Neighbour Center")
    page.get_by_label("Collection URL").fill("not a url")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Give the collection's http(s) URL.")).to_be_visible()
    expect(page.get_by_label("Partner", exact=True)).to_have_value("Neighbour Center")
    assert axe_check(page) == []

    page.get_by_label("Collection URL").fill("https://taxii.example.org/api1/collections/abc/")
    page.get_by_label("Credentials environment variable").fill("NEIGHBOUR_TAXII")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Neighbour Center")).to_be_visible()
    shot(page, "exchange-partners")
    row = db.session.query(PartnerCollection).one()
    assert row.credentials_env == "NEIGHBOUR_TAXII" and row.url.endswith("/collections/abc/")


def test_an_flo_has_no_partners_entry(page, live_server, make_user, sign_in, db):
    sign_in(page, make_user(Role.LIAISON_OFFICER, name="Flo Field"))
    expect(page.get_by_role("link", name="Products", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Partners", exact=True)).to_have_count(0)
    page.goto(f"{live_server}/exchange/partners")
    expect(page.get_by_text("403").or_(page.get_by_text("may not"))).to_be_visible()
