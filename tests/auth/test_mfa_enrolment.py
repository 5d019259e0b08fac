"""MFA for every role: per-role requirement, grace period, walked enrolment (issue 10 item 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import time_machine

from flo_portal.security.permissions import Role
from tests.factories import TEST_PASSWORD

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def post_login(client, email, next_url=None):
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": TEST_PASSWORD})


def enrol(client, url="/auth/mfa/setup"):
    client.get(url)
    with client.session_transaction() as sess:
        secret = sess["mfa_setup_secret"]
    done = client.post(url, data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and b"recovery codes" in done.data
    return secret


@time_machine.travel(T0, tick=False)
def test_flo_in_grace_is_walked_to_enrolment_and_may_skip(client, make_user, db):
    user = make_user(Role.LIAISON_OFFICER)
    response = post_login(client, user.email, next_url="/products/")
    assert response.status_code == 302
    assert response.location == "/auth/mfa/setup?next=/products/"
    db.session.refresh(user)
    assert user.mfa_grace_started_at == T0  # the grace period starts at first sign-in
    page = client.get(response.location)
    assert page.status_code == 200
    assert b"TLP:AMBER and TLP:RED" in page.data and b'data-testid="mfa-skip"' in page.data
    assert b'href="/products/" data-testid="mfa-skip"' in page.data
    # Skipping is allowed while in grace: the portal stays open.
    assert client.get("/products/").status_code == 200


def test_flo_after_grace_reaches_only_the_enrolment_page(client, make_user, db):
    with time_machine.travel(T0, tick=False):
        user = make_user(Role.LIAISON_OFFICER)
        post_login(client, user.email)
        client.post("/auth/logout")
    with time_machine.travel(T0 + timedelta(days=7, minutes=1), tick=False):
        response = post_login(client, user.email, next_url="/products/")
        assert response.status_code == 302 and response.location == "/auth/mfa/setup"
        # Not signed in: every other page sends them back to sign in.
        assert client.get("/products/").status_code == 302
        assert "/auth/login" in client.get("/products/").location
        page = client.get("/auth/mfa/setup")
        assert b"grace period is over" in page.data and b"mfa-skip" not in page.data
        enrol(client)
        db.session.refresh(user)
        assert user.mfa_enabled
        assert client.get("/products/").status_code == 200


def test_a_session_after_the_grace_period_is_held_at_enrolment(client, login_as, make_user):
    # login_as signs in without the forms, as a session begun within grace would be.
    user = make_user(Role.AGENCY_HEAD, mfa_grace_started_at=T0)
    with time_machine.travel(T0 + timedelta(days=6, hours=23), tick=False):
        login_as(user)
        assert client.get("/products/").status_code == 200
    with time_machine.travel(T0 + timedelta(days=7, minutes=5), tick=False):
        login_as(user)
        refused = client.get("/products/")
        assert refused.status_code == 302
        assert refused.location == "/auth/mfa/setup?next=/products/"
        assert client.get("/dashboard").location.startswith("/auth/mfa/setup")
        assert client.get("/auth/mfa/setup").status_code == 200
        assert client.get("/api/v1/products").status_code in (401, 403)
        enrol(client)
        assert client.get("/products/").status_code == 200


def test_the_grace_period_is_configurable(client, login_as, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_ENROLMENT_GRACE_DAYS", 30)
    user = make_user(Role.LIAISON_OFFICER, mfa_grace_started_at=T0)
    with time_machine.travel(T0 + timedelta(days=29), tick=False):
        login_as(user)
        assert client.get("/products/").status_code == 200
    with time_machine.travel(T0 + timedelta(days=30, seconds=1), tick=False):
        login_as(user)
        assert client.get("/products/").location.startswith("/auth/mfa/setup")


def test_a_role_taken_out_of_mfa_required_roles_signs_in_with_a_password(
    client, make_user, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ["admin", "coordinator"])
    user = make_user(Role.LIAISON_OFFICER, mfa_grace_started_at=T0)  # long past any grace
    response = post_login(client, user.email, next_url="/products/")
    assert response.status_code == 302 and response.location == "/products/"
    assert client.get("/products/").status_code == 200


def test_center_staff_have_no_grace_and_enrol_before_signing_in(client, make_user):
    user = make_user(Role.ANALYST)
    response = post_login(client, user.email)
    assert response.location == "/auth/mfa/setup"
    assert client.get("/dashboard").status_code == 302
    enrol(client)
    assert client.get("/dashboard").status_code == 200


def test_every_demo_sign_in_works(app, db):
    from flo_portal.demo import DEMO_PASSWORD, run_demo

    ctx = run_demo()
    db.session.commit()
    for entry in ctx.sign_ins:
        client = app.test_client()
        response = client.post(
            "/auth/login", data={"email": entry["email"], "password": DEMO_PASSWORD}
        )
        if entry["totp"]:  # center staff: enrolled, the secret is printed
            assert response.location == "/auth/login/verify", entry["email"]
            code = pyotp.TOTP(entry["totp"]).now()
            response = client.post("/auth/login/verify", data={"code": code})
            assert response.location == "/dashboard", entry["email"]
        else:  # partner users: walked to enrolment, may skip within the grace period
            assert response.location == "/auth/mfa/setup?next=/dashboard", entry["email"]
            assert b"mfa-skip" in client.get(response.location).data
            # ... and asked once to sign the demo's agreements (in their grace period)
            asked = client.get("/dashboard")
            assert asked.status_code == 302, entry["email"]
            assert asked.location.startswith("/agreements/"), entry["email"]
        assert client.get("/dashboard").status_code == 200, entry["email"]
