"""Sessions end when they should: sign-out revokes them on the server, they have an
absolute lifetime besides the idle rule, and a password or MFA change ends the others."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import sqlalchemy as sa
import time_machine

from flo_portal.auth.models import UserSession
from flo_portal.core.orm import utcnow
from flo_portal.security.permissions import Role
from tests.auth.helpers import change_password_keeps_only_this_session
from tests.factories import TEST_PASSWORD


def sign_in_by_form(client, user):
    response = client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/dashboard")


def copy_of_cookie(app, client):
    """Another browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def sessions_of(db, user) -> list[UserSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def test_a_cookie_copied_before_sign_out_stops_working(app, client, make_user, db):
    user = make_user()
    sign_in_by_form(client, user)
    thief = copy_of_cookie(app, client)
    assert thief.get("/dashboard").status_code == 200  # the copy works while signed in
    assert client.post("/auth/logout").status_code == 302
    refused = thief.get("/dashboard")
    assert refused.status_code == 302 and "/auth/login" in refused.location
    assert thief.get("/api/v1/me").status_code == 401
    (row,) = sessions_of(db, user)
    assert row.revoked_at is not None and row.revoked_reason == "signed out"


def test_the_session_record_names_the_browser(client, make_user, db):
    user = make_user()
    client.post(
        "/auth/login",
        data={"email": user.email, "password": TEST_PASSWORD},
        headers={"User-Agent": "TestBrowser/1.0"},
    )
    (row,) = sessions_of(db, user)
    assert row.user_agent == "TestBrowser/1.0" and row.ip == "127.0.0.1"
    assert row.revoked_at is None
    # The cookie holds a random id; the database only its digest.
    with client.session_transaction() as sess:
        assert sess["sid"] != row.token_hash and len(sess["sid"]) >= 40


def test_a_session_in_use_ends_after_12_hours(client, make_user):
    user = make_user()
    with time_machine.travel(utcnow(), tick=False) as clock:
        sign_in_by_form(client, user)
        for _ in range(12 * 3):  # a request every 20 minutes for 12 hours: never idle
            clock.shift(timedelta(minutes=20))
            assert client.get("/dashboard").status_code == 200
        clock.shift(timedelta(minutes=1))  # 12 h 01 after sign-in
        ended = client.get("/dashboard")
        assert ended.status_code == 302 and "/auth/login" in ended.location
        page = client.get(ended.location)
        assert b"Your session reached its time limit" in page.data
        assert client.get("/dashboard").status_code == 302


def test_the_absolute_lifetime_is_configurable(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_ABSOLUTE_HOURS", 1)
    user = make_user()
    with time_machine.travel(utcnow(), tick=False) as clock:
        sign_in_by_form(client, user)
        for _ in range(2):
            clock.shift(timedelta(minutes=25))
            assert client.get("/dashboard").status_code == 200
        clock.shift(timedelta(minutes=11))
        assert client.get("/dashboard").status_code == 302


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(
    app, client, make_user, db
):
    user = make_user()
    other = app.test_client()
    sign_in_by_form(client, user)
    sign_in_by_form(other, user)
    thief = copy_of_cookie(app, other)
    change_password_keeps_only_this_session(client, other)
    assert thief.get("/dashboard").status_code == 302
    mine, theirs = sessions_of(db, user)
    assert mine.revoked_at is None
    assert theirs.revoked_at is not None and theirs.revoked_reason == "password changed"


def test_turning_mfa_off_ends_every_other_session(app, client, make_user, db, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ["admin"])  # FLOs may turn it off
    user = make_user(Role.LIAISON_OFFICER, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    other = app.test_client()
    totp = pyotp.TOTP(user.mfa_secret)
    with time_machine.travel(utcnow(), tick=False):
        # Each code is accepted once, so the second browser uses the next step's code.
        for c, at in ((client, utcnow()), (other, utcnow() + timedelta(seconds=30))):
            c.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
            assert c.post("/auth/login/verify", data={"code": totp.at(at)}).status_code == 302
    assert (
        client.post("/account/mfa/disable", data={"current_password": TEST_PASSWORD}).status_code
        == 302
    )
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302
    mine, theirs = sessions_of(db, user)
    assert mine.revoked_at is None and theirs.revoked_reason == "MFA turned off"


def test_turning_mfa_on_ends_every_other_session(app, client, make_user, db):
    user = make_user(Role.LIAISON_OFFICER)
    other = app.test_client()
    sign_in_by_form(client, user)
    sign_in_by_form(other, user)
    client.get("/auth/mfa/setup")
    with client.session_transaction() as sess:
        secret = sess["mfa_setup_secret"]
    done = client.post("/auth/mfa/setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and b"recovery codes" in done.data
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_an_administrator_deactivating_the_account_ends_its_sessions(client, make_user, db):
    from flo_portal.admin.services import set_active

    user = make_user()
    admin = make_user(Role.ADMIN)
    sign_in_by_form(client, user)
    set_active(user, False, admin)
    db.session.commit()
    assert client.get("/dashboard").status_code == 302
