"""Browser journey: an FLO signs in through their agency's OpenID Provider (a real node
oidc-provider) in Chromium, with the production SameSite=Strict session cookie. The
provider is named "localhost" and the portal "127.0.0.1": two sites, so the redirect
back is the cross-site navigation a Strict cookie is not sent with."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from flo_portal.core.extensions import db
from flo_portal.federation.models import IdentityProvider
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory
from tests.federation.conftest import make_provider
from tests.federation.oidc_op import CLIENT_SECRET, SECRET_ENV, running_op

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_op(strict_server):
    with running_op([f"{strict_server}/sso/callback"], host="localhost") as op:
        yield op


@pytest.fixture(autouse=True)
def _fail_fast(page, monkeypatch):
    page.set_default_timeout(15_000)
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)


def test_flo_signs_in_through_oidc(page, strict_server, browser_op, make_user, shot, axe_check):
    agency = AgencyFactory()
    db.session.commit()
    make_provider(browser_op, agency)
    user = make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    page.goto(f"{strict_server}/auth/login")
    page.get_by_role("link", name="Sign in with your agency's account").click()
    shot(page, "federation-choose")
    assert axe_check(page) == []
    page.get_by_role("link", name="Sign in with Agency ID").click()
    page.wait_for_url(f"{strict_server}/dashboard")
    expect(page.get_by_text(f"Signed in as {user.name}.")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    assert cookie["sameSite"] == "Strict"
    page.goto(f"{strict_server}/account/")
    expect(page.get_by_role("heading", name="Agency sign-ins")).to_be_visible()
    shot(page, "federation-account")
    assert axe_check(page) == []


def test_unknown_identity_sees_ask_your_coordinator(
    page, strict_server, browser_op, shot, axe_check
):
    agency = AgencyFactory()
    db.session.commit()
    make_provider(browser_op, agency)  # the provider signs flo@agency.example in: no account
    page.goto(f"{strict_server}/sso/")
    page.get_by_role("link", name="Sign in with Agency ID").click()
    expect(page.get_by_role("heading", name="Ask your coordinator")).to_be_visible()
    shot(page, "federation-ask-coordinator")
    assert axe_check(page) == []


def test_admin_and_coordinator_pages_pass_axe(
    page, live_server, make_user, sign_in, shot, axe_check
):
    import pyotp

    from flo_portal.federation.models import LinkRequest

    agency = AgencyFactory()
    db.session.commit()
    provider = IdentityProvider(
        name="State ID",
        metadata_url="https://id.state.example/.well-known/openid-configuration",
        client_id="flo-portal",
        client_secret_env="STATE_ID_SECRET",
        email_domains="state.example",
        agencies=[agency],
    )
    db.session.add(provider)
    db.session.flush()
    db.session.add(
        LinkRequest(
            provider=provider,
            issuer="https://id.state.example",
            subject="abc",
            email="new@state.example",
            email_verified=True,
            name="New Person",
        )
    )
    db.session.commit()
    staff = {"mfa_secret": pyotp.random_base32(), "mfa_enabled": True}
    sign_in(page, make_user(Role.ADMIN, **staff))
    for path in ("/sso/providers", "/sso/providers/new", f"/sso/providers/{provider.id}"):
        page.goto(f"{live_server}{path}")
        shot(page, "federation" + path.replace("/", "_"))
        assert axe_check(page) == [], path
    page.context.clear_cookies()
    sign_in(page, make_user(Role.COORDINATOR, **staff))
    page.goto(f"{live_server}/sso/requests")
    expect(page.get_by_text("new@state.example")).to_be_visible()
    shot(page, "federation_requests")
    assert axe_check(page) == []
    page.get_by_role("button", name="Refuse").click()
    expect(page.get_by_text("The request is refused.")).to_be_visible()
