"""Admins add a SAML 2.0 provider through the same provider form: the IdP's metadata is
pasted or fetched from a URL, and checked before it is saved; a coordinator links an
unknown SAML identity as an OIDC one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.federation.models import FederatedIdentity, IdentityProvider, LinkRequest
from flo_portal.security.permissions import Role
from tests.federation.conftest import saml_sign_in


def _form(**changes) -> dict:
    data = {
        "name": "County SAML",
        "protocol": "saml",
        "email_domains": "agency.example",
        "saml_mfa_contexts": "https://refeds.org/profile/mfa",
        "enabled": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_adds_a_saml_provider_with_pasted_metadata(client, login_as, saml_idp, agency):
    login_as(Role.ADMIN)
    answer = client.post(
        "/sso/providers/new",
        data=_form(saml_metadata_xml=saml_idp.metadata, agency_ids=[agency.id]),
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    provider = db.session.scalar(sa.select(IdentityProvider))
    assert provider.is_saml and provider.client_id == "" and provider.client_secret_env == ""
    assert provider.mfa_contexts == ["https://refeds.org/profile/mfa"]
    assert "SAML 2.0" in client.get("/sso/providers").get_data(as_text=True)
    edit = client.get(f"/sso/providers/{provider.id}").get_data(as_text=True)
    assert f"http://localhost/sso/saml/{provider.id}/metadata" in edit
    assert f"http://localhost/sso/saml/{provider.id}/acs" in edit


def test_admin_adds_a_saml_provider_by_metadata_url(client, login_as, saml_idp):
    login_as(Role.ADMIN)
    answer = client.post("/sso/providers/new", data=_form(metadata_url=saml_idp.metadata_url))
    assert answer.status_code == 302
    provider = db.session.scalar(sa.select(IdentityProvider))
    assert provider.metadata_url == saml_idp.metadata_url and provider.saml_metadata_xml == ""


SP_ONLY = (
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
    'entityID="https://sp.example"><md:SPSSODescriptor '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
    '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
    'Location="https://sp.example/acs" index="0"/></md:SPSSODescriptor>'
    "</md:EntityDescriptor>"
)


def _refused(answer, text: str) -> None:
    assert answer.status_code == 422
    assert text in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(IdentityProvider)) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"saml_metadata_xml": "<md:Entity oops"}, "This is not SAML metadata the portal can read"),
        ({"saml_metadata_xml": SP_ONLY}, "exactly one identity provider (it has 0)"),
        (
            {"metadata_url": "http://127.0.0.1:9/md"},
            "The metadata URL did not answer (IdP metadata unreachable",
        ),
    ],
    ids=["bad-xml", "no-idp", "url-unreachable"],
)
def test_bad_idp_metadata_is_a_form_error(client, login_as, changes, message):
    login_as(Role.ADMIN)
    _refused(client.post("/sso/providers/new", data=_form(**changes)), message)


def test_saml_needs_metadata_and_oidc_still_needs_its_client(client, login_as):
    login_as(Role.ADMIN)
    _refused(client.post("/sso/providers/new", data=_form()), "Paste the IdP&#39;s metadata")
    oidc = _form(
        protocol="oidc", metadata_url="https://id.example/.well-known/openid-configuration"
    )
    _refused(client.post("/sso/providers/new", data=oidc), "Required for OpenID Connect.")


def test_coordinator_links_an_unknown_saml_identity(
    client, app, make_user, saml_provider, saml_idp, agency
):
    officer = make_user(Role.LIAISON_OFFICER, agency=agency, email="officer@agency.example")
    saml_idp.user = "o.personal@agency.example"
    saml_sign_in(client, saml_provider)
    request = db.session.scalar(sa.select(LinkRequest))
    coordinator = make_user(Role.COORDINATOR)
    with app.test_client() as other:
        from bench.harness import sign_in

        sign_in(other, coordinator)
        other.post(f"/sso/requests/{request.id}/accept", data={"account_email": officer.email})
    identity = db.session.scalar(sa.select(FederatedIdentity))
    assert identity.user_id == officer.id and identity.issuer == saml_idp.metadata_url
    saml_idp.user = "o.personal@agency.example"
    saml_sign_in(client, saml_provider)
    assert officer.name in client.get("/dashboard").get_data(as_text=True)
