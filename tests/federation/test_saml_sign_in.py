"""SAML 2.0 sign-in against a real IdP (pysaml2's own IdP side, tests/federation/saml_idp.py):
the same linking rules, audit events, second steps and Strict-cookie hand-off as OIDC."""

from __future__ import annotations

import base64
import zlib
from urllib.parse import urlsplit

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.auth.models import UserSession
from flo_portal.core.extensions import db
from flo_portal.federation.models import FederatedIdentity, LinkRequest, SignInAttempt
from flo_portal.security.permissions import Role
from tests.federation.conftest import (
    assert_listed_and_removable,
    make_saml_provider,
    post_to_acs,
    saml_sign_in,
    through_idp,
)
from tests.federation.saml_idp import MFA, query_of


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def event(action: str) -> AuditEvent:
    return db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == action))


def test_sp_metadata_names_the_acs_and_wants_signed_assertions(client, saml_provider):
    answer = client.get(f"/sso/saml/{saml_provider.id}/metadata")
    assert answer.status_code == 200
    assert answer.mimetype == "application/samlmetadata+xml"
    xml = answer.get_data(as_text=True)
    assert f'entityID="http://localhost/sso/saml/{saml_provider.id}/metadata"' in xml
    assert 'WantAssertionsSigned="true"' in xml
    assert "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" in xml
    assert f'Location="http://localhost/sso/saml/{saml_provider.id}/acs"' in xml


def test_an_oidc_provider_publishes_no_saml_metadata(client, provider):
    assert client.get(f"/sso/saml/{provider.id}/metadata").status_code == 404


def test_authn_request_goes_by_redirect_and_its_id_is_kept(client, saml_provider, saml_idp):
    start = client.get(f"/sso/{saml_provider.id}/start")
    assert start.status_code == 302
    location = start.headers["Location"]
    assert location.startswith(f"{saml_idp.base}/sso?")
    query = query_of(location)
    request_xml = zlib.decompress(base64.b64decode(query["SAMLRequest"]), -15).decode()
    attempt = db.session.scalar(sa.select(SignInAttempt))
    assert f'ID="{attempt.nonce}"' in request_xml  # InResponseTo must match it
    assert query["RelayState"] not in attempt.state_hash  # only its digest is stored
    binding = start.headers["Set-Cookie"]
    assert binding.startswith("flo_sso=") and "Path=/sso/saml/finish" in binding
    assert "SameSite=Lax" in binding and "HttpOnly" in binding


def test_known_officer_is_linked_on_the_asserted_email_and_signed_in(
    client, make_user, saml_provider, saml_idp, agency
):
    user = make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    acs, handoff = saml_sign_in(client, saml_provider)
    assert acs.status_code == 200 and "/sso/saml/finish?h=" in acs.headers["Refresh"]
    assert "Set-Cookie" not in acs.headers  # the cookie-less POST starts no session
    assert handoff.headers["Refresh"].endswith("url=/dashboard")
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200 and user.name in dashboard.get_data(as_text=True)
    identity = db.session.scalar(sa.select(FederatedIdentity))
    assert identity.user_id == user.id and identity.subject == "flo@agency.example"
    assert identity.issuer == saml_idp.metadata_url
    assert identity.provider.name == "County SAML"
    assert event("auth.login").details["method"] == "saml"
    signed_in = event("federation.signed_in")
    assert signed_in.details["protocol"] == "saml" and signed_in.details["next"] == "none"
    assert "federation.linked" in actions()
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 1


def test_second_sign_in_uses_the_link(client, make_user, saml_provider, agency):
    make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    saml_sign_in(client, saml_provider)
    client.post("/auth/logout", data={})
    assert client.get("/dashboard").status_code == 302
    saml_sign_in(client, saml_provider)
    assert client.get("/dashboard").status_code == 200
    assert actions().count("federation.linked") == 1 and actions().count("auth.login") == 2


def test_metadata_fetched_from_a_url_works_too(client, make_user, saml_idp, agency):
    provider = make_saml_provider(saml_idp, agency, client)
    provider.saml_metadata_xml, provider.metadata_url = "", saml_idp.metadata_url
    db.session.commit()
    make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    saml_sign_in(client, provider)
    assert client.get("/dashboard").status_code == 200


def test_hand_off_works_with_the_production_strict_cookie(
    app, client, make_user, saml_provider, agency, monkeypatch
):
    """The IdP's POST is cross-site (no cookie at all); the hand-off after it is same-site,
    so the binding cookie comes, and the Strict session cookie it sets is sent next."""
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SAMESITE", "Strict")
    make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    _acs, handoff = saml_sign_in(client, saml_provider)
    cookies = {c.split("=", 1)[0]: c for c in handoff.headers.getlist("Set-Cookie")}
    assert "SameSite=Strict" in cookies["session"] and "HttpOnly" in cookies["session"]
    assert "Max-Age=0" in cookies["flo_sso"]  # the binding is spent
    assert client.get("/dashboard").status_code == 200


