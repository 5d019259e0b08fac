"""Issue 14 item 6 for SAML: a Response that is tampered with, for another audience,
unsigned, expired, replayed, unsolicited or answering another request, and an IdP whose
metadata cannot be fetched — each a clear page and an audit event, never a 500 nor a
session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from flo_portal.core.extensions import db
from flo_portal.federation.models import (
    IdentityProvider,
    Protocol,
    SignInAttempt,
)
from flo_portal.security.permissions import Role
from tests.federation.conftest import assert_refused, post_to_acs, refusals, through_idp
from tests.federation.saml_idp import query_of


@pytest.fixture
def officer(make_user, agency):
    return make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")


def test_tampered_assertion_is_refused(client, saml_provider, saml_idp, officer):
    saml_idp.mode = "tamper"
    answer = post_to_acs(*through_idp(client, saml_provider))
    assert_refused(client, answer, "cannot trust")
    assert refusals()[-1] == "SAML response refused: SignatureError: Failed to verify signature"


def test_unsigned_assertion_is_refused(client, saml_provider, saml_idp, officer):
    saml_idp.mode = "unsigned"
    answer = post_to_acs(*through_idp(client, saml_provider))
    assert_refused(client, answer, "cannot trust")
    assert "Signature missing" in refusals()[-1]


def test_assertion_for_another_audience_is_refused(client, saml_provider, saml_idp, officer):
    saml_idp.mode = "wrong-audience"
    answer = post_to_acs(*through_idp(client, saml_provider))
    assert_refused(client, answer, "cannot trust")
    assert "AudienceRestrictions" in refusals()[-1]


def test_response_for_another_destination_is_refused(client, saml_provider, saml_idp, officer):
    """Signed for another SP's ACS (Destination and Recipient), posted to this one."""
    saml_idp.mode = "wrong-destination"
    answer = post_to_acs(*through_idp(client, saml_provider))
    assert_refused(client, answer, "cannot trust")
    assert refusals() == ["SAML response refused: unreadable or wrong destination"]


def test_expired_assertion_is_refused(client, saml_provider, officer):
    """The IdP's assertion lives 5 minutes (one more of clock skew): posted 7 minutes on,
    within the attempt's 10, pysaml2's NotOnOrAfter check refuses it."""
    acs, fields = through_idp(client, saml_provider)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=7), tick=False):
        answer = post_to_acs(acs, fields)
        assert_refused(client, answer, "cannot trust")
    assert refusals()[-1].startswith("SAML response refused: ResponseLifetimeExceed")


def test_a_late_response_is_refused_as_expired(client, saml_provider, officer):
    acs, fields = through_idp(client, saml_provider)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11), tick=False):
        answer = post_to_acs(acs, fields)
        assert_refused(client, answer, "expired")
    assert refusals() == ["response expired"]


def test_replayed_response_is_refused(client, saml_provider, officer):
    acs, fields = through_idp(client, saml_provider)
    first = post_to_acs(acs, fields)
    assert first.status_code == 200
    answer = post_to_acs(acs, fields)
    assert answer.status_code == 400 and "already used" in answer.get_data(as_text=True)
    assert refusals() == ["SAML response replayed"]


def test_replayed_assertion_is_refused_even_under_a_fresh_relay_state(
    client, saml_provider, officer
):
    """Defence in depth: were the same AuthnRequest id outstanding again, the assertion
    already consumed is still refused by its id."""
    acs, fields = through_idp(client, saml_provider)
    assert post_to_acs(acs, fields).status_code == 200
    old = db.session.scalar(sa.select(SignInAttempt))
    start = client.get(f"/sso/{saml_provider.id}/start")
    fresh = db.session.scalar(sa.select(SignInAttempt).where(SignInAttempt.id != old.id))
    fresh.nonce = old.nonce  # the same request id outstanding again
    db.session.commit()
    relay_state = query_of(start.headers["Location"])["RelayState"]
    answer = post_to_acs(acs, {**fields, "RelayState": relay_state})
    assert answer.status_code == 400
    assert refusals() == ["SAML assertion replayed"]


def test_unsolicited_response_is_refused(client, saml_provider, officer):
    acs, fields = through_idp(client, saml_provider)
    answer = post_to_acs(acs, {"SAMLResponse": fields["SAMLResponse"]})  # IdP-initiated
    assert_refused(client, answer, "not one the portal started")
    assert refusals() == ["unknown RelayState (unsolicited or forged)"]


def test_response_to_another_request_is_refused(client, saml_provider, officer):
    """InResponseTo must be the AuthnRequest this RelayState's attempt sent."""
    acs, fields = through_idp(client, saml_provider)
    other = client.get(f"/sso/{saml_provider.id}/start")
    relay_state = query_of(other.headers["Location"])["RelayState"]
    answer = post_to_acs(acs, {**fields, "RelayState": relay_state})
    assert_refused(client, answer, "cannot trust")
    assert refusals()[-1].startswith("SAML response refused: UnsolicitedResponse")


def test_response_posted_to_another_providers_acs_is_refused(
    client, saml_provider, officer, agency
):
    acs, fields = through_idp(client, saml_provider)
    answer = post_to_acs(acs.replace(f"/{saml_provider.id}/", "/999/"), fields)
    assert_refused(client, answer, "not one the portal started")


def test_garbage_instead_of_a_response_is_a_clear_page(client, saml_provider, officer):
    acs, fields = through_idp(client, saml_provider)
    answer = post_to_acs(acs, {**fields, "SAMLResponse": "bm90IHhtbA=="})  # "not xml"
    assert_refused(client, answer, "cannot trust")
    assert refusals()[-1].startswith("SAML response refused: ParseError")


def test_idp_metadata_unreachable_is_a_clear_page(client, agency):
    down = IdentityProvider(
        name="Down SAML",
        protocol=Protocol.SAML,
        metadata_url="http://127.0.0.1:9/metadata",
        email_domains="agency.example",
        agencies=[agency],
    )
    db.session.add(down)
    db.session.commit()
    answer = client.get(f"/sso/{down.id}/start")
    assert_refused(client, answer, "did not answer")
    assert refusals() == ["IdP metadata unreachable: ConnectionError"]


def test_idp_metadata_gone_bad_at_the_acs_is_a_clear_page(client, saml_provider, saml_idp, officer):
    acs, fields = through_idp(client, saml_provider)
    saml_provider.saml_metadata_xml = "<not-metadata/>"
    db.session.commit()
    answer = post_to_acs(acs, fields)
    assert_refused(client, answer, "did not answer")
    assert refusals()[-1].startswith("IdP metadata refused")


def test_disabled_provider_refuses_its_response(client, saml_provider, officer):
    acs, fields = through_idp(client, saml_provider)
    saml_provider.enabled = False
    db.session.commit()
    assert_refused(client, post_to_acs(acs, fields), "cannot trust")
    assert refusals() == ["provider disabled"]


def test_a_saml_relay_state_at_the_oidc_callback_is_refused(client, saml_provider, officer):
    start = client.get(f"/sso/{saml_provider.id}/start")
    relay_state = query_of(start.headers["Location"])["RelayState"]
    answer = client.get(f"/sso/callback?state={relay_state}&code=x")
    assert answer.status_code == 400
    assert refusals() == ["OIDC callback for a SAML sign-in"]
