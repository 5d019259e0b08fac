"""Password policy, reset by e-mailed single-use token, invitation, change."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from flo_portal.core.orm import utcnow
from flo_portal.notifications.models import OutboxEmail
from flo_portal.security.permissions import Role
from tests.auth.helpers import NEW, change_password_keeps_only_this_session
from tests.factories import TEST_PASSWORD


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


# Refused by the old length + list check: 27 of 43 such passwords got through.
WEAK = [
    "Password123!",
    "P@ssw0rd1234",
    "123456789012",
    "Qwerty123456!",
    "Welcome12345",
    "Letmein12345!",
    "Iloveyou2026",
    "Summer2026!!",
    "Winter2025!!",
    "Football2026",
    "Baseball1234!",
    "Changeme1234",
    "Monkey123456",
    "Dragon123456",
    "1q2w3e4r5t6y",
    "zaq12wsxcde3",
    "Trustno1Trustno1",
    "Abcdefgh1234",
    "Admin1234567",
    "Passw0rd!!!!",
    "aaaaaaaaaaaa",
    "abcabcabcabc",
    "qwertyuiopas",
    "Sunshine2026",
    "Princess2026!",
    "Starwars1234",
    "Michael12345",
    "Superman1234!",
    "Master123456",
    "Hello1234567",
    "Freedom2026!",
    "Shadow123456!",
    "Whatever1234",
    "11111111aaaa",
    "password1234",
    # the portal's own name
    "FloPortal2026!",
    "floportal123!",
    "Fusion2026!!",
    "Liaison2026!",
]
STRONG = [
    "purple elephants dance at noon",
    "correct staple horse battery",
    "tangerine kayak lantern 42",
    "Vk8#pQ2m!zR7wL",
    "glacier-mosaic-thimble-orbit",
    "Morgan rides purple elephants at noon",  # a name among other words is fine
]
MORGAN = {"email": "morgan.castellano@fusion.example.gov", "name": "Morgan Castellano"}


def test_weak_passwords_are_refused_with_a_reason_and_a_suggestion(app):
    from flo_portal.auth.passwords import password_problems

    with app.test_request_context():
        accepted = [p for p in WEAK if not password_problems(p, **MORGAN)]
        assert accepted == []
        problems = password_problems("Password123!")
        assert "similar to a commonly used password" in problems[0]
        assert "Add another word or two" in " ".join(problems)


def test_strong_passwords_are_accepted(app):
    from flo_portal.auth.passwords import password_problems

    with app.test_request_context():
        assert {p: password_problems(p, **MORGAN) for p in STRONG} == {p: [] for p in STRONG}


def test_a_password_made_of_the_users_own_name_is_refused(app):
    from flo_portal.auth.passwords import password_problems

    with app.test_request_context():
        for password in (
            "Castellano.Morgan.1987",
            "MorganCastellano2026!",
            "castellano morgan",
            "Morgan-Castellano-Fusion!",
        ):
            assert password_problems(password, **MORGAN), password
            # The same password is fine for someone else: it is the name that is weak.
        assert password_problems("Castellano.Morgan.1987") == []


def test_the_reset_page_says_why_and_what_would_do(client, make_user, db):
    user = make_user(name="Morgan Castellano", email="morgan.castellano@fusion.example.gov")
    client.post("/auth/password/forgot", data={"email": user.email})
    link = reset_link(db)
    for weak in ("P@ssw0rd1234", "Castellano.Morgan.1987"):
        page = client.post(link, data={"password": weak, "confirm": weak})
        assert page.status_code == 422
    assert b"name or e-mail address" in page.data
    page = client.post(link, data={"password": "Summer2026!!", "confirm": "Summer2026!!"})
    assert b"Add another word or two" in page.data
    db.session.refresh(user)
    assert user.password_changed_at is None


def test_the_change_password_form_uses_the_same_check(client, login_as):
    login_as(Role.LIAISON_OFFICER)
    page = client.post(
        "/auth/password/change",
        data={
            "current_password": TEST_PASSWORD,
            "password": "Password123!",
            "confirm": "Password123!",
        },
    )
    assert page.status_code == 422 and b"commonly used password" in page.data


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
    change_password_keeps_only_this_session(client, other)


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
