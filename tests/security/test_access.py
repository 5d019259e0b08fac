"""Deny by default: every endpoint declares its access; each role sees what it may."""

from __future__ import annotations

import pytest
from flask import Blueprint

from flo_portal.security.access import declared_access
from flo_portal.security.permissions import ROLE_PERMISSIONS, Permission, Role
from tests.conftest import sign_in
from tests.security.role_matrix import PAGES

EXEMPT = {"static"}


def test_every_endpoint_declares_its_access(app):
    missing = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in EXEMPT
        and declared_access(app.view_functions[rule.endpoint]) is None
    ]
    assert missing == []


def test_a_view_that_declares_nothing_is_refused(app, make_user):
    """A fresh app on the same database, with one careless blueprint added."""
    from config import TestConfig
    from flo_portal import create_app

    other = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    )
    bp = Blueprint("undeclared_probe", __name__)

    @bp.route("/undeclared-probe")
    def probe():
        return "should never be served"

    other.register_blueprint(bp)
    user = make_user(Role.COORDINATOR)
    client = other.test_client()
    anonymous = client.get("/undeclared-probe")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location
    sign_in(client, user)
    signed_in = client.get("/undeclared-probe")
    assert signed_in.status_code == 403
    assert b"should never be served" not in signed_in.data
    with other.app_context():
        from flo_portal.core.extensions import db

        db.engine.dispose()


def test_role_permission_table_is_pinned():
    # The admin carries no intelligence content by virtue of the role alone (brief).
    content = {p for p in Permission if p.value.split(":")[0] in {"rfi", "product", "roster"}}
    assert not (ROLE_PERMISSIONS[Role.ADMIN] & content)
    assert ROLE_PERMISSIONS[Role.ADMIN] == {
        Permission.USERS_MANAGE,
        Permission.AUDIT_READ,
        Permission.AUDIT_EXPORT,
        Permission.JOBS_READ,
        Permission.FEDERATION_MANAGE,  # sign-in providers (issue 14.1)
    }
    # Only admins configure sign-in providers; only coordinators decide link requests.
    assert {r for r in Role if Permission.FEDERATION_MANAGE in ROLE_PERMISSIONS[r]} == {Role.ADMIN}
    assert {r for r in Role if Permission.FEDERATION_REVIEW in ROLE_PERMISSIONS[r]} == {
        Role.COORDINATOR
    }
    # Only coordinators publish; only the privacy officer reviews; FLOs cannot see the queue.
    assert {r for r in Role if Permission.PRODUCT_PUBLISH in ROLE_PERMISSIONS[r]} == {
        Role.COORDINATOR
    }
    assert {r for r in Role if Permission.PRIVACY_REVIEW in ROLE_PERMISSIONS[r]} == {
        Role.PRIVACY_OFFICER
    }
    assert Permission.RFI_QUEUE not in ROLE_PERMISSIONS[Role.LIAISON_OFFICER]
    # The privacy officer reviews CVE courses; the coordinator sees the report (issue 16).
    assert {r for r in Role if Permission.CVE_REVIEW in ROLE_PERMISSIONS[r]} == {
        Role.PRIVACY_OFFICER
    }
    assert {r for r in Role if Permission.CVE_REPORT in ROLE_PERMISSIONS[r]} == {
        Role.PRIVACY_OFFICER,
        Role.COORDINATOR,
    }
    assert {r for r in Role if Permission.USERS_MANAGE in ROLE_PERMISSIONS[r]} == {Role.ADMIN}


@pytest.mark.parametrize("url", sorted(PAGES))
def test_anonymous_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)
    if url.startswith("/api/"):
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthenticated"
    else:
        assert response.status_code == 302
        assert "/auth/login" in response.location


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("url", sorted(PAGES))
def test_role_matrix(client, login_as, role, url):
    login_as(role)
    response = client.get(url)
    if role in PAGES[url]:
        assert response.status_code == 200, response.data[:500]
    else:
        assert response.status_code == 403
        if not url.startswith("/api/"):
            assert b"Not allowed" in response.data
