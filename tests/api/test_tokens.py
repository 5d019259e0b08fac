"""Personal access tokens: made on the account pages, shown once, stored hashed, and refused
when revoked, expired, or used for writing with a read scope."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa

from flo_portal.api.models import ApiToken, TokenScope
from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.security.permissions import Role
from tests.api.conftest import error_of

TOKEN_RE = re.compile(r"flo_pat_[A-Za-z0-9_\-]{43}")


def _create_via_page(client, name="sync script", scope="read", days="30"):
    return client.post(
        "/account/tokens/", data={"name": name, "scope": scope, "expires_in_days": days}
    )


def test_token_is_made_on_the_page_shown_once_and_stored_hashed(client, login_as):
    user = login_as(Role.LIAISON_OFFICER)
    response = _create_via_page(client)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    tokens = TOKEN_RE.findall(page)
    assert len(tokens) == 1
    token_text = tokens[0]
    assert "shown only this once" in page

    row = db.session.scalar(sa.select(ApiToken))
    assert row.user_id == user.id and row.name == "sync script"
    assert row.scope == TokenScope.READ
    assert row.token_hash == hashlib.sha256(token_text.encode()).hexdigest()
    assert token_text not in str([getattr(row, c.key) for c in ApiToken.__table__.columns])
    assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "api_token.created"))
        is not None
    )

    listing = client.get("/account/tokens/").get_data(as_text=True)
    assert "sync script" in listing and token_text not in listing
    profile = client.get("/account/").get_data(as_text=True)
    assert "API tokens" in profile and "sync script" in profile and token_text not in profile

    with client.session_transaction() as sess:
        sess.clear()  # the token alone, as a script would send it
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token_text}"})
    assert me.status_code == 200
    assert me.json["id"] == user.id and me.json["token"]["scope"] == "read"


def test_bad_page_input_rerenders_the_form(client, login_as):
    login_as(Role.ANALYST)
    response = _create_via_page(client, name="", scope="admin", days="9999")
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
    assert "flo_pat_" not in response.get_data(as_text=True)


def test_revoked_token_gets_401(client, login_as, token_for):
    user = login_as(Role.COORDINATOR)
    text = token_for(user)
    headers = {"Authorization": f"Bearer {text}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    row = db.session.scalar(sa.select(ApiToken))
    response = client.post(f"/account/tokens/{row.id}/revoke", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert row.revoked_at is not None
    with client.session_transaction() as sess:  # no session: the bearer token alone decides
        sess.clear()
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "unauthenticated"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_someone_elses_token_cannot_be_revoked(client, login_as, make_user, token_for):
    other = make_user(Role.LIAISON_OFFICER)
    token_for(other)
    login_as(Role.LIAISON_OFFICER)
    row = db.session.scalar(sa.select(ApiToken))
    assert client.post(f"/account/tokens/{row.id}/revoke", data={}).status_code == 404
    db.session.expire_all()
    assert row.revoked_at is None


def test_expired_token_gets_401(client, make_user, token_for):
    user = make_user(Role.COORDINATOR)
    text = token_for(user)
    row = db.session.scalar(sa.select(ApiToken))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {text}"})
    assert response.status_code == 401


def test_token_of_a_deactivated_account_gets_401(client, make_user, token_for):
    user = make_user(Role.COORDINATOR)
    text = token_for(user)
    user.is_active_account = False
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {text}"}).status_code == 401


def test_malformed_and_unknown_tokens_get_401(client):
    for header in (
        "Bearer",
        "Bearer nope",
        "Bearer flo_pat_" + "x" * 43,
        "Basic abc",
        "Bearer " + "flo_pat_" * 40,
    ):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert error_of(response)["code"] == "unauthenticated"


def test_bearer_tokens_do_not_sign_in_to_pages(client, make_user, token_for):
    user = make_user(Role.COORDINATOR)
    response = client.get("/account/", headers={"Authorization": f"Bearer {token_for(user)}"})
    assert response.status_code == 302 and "/auth/login" in response.location


def test_last_used_is_recorded(client, make_user, token_for):
    user = make_user(Role.ANALYST)
    text = token_for(user)
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {text}"})
    row = db.session.scalar(sa.select(ApiToken))
    db.session.refresh(row)
    assert row.last_used_at is not None


def test_token_requests_skip_the_idle_session_rule(client, make_user, token_for):
    """A token request carries no session, so the 30-minute idle rule does not apply."""
    user = make_user(Role.ANALYST)
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    for _ in range(2):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    with client.session_transaction() as sess:
        assert "last_seen" not in sess and "_user_id" not in sess


def test_read_token_gets_403_on_a_write(app, client, make_user, token_for):
    from flask_login import current_user

    from flo_portal.api.blueprint import api_request_rules

    user = make_user(Role.COORDINATOR)
    read = token_for(user, TokenScope.READ)
    with app.test_request_context(
        "/api/v1/me", method="POST", headers={"Authorization": f"Bearer {read}"}
    ):
        assert current_user.is_authenticated and current_user.via_token
        try:
            api_request_rules()
        except Exception as exc:
            assert exc.code == 403 and exc.error_code == "insufficient_scope"
        else:
            raise AssertionError("a read token may not write")
    write = token_for(user, TokenScope.READ_WRITE)
    with app.test_request_context(
        "/api/v1/me", method="POST", headers={"Authorization": f"Bearer {write}"}
    ):
        assert api_request_rules() is None
