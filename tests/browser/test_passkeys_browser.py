"""Browser journey (issue 14 item 5): a coordinator registers a passkey in Chromium's
virtual authenticator (DevTools protocol), signs out, and signs in with it — once
without a password (discoverable credential) and once as the second factor."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import expect

from flo_portal.security.permissions import Role
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


def virtual_authenticator(page) -> tuple[object, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def password_step(page, base: str, user) -> None:
    page.goto(f"{base}/auth/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/auth/login/verify")


def test_a_coordinator_registers_a_passkey_and_signs_in_with_it(
    page, live_server, make_user, axe_check, shot
):
    base = live_server.replace("127.0.0.1", "localhost")  # WebAuthn needs a domain RP id
    secret = pyotp.random_base32()
    coordinator = make_user(
        Role.COORDINATOR, name="Casey Coordinator", mfa_secret=secret, mfa_enabled=True
    )
    cdp, authenticator = virtual_authenticator(page)

    password_step(page, base, coordinator)
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(lambda url: "/auth/" not in url)

    page.goto(f"{base}/account/")
    page.get_by_role("link", name="Passkeys").click()
    expect(page.get_by_text("You have no passkeys yet.")).to_be_visible()
    page.get_by_label("Name of the new passkey").fill("Office laptop")
    page.get_by_role("button", name="Register a passkey").click()
    expect(page.get_by_text("Passkey “Office laptop” added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Office laptop")).to_be_visible()
    creds = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(creds["credentials"]) == 1 and creds["credentials"][0]["isResidentCredential"]
    assert axe_check(page) == []
    shot(page, "passkeys")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/auth/login")
    assert axe_check(page) == []  # the sign-in page with its passkey button
    page.get_by_role("button", name="Sign in with a passkey").click()  # no password
    page.wait_for_url(lambda url: "/auth/" not in url)
    expect(page.get_by_text("Signed in as Casey Coordinator.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/auth/login")
    password_step(page, base, coordinator)  # the passkey instead of the TOTP code
    assert axe_check(page) == []  # the second step offers the passkey and the code
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(lambda url: "/auth/" not in url)
    expect(page.get_by_text("Signed in as Casey Coordinator.")).to_be_visible()
    count = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert count["credentials"][0]["signCount"] >= 2
