"""Passkeys (issue 14 items 4 and 6): registration, second factor, passwordless, refusals.

A software authenticator (tests/auth/soft_webauthn.py) makes real attestations and
assertions, so py_webauthn verifies signatures, origin, RP id, flags and counter.
"""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
import time_machine

from flo_portal.audit.models import AuditEvent
from flo_portal.auth import passkeys as pk
from flo_portal.auth.models import Passkey, WebAuthnChallenge
from flo_portal.core.orm import utcnow
from flo_portal.security.permissions import Role
from tests.auth.soft_webauthn import SoftAuthenticator
from tests.factories import TEST_PASSWORD

OPTIONS = "/auth/passkeys/login/options"
LOGIN = "/auth/passkeys/login"


def events(db, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def register(client, auth: SoftAuthenticator, name: str = "Laptop", **kw):
    options = client.post("/auth/passkeys/register/options").get_json()
    return client.post(
        "/auth/passkeys/register", json={"name": name, "credential": auth.create(options, **kw)}
    )


def password_step(client, user):
    return client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})


def passkey_step(client, auth, *, mode: str = "", **kw):
    query = "?mode=second" if mode else ""
    options = client.post(OPTIONS + query).get_json()
    return client.post(LOGIN + query, json={"credential": auth.get(options, **kw)})


def signed_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def user_with_passkey(client, login_as, soft, role=Role.LIAISON_OFFICER, **kwargs):
    user = login_as(role, **kwargs)
    auth = soft()
    assert register(client, auth).status_code == 200
    client.post("/auth/logout")
    return user, auth


def assert_refused(db, client, response, text: str, count: int = 1):
    assert response.status_code == 400, response.data
    assert text in response.get_json()["error"]
    assert len(events(db, "auth.passkey_refused")) == count
    assert not signed_in(client)


# --- Registering, naming, removing ------------------------------------------------


def test_a_user_registers_several_passkeys_renames_and_removes_one(client, login_as, soft, db):
    user = login_as(Role.LIAISON_OFFICER)
    first, second = soft(), soft()
    response = register(client, first, "Work laptop")
    assert response.status_code == 200 and response.get_json()["redirect"] == "/auth/passkeys/"
    options = client.post("/auth/passkeys/register/options").get_json()
    assert [c["id"] for c in options["excludeCredentials"]] == [first.id]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    response = client.post(
        "/auth/passkeys/register",
        json={"name": "  Blue   key ", "credential": second.create(options)},
    )
    assert response.status_code == 200
    rows = db.session.scalars(sa.select(Passkey).order_by(Passkey.id)).all()
    assert [(p.user_id, p.name, p.credential_id) for p in rows] == [
        (user.id, "Work laptop", first.id),
        (user.id, "Blue key", second.id),
    ]
    page = client.get("/auth/passkeys/")
    assert page.status_code == 200 and b"Work laptop" in page.data and b"Blue key" in page.data
    assert b'src="/static/js/passkeys.js"' in page.data and b"<script>" not in page.data

    assert (
        client.post(f"/auth/passkeys/{rows[1].id}/rename", data={"name": "Spare"}).status_code
        == 302
    )
    wrong = client.post(f"/auth/passkeys/{rows[0].id}/remove", data={"current_password": "nope"})
    assert wrong.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 2
    assert events(db, "auth.reauth_failed")
    gone = client.post(
        f"/auth/passkeys/{rows[0].id}/remove", data={"current_password": TEST_PASSWORD}
    )
    assert gone.status_code == 302
    db.session.expire_all()
    assert [p.name for p in db.session.scalars(sa.select(Passkey))] == ["Spare"]
    assert [e.summary for e in events(db, "auth.passkey_registered")] == ["Work laptop", "Blue key"]
    assert [e.summary for e in events(db, "auth.passkey_renamed")] == ["Spare"]
    assert [e.summary for e in events(db, "auth.passkey_removed")] == ["Work laptop"]


def test_another_users_passkey_cannot_be_renamed_or_removed(client, login_as, soft, make_user, db):
    user_with_passkey(client, login_as, soft)
    theirs = db.session.scalars(sa.select(Passkey)).one()
    login_as(Role.LIAISON_OFFICER)
    assert client.post(f"/auth/passkeys/{theirs.id}/rename", data={"name": "x"}).status_code == 404
    remove = client.post(
        f"/auth/passkeys/{theirs.id}/remove", data={"current_password": TEST_PASSWORD}
    )
    assert remove.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 1


