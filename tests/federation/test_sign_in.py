"""OpenID Connect sign-in against a real provider: linking on a verified e-mail, the
portal's session rules, and the SameSite=Strict production cookie."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.auth.models import UserSession
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.federation.models import FederatedIdentity, LinkRequest, SignInAttempt
from flo_portal.security.permissions import Role
from tests.federation.conftest import assert_listed_and_removable, callback_path, through_provider


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_authorization_request_uses_pkce_state_and_nonce(client, provider):
    start = client.get(f"/sso/{provider.id}/start")
    binding = start.headers["Set-Cookie"]
    assert binding.startswith("flo_sso=") and "SameSite=Lax" in binding and "HttpOnly" in binding
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["flo-portal"]
    assert query["state"][0] and query["nonce"][0] and query["code_challenge"][0]
    attempt = db.session.scalar(sa.select(SignInAttempt))
    assert attempt.nonce == query["nonce"][0] and attempt.used_at is None
    assert query["state"][0] not in attempt.state_hash  # only its digest is stored


def test_known_officer_is_linked_on_verified_email_and_signed_in(
    client, make_user, provider, agency
):
    user = make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    answer = client.get(callback_path(through_provider(client, provider)))
    assert answer.status_code == 200
    assert answer.headers["Refresh"].endswith("url=/dashboard")
    assert "Signing you in" in answer.get_data(as_text=True)
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200 and user.name in dashboard.get_data(as_text=True)
    identity = db.session.scalar(sa.select(FederatedIdentity))
    assert identity.user_id == user.id and identity.subject == "flo@agency.example"
    assert identity.issuer == provider.metadata_url.rsplit("/.well-known", 1)[0]
    assert "federation.linked" in actions() and "auth.login" in actions()
    login = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.login"))
    assert login.details["method"] == "oidc"
    vouched = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "federation.signed_in")
    )
    assert vouched.details["provider"] == "Agency ID" and vouched.details["next"] == "none"
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 1


def test_second_sign_in_uses_the_link_without_linking_again(client, make_user, provider, agency):
    make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    client.get(callback_path(through_provider(client, provider)))
    client.post("/auth/logout", data={})
    assert client.get(callback_path(through_provider(client, provider))).status_code == 200
    assert actions().count("federation.linked") == 1
    assert actions().count("auth.login") == 2


def test_callback_works_with_the_production_strict_cookie(
    app, client, make_user, provider, agency, monkeypatch
):
    """The provider's redirect back is cross-site: a Strict cookie is not sent with it.
    The callback needs none, and sets the session cookie Strict as production does."""
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SAMESITE", "Strict")
    make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    url = through_provider(client, provider)
    client.delete_cookie("session")  # not sent on a cross-site redirect; the Lax one is
    answer = client.get(callback_path(url))
    assert answer.status_code == 200
    cookies = {c.split("=", 1)[0]: c for c in answer.headers.getlist("Set-Cookie")}
    assert "SameSite=Strict" in cookies["session"] and "HttpOnly" in cookies["session"]
    assert "Max-Age=0" in cookies["flo_sso"]  # the binding is spent
    assert client.get("/dashboard").status_code == 200  # the next, same-site request carries it


def test_unknown_identity_asks_the_coordinator_and_opens_no_door(client, provider):
    answer = client.get(
        callback_path(through_provider(client, provider, "new.person@agency.example"))
    )
    assert answer.status_code == 403
    assert "Ask your coordinator" in answer.get_data(as_text=True)
    request = db.session.scalar(sa.select(LinkRequest))
    assert request.email == "new.person@agency.example" and request.email_verified
    assert "federation.link_requested" in actions() and "auth.login" not in actions()
    assert client.get("/dashboard").status_code == 302  # not signed in


def test_unverified_email_never_links(client, make_user, provider, agency):
    make_user(Role.LIAISON_OFFICER, agency=agency, email="unverified@agency.example")
    answer = client.get(
        callback_path(through_provider(client, provider, "unverified@agency.example"))
    )
    assert answer.status_code == 403
    assert db.session.scalar(sa.select(FederatedIdentity)) is None
    assert db.session.scalar(sa.select(LinkRequest)).email_verified is False


def test_provider_may_not_vouch_for_another_agency(client, make_user, provider):
    make_user(Role.LIAISON_OFFICER, email="flo@agency.example")  # another agency
    answer = client.get(callback_path(through_provider(client, provider)))
    assert answer.status_code == 403
    assert db.session.scalar(sa.select(FederatedIdentity)) is None


def test_provider_may_not_vouch_for_another_domain(client, make_user, provider, agency):
    provider.email_domains = "police.example"
    db.session.commit()
    make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    assert client.get(callback_path(through_provider(client, provider))).status_code == 403
    assert db.session.scalar(sa.select(FederatedIdentity)) is None


def test_portal_mfa_is_still_asked_when_the_provider_mfa_does_not_count(
    client, mfa_officer, provider
):
    mfa_officer("flo+mfa@agency.example")
    answer = client.get(callback_path(through_provider(client, provider, "flo+mfa@agency.example")))
    assert answer.headers["Refresh"].endswith("/auth/login/verify")
    assert client.get("/dashboard").status_code == 302  # half signed in only
    assert client.get("/auth/login/verify").status_code == 200


def test_provider_mfa_counts_when_the_admin_says_so(client, mfa_officer, provider):
    provider.mfa_claim_counts = True
    db.session.commit()
    mfa_officer("flo+mfa@agency.example")
    client.get(callback_path(through_provider(client, provider, "flo+mfa@agency.example")))
    assert client.get("/dashboard").status_code == 200
    login = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.login"))
    assert login.details["method"] == "oidc+provider-mfa"


def test_a_locked_account_is_refused_as_for_passwords(client, locked_officer, provider):
    locked_officer()
    answer = client.get(callback_path(through_provider(client, provider)))
    assert answer.status_code == 400
    assert "cannot sign in now" in answer.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    assert "federation.sign_in_refused" in actions() and "auth.login" not in actions()


def test_users_see_and_remove_their_linked_identities(client, make_user, provider, agency):
    make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    client.get(callback_path(through_provider(client, provider)))
    assert_listed_and_removable(client, "Agency ID — flo@agency.example")


def test_old_sign_in_attempts_are_forgotten_by_the_job(client, provider):
    from datetime import timedelta

    from flo_portal.jobs.runner import run_job

    client.get(f"/sso/{provider.id}/start")
    attempt = db.session.scalar(sa.select(SignInAttempt))
    attempt.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    client.get(f"/sso/{provider.id}/start")  # a fresh one stays
    run = run_job("federation_attempts_purge")
    assert run.counts == {"deleted": 1}
    assert db.session.scalar(sa.select(sa.func.count(SignInAttempt.id))) == 1


def test_a_callback_url_opened_in_another_browser_signs_nobody_in(
    app, client, make_user, provider, agency
):
    """Login CSRF: someone sends their own callback URL to a victim; the victim's browser
    lacks the binding cookie of the browser that started, so nobody is signed in."""
    make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    url = through_provider(client, provider)
    victim = app.test_client()
    answer = victim.get(callback_path(url))
    assert answer.status_code == 400
    assert victim.get("/dashboard").status_code == 302
    summaries = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "federation.sign_in_refused")
    ).all()
    assert summaries == ["state from another browser (login CSRF)"]
    assert client.get(callback_path(url)).status_code == 400  # and the state is spent
