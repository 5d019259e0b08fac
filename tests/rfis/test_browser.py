"""In a real browser: an FLO submits an RFI whose text carries HTML and script; the page
shows it as text and nothing runs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from flo_portal.security.permissions import Role
from tests.rfis.helpers import future

pytestmark = pytest.mark.browser

PAYLOAD_TITLE = "<script>window.__xss = 1; alert('xss')</script>"
PAYLOAD_QUESTION = "<img src=x onerror=\"window.__xss = 2; alert('img')\"> what about this?"


def test_script_in_rfi_text_is_shown_not_run(page, live_server, make_user, sign_in, db):
    flo = make_user(Role.LIAISON_OFFICER, name="Jordan Browser")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, flo)
    page.goto(f"{live_server}/rfis/new")
    page.get_by_label("Title").fill(PAYLOAD_TITLE)
    page.get_by_label("Question").fill(PAYLOAD_QUESTION)
    page.get_by_label("Justification").fill("Threat nexus: <b>bold</b> claims")
    page.get_by_label("Requested due date").fill(future(4).isoformat())
    page.get_by_label("I attest").check()
    page.get_by_role("button", name="Submit RFI").click()

    expect(page.locator("h1")).to_contain_text(PAYLOAD_TITLE)
    expect(page.locator("#rfi-question")).to_have_text(PAYLOAD_QUESTION)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#rfi-question img").count() == 0
    assert dialogs == []
