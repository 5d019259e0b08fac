"""Browser journey: an analyst signs in through the center's SAML 2.0 IdP (pysaml2's own
IdP side, tests/federation/saml_idp.py) in Chromium, with the production SameSite=Strict
session cookie. The IdP is "localhost" and the portal "127.0.0.1": two sites, so the
IdP's auto-POST to the ACS is the cross-site POST no cookie is sent with."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from tests.federation.conftest import make_saml_provider
from tests.federation.saml_idp import MFA, running_idp

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_idp():
    with running_idp(host="localhost") as idp:
        yield idp


def test_an_analyst_signs_in_through_saml(
    page, strict_server, browser_idp, live_server, make_user, sign_in, shot, axe_check
):
    page.set_default_timeout(15_000)
    staff = {"mfa_secret": pyotp.random_base32(), "mfa_enabled": True}
    analyst = make_user(Role.ANALYST, email="ana.lyst@center.example", **staff)
    make_saml_provider(
        browser_idp,
        None,
        portal_url=strict_server,
        email_domains="center.example",
        mfa_claim_counts=True,  # the IdP's MFA context stands for the portal's TOTP
        saml_mfa_contexts=MFA,
    )
    browser_idp.user, browser_idp.authn_context = analyst.email, MFA

    page.goto(f"{strict_server}/auth/login")
    page.get_by_role("link", name="Sign in with your agency's account").click()
    page.get_by_role("link", name="Sign in with County SAML").click()
    page.wait_for_url(f"{strict_server}/dashboard")  # IdP, its auto-POST, the hand-off
    expect(page.get_by_text(f"Signed in as {analyst.name}.")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    assert cookie["sameSite"] == "Strict"
    shot(page, "saml-signed-in")
    page.goto(f"{strict_server}/account/")
    expect(page.get_by_text("County SAML — ana.lyst@center.example")).to_be_visible()
    assert axe_check(page) == []

    db.session.expire_all()
    login = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.login"))
    assert login.actor_id == analyst.id and login.details["method"] == "saml+provider-mfa"

    page.context.clear_cookies()
    sign_in(page, make_user(Role.ADMIN, **staff))
    page.goto(f"{live_server}/audit/")
    row = page.locator("tbody tr", has_text="federation.signed_in").first
    expect(row).to_contain_text(analyst.email)
    expect(row).to_contain_text("signed in by County SAML")
    shot(page, "saml-audit")
