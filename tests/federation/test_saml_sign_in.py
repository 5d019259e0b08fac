"""SAML 2.0 sign-in against a real IdP (pysaml2's own IdP side, tests/federation/saml_idp.py):
the same linking rules, audit events, second steps and Strict-cookie hand-off as OIDC."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.federation.models import FederatedIdentity
from flo_portal.security.permissions import Role
from tests.federation.conftest import saml_sign_in


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_known_officer_signs_in_through_saml(client, make_user, saml_provider, agency):
    user = make_user(Role.LIAISON_OFFICER, agency=agency, email="flo@agency.example")
    acs, handoff = saml_sign_in(client, saml_provider)
    assert acs.status_code == 200, acs.get_data(as_text=True)
    assert handoff.status_code == 200, handoff.get_data(as_text=True)
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200 and user.name in dashboard.get_data(as_text=True)
    identity = db.session.scalar(sa.select(FederatedIdentity))
    assert identity.user_id == user.id
