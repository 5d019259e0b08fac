"""The OpenAPI document is generated from the code; CSRF and rate limits on the API."""

from __future__ import annotations

import re

import pytest

from flo_portal.api.openapi import build_spec, iter_operations
from flo_portal.security.permissions import Role
from tests.api.conftest import error_of
from tests.conftest import sign_in


def test_every_api_view_is_in_the_document(app, client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    documented = {(m.upper(), p) for p, ms in spec["paths"].items() for m in ms}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint not in (
            "api.openapi_document",
            "api.reference",
        ):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routed |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented
    assert len(documented) == len(list(iter_operations(app))) >= 20
    # Every operation documents its errors with the one error schema, and needs a token.
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            assert {"401", "403", "429"} <= set(op["responses"]), (method, path)
            if "{" in path:
                assert "404" in op["responses"]
            ref = op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorBody"
    assert spec["security"] == [{"bearerAuth": []}]


def test_document_matches_build_spec(app, client):
    assert client.get("/api/v1/openapi.json").json == build_spec(app)


def test_reference_page_is_server_rendered(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "/api/v1/rfis/{rfi_id}/answer" in page and "Request body" in page
    assert "<script>" not in page and "cdn" not in page.lower()
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_session_writes_to_the_api_need_csrf_but_token_writes_do_not(
    second_app, make_user, token_for
):
    csrf_app = second_app(WTF_CSRF_ENABLED=True)
    user = make_user(Role.LIAISON_OFFICER)
    from tests.briefings.factories import make_briefing

    coordinator = make_user(Role.COORDINATOR)
    briefing = make_briefing(coordinator, user_ids=[user.id])
    client = csrf_app.test_client()
    sign_in(client, user)
    url = f"/api/v1/briefings/{briefing.id}/rsvp"
    refused = client.post(url, json={"answer": "yes"})
    assert refused.status_code == 400 and error_of(refused)["code"] == "bad_request"
    # The browser session can send its CSRF token in the X-CSRFToken header.
    with csrf_app.test_request_context():
        from flask import session as flask_session
        from flask_wtf.csrf import generate_csrf

        with client.session_transaction() as sess:
            flask_session.update(sess)
            token = generate_csrf()
            sess.update(flask_session)
    accepted = client.post(url, json={"answer": "maybe"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 200, accepted.json
    # A bearer token request carries no cookie and needs no CSRF token.
    bare = csrf_app.test_client()
    with_token = bare.post(
        url,
        json={"answer": "yes"},
        headers={"Authorization": f"Bearer {token_for(user)}"},
    )
    assert with_token.status_code == 200 and with_token.json["status"] == "yes"


@pytest.mark.parametrize("limit", ["3 per minute"])
def test_rate_limit_is_per_token(second_app, make_user, token_for, limit):
    limited = second_app(
        RATELIMIT_ENABLED=True,
        API_RATE_LIMIT=limit,
        RATELIMIT_STORAGE_URI="memory://",
    )
    user = make_user(Role.ANALYST)
    first, second = token_for(user), token_for(user)
    client = limited.test_client()
    codes = [
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    last = client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
    assert error_of(last)["code"] == "rate_limited"
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    )
