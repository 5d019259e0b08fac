"""A real OpenID Provider for the session, a provider row pointing at it, and a helper
that plays the browser through the provider's redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from flo_portal.core.extensions import db
from flo_portal.federation.models import IdentityProvider
from tests.factories import AgencyFactory
from tests.federation.oidc_op import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, running_op

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


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
