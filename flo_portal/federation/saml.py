"""Talking to a SAML 2.0 identity provider with pysaml2: the service provider's metadata,
an AuthnRequest sent with the HTTP-Redirect binding, and the Response that comes back
with the HTTP-POST binding, checked (signed assertion, audience, recipient and
destination, NotOnOrAfter, InResponseTo) against the IdP's metadata. pysaml2 checks
signatures with Debian's xmlsec1 (``make xmlsec``).

The portal's SP entity id is its metadata URL, one per provider; the IdP's metadata is
pasted by the admin or fetched from a URL at each sign-in."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import requests
from flask import url_for
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.mdstore import MetadataStore
from saml2.metadata import entity_descriptor

from flo_portal.federation.models import IdentityProvider
from flo_portal.federation.providers import INVALID, TIMEOUT, UNAVAILABLE, ProviderProblem

ACCEPTED_TIME_DIFF = 60  # seconds of clock skew allowed on NotBefore / NotOnOrAfter
# Attribute names (friendly or OID) that carry the e-mail address, lower-cased.
EMAIL_ATTRIBUTES = ("mail", "email", "emailaddress", "urn:oid:0.9.2342.19200300.100.1.3")
NAME_ATTRIBUTES = ("displayname", "cn", "urn:oid:2.16.840.1.113730.3.1.241")
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


class MetadataError(ValueError):
    """IdP metadata the portal cannot use; the message is for the admin's form."""


@dataclass
class SpUrls:
    entity_id: str  # also where the SP metadata is published
    acs: str


def sp_urls(provider: IdentityProvider) -> SpUrls:
    """The portal's SAML endpoints for ``provider`` (in a request: PUBLIC_BASE_URL's host)."""
    return SpUrls(
        entity_id=url_for("federation.saml_metadata", provider_id=provider.id, _external=True),
        acs=url_for("federation.saml_acs", provider_id=provider.id, _external=True),
    )


@dataclass
class Verified:
    """What a checked Response says: who (issuer, subject), their e-mail and name, how
    they authenticated, and the assertion's id (refused if seen again)."""

    issuer: str
    subject: str
    email: str
    name: str
    authn_context: str
    assertion_id: str

    def claims(self) -> dict:
        """The identity in the shape the OIDC path uses. A signed assertion's e-mail from an
        IdP allowed for the domain counts as verified: SAML has no email_verified."""
        return {
            "iss": self.issuer,
            "sub": self.subject,
            "email": self.email,
            "email_verified": bool(self.email),
            "name": self.name,
            "acr": self.authn_context,
        }


def _xmlsec() -> str:
    binary = shutil.which("xmlsec1")
    if binary is None:
        raise ProviderProblem("xmlsec1 is not installed (make xmlsec)", UNAVAILABLE)
    return binary


def _config(urls: SpUrls, idp_metadata: str | None) -> SPConfig:
    settings: dict = {
        "entityid": urls.entity_id,
        "xmlsec_binary": _xmlsec(),
        "accepted_time_diff": ACCEPTED_TIME_DIFF,
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "endpoints": {"assertion_consumer_service": [(urls.acs, BINDING_HTTP_POST)]},
                "allow_unsolicited": False,
                "authn_requests_signed": False,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "name_id_format": [NAMEID_EMAIL],
            }
        },
    }
    if idp_metadata is not None:
        settings["metadata"] = {"inline": [idp_metadata]}
    config = SPConfig()
    config.load(settings)
    return config


def sp_metadata(urls: SpUrls) -> str:
    """The SP's metadata for the IdP's administrators: entity id, ACS (HTTP-POST), and that
    assertions must be signed."""
    return str(entity_descriptor(_config(urls, None)))


def check_metadata(xml: str) -> str:
    """The one IdP ``xml`` describes (its entity id), or MetadataError saying why not."""
    if not xml.strip():
        raise MetadataError("The metadata is empty.")
    store = MetadataStore(attrc=[], config=SPConfig())
    try:
        store.load("inline", xml)
    except Exception as exc:  # pysaml2 and the XML parsers raise many kinds; all mean "no"
        raise MetadataError(
            f"This is not SAML metadata the portal can read ({exc})."[:300]
        ) from exc
    idps = list(store.identity_providers())
    if len(idps) != 1:
        raise MetadataError(
            f"The metadata must describe exactly one identity provider (it has {len(idps)})."
        )
    entity_id = idps[0]
    if not store.certs(entity_id, "idpsso", "signing"):
        raise MetadataError("The identity provider's metadata has no signing certificate.")
    if not store.single_sign_on_service(entity_id, BINDING_HTTP_REDIRECT):
        raise MetadataError(
            "The identity provider offers no single sign-on service with the HTTP-Redirect binding."
        )
    return entity_id


def fetch_metadata(url: str) -> str:
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise ProviderProblem(
            f"IdP metadata unreachable: {type(exc).__name__}", UNAVAILABLE
        ) from exc
    return response.text


def idp_metadata(provider: IdentityProvider) -> tuple[str, str]:
    """The provider's IdP metadata and entity id: pasted, else fetched from its URL."""
    xml = provider.saml_metadata_xml or fetch_metadata(provider.metadata_url)
    try:
        return xml, check_metadata(xml)
    except MetadataError as exc:
        raise ProviderProblem(f"IdP metadata refused: {exc}"[:200], UNAVAILABLE) from exc


def _client(provider: IdentityProvider) -> tuple[Saml2Client, str]:
    xml, entity_id = idp_metadata(provider)
    return Saml2Client(config=_config(sp_urls(provider), xml)), entity_id


def authn_redirect(provider: IdentityProvider, relay_state: str) -> tuple[str, str]:
    """The IdP URL the browser goes to (HTTP-Redirect binding) and the AuthnRequest id the
    Response must answer."""
    client, entity_id = _client(provider)
    request_id, info = client.prepare_for_authenticate(
        entityid=entity_id, relay_state=relay_state, binding=BINDING_HTTP_REDIRECT
    )
    location = dict(info["headers"])["Location"]
    return location, str(request_id)


def check_response(provider: IdentityProvider, saml_response: str, request_id: str) -> Verified:
    """The Response posted to the ACS, checked; ProviderProblem (not yet audited) if not."""
    client, entity_id = _client(provider)
    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={request_id: "/"}
        )
    except Exception as exc:  # pysaml2 raises bare Exception for audience, ValueError, ...
        reason = f"SAML response refused: {type(exc).__name__}: {exc}"
        raise ProviderProblem(reason[:200], INVALID) from exc
    if response is None or response.assertion is None or response.name_id is None:
        raise ProviderProblem("SAML response refused: unreadable or wrong destination", INVALID)
    issuer = response.issuer()
    if issuer != entity_id:
        raise ProviderProblem(f"SAML response from another issuer: {issuer}"[:200], INVALID)
    attributes = {k.lower(): v for k, v in (response.ava or {}).items()}
    email = _first(attributes, EMAIL_ATTRIBUTES)
    if not email and response.name_id.format == NAMEID_EMAIL:
        email = response.name_id.text or ""
    contexts = [ref for ref, _authorities, _instant in response.authn_info() if ref]
    return Verified(
        issuer=issuer,
        subject=str(response.name_id.text or "").strip(),
        email=email.strip().lower(),
        name=_first(attributes, NAME_ATTRIBUTES),
        authn_context=contexts[0] if contexts else "",
        assertion_id=str(response.assertion.id),
    )


def _first(attributes: dict, names: tuple[str, ...]) -> str:
    for name in names:
        values = attributes.get(name)
        if values:
            return str(values[0])
    return ""
