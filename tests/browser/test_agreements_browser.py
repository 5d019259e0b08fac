"""Browser journey: a coordinator publishes a new privacy policy, an FLO signs it at their
next sign-in, and the coordinator's list of who has not signed shows the change."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from flo_portal.agreements.models import AgreementSignature, AgreementVersion
from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fail_fast(page):
    page.set_default_timeout(10_000)


def _no_axe_problems(page, axe_check, shot, name):
    shot(page, name)
    assert axe_check(page) == [], name


def test_publish_sign_at_next_sign_in_and_see_the_change(
    page, live_server, make_user, sign_in, shot, axe_check
):
    coordinator = make_user(
        Role.COORDINATOR,
        name="Casey Coordinator",
        mfa_secret=pyotp.random_base32(),
        mfa_enabled=True,
    )
    agency = AgencyFactory(name="Lakeside Port Authority Police")
    flo = make_user(Role.LIAISON_OFFICER, agency=agency, name="Morgan Harbor")
    db.session.commit()

    sign_in(page, coordinator)
    page.goto(f"{live_server}/agreements/new")
    expect(page.get_by_role("heading", name="Publish an agreement version")).to_be_visible()
    page.get_by_label("Agreement", exact=True).select_option("privacy")
    page.get_by_label("Version number").fill("3.0")
    page.get_by_label("Title", exact=True).fill("Privacy and civil-liberties policy")
    page.get_by_label("Roles that must sign").select_option([Role.LIAISON_OFFICER.value])
    page.get_by_label("Text (Markdown)").fill(
        "## Privacy policy\n\nWe gather only what a lawful purpose needs."
    )
    _no_axe_problems(page, axe_check, shot, "agreements-publish")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".alert").filter(has_text="version 3.0 published")).to_be_visible()
    version = db.session.scalar(sa.select(AgreementVersion))
    page.get_by_role("link", name="Who has not signed").click()
    row = page.locator("#signing-by-agency tbody tr").filter(has_text=agency.name)
    expect(row.locator("td")).to_have_text([agency.name, "1", "0", "1"])
    _no_axe_problems(page, axe_check, shot, "agreements-unsigned-before")

    # The FLO, in a browser of their own (the coordinator stays signed in: a second TOTP
    # sign-in within the same 30 s would be refused as a replay).
    flo_context = page.context.browser.new_context()
    flo_page = flo_context.new_page()
    flo_page.set_default_timeout(10_000)
    sign_in(flo_page, flo)  # the first page after sign-in is the agreement
    expect(flo_page).to_have_url(f"{live_server}/agreements/{version.id}?next=/dashboard")
    expect(flo_page.locator("#agreement-text")).to_contain_text("We gather only what")
    _no_axe_problems(flo_page, axe_check, shot, "agreements-sign")
    flo_page.get_by_label("Your full name").fill("morgan harbor")
    flo_page.get_by_label("I have read this version and agree to it.").check()
    flo_page.get_by_role("button", name="Sign", exact=True).click()
    expect(flo_page.locator(".alert").filter(has_text="Signed: Privacy")).to_be_visible()
    expect(flo_page).to_have_url(f"{live_server}/dashboard")
    flo_context.close()

    page.goto(f"{live_server}/agreements/{version.id}/signing")
    row = page.locator("#signing-by-agency tbody tr").filter(has_text=agency.name)
    expect(row.locator("td")).to_have_text([agency.name, "1", "1", "0"])
    db.session.expire_all()
    sig = db.session.scalar(sa.select(AgreementSignature))
    assert sig.user_id == flo.id and sig.version_sha256 == version.sha256