def test_rp_id_and_origin_come_from_public_base_url_unless_configured(app):
    with app.test_request_context():
        app.config["PUBLIC_BASE_URL"], saved = (
            "https://portal.fusion.example.gov/",
            app.config["PUBLIC_BASE_URL"],
        )
        try:
            assert (pk.rp_id(), pk.origin()) == (
                "portal.fusion.example.gov",
                "https://portal.fusion.example.gov",
            )
            app.config.update(
                WEBAUTHN_RP_ID="fusion.example.gov", WEBAUTHN_ORIGIN="https://x.example.gov/"
            )
            assert (pk.rp_id(), pk.origin()) == ("fusion.example.gov", "https://x.example.gov")
        finally:
            app.config.update(PUBLIC_BASE_URL=saved, WEBAUTHN_RP_ID="", WEBAUTHN_ORIGIN="")


# --- Signing in -------------------------------------------------------------------


def test_a_passkey_is_the_second_factor_after_the_password(client, login_as, soft, db):
    user, auth = user_with_passkey(client, login_as, soft)
    response = password_step(client, user)
    assert response.location == "/auth/login/verify"
    page = client.get(response.location)
    assert b"Use a passkey" in page.data and b"Authentication code" not in page.data
    options = client.post(OPTIONS + "?mode=second").get_json()
    assert [c["id"] for c in options["allowCredentials"]] == [auth.id]
    done = client.post(LOGIN + "?mode=second", json={"credential": auth.get(options)})
    assert done.status_code == 200 and done.get_json()["redirect"] == "/dashboard"
    assert signed_in(client)
    assert events(db, "auth.login")[-1].details["method"] == "password+passkey"
    assert db.session.scalars(sa.select(Passkey)).one().sign_count == 1


def test_passwordless_sign_in_with_a_discoverable_passkey(client, login_as, soft, db):
    user, auth = user_with_passkey(client, login_as, soft)
    options = client.post(OPTIONS).get_json()
    assert options["userVerification"] == "required" and options["allowCredentials"] == []
    done = client.post(LOGIN, json={"credential": auth.get(options)})
    assert done.status_code == 200
    assert signed_in(client)
    login = events(db, "auth.login")[-1]
    assert (login.actor_id, login.details["method"]) == (user.id, "passkey")
    assert events(db, "auth.passkey_used")[-1].actor_id == user.id


def test_passwordless_needs_user_verification(client, login_as, soft, db):
    _, auth = user_with_passkey(client, login_as, soft)
    assert_refused(db, client, passkey_step(client, auth, uv=False), "could not be verified")


def test_a_replayed_response_is_refused(client, login_as, soft, db):
    _, auth = user_with_passkey(client, login_as, soft)
    options = client.post(OPTIONS).get_json()
    answer = auth.get(options)
    assert client.post(LOGIN, json={"credential": answer}).status_code == 200
    client.post("/auth/logout")
    again = client.post(LOGIN, json={"credential": answer})  # the challenge is spent
    assert_refused(db, client, again, "expired or was already used")
    client.post(OPTIONS)  # a fresh challenge does not revive the old answer
    assert_refused(
        db, client, client.post(LOGIN, json={"credential": answer}), "could not be verified", 2
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebAuthnChallenge)) == 0


def test_an_expired_challenge_is_refused(client, login_as, soft, db):
    _, auth = user_with_passkey(client, login_as, soft)
    options = client.post(OPTIONS).get_json()
    with time_machine.travel(utcnow() + timedelta(minutes=3)):
        response = client.post(LOGIN, json={"credential": auth.get(options)})
    assert_refused(db, client, response, "expired or was already used")


@pytest.mark.parametrize(
    "tamper", [{"origin": "https://phish.example.com"}, {"rp_id": "phish.example.com"}]
)
def test_a_wrong_origin_or_rp_id_is_refused(client, login_as, soft, db, tamper):
    _, auth = user_with_passkey(client, login_as, soft)
    assert_refused(db, client, passkey_step(client, auth, **tamper), "could not be verified")


def test_registration_from_a_wrong_origin_is_refused(client, login_as, soft, db):
    login_as(Role.LIAISON_OFFICER)
    response = register(client, soft(), origin="https://phish.example.com")
    assert response.status_code == 400 and "could not be verified" in response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 0
    assert len(events(db, "auth.passkey_refused")) == 1


