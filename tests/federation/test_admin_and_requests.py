"""Admins configure providers (never a secret in the database); coordinators accept or
refuse link requests; the account's role and agency stay the portal's."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.federation.models import (
    FederatedIdentity,
    IdentityProvider,
    LinkRequest,
    LinkRequestStatus,
)
from flo_portal.security.permissions import Role
from tests.federation.conftest import callback_path, through_provider


def _form(**changes) -> dict:
    data = {
        "name": "State ID",
        "metadata_url": "https://id.state.example/.well-known/openid-configuration",
        "client_id": "flo-portal",
        "client_secret_env": "STATE_ID_SECRET",
        "email_domains": "Police.State.example, sheriff.state.example",
        "enabled": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_adds_edits_and_disables_a_provider(client, login_as, agency):
    login_as(Role.ADMIN)
    answer = client.post("/sso/providers/new", data=_form(agency_ids=[agency.id]))
    assert answer.status_code == 302
    provider = db.session.scalar(sa.select(IdentityProvider))
    assert provider.client_secret_env == "STATE_ID_SECRET"
    assert provider.domains == ["police.state.example", "sheriff.state.example"]
    assert [a.id for a in provider.agencies] == [agency.id]
    page = client.get("/sso/providers").get_data(as_text=True)
    assert "State ID" in page and agency.name in page
    edit = client.get(f"/sso/providers/{provider.id}")
    assert edit.status_code == 200 and "/sso/callback" in edit.get_data(as_text=True)
    client.post(f"/sso/providers/{provider.id}", data=_form(enabled=None, mfa_claim_counts="y"))
    db.session.refresh(provider)
    assert provider.enabled is False and provider.mfa_claim_counts is True
    assert provider.agencies == []
    events = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert events.count("federation.provider_created") == 1
    assert events.count("federation.provider_updated") == 1
    assert "State ID" not in client.get("/sso/").get_data(as_text=True)  # disabled


def test_bad_provider_form_re_renders_with_messages(client, login_as):
    login_as(Role.ADMIN)
    answer = client.post(
        "/sso/providers/new",
        data=_form(metadata_url="not a url", client_secret_env="my secret", email_domains="x"),
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Capital letters, digits and _ only." in page and "Not a domain: x" in page
    assert db.session.scalar(sa.select(IdentityProvider)) is None


def test_duplicate_provider_name_is_refused(client, login_as, provider):
    login_as(Role.ADMIN)
    answer = client.post("/sso/providers/new", data=_form(name=provider.name))
    assert answer.status_code == 422
    assert "Another provider has that name." in answer.get_data(as_text=True)


def test_coordinator_accepts_a_request_and_the_officer_signs_in(
    client, app, make_user, provider, agency
):
    officer = make_user(Role.LIAISON_OFFICER, agency=agency, email="officer@agency.example")
    client.get(callback_path(through_provider(client, provider, "o.personal@agency.example")))
    request = db.session.scalar(sa.select(LinkRequest))
    coordinator = make_user(Role.COORDINATOR)
    with app.test_client() as other:
        from bench.harness import sign_in

        sign_in(other, coordinator)
        queue = other.get("/sso/requests")
        assert "o.personal@agency.example" in queue.get_data(as_text=True)
        answer = other.post(
            f"/sso/requests/{request.id}/accept", data={"account_email": officer.email}
        )
        assert answer.status_code == 302
    db.session.refresh(request)
    assert request.status == LinkRequestStatus.ACCEPTED and request.user_id == officer.id
    identity = db.session.scalar(sa.select(FederatedIdentity))
    assert identity.user_id == officer.id
    db.session.refresh(officer)
    assert officer.role == Role.LIAISON_OFFICER and officer.agency_id == agency.id
    client.get(callback_path(through_provider(client, provider, "o.personal@agency.example")))
    assert officer.name in client.get("/dashboard").get_data(as_text=True)


def test_coordinator_refuses_a_request(client, app, make_user, provider):
    client.get(callback_path(through_provider(client, provider, "stranger@agency.example")))
    request = db.session.scalar(sa.select(LinkRequest))
    coordinator = make_user(Role.COORDINATOR)
    with app.test_client() as other:
        from bench.harness import sign_in

        sign_in(other, coordinator)
        other.post(f"/sso/requests/{request.id}/refuse", data={})
        again = other.post(
            f"/sso/requests/{request.id}/accept", data={"account_email": coordinator.email}
        )
        assert again.status_code in (302, 409)
    db.session.refresh(request)
    assert request.status == LinkRequestStatus.REFUSED
    assert db.session.scalar(sa.select(FederatedIdentity)) is None
    refused = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "federation.link_refused")
    )
    assert refused is not None and refused.actor_id == coordinator.id
