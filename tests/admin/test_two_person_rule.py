"""Two-person rule for center-staff accounts (issue 10 item 7)."""

from __future__ import annotations

import threading

import pyotp
import sqlalchemy as sa

from bench.harness import signed_in_client
from flo_portal.admin.models import AccountChangeRequest, ChangeStatus
from flo_portal.audit.models import AuditEvent
from flo_portal.notifications.models import OutboxEmail
from flo_portal.security.permissions import Role
from flo_portal.users.models import User
from tests.markers import needs_postgres


def actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def outbox(db) -> list[OutboxEmail]:
    return list(db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))


def the_request(db) -> AccountChangeRequest:
    return db.session.scalars(sa.select(AccountChangeRequest)).one()


def edit(client, user, **changes):
    data = {"name": user.name, "email": user.email, "role": user.role, "agency_id": "0"}
    data.update(changes)
    return client.post(f"/admin/users/{user.id}", data=data)


def test_email_change_waits_for_a_second_admin_who_is_not_the_requester(app, make_user, db):
    first = make_user(Role.ADMIN, name="Alex First")
    second = make_user(Role.ADMIN, name="Blair Second")
    target = make_user(
        Role.COORDINATOR,
        email="casey@fusion.example.gov",
        mfa_enabled=True,
        mfa_secret=pyotp.random_base32(),
    )
    token_before = target.session_token
    first_client, second_client = signed_in_client(app, first), signed_in_client(app, second)

    response = edit(
        first_client, target, name="Casey C. Coordinator", email="evil@attacker.example"
    )
    assert response.status_code == 302
    assert (
        b"takes effect when another administrator approves" in first_client.get("/admin/users").data
    )
    db.session.expire_all()
    target = db.session.get(User, target.id)
    assert target.email == "casey@fusion.example.gov"  # not applied yet
    assert target.name == "Casey C. Coordinator"  # a name is not guarded
    change = the_request(db)
    assert change.status == ChangeStatus.PENDING and change.requested_by_id == first.id
    assert change.changes == {"email": ["casey@fusion.example.gov", "evil@attacker.example"]}
    filed = outbox(db)[-1]
    assert filed.to_address == "casey@fusion.example.gov" and "awaiting approval" in filed.subject

    # The requester cannot approve their own request.
    first_client.post(f"/admin/change-requests/{change.id}/approve")
    page = first_client.get("/admin/change-requests")
    assert b"another administrator must decide it" in page.data
    db.session.expire_all()
    assert db.session.get(User, target.id).email == "casey@fusion.example.gov"
    assert the_request(db).status == ChangeStatus.PENDING
    assert "user.change_approved" not in actions(db)

    # A second administrator approves: only now is it applied, and the old address is told.
    assert b"Approve" in second_client.get("/admin/change-requests").data
    assert second_client.post(f"/admin/change-requests/{change.id}/approve").status_code == 302
    db.session.expire_all()
    target = db.session.get(User, target.id)
    assert target.email == "evil@attacker.example"
    assert target.session_token != token_before  # signed out everywhere
    change = the_request(db)
    assert change.status == ChangeStatus.APPROVED and change.decided_by_id == second.id
    notice = outbox(db)[-1]
    assert notice.to_address == "casey@fusion.example.gov"
    assert "now in effect" in notice.body_text and "evil@attacker.example" in notice.body_text
    assert "Alex First" in notice.body_text and "Blair Second" in notice.body_text
    trail = actions(db)
    assert trail.count("user.change_requested") == 1
    assert trail[-2:] == ["user.updated", "user.change_approved"]
    # A decided request cannot be decided again.
    second_client.post(f"/admin/change-requests/{change.id}/reject")
    assert the_request(db).status == ChangeStatus.APPROVED


def test_rejected_change_is_never_applied(app, make_user, db):
    first, second = make_user(Role.ADMIN), make_user(Role.ADMIN)
    target = make_user(Role.ANALYST)
    edit(signed_in_client(app, first), target, role="admin")
    change = the_request(db)
    signed_in_client(app, second).post(f"/admin/change-requests/{change.id}/reject")
    db.session.expire_all()
    assert db.session.get(User, target.id).role == Role.ANALYST
    assert the_request(db).status == ChangeStatus.REJECTED
    assert "user.change_rejected" in actions(db)
    signed_in_client(app, second).post(f"/admin/change-requests/{change.id}/approve")
    db.session.expire_all()
    assert db.session.get(User, target.id).role == Role.ANALYST


