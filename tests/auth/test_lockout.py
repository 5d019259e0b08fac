"""Every password or code check counts toward one lock-out, and the sign-in page never
tells whether an account exists or is locked."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pyotp
import sqlalchemy as sa
import time_machine

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.notifications.models import OutboxEmail
from flo_portal.security.permissions import Role
from flo_portal.users.models import User
from tests.factories import TEST_PASSWORD
from tests.markers import needs_postgres

NEW = "a brand new passphrase for me"
WRONG = "certainly not my password"


def alerts(response) -> list[str]:
    """The flashed messages and field errors on a page, as text."""
    html = response.get_data(as_text=True)
    found = re.findall(r'role="alert">\s*(.*?)\s*<button', html, flags=re.S)
    found += re.findall(r'class="invalid-feedback[^"]*">\s*(.*?)\s*</', html, flags=re.S)
    return found


def login(client, email, password=TEST_PASSWORD):
    return client.post("/auth/login", data={"email": email, "password": password})


def wrong_change(client):
    return client.post(
        "/auth/password/change",
        data={"current_password": WRONG, "password": NEW, "confirm": NEW},
    )


def wrong_mfa_disable(client):
    return client.post("/account/mfa/disable", data={"current_password": WRONG})


def locked(user) -> bool:
    db.session.refresh(user)
    return user.is_locked()


def test_the_password_change_form_counts_toward_the_lock_out(app, client, login_as):
    user = login_as(Role.LIAISON_OFFICER)
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        assert wrong_change(client).status_code == 422
    assert locked(user)
    # Locked: the right current password is refused too, on this form and at sign-in.
    refused = client.post(
        "/auth/password/change",
        data={"current_password": TEST_PASSWORD, "password": NEW, "confirm": NEW},
    )
    assert refused.status_code == 422 and b"locked after too many failed attempts" in refused.data
    db.session.refresh(user)
    assert user.password_changed_at is None
    assert login(app.test_client(), user.email).status_code == 401


def test_the_mfa_disable_form_counts_toward_the_lock_out(app, client, login_as):
    user = login_as(Role.LIAISON_OFFICER, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        wrong_mfa_disable(client)
    assert locked(user)
    client.post("/account/mfa/disable", data={"current_password": TEST_PASSWORD})
    db.session.refresh(user)
    assert user.mfa_enabled  # the right password does not help while locked
    page = client.get("/account/")
    assert b"locked after too many failed attempts" in page.data


def test_the_recovery_code_form_counts_too(app, client, login_as):
    user = login_as(Role.ANALYST, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        client.post("/account/mfa/recovery-codes", data={"current_password": WRONG})
    assert locked(user)


def test_every_form_adds_to_the_same_count(app, client, login_as):
    user = login_as(Role.LIAISON_OFFICER, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    other = app.test_client()
    login(other, user.email, WRONG)
    login(other, user.email, WRONG)
    wrong_change(client)
    wrong_mfa_disable(client)
    assert not locked(user)
    # The fifth failure, on the code step of a sign-in, locks the account.
    login(other, user.email)
    other.post("/auth/login/verify", data={"code": "000000"})
    assert locked(user)
    failed = db.session.scalars(
        sa.select(AuditEvent.summary)
        .where(AuditEvent.action == "auth.login_failed")
        .order_by(AuditEvent.id)
    ).all()
    assert failed == [
        "wrong password",
        "wrong password",
        "wrong current password (password change)",
        "wrong password (MFA disable)",
        "wrong authentication code",
    ]


def test_the_lock_out_does_not_tell_whether_an_account_exists(app, make_user):
    user = make_user()
    known, unknown = app.test_client(), app.test_client()
    threshold = app.config["LOCKOUT_THRESHOLD"]
    for _ in range(threshold + 2):
        a = login(known, user.email, WRONG)
        b = login(unknown, "nobody.at.all@example.gov", WRONG)
        assert (a.status_code, alerts(a)) == (b.status_code, alerts(b)), (alerts(a), alerts(b))
    assert locked(user)
    # The locked account's own right password gets the very same answer.
    right = login(known, user.email)
    ghost = login(unknown, "nobody.at.all@example.gov", TEST_PASSWORD)
    assert (right.status_code, alerts(right)) == (ghost.status_code, alerts(ghost))
    assert right.status_code == 401 and "locked" in " ".join(alerts(right))
    # Only the account holder is told, by e-mail.
    mails = db.session.scalars(sa.select(OutboxEmail)).all()
    assert [(m.to_address, m.kind) for m in mails] == [(user.email, "account_locked")]


def test_lock_out_ends_after_its_minutes(app, make_user):
    user = make_user()
    client = app.test_client()
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        login(client, user.email, WRONG)
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        assert login(client, user.email).status_code == 302


@needs_postgres
def test_one_totp_code_is_accepted_once_by_two_concurrent_sign_ins(app, make_user):
    """Two real connections verify the same code at the same instant: one wins."""
    from flo_portal.auth import mfa

    secret = pyotp.random_base32()
    user = make_user(Role.ANALYST, mfa_secret=secret, mfa_enabled=True)
    user_id = user.id
    code = pyotp.TOTP(secret).now()
    barrier = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def sign_in() -> None:
        try:
            with app.app_context():
                me = db.session.get(User, user_id)
                step = mfa.check_totp(me.mfa_secret, code, me.mfa_last_timestep)
                assert step is not None  # both see the code as valid and unused...
                barrier.wait(timeout=30)  # ...before either records it
                results.append(mfa.claim_totp_step(me, step))
                db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sign_in) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == [False, True]


@needs_postgres
def test_two_browsers_racing_with_one_code_get_one_session(app, make_user):
    """The same race through the sign-in pages: exactly one browser is let in."""
    secret = pyotp.random_base32()
    user = make_user(Role.ANALYST, mfa_secret=secret, mfa_enabled=True)
    browsers = [app.test_client() for _ in range(4)]
    for browser in browsers:
        assert login(browser, user.email).status_code == 302
    code = pyotp.TOTP(secret).now()
    barrier = threading.Barrier(len(browsers))
    codes: list[int] = []
    errors: list[BaseException] = []

    def verify(browser) -> None:
        try:
            barrier.wait(timeout=30)
            codes.append(browser.post("/auth/login/verify", data={"code": code}).status_code)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=verify, args=(b,)) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(codes) == [302, 401, 401, 401]