def test_a_sign_counter_going_backwards_is_refused_as_a_clone(client, login_as, soft, db):
    _, auth = user_with_passkey(client, login_as, soft)
    assert passkey_step(client, auth, count_step=5).status_code == 200
    client.post("/auth/logout")
    response = passkey_step(client, auth, count_step=-2)
    assert_refused(db, client, response, "could not be verified")
    assert "cloned" in events(db, "auth.passkey_refused")[0].summary


def test_a_removed_passkey_no_longer_signs_in(client, login_as, soft, db):
    user, auth = user_with_passkey(client, login_as, soft)
    keep_one = soft()
    login_as(user)
    register(client, keep_one)
    removed = db.session.scalar(sa.select(Passkey).where(Passkey.credential_id == auth.id))
    client.post(f"/auth/passkeys/{removed.id}/remove", data={"current_password": TEST_PASSWORD})
    client.post("/auth/logout")
    assert_refused(db, client, passkey_step(client, auth), "not registered")


def test_another_users_passkey_is_not_their_second_factor(client, login_as, soft, db):
    _, mallory_key = user_with_passkey(client, login_as, soft)
    victim, _ = user_with_passkey(client, login_as, soft)
    password_step(client, victim)
    response = passkey_step(client, mallory_key, mode="second")
    assert_refused(db, client, response, "not registered")
    db.session.refresh(victim)
    assert victim.failed_logins == 1  # counts toward the victim's lock-out, like a wrong code


def test_a_locked_account_cannot_sign_in_with_a_passkey(client, login_as, soft, db):
    user, auth = user_with_passkey(client, login_as, soft)
    user.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    response = passkey_step(client, auth)
    assert response.status_code == 403 and "locked" in response.get_json()["error"]
    assert events(db, "auth.refused_locked") and not signed_in(client)


MALFORMED = [None, {}, {"credential": "x"}, {"credential": {"id": 5}}, "response", "signature"]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_answers_are_refused_not_500(client, login_as, soft, db, body):
    _, auth = user_with_passkey(client, login_as, soft)
    options = client.post(OPTIONS).get_json()
    if body is None:
        response = client.post(LOGIN, data="{")
    elif isinstance(body, str):  # a real answer with one part broken
        answer = auth.get(options)
        if body == "response":
            answer["response"] = "broken"
        else:
            answer["response"]["signature"] = "AAAA"
        response = client.post(LOGIN, json={"credential": answer})
    else:
        response = client.post(LOGIN, json=body)
    assert response.status_code == 400 and response.get_json()["error"]
    assert len(events(db, "auth.passkey_refused")) == 1
    assert not signed_in(client)


def test_without_a_pending_password_step_the_second_factor_is_refused(client):
    response = client.post(OPTIONS + "?mode=second")
    assert response.status_code == 401 and response.get_json()["error"]


# --- Phishing-resistant MFA for chosen roles --------------------------------------


@pytest.fixture
def coordinators_need_passkeys(app, monkeypatch):
    monkeypatch.setitem(app.config, "PHISHING_RESISTANT_MFA_ROLES", ["coordinator"])


def test_a_coordinator_with_totp_is_walked_to_register_a_passkey(
    client, make_user, soft, db, coordinators_need_passkeys
):
    secret = pyotp.random_base32()
    user = make_user(Role.COORDINATOR, mfa_secret=secret, mfa_enabled=True)
    assert password_step(client, user).location == "/auth/login/verify"
    response = client.post("/auth/login/verify", data={"code": pyotp.TOTP(secret).now()})
    assert response.location == "/auth/passkeys/enrol"
    assert not signed_in(client)  # TOTP alone does not finish the sign-in
    page = client.get("/auth/passkeys/enrol")
    assert page.status_code == 200 and b"Register a passkey" in page.data
    done = register(client, soft())
    assert done.status_code == 200 and done.get_json()["redirect"] == "/dashboard"
    assert signed_in(client)
    assert events(db, "auth.login")[-1].details["method"] == "password+passkey-enrolment"


