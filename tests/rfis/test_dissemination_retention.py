"""The answer's dissemination log (28 CFR 23.20(f)) and purging an RFI at retention review."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.rfis import services
from flo_portal.rfis.attachments import attachment_path
from flo_portal.rfis.dissemination import PURGED_TITLE
from flo_portal.rfis.models import Rfi, RfiDissemination, RfiMessage, Tlp
from flo_portal.security.permissions import Role
from tests.rfis.helpers import PDF, answer_as, submit


def _answered(db, make_user, *, tlp=Tlp.AMBER, files=()):
    flo = make_user(Role.LIAISON_OFFICER)
    rfi = submit(flo, tlp=tlp, question="Where was the tanker last seen?", files=files)
    analyst = make_user(Role.ANALYST)
    answer_as(analyst, rfi, "Seen at the north depot on 3 May.", criminal_intelligence=True)
    return flo, analyst, rfi


def test_answer_is_logged_for_requester_and_for_colleagues_who_open_it(
    client, login_as, make_user, db
):
    flo, _analyst, rfi = _answered(db, make_user)
    rows = db.session.scalars(sa.select(RfiDissemination)).all()
    assert [(r.user_id, r.rule) for r in rows] == [(flo.id, "requester")]

    colleague = login_as(make_user(Role.LIAISON_OFFICER, agency=flo.agency))
    assert client.get(f"/rfis/{rfi.id}").status_code == 200
    client.get(f"/rfis/{rfi.id}")  # a second look is not a second dissemination
    rows = db.session.scalars(sa.select(RfiDissemination).order_by(RfiDissemination.id)).all()
    assert [(r.user_id, r.rule) for r in rows] == [
        (flo.id, "requester"),
        (colleague.id, "same agency as the requester (TLP:AMBER)"),
    ]

    login_as(Role.COORDINATOR)
    page = client.get(f"/rfis/{rfi.id}").get_data(as_text=True)
    assert "Answer dissemination log" in page and colleague.email in page
    assert db.session.scalar(sa.select(sa.func.count(RfiDissemination.id))) == 2  # staff not logged


def test_purge_removes_content_and_files_but_keeps_the_log(make_user, db):
    from flo_portal.retention.services import purge

    flo, analyst, rfi = _answered(db, make_user, files=[("map.pdf", PDF)])
    services.post_message(flo, rfi, "Here is another sighting near the harbor.")
    db.session.commit()
    stored = attachment_path(rfi.attachments[0])
    assert stored.exists()
    privacy = make_user(Role.PRIVACY_OFFICER)

    purge("rfi", rfi.id, privacy, "not validated within 5 years", rfi.review_due_on)
    db.session.commit()
    db.session.expire_all()

    rfi = db.session.get(Rfi, rfi.id)
    assert rfi.title == PURGED_TITLE and rfi.question == "" and rfi.answer == ""
    assert not stored.exists() and rfi.attachments == []
    assert db.session.scalar(sa.select(sa.func.count(RfiMessage.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(RfiDissemination.id))) == 1
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "retention.purged")
    ).one()
    assert event.object_id == str(rfi.id) and event.actor_id == privacy.id
    assert "tanker" not in (event.summary + str(event.details)).lower()
