"""A real OpenID Provider and a real SAML IdP for the session, provider rows pointing at
them, and helpers that play the browser through the providers' redirects and posts."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
from flask import current_app

from flo_portal.audit.models import AuditEvent
from flo_portal.auth.models import UserSession
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.federation.models import FederatedIdentity, IdentityProvider, Protocol
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory
from tests.federation.oidc_op import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, running_op
from tests.federation.saml_idp import posted_fields, running_idp

CALLBACK = "http://localhost/sso/callback"  # the test client's host


@pytest.fixture(scope="session")
def op():
    with running_op([CALLBACK]) as provider:
        yield provider


@pytest.fixture(autouse=True)
def _secret_in_environment(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)


@pytest.fixture
def op_mode(op):
    yield op.set_mode
    op.set_mode("normal")


@pytest.fixture
def agency():
    agency = AgencyFactory()
    db.session.commit()
    return agency


@pytest.fixture
def mfa_officer(make_user, agency):
    """Makes an FLO of ``agency`` enrolled in the portal's own TOTP."""

    def make(email: str = "flo@agency.example"):
        return make_user(
            Role.LIAISON_OFFICER,
            agency=agency,
            email=email,
            mfa_enabled=True,
            mfa_secret="JBSWY3DPEHPK3PXP",
        )

    return make


@pytest.fixture
def locked_officer(make_user, agency):
    """Makes an FLO of ``agency`` whose account is locked for the next ten minutes."""

    def make():
        return make_user(
            Role.LIAISON_OFFICER,
            agency=agency,
            email="flo@agency.example",
            locked_until=utcnow() + timedelta(minutes=10),
        )

    return make


def make_provider(op, agency) -> IdentityProvider:
    """The provider "Agency ID" at ``op``, vouching for agency.example and ``agency``."""
    row = IdentityProvider(
        name="Agency ID",
        metadata_url=op.metadata_url,
        client_id=CLIENT_ID,
        client_secret_env=SECRET_ENV,
        email_domains="agency.example",
        agencies=[agency],
        mfa_claim_counts=False,
        enabled=True,
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def provider(op, agency):
    return make_provider(op, agency)


def through_provider(client, provider, login_hint: str = "flo@agency.example") -> str:
    """Start at the portal, follow the provider's redirects (it signs ``login_hint`` in
    at once), and return the callback URL it sends the browser back to."""
    start = client.get(f"/sso/{provider.id}/start", query_string={"login_hint": login_hint})
    assert start.status_code == 302, start.get_data(as_text=True)
    url = start.headers["Location"]
    browser = requests.Session()
    for _ in range(10):
        if url.startswith(CALLBACK):
            return url
        answer = browser.get(url, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), answer.text
        url = requests.compat.urljoin(url, answer.headers["Location"])
    raise AssertionError("the provider never sent the browser back")


def refusals() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.summary)
            .where(AuditEvent.action == "federation.sign_in_refused")
            .order_by(AuditEvent.id)
        )
    )


def assert_refused(client, answer, text: str) -> None:
    """A refused sign-in: the clear page saying ``text``, no session, nothing linked."""
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "Agency sign-in did not work" in page and text in page
    assert client.get("/dashboard").status_code == 302  # not signed in
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0
    assert "auth.login" not in db.session.scalars(sa.select(AuditEvent.action)).all()
    assert db.session.scalar(sa.select(FederatedIdentity)) is None


def assert_listed_and_removable(client, label: str) -> None:
    """The signed-in user's one linked identity shows as ``label`` on the account page,
    and its Remove button unlinks it (audited)."""
    page = client.get("/account/")
    assert page.status_code == 200
    assert "Agency sign-ins" in page.get_data(as_text=True)
    assert label in page.get_data(as_text=True)
    identity = db.session.scalar(sa.select(FederatedIdentity))
    answer = client.post(f"/sso/identities/{identity.id}/remove", data={})
    assert answer.status_code == 302
    assert db.session.scalar(sa.select(FederatedIdentity)) is None
    assert "federation.unlinked" in db.session.scalars(sa.select(AuditEvent.action)).all()


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


# --- SAML 2.0 ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def saml_idp_server():
    with running_idp() as idp:
        yield idp


def make_saml_provider(idp, agency, client=None, *, portal_url: str = "", **fields):
    """The SAML provider "County SAML" for ``idp`` (metadata pasted), vouching for
    agency.example and ``agency`` unless ``fields`` say otherwise. The IdP is told the
    portal's SP metadata, read through ``client`` (else a test client of the current app)
    or, for a served portal, from ``portal_url``."""
    settings = {
        "name": "County SAML",
        "protocol": Protocol.SAML,
        "saml_metadata_xml": idp.metadata,
        "email_domains": "agency.example",
        "agencies": [agency] if agency is not None else [],
        "mfa_claim_counts": False,
        "enabled": True,
        **fields,
    }
    row = IdentityProvider(**settings)
    db.session.add(row)
    db.session.commit()
    path = f"/sso/saml/{row.id}/metadata"
    if portal_url:
        idp.trust(requests.get(f"{portal_url}{path}", timeout=10).text)
    else:
        idp.trust((client or current_app.test_client()).get(path).get_data(as_text=True))
    return row


@pytest.fixture
def saml_idp(saml_idp_server):
    yield saml_idp_server
    saml_idp_server.reset()


@pytest.fixture
def saml_provider(client, saml_idp, agency):
    return make_saml_provider(saml_idp, agency, client)


def through_idp(client, provider) -> tuple[str, dict]:
    """Start at the portal, let the IdP sign its ``user`` in, and return the ACS URL and
    the fields its auto-POST form would send."""
    start = client.get(f"/sso/{provider.id}/start")
    assert start.status_code == 302, start.get_data(as_text=True)
    page = requests.get(start.headers["Location"], timeout=10)
    assert page.status_code == 200, page.text
    return posted_fields(page.text)


def post_to_acs(acs_url: str, fields: dict):
    """The IdP's cross-site POST: no cookie goes with it (SameSite), neither the session
    nor the Lax binding one, so it comes from a client holding none."""
    return current_app.test_client().post(urlsplit(acs_url).path, data=fields)


def saml_sign_in(client, provider):
    """The whole journey: IdP, ACS, then the same-site hand-off (what the continue page's
    Refresh header leads to). Returns the ACS and hand-off answers."""
    acs = post_to_acs(*through_idp(client, provider))
    if acs.status_code != 200:
        return acs, None
    target = acs.headers["Refresh"].split("url=", 1)[1]
    return acs, client.get(target)
