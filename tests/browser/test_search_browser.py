"""Searching as an FLO from the navigation's search box: their own agency's RFI is found,
another agency's never (not even counted). Screenshots at 1280 px and 375 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from flo_portal.security.permissions import Role
from tests.rfis.helpers import submit

pytestmark = pytest.mark.browser


def test_a_flo_searches_from_the_navigation(page, live_server, make_user, sign_in, shot, axe_check):
    flo = make_user(Role.LIAISON_OFFICER, name="Sam Searcher")
    colleague = make_user(Role.LIAISON_OFFICER, agency=flo.agency)
    stranger = make_user(Role.LIAISON_OFFICER)
    submit(colleague, title="Fuel tanker seen near the depot")
    submit(stranger, title="Fuel tanker stolen across the border")

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, flo)
    box = page.get_by_role("searchbox", name="Search the portal")
    box.fill("fuel tanker")
    box.press("Enter")

    expect(page.locator("h1")).to_have_text("Search")
    hits = page.locator('[data-kind="rfi"]')
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text("near the depot")
    expect(page.get_by_text("stolen across the border")).to_have_count(0)
    expect(page.locator("#kind-rfi")).to_contain_text("1")
    expect(hits.first.locator("mark").first).to_be_visible()
    assert axe_check(page) == []
    shot(page, "search-results-1280")

    hits.first.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Fuel tanker seen near the depot")

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server}/search?q=fuel+tanker")
    expect(page.locator('[data-kind="rfi"]')).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the results page scrolls sideways at 375 px ({width})"
    shot(page, "search-results-375")


def test_a_flo_follows_a_search_from_the_results(page, live_server, make_user, sign_in, axe_check):
    flo = make_user(Role.LIAISON_OFFICER, name="Sam Saver")
    submit(flo, title="Fuel tanker seen near the depot")
    sign_in(page, flo)
    page.goto(f"{live_server}/search?q=fuel+tanker")
    page.get_by_role("button", name="Follow this search").click()
    expect(page.get_by_text("You now follow saved search")).to_be_visible()
    expect(page.locator("#follow-search")).to_contain_text("You follow this search")
    assert page.url.endswith("/search?q=fuel+tanker")
    assert axe_check(page) == []
    page.goto(f"{live_server}/following/")
    expect(page.locator("#followed")).to_contain_text("fuel tanker")
    page.get_by_role("button", name="Stop following fuel tanker").click()
    expect(page.get_by_text("You follow nothing yet.")).to_be_visible()
