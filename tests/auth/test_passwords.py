"""Password policy, reset by e-mailed single-use token, invitation, change."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from flo_portal.notifications.models import OutboxEmail
from flo_portal.orm import utcnow
from flo_portal.security.permissions import Role
from tests.factories import TEST_PASSWORD

NEW = "a brand new passphrase for me"


def reset_link(db) -> str:
    email = db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    return re.search(r"(/auth/(?:password/reset|invitation)/\S+)", email.body_text).group(1)


def test_policy_messages(app):
    from flo_portal.auth.passwords import password_problems

    with app.test_request_context():
        assert "at least 12" in password_problems("short")[0]
        assert any("commonly used" in p for p in password_problems("password1234"))
        assert any(
            "e-mail" in p
            for p in password_problems("jordan.lee is great", email="jordan.lee@x.gov")
        )
        assert password_problems("purple elephants dance at noon") == []
        # No composition rules: all lower-case letters and spaces are fine.
        assert password_problems("correct staple horse battery") == []


def test_reset_flow_is_single_use(client, make_user, db):
    user = make_user()
    response = client.post("/auth/password/forgot", data={"email": user.email})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 1
    link = reset_link(db)
    weak = client.post(link, data={"password": "short", "confirm": "short"})
    assert weak.status_code == 422 and b"at least 12" in weak.data
    common = client.post(link, data={"password": "password1234", "confirm": "password1234"})
    assert b"commonly used" in common.data
    mismatch = client.post(link, data={"password": NEW, "confirm": NEW + "x"})
    assert b"The two passwords differ." in mismatch.data
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert (
        client.post("/auth/login", data={"email": user.email, "password": NEW}).status_code == 302
    )
    # The same link again: spent.
    again = client.get(link)
    assert again.status_code == 302 and "forgot" in again.location


def test_reset_link_expires(client, make_user, db):
    user = make_user()
    client.post("/auth/password/forgot", data={"email": user.email})
    link = reset_link(db)
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        assert client.get(link).status_code == 302


def test_forgot_password_does_not_reveal_accounts(client, db):
    response = client.post("/auth/password/forgot", data={"email": "ghost@example.gov"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0


def test_tampered_token_is_refused(client):
    response = client.get("/auth/password/reset/not-a-real-token")
    assert response.status_code == 302 and "forgot" in response.location


def test_change_password_signs_out_other_sessions(client, app, make_user):
    user = make_user()
    other = app.test_client()
    for c in (client, other):
        c.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    wrong = client.post(
        "/auth/password/change",
        data={"current_password": "nope nope nope", "password": NEW, "confirm": NEW},
    )
    assert wrong.status_code == 422 and b"current password is not correct" in wrong.data
    ok = client.post(
        "/auth/password/change",
        data={"current_password": TEST_PASSWORD, "password": NEW, "confirm": NEW},
    )
    assert ok.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_invitation_sets_the_first_password(client, login_as, db, app):
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/users/new",
        data={
            "name": "New Analyst",
            "email": "new.analyst@fusion.example.gov",
            "role": "analyst",
            "agency_id": "0",
        },
    )
    assert response.status_code == 302
    link = reset_link(db)
    assert "/auth/invitation/" in link
    fresh = app.test_client()
    assert fresh.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302
    signed = fresh.post(
        "/auth/login", data={"email": "new.analyst@fusion.example.gov", "password": NEW}
    )
    assert signed.location.endswith("/auth/mfa/setup")  # analysts must enrol


def test_tampered_csrf_token_is_a_clear_400(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        user = make_user()
        response = client.post(
            "/auth/login",
            data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": "forged"},
        )
        assert response.status_code == 400
        assert b"The form expired or was tampered with" in response.data
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_oversized_body_is_refused_with_413(client, make_user):
    response = client.post(
        "/auth/login", data={"email": "x@example.gov", "password": "p" * (11 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert b"larger than the portal accepts" in response.data
