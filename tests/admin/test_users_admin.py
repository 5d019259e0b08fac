"""Administrators manage accounts; every change is audited."""

from __future__ import annotations

import pyotp
import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.notifications.models import OutboxEmail
from flo_portal.security.permissions import Role
from flo_portal.users.models import User
from tests.factories import AgencyFactory


def last_action(db) -> str:
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())).first()


def test_invite_a_partner_user(client, login_as, db):
    login_as(Role.ADMIN)
    agency = AgencyFactory(name="Harbor County Sheriff")
    db.session.commit()
    response = client.post(
        "/admin/users/new",
        data={
            "name": "Dana Deputy",
            "email": "Dana@Harbor.example.gov",
            "role": "liaison_officer",
            "agency_id": str(agency.id),
        },
    )
    assert response.status_code == 302
    user = db.session.scalars(sa.select(User).where(User.email == "dana@harbor.example.gov")).one()
    assert user.agency_id == agency.id and user.password_hash is None
    email = db.session.scalars(sa.select(OutboxEmail)).one()
    assert email.to_address == "dana@harbor.example.gov" and "/auth/invitation/" in email.body_text
    assert {"user.created", "user.invited"} <= set(db.session.scalars(sa.select(AuditEvent.action)))


def test_form_errors_rerender_and_keep_the_input(client, login_as, make_user):
    login_as(Role.ADMIN)
    existing = make_user(Role.ANALYST)
    dup = client.post(
        "/admin/users/new",
        data={"name": "X", "email": existing.email, "role": "analyst", "agency_id": "0"},
    )
    assert dup.status_code == 422 and b"already exists" in dup.data
    no_agency = client.post(
        "/admin/users/new",
        data={"name": "Pat FLO", "email": "pat@x.gov", "role": "liaison_officer", "agency_id": "0"},
    )
    assert no_agency.status_code == 422 and b"Choose the user&#39;s agency." in no_agency.data
    assert b'value="Pat FLO"' in no_agency.data
    bad_role = client.post(
        "/admin/users/new",
        data={"name": "Q", "email": "q@x.gov", "role": "superuser", "agency_id": "0"},
    )
    assert bad_role.status_code == 422 and b"Not a valid choice" in bad_role.data


def test_deactivation_ends_the_users_sessions(client, app, login_as, make_user, db):
    target = make_user(Role.LIAISON_OFFICER)
    victim_client = app.test_client()
    victim_client.post(
        "/auth/login", data={"email": target.email, "password": "a long enough test passphrase"}
    )
    assert victim_client.get("/dashboard").status_code == 200
    login_as(Role.ADMIN)
    assert client.post(f"/admin/users/{target.id}/deactivate").status_code == 302
    assert last_action(db) == "user.deactivated"
    assert victim_client.get("/dashboard").status_code == 302


def test_unlock_and_reset_mfa_of_a_partner_user_apply_at_once(client, login_as, make_user, db):
    from datetime import timedelta

    from flo_portal.core.orm import utcnow

    target = make_user(
        Role.LIAISON_OFFICER,
        locked_until=utcnow() + timedelta(minutes=5),
        failed_logins=0,
        mfa_enabled=True,
        mfa_secret=pyotp.random_base32(),
    )
    login_as(Role.ADMIN)
    client.post(f"/admin/users/{target.id}/unlock")
    client.post(f"/admin/users/{target.id}/reset-mfa")
    db.session.refresh(target)
    assert target.locked_until is None and not target.mfa_enabled and target.mfa_secret is None
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"user.unlocked", "user.mfa_reset"} <= actions


def test_admin_cannot_deactivate_themselves(client, login_as, db):
    admin = login_as(Role.ADMIN)
    client.post(f"/admin/users/{admin.id}/deactivate")
    db.session.refresh(admin)
    assert admin.is_active_account


def test_unknown_user_or_action_is_404(client, login_as, make_user):
    login_as(Role.ADMIN)
    assert client.get("/admin/users/99999").status_code == 404
    other = make_user()
    assert client.post(f"/admin/users/{other.id}/promote-to-god").status_code == 404


def test_role_change_of_a_partner_user_takes_effect_at_once(client, login_as, make_user, db):
    target = make_user(Role.LIAISON_OFFICER)
    login_as(Role.ADMIN)
    client.post(
        f"/admin/users/{target.id}",
        data={
            "name": target.name,
            "email": target.email,
            "role": "agency_head",
            "agency_id": str(target.agency_id),
        },
    )
    db.session.refresh(target)
    assert target.role == Role.AGENCY_HEAD and last_action(db) == "user.updated"


def test_admin_cannot_change_their_own_role(client, login_as, db):
    admin = login_as(Role.ADMIN)
    response = client.post(
        f"/admin/users/{admin.id}",
        data={"name": admin.name, "email": admin.email, "role": "coordinator", "agency_id": "0"},
    )
    assert response.status_code == 422
    assert b"cannot change your own role" in response.data
    db.session.refresh(admin)
    assert admin.role == Role.ADMIN
    # Renaming oneself is fine.
    ok = client.post(
        f"/admin/users/{admin.id}",
        data={"name": "Renamed Admin", "email": admin.email, "role": "admin", "agency_id": "0"},
    )
    assert ok.status_code == 302
