"""A coordinator signs in through the real pages, TOTP included, and sees the dashboard."""

import pyotp
import pytest
from playwright.sync_api import expect

from flo_portal.security.permissions import Role

pytestmark = pytest.mark.browser


def test_coordinator_signs_in_with_totp_and_sees_dashboard(page, live_server, make_user, shot, db):
    secret = pyotp.random_base32()
    user = make_user(Role.COORDINATOR, name="Casey Browser", mfa_secret=secret, mfa_enabled=True)

    page.goto(f"{live_server}/dashboard")
    expect(page).to_have_url(f"{live_server}/auth/login?next=/dashboard")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill("a long enough test passphrase")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    page.get_by_label("Authentication code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not valid")).to_be_visible()

    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{live_server}/dashboard")
    expect(page.get_by_role("heading", name="Welcome, Casey Browser")).to_be_visible()
    shot(page, "coordinator-dashboard")


def test_staff_without_mfa_must_enrol_before_entering(page, live_server, make_user, sign_in, db):
    user = make_user(Role.ANALYST, name="Avery Enrol")
    sign_in(page, user)  # walks the QR enrolment page and the recovery codes
    expect(page.get_by_role("heading", name="Welcome, Avery Enrol")).to_be_visible()
    db.session.refresh(user)
    assert user.mfa_enabled and len(user.recovery_codes) == 10