def test_a_hand_off_opened_in_another_browser_signs_nobody_in(
    app, client, make_user, saml_provider, agency
):
    """Login CSRF: someone's ACS answer replayed into a victim's browser lacks the binding
    cookie of the browser that started."""
    make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    acs = post_to_acs(*through_idp(client, saml_provider))
    target = acs.headers["Refresh"].split("url=", 1)[1]
    victim = app.test_client()
    answer = victim.get(target)
    assert answer.status_code == 400
    assert victim.get("/dashboard").status_code == 302
    assert event("federation.sign_in_refused").summary == (
        "RelayState from another browser (login CSRF)"
    )
    again = client.get(target)  # the hand-off is spent
    assert again.status_code == 400 and client.get("/dashboard").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0


def test_unknown_identity_asks_the_coordinator(client, saml_provider, saml_idp):
    saml_idp.user = "new.person@agency.example"
    _acs, handoff = saml_sign_in(client, saml_provider)
    assert handoff.status_code == 403
    assert "Ask your coordinator" in handoff.get_data(as_text=True)
    request = db.session.scalar(sa.select(LinkRequest))
    assert request.email == "new.person@agency.example" and request.email_verified
    assert request.name == "Fed User" and request.issuer == saml_idp.metadata_url
    assert "federation.link_requested" in actions() and "auth.login" not in actions()
    assert client.get("/dashboard").status_code == 302


def test_the_idp_may_not_vouch_for_another_agency(client, make_user, saml_provider):
    make_user(Role.LIAISON_OFFICER, email="flo@agency.example")  # another agency
    _acs, handoff = saml_sign_in(client, saml_provider)
    assert handoff.status_code == 403
    assert db.session.scalar(sa.select(FederatedIdentity)) is None


def test_portal_mfa_is_asked_when_the_authn_context_is_not_marked_mfa(
    client, mfa_officer, saml_provider, saml_idp
):
    saml_provider.mfa_claim_counts, saml_provider.saml_mfa_contexts = True, MFA
    db.session.commit()
    mfa_officer()  # the IdP says PasswordProtectedTransport
    _acs, handoff = saml_sign_in(client, saml_provider)
    assert handoff.headers["Refresh"].endswith("/auth/login/verify")
    assert client.get("/dashboard").status_code == 302  # half signed in only
    assert event("federation.signed_in").details["next"] == "portal second factor"


def test_an_authn_context_the_admin_marks_as_mfa_counts(
    client, mfa_officer, saml_provider, saml_idp
):
    saml_provider.mfa_claim_counts, saml_provider.saml_mfa_contexts = True, MFA
    db.session.commit()
    mfa_officer()
    saml_idp.authn_context = MFA
    saml_sign_in(client, saml_provider)
    assert client.get("/dashboard").status_code == 200
    assert event("auth.login").details["method"] == "saml+provider-mfa"
    assert event("federation.signed_in").details["provider_mfa"] is True


def test_a_marked_context_does_not_count_unless_the_box_is_ticked(
    client, mfa_officer, saml_provider, saml_idp
):
    saml_provider.saml_mfa_contexts = MFA  # mfa_claim_counts stays False
    db.session.commit()
    mfa_officer()
    saml_idp.authn_context = MFA
    _acs, handoff = saml_sign_in(client, saml_provider)
    assert handoff.headers["Refresh"].endswith("/auth/login/verify")


def test_a_locked_account_is_refused_as_for_passwords(client, locked_officer, saml_provider):
    locked_officer()
    _acs, handoff = saml_sign_in(client, saml_provider)
    assert handoff.status_code == 400
    assert "cannot sign in now" in handoff.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    assert "auth.login" not in actions()


def test_saml_identities_are_listed_and_removed_like_oidc_ones(
    client, make_user, saml_provider, agency
):
    make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    saml_sign_in(client, saml_provider)
    assert_listed_and_removable(client, "County SAML — flo@agency.example")


def test_the_login_page_leads_to_the_saml_button(client, saml_provider):
    choose = client.get("/sso/").get_data(as_text=True)
    assert "Sign in with County SAML" in choose
    assert f"/sso/{saml_provider.id}/start" in choose


def test_the_acs_is_exempt_from_csrf_but_only_answers_posts(app, client, saml_provider):
    assert client.get(f"/sso/saml/{saml_provider.id}/acs").status_code == 405
    path = urlsplit(f"http://localhost/sso/saml/{saml_provider.id}/acs").path
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        answer = app.test_client().post(path, data={"RelayState": "x", "SAMLResponse": "y"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert answer.status_code == 400
    assert "not one the portal started" in answer.get_data(as_text=True)  # not a CSRF page