def test_mfa_reset_of_center_staff_needs_approval(app, make_user, db):
    first, second = make_user(Role.ADMIN), make_user(Role.ADMIN)
    target = make_user(Role.PRIVACY_OFFICER, mfa_enabled=True, mfa_secret=pyotp.random_base32())
    signed_in_client(app, first).post(f"/admin/users/{target.id}/reset-mfa")
    db.session.expire_all()
    assert db.session.get(User, target.id).mfa_enabled
    change = the_request(db)
    signed_in_client(app, first).post(f"/admin/change-requests/{change.id}/approve")
    db.session.expire_all()
    assert db.session.get(User, target.id).mfa_enabled
    signed_in_client(app, second).post(f"/admin/change-requests/{change.id}/approve")
    db.session.expire_all()
    target = db.session.get(User, target.id)
    assert not target.mfa_enabled and target.mfa_secret is None
    assert {"user.change_requested", "user.mfa_reset", "user.change_approved"} <= set(actions(db))
    assert outbox(db)[-1].to_address == target.email


def test_password_reset_of_center_staff_needs_approval(app, make_user, db):
    first, second = make_user(Role.ADMIN), make_user(Role.ADMIN)
    target = make_user(Role.COORDINATOR, mfa_enabled=True, mfa_secret=pyotp.random_base32())
    old_hash = target.password_hash
    signed_in_client(app, first).post(f"/admin/users/{target.id}/reset-password")
    db.session.expire_all()
    assert db.session.get(User, target.id).password_hash == old_hash
    assert not any("/auth/password/reset/" in m.body_text for m in outbox(db))
    signed_in_client(app, second).post(f"/admin/change-requests/{the_request(db).id}/approve")
    db.session.expire_all()
    assert db.session.get(User, target.id).password_hash is None
    links = [m for m in outbox(db) if "/auth/password/reset/" in m.body_text]
    assert [m.to_address for m in links] == [target.email]


def test_promotion_to_center_staff_needs_approval(app, make_user, db):
    first = make_user(Role.ADMIN)
    flo = make_user(Role.LIAISON_OFFICER)
    edit(signed_in_client(app, first), flo, role="admin", agency_id="0")
    db.session.expire_all()
    assert db.session.get(User, flo.id).role == Role.LIAISON_OFFICER
    assert the_request(db).changes["role"] == ["liaison_officer", "admin"]


def test_partner_accounts_change_at_once(app, make_user, db):
    first = make_user(Role.ADMIN)
    flo = make_user(Role.LIAISON_OFFICER)
    signed_in_client(app, first).post(
        f"/admin/users/{flo.id}",
        data={
            "name": flo.name,
            "email": "new@agency.example.gov",
            "role": "liaison_officer",
            "agency_id": str(flo.agency_id),
        },
    )
    db.session.expire_all()
    assert db.session.get(User, flo.id).email == "new@agency.example.gov"
    assert db.session.scalars(sa.select(AccountChangeRequest)).first() is None


def test_a_request_overtaken_by_another_edit_is_not_applied(app, make_user, db):
    first, second = make_user(Role.ADMIN), make_user(Role.ADMIN)
    target = make_user(Role.ANALYST, email="a@fusion.example.gov")
    edit(signed_in_client(app, first), target, email="b@fusion.example.gov")
    stale = the_request(db)
    edit(signed_in_client(app, second), target, email="c@fusion.example.gov")
    newer = db.session.scalars(
        sa.select(AccountChangeRequest).order_by(AccountChangeRequest.id.desc())
    ).first()
    signed_in_client(app, first).post(f"/admin/change-requests/{newer.id}/approve")
    db.session.expire_all()
    assert db.session.get(User, target.id).email == "c@fusion.example.gov"
    signed_in_client(app, second).post(f"/admin/change-requests/{stale.id}/approve")
    db.session.expire_all()
    assert db.session.get(User, target.id).email == "c@fusion.example.gov"
    assert db.session.get(AccountChangeRequest, stale.id).status == ChangeStatus.PENDING


@needs_postgres
def test_two_admins_approving_at_once_apply_the_change_once(app, make_user, db):
    from flo_portal.admin import services

    requester = make_user(Role.ADMIN)
    approvers = [make_user(Role.ADMIN).id for _ in range(4)]
    target = make_user(Role.ANALYST, email="old@fusion.example.gov")
    services.request_change(
        target, services.ChangeKind.ACCOUNT_DETAILS, requester, {"email": "new@fusion.example.gov"}
    )
    db.session.commit()
    request_id = the_request(db).id
    barrier = threading.Barrier(len(approvers))
    outcomes: list[str] = []

    def worker(approver_id: int) -> None:
        with app.app_context():
            try:
                change = db.session.get(AccountChangeRequest, request_id)
                approver = db.session.get(User, approver_id)
                barrier.wait(timeout=30)
                services.approve_change(change, approver)
                db.session.commit()
                outcomes.append("applied")
            except services.ChangeRefused:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(a,)) for a in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["applied"] + ["refused"] * (len(approvers) - 1)
    assert actions(db).count("user.change_approved") == 1
    notices = [m for m in outbox(db) if "now in effect" in m.body_text]
    assert len(notices) == 1
