"""After an agency's provider vouches for a user, the portal asks the same next step as
after a password (auth/steps.py): a passkey is a second factor, and a role that needs
phishing-resistant MFA needs its passkey even when the provider's MFA counts."""

from __future__ import annotations

import pytest

from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from tests.auth.test_passkeys import register
from tests.federation.conftest import callback_path, through_provider


def _user_with_a_passkey_only(client, login_as, soft, agency, email):
    user = login_as(Role.LIAISON_OFFICER, agency=agency, email=email)
    assert register(client, soft()).status_code == 200
    client.post("/auth/logout")
    assert not user.mfa_enabled  # no TOTP: the passkey is the only second factor
    return user


def test_a_passkey_is_asked_after_the_provider_as_after_a_password(
    client,
    login_as,
    soft,
    provider,
    agency,
):
    _user_with_a_passkey_only(client, login_as, soft, agency, "flo@agency.example")
    answer = client.get(callback_path(through_provider(client, provider)))
    assert answer.headers["Refresh"].endswith("/auth/login/verify")
    assert client.get("/dashboard").status_code == 302  # half signed in only
    verify = client.get("/auth/login/verify").get_data(as_text=True)
    assert "passkey" in verify.lower()


@pytest.fixture
def flos_need_passkeys(app, monkeypatch):
    monkeypatch.setitem(app.config, "PHISHING_RESISTANT_MFA_ROLES", ["liaison_officer"])


def test_provider_mfa_never_stands_for_a_passkey_the_role_needs(
    client, make_user, provider, agency, flos_need_passkeys
):
    provider.mfa_claim_counts = True
    db.session.commit()
    make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    answer = client.get(callback_path(through_provider(client, provider)))
    assert answer.headers["Refresh"].endswith("/auth/passkeys/enrol")
    assert client.get("/dashboard").status_code == 302
