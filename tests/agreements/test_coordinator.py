"""Coordinators: who has not signed, per agency; bulk reminders; the announcement job."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.jobs.runner import run_job
from flo_portal.notifications.models import Notification, OutboxEmail
from flo_portal.security.permissions import Role
from tests.agreements.conftest import FLO, days_later, sign_form
from tests.conftest import sign_in
from tests.factories import AgencyFactory


def _mails_to(address: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.to_address == address)
    )


def _world(app, make_user, publish):
    alpha, beta = AgencyFactory(name="Alpha PD"), AgencyFactory(name="Beta Fire")
    a1 = make_user(Role.LIAISON_OFFICER, agency=alpha, name="Amy Alpha")
    a2 = make_user(Role.LIAISON_OFFICER, agency=alpha, name="Art Alpha")
    b1 = make_user(Role.LIAISON_OFFICER, agency=beta, name="Bea Beta")
    make_user(Role.LIAISON_OFFICER, agency=beta, name="Gone Beta", is_active_account=False)
    version = publish(roles=(FLO,))
    signer = app.test_client()
    sign_in(signer, a1)
    assert signer.post(f"/agreements/{version.id}/sign", data=sign_form(a1.name)).status_code == 302
    return version, alpha, beta, (a1, a2, b1)


def test_who_has_not_signed_per_agency_and_in_one_agency(app, client, login_as, make_user, publish):
    version, alpha, _beta, _people = _world(app, make_user, publish)
    login_as(Role.COORDINATOR)
    page = client.get(f"/agreements/{version.id}/signing")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = html.split('id="signing-by-agency"')[1]
    # Alpha: 2 must sign, 1 signed, 1 not; Beta: 1, 0, 1 (inactive accounts are not asked).
    assert "Alpha PD</a></td>\n      <td>2</td>\n      <td>1</td>\n      <td>1</td>" in rows
    assert "Beta Fire</a></td>\n      <td>1</td>\n      <td>0</td>\n      <td>1</td>" in rows
    one = client.get(f"/agreements/{version.id}/signing?agency={alpha.id}").get_data(as_text=True)
    assert "Art Alpha" in one and "Amy Alpha" not in one and "Bea Beta" not in one
    actions = set(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_type == "agreement_signing")
        )
    )
    assert actions == {"agreement_signing.searched"}


def test_bulk_reminder_mails_each_unsigned_person_once(app, client, login_as, make_user, publish):
    version, _alpha, _beta, (a1, a2, b1) = _world(app, make_user, publish)
    login_as(Role.COORDINATOR)
    before = {u.email: _mails_to(u.email) for u in (a1, a2, b1)}
    response = client.post(f"/agreements/{version.id}/remind")
    assert response.status_code == 303
    assert "Reminded 2 people" in client.get(response.location).get_data(as_text=True)
    assert _mails_to(a1.email) == before[a1.email]
    assert _mails_to(a2.email) == before[a2.email] + 1
    assert _mails_to(b1.email) == before[b1.email] + 1
    # The same day again: nobody is mailed twice.
    client.post(f"/agreements/{version.id}/remind")
    assert _mails_to(a2.email) == before[a2.email] + 1
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "agreement.reminded")
    ).all()
    assert [e.details["reminded"] for e in events] == [2, 0]


def test_the_announcement_job_tells_once_when_a_version_takes_effect(app, make_user, publish):
    flo = make_user(Role.LIAISON_OFFICER)
    version = publish(effective_in=3)
    assert _mails_to(flo.email) == 0 and version.announced_at is None
    run_job("agreement_announcements")
    assert _mails_to(flo.email) == 0  # not in effect yet
    with days_later(3):
        run = run_job("agreement_announcements")
        assert run.counts == {"versions": 1, "told": 1}
        again = run_job("agreement_announcements", now=run.started_at.replace(hour=23))
        assert again is None or again.counts == {"versions": 0, "told": 0}
    assert _mails_to(flo.email) == 1
    notice = db.session.scalar(sa.select(Notification).where(Notification.user_id == flo.id))
    assert notice.kind == "agreement" and notice.link == f"/agreements/{version.id}"
