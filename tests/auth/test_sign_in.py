"""Sign-in, lock-out, TOTP, idle expiry and redirects."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import sqlalchemy as sa
import time_machine

from flo_portal.audit.models import AuditEvent
from flo_portal.core.orm import utcnow
from flo_portal.security.permissions import Role
from tests.factories import TEST_PASSWORD


def actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def post_login(client, email, password=TEST_PASSWORD, next_url=None):
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def test_flo_without_mfa_signs_in_and_out(client, make_user, db):
    user = make_user(Role.LIAISON_OFFICER, name="Jordan Lee")
    response = post_login(client, user.email.upper())  # e-mail is case-insensitive
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    page = client.get("/dashboard")
    assert b"Welcome, Jordan Lee" in page.data
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302
    assert actions(db) == ["auth.login", "auth.logout"]


def test_wrong_password_is_refused_with_a_clear_message_and_audited(client, make_user, db):
    user = make_user()
    response = post_login(client, user.email, "not the password at all")
    assert response.status_code == 401
    assert b"E-mail or password is incorrect" in response.data
    assert client.get("/dashboard").status_code == 302
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert (event.action, event.actor_id, event.summary) == (
        "auth.login_failed",
        user.id,
        "wrong password",
    )


def test_unknown_email_gets_the_same_answer(client, db):
    response = post_login(client, "nobody@example.gov", "whatever whatever")
    assert response.status_code == 401
    assert b"E-mail or password is incorrect" in response.data
    assert actions(db) == ["auth.login_failed"]


def test_empty_form_rerenders_with_field_errors(client):
    response = client.post("/auth/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert b"This field is required." in response.data


def test_five_failures_lock_the_account_for_ten_minutes(client, make_user, db):
    user = make_user()
    for _ in range(5):
        assert post_login(client, user.email, "wrong wrong wrong").status_code == 401
    db.session.refresh(user)
    assert user.is_locked()
    # Even the right password is refused while locked.
    refused = post_login(client, user.email)
    assert refused.status_code == 401 and b"locked" in refused.data
    assert client.get("/dashboard").status_code == 302
    assert "auth.locked_out" in actions(db)
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        assert post_login(client, user.email).status_code == 302


def test_deactivated_account_cannot_sign_in(client, make_user):
    user = make_user(is_active_account=False)
    response = post_login(client, user.email)
    assert response.status_code == 401
    assert b"deactivated" in response.data


def test_center_staff_with_mfa_need_a_valid_code(client, make_user, db):
    secret = pyotp.random_base32()
    user = make_user(Role.ANALYST, mfa_secret=secret, mfa_enabled=True)
    response = post_login(client, user.email)
    assert response.location.endswith("/auth/login/verify")
    assert client.get("/dashboard").status_code == 302  # not signed in yet
    bad = client.post("/auth/login/verify", data={"code": "123456"})
    assert bad.status_code == 401 and b"not valid" in bad.data
    good = client.post("/auth/login/verify", data={"code": pyotp.TOTP(secret).now()})
    assert good.status_code == 302 and good.location.endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    assert actions(db) == ["auth.login_failed", "auth.login"]


def test_a_totp_code_cannot_be_replayed(client, make_user, app):
    secret = pyotp.random_base32()
    user = make_user(Role.COORDINATOR, mfa_secret=secret, mfa_enabled=True)
    code = pyotp.TOTP(secret).now()
    post_login(client, user.email)
    assert client.post("/auth/login/verify", data={"code": code}).status_code == 302
    other = app.test_client()
    post_login(other, user.email)
    assert other.post("/auth/login/verify", data={"code": code}).status_code == 401


def test_recovery_code_works_once(client, make_user, app, db):
    from flo_portal.auth.mfa import generate_recovery_codes

    user = make_user(Role.PRIVACY_OFFICER, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    codes = generate_recovery_codes(user)
    db.session.commit()
    post_login(client, user.email)
    assert client.post("/auth/login/verify", data={"code": codes[0]}).status_code == 302
    other = app.test_client()
    post_login(other, user.email)
    assert other.post("/auth/login/verify", data={"code": codes[0]}).status_code == 401
    assert "auth.recovery_code_used" in actions(db)


def test_center_staff_without_mfa_are_sent_to_enrol(client, make_user, db):
    user = make_user(Role.COORDINATOR)
    response = post_login(client, user.email)
    assert response.location.endswith("/auth/mfa/setup")
    page = client.get("/auth/mfa/setup")
    assert b"Set up multi-factor sign-in" in page.data and b"data:image/svg+xml" in page.data
    assert client.get("/dashboard").status_code == 302  # enrolment first
    with client.session_transaction() as sess:
        secret = sess["mfa_setup_secret"]
    assert client.post("/auth/mfa/setup", data={"code": "000000"}).status_code == 422
    done = client.post("/auth/mfa/setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and b"recovery codes" in done.data
    db.session.refresh(user)
    assert user.mfa_enabled and user.mfa_secret == secret
    assert client.get("/dashboard").status_code == 200


def test_idle_session_expires_after_30_minutes(client, login_as):
    with time_machine.travel(utcnow(), tick=False) as clock:
        login_as(Role.LIAISON_OFFICER)
        assert client.get("/dashboard").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/dashboard")
        assert response.status_code == 302 and "/auth/login" in response.location
        clock.shift(timedelta(seconds=1))
        assert client.get("/dashboard").status_code == 302  # really signed out


def test_active_session_is_kept_alive(client, login_as):
    with time_machine.travel(utcnow(), tick=False) as clock:
        login_as(Role.LIAISON_OFFICER)
        clock.shift(timedelta(minutes=29))
        assert client.get("/dashboard").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert client.get("/dashboard").status_code == 200


def test_next_parameter_cannot_leave_the_site(client, make_user):
    user = make_user()
    evil = post_login(client, user.email, next_url="//evil.example.com/x")
    assert evil.location.endswith("/dashboard")


def test_next_parameter_returns_to_the_page_asked_for(client, make_user):
    user = make_user()
    response = post_login(client, user.email, next_url="/account/")
    assert response.location.endswith("/account/")


def test_non_ascii_digits_in_the_code_are_refused_not_500(client, make_user):
    user = make_user(Role.ANALYST, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    post_login(client, user.email)
    response = client.post("/auth/login/verify", data={"code": "²²²²²²"})
    assert response.status_code == 401 and b"not valid" in response.data


def test_next_with_control_characters_cannot_leave_the_site(client, make_user):
    user = make_user()
    tab = post_login(client, user.email, next_url="/%09/evil.example")
    assert tab.status_code == 302 and tab.location.endswith("/dashboard")
    client.post("/auth/logout")
    newline = post_login(client, user.email, next_url="/%0a/x")
    assert newline.status_code == 302 and newline.location.endswith("/dashboard")


def test_turning_off_mfa_needs_the_password(client, login_as, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ["admin"])  # FLOs may turn it off
    user = login_as(Role.LIAISON_OFFICER, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    refused = client.post("/account/mfa/disable", data={"current_password": "not my password"})
    assert refused.status_code == 302
    db.session.refresh(user)
    assert user.mfa_enabled
    client.post("/account/mfa/disable", data={"current_password": TEST_PASSWORD})
    db.session.refresh(user)
    assert not user.mfa_enabled
