"""Item 6: a provider that lies, breaks or is down, and a callback that is forged,
replayed or late — each gives a clear page and an audit event, never a 500 nor a session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from flo_portal.core.extensions import db
from flo_portal.federation.models import FederatedIdentity, IdentityProvider
from flo_portal.security.permissions import Role
from tests.federation.conftest import assert_refused, callback_path, refusals, through_provider


@pytest.fixture
def officer(make_user, agency):
    return make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")


def test_tampered_id_token_is_refused(client, provider, officer, op_mode):
    op_mode("tamper")
    answer = client.get(callback_path(through_provider(client, provider)))
    assert_refused(client, answer, "cannot trust")
    assert refusals()[-1].startswith("ID token signature invalid")
    assert db.session.scalar(sa.select(FederatedIdentity)) is None


def test_id_token_for_another_audience_is_refused(client, provider, officer, op_mode):
    op_mode("wrong-aud")
    answer = client.get(callback_path(through_provider(client, provider)))
    assert_refused(client, answer, "cannot trust")
    assert "aud" in refusals()[-1]


def test_expired_response_is_refused(client, provider, officer):
    url = through_provider(client, provider)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11), tick=True):
        answer = client.get(callback_path(url))
        assert_refused(client, answer, "expired")
    assert refusals() == ["response expired"]


def test_expired_id_token_is_refused(client, provider, officer, monkeypatch):
    """The provider's ID token lives an hour: checked two hours on, it is refused."""
    from flo_portal.federation import services

    monkeypatch.setattr(services, "ATTEMPT_MINUTES", 24 * 60)  # so the token is checked
    url = through_provider(client, provider)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2), tick=True):
        answer = client.get(callback_path(url))
        assert_refused(client, answer, "cannot trust")
    assert refusals()[-1].startswith("ID token refused: expired_token")


def test_replayed_state_is_refused(client, provider, officer):
    url = through_provider(client, provider)
    assert client.get(callback_path(url)).status_code == 200
    client.post("/auth/logout", data={})
    answer = client.get(callback_path(url))
    assert answer.status_code == 400
    assert "already used" in answer.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    assert refusals() == ["state replayed"]


def test_state_mismatch_is_refused(client, provider, officer):
    url = through_provider(client, provider)
    forged = callback_path(url).replace("state=", "state=x")
    assert_refused(client, client.get(forged), "not one the portal started")
    assert refusals() == ["unknown state (mismatch or forged)"]


def test_callback_without_anything_is_refused(client):
    assert_refused(client, client.get("/sso/callback"), "not one the portal started")


def test_provider_error_answer_is_refused(client, provider):
    start = client.get(f"/sso/{provider.id}/start")
    state = start.headers["Location"].split("state=")[1].split("&")[0]
    answer = client.get(f"/sso/callback?state={state}&error=access_denied")
    assert_refused(client, answer, "did not sign you in")
    assert refusals() == ["provider returned error: access_denied"]


def test_provider_down_at_start_is_a_clear_page(client, db):
    down = IdentityProvider(
        name="Down",
        metadata_url="http://127.0.0.1:9/.well-known/openid-configuration",
        client_id="x",
        client_secret_env="FLO_TEST_OIDC_SECRET",
        email_domains="agency.example",
    )
    db.session.add(down)
    db.session.commit()
    answer = client.get(f"/sso/{down.id}/start")
    assert_refused(client, answer, "did not answer")
    assert refusals()[-1].startswith("provider unreachable")


def test_token_endpoint_down_is_a_clear_page(client, provider, officer, op_mode):
    url = through_provider(client, provider)
    op_mode("token-down")
    answer = client.get(callback_path(url))
    assert_refused(client, answer, "did not answer")
    assert refusals()[-1].startswith("token endpoint failed")


def test_missing_client_secret_is_a_clear_page(client, provider, monkeypatch):
    monkeypatch.delenv("FLO_TEST_OIDC_SECRET")
    answer = client.get(f"/sso/{provider.id}/start")
    assert_refused(client, answer, "did not answer")
    assert "FLO_TEST_OIDC_SECRET" in refusals()[-1]


def test_disabled_provider_cannot_be_started(client, provider):
    provider.enabled = False
    db.session.commit()
    assert client.get(f"/sso/{provider.id}/start").status_code == 404
