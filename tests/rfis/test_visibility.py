"""Who sees which RFI: the SQL condition and the detail check agree; others get 404."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.rfis.models import Rfi, Tlp
from flo_portal.rfis.policies import can_view_rfi, visible_rfis_condition
from flo_portal.security.permissions import Role
from flo_portal.users.audience import Audience
from tests.factories import AgencyFactory
from tests.rfis.helpers import submit, task


def _visible_ids(user):
    return set(db.session.scalars(sa.select(Rfi.id).where(visible_rfis_condition(user))))


def test_visibility_matrix(client, login_as, make_user):
    a, b = AgencyFactory(), AgencyFactory()
    flo_a = make_user(Role.LIAISON_OFFICER, agency=a)
    colleague = make_user(Role.LIAISON_OFFICER, agency=a)
    head_a = make_user(Role.AGENCY_HEAD, agency=a)
    flo_b = make_user(Role.LIAISON_OFFICER, agency=b)
    coordinator = make_user(Role.COORDINATOR)
    analyst = make_user(Role.ANALYST)
    other_analyst = make_user(Role.ANALYST)
    privacy = make_user(Role.PRIVACY_OFFICER)
    admin = make_user(Role.ADMIN)

    amber = submit(flo_a, tlp=Tlp.AMBER)
    red = submit(flo_a, tlp=Tlp.RED)
    red.assignee_id = analyst.id
    flagged = submit(flo_b, question="Members of the synagogue", tlp=Tlp.GREEN)
    tasking = task(coordinator, Audience(user_ids=[flo_b.id]))
    db.session.commit()

    expected = {
        flo_a: {amber.id, red.id},
        colleague: {amber.id},  # not the RED one: named participants only
        head_a: {amber.id},
        flo_b: {flagged.id, tasking.id},
        coordinator: {amber.id, red.id, flagged.id, tasking.id},
        analyst: {amber.id, red.id, flagged.id, tasking.id},
        other_analyst: {amber.id, flagged.id, tasking.id},
        privacy: {flagged.id},
        admin: set(),
    }
    for user, ids in expected.items():
        assert _visible_ids(user) == ids, user
        for rfi in (amber, red, flagged, tasking):
            assert can_view_rfi(user, rfi) == (rfi.id in ids)

    login_as(flo_b)
    assert client.get(f"/rfis/{amber.id}").status_code == 404
    login_as(colleague)
    assert client.get(f"/rfis/{red.id}").status_code == 404
    assert client.get(f"/rfis/{amber.id}").status_code == 200
    login_as(admin)
    assert client.get(f"/rfis/{amber.id}").status_code == 403
    assert client.get("/rfis/999999").status_code == 403
    login_as(flo_a)
    assert client.get("/rfis/999999").status_code == 404


def test_agency_head_sees_agency_queue_and_views_are_audited(client, login_as, make_user):
    from flo_portal.audit.models import AuditEvent

    a = AgencyFactory()
    flo = make_user(Role.LIAISON_OFFICER, agency=a)
    head = make_user(Role.AGENCY_HEAD, agency=a)
    rfi = submit(flo, title="Agency request one")
    submit(make_user(Role.LIAISON_OFFICER), title="Someone else's request")
    login_as(head)
    page = client.get("/rfis/agency").get_data(as_text=True)
    assert "Agency request one" in page and "Someone else" not in page
    client.get(f"/rfis/{rfi.id}")
    assert db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "rfi.viewed", AuditEvent.actor_id == head.id
        )
    )
    login_as(flo)
    page = client.get("/rfis/").get_data(as_text=True)
    assert "Agency request one" in page and "Someone else" not in page


def test_my_rfis_condition_is_participation_and_visibility_for_every_role(make_user):
    """``my_rfis_condition`` drops the visibility IN for roles whose rule lets every
    participant see; for every role it must equal participant AND visible."""
    from flo_portal.rfis.models import RfiRecipient
    from flo_portal.rfis.policies import my_rfis_condition

    a = AgencyFactory()
    users = {role: make_user(role, agency=a if not role.is_center_staff else None) for role in Role}
    flo, head = users[Role.LIAISON_OFFICER], users[Role.AGENCY_HEAD]
    red = submit(flo, tlp=Tlp.RED)
    red.assignee_id = users[Role.ANALYST].id
    red.privacy_reviewer_id = users[Role.PRIVACY_OFFICER].id
    submit(head, tlp=Tlp.AMBER)
    # A privacy officer as requester of an RFI not flagged for review: participant, not visible.
    submit(head, tlp=Tlp.RED).requester_id = users[Role.PRIVACY_OFFICER].id
    tasking = task(users[Role.COORDINATOR], Audience(user_ids=[flo.id, head.id]))
    db.session.commit()
    for role, user in users.items():
        addressed = sa.select(RfiRecipient.rfi_id).where(RfiRecipient.user_id == user.id)
        plain = sa.or_(
            Rfi.requester_id == user.id, Rfi.assignee_id == user.id, Rfi.id.in_(addressed)
        )
        want = set(db.session.scalars(sa.select(Rfi.id).where(visible_rfis_condition(user), plain)))
        got = set(db.session.scalars(sa.select(Rfi.id).where(my_rfis_condition(user))))
        assert got == want, role
    assert tasking.id in set(db.session.scalars(sa.select(Rfi.id).where(my_rfis_condition(flo))))