def test_a_coordinator_with_a_passkey_may_not_use_totp_alone(
    client, make_user, login_as, soft, db, coordinators_need_passkeys
):
    secret = pyotp.random_base32()
    user = make_user(Role.COORDINATOR, mfa_secret=secret, mfa_enabled=True)
    user, auth = user_with_passkey(client, login_as, soft, role=user)
    password_step(client, user)
    page = client.get("/auth/login/verify")
    assert b"Use a passkey" in page.data and b"Authentication code" not in page.data
    response = client.post("/auth/login/verify", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 403 and b"passkey" in response.data
    assert events(db, "auth.passkey_refused")[-1].summary == "code where a passkey is required"
    assert not signed_in(client)
    assert passkey_step(client, auth, mode="second").status_code == 200
    assert signed_in(client)


def test_a_required_passkey_cannot_be_removed_when_it_is_the_last(
    client, make_user, login_as, soft, db, coordinators_need_passkeys
):
    user = make_user(Role.COORDINATOR, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    login_as(user)
    register(client, soft())
    only = db.session.scalars(sa.select(Passkey)).one()
    response = client.post(
        f"/auth/passkeys/{only.id}/remove", data={"current_password": TEST_PASSWORD}
    )
    assert response.status_code == 403 and b"add another" in response.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 1


def test_a_coordinator_without_mfa_registers_a_passkey_at_sign_in(
    client, make_user, soft, db, coordinators_need_passkeys
):
    user = make_user(Role.COORDINATOR)
    assert password_step(client, user).location == "/auth/passkeys/enrol"
    assert register(client, soft()).status_code == 200
    assert signed_in(client)
    client.post("/auth/logout")  # next time: password, then the passkey (no TOTP enrolment)
    assert password_step(client, user).location == "/auth/login/verify"


def test_an_admins_mfa_reset_removes_the_passkeys_too(client, login_as, soft, make_user, db):
    from flo_portal.admin.services import reset_mfa

    user, _ = user_with_passkey(client, login_as, soft)
    admin = make_user(Role.ADMIN)
    reset_mfa(user, admin)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 0
    removed = events(db, "auth.passkey_removed")
    assert [(e.actor_id, e.summary) for e in removed] == [(admin.id, "Laptop (MFA reset)")]


@pytest.mark.parametrize(
    "breakage", ["no credential", "id only", "response", "attestation", "client data"]
)
def test_malformed_registrations_are_refused_not_500(client, login_as, soft, db, breakage):
    login_as(Role.LIAISON_OFFICER)
    options = client.post("/auth/passkeys/register/options").get_json()
    answer = soft().create(options)
    if breakage == "no credential":
        answer = None
    elif breakage == "id only":
        answer = {"id": "abc"}
    elif breakage == "response":
        answer["response"] = ["broken"]
    elif breakage == "attestation":
        answer["response"]["attestationObject"] = "AAAA"
    else:
        answer["response"]["clientDataJSON"] = "e30"  # {}
    response = client.post("/auth/passkeys/register", json={"name": "x", "credential": answer})
    assert response.status_code == 400 and response.get_json()["error"]
    assert len(events(db, "auth.passkey_refused")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 0


def test_a_session_of_a_role_that_now_needs_a_passkey_is_held_at_registration(
    client, login_as, soft, make_user, coordinators_need_passkeys
):
    login_as(make_user(Role.COORDINATOR, mfa_secret=pyotp.random_base32(), mfa_enabled=True))
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.location == "/auth/passkeys/"
    assert b"register one to continue" in client.get(response.location).data
    assert register(client, soft()).status_code == 200
    assert client.get("/dashboard").status_code == 200


def test_a_user_held_at_mfa_enrolment_may_register_a_passkey_instead(
    client, login_as, soft, make_user
):
    # MFA required, no grace period: held at enrolment
    login_as(make_user(Role.ANALYST, mfa_grace_started_at=utcnow() - timedelta(hours=1)))
    page = client.get(client.get("/dashboard").location)
    assert b"register a passkey" in page.data
    assert register(client, soft()).status_code == 200
    assert client.get("/dashboard").status_code == 200  # a passkey counts as MFA


def test_repeated_refused_second_factors_lock_the_account(client, login_as, soft, app, db):
    _, stranger_key = user_with_passkey(client, login_as, soft)
    user, _ = user_with_passkey(client, login_as, soft)
    password_step(client, user)
    for _ in range(app.config["LOCKOUT_THRESHOLD"] - 1):
        assert passkey_step(client, stranger_key, mode="second").status_code == 400
    last = passkey_step(client, stranger_key, mode="second")
    assert last.status_code == 403 and "locked" in last.get_json()["error"]
    assert events(db, "auth.locked_out")
    assert client.post(OPTIONS + "?mode=second").status_code == 401  # the half sign-in is gone
