"""Reading an answered RFI through the API logs its dissemination, as the page does
(28 CFR 23.20(f)): both go through rfis.services.read_rfi."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.rfis.models import RfiDissemination
from flo_portal.security.permissions import Role
from tests.rfis.helpers import answer_as, submit


def test_api_read_of_an_answer_is_logged_once(client, make_user, api):
    flo = make_user(Role.LIAISON_OFFICER)
    rfi = submit(flo)
    analyst = make_user(Role.ANALYST)
    answer_as(analyst, rfi, "Seen at the north depot.")
    colleague, headers = api(make_user(Role.LIAISON_OFFICER, agency=flo.agency))

    for _ in range(2):
        response = client.get(f"/api/v1/rfis/{rfi.id}", headers=headers)
        assert response.status_code == 200
        assert response.json["answer"] == "Seen at the north depot."

    rows = db.session.execute(
        sa.select(RfiDissemination.user_id, RfiDissemination.rule).order_by(RfiDissemination.id)
    ).all()
    assert rows == [
        (flo.id, "requester"),
        (colleague.id, "same agency as the requester (TLP:AMBER)"),
    ]
    views = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "rfi.viewed")).all()
    assert [(e.actor_id, e.details["via"]) for e in views] == [(colleague.id, "api")] * 2


def test_api_read_before_the_answer_logs_no_dissemination(client, make_user, api):
    flo = make_user(Role.LIAISON_OFFICER)
    rfi = submit(flo)
    _colleague, headers = api(make_user(Role.LIAISON_OFFICER, agency=flo.agency))
    assert client.get(f"/api/v1/rfis/{rfi.id}", headers=headers).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(RfiDissemination.id))) == 0
