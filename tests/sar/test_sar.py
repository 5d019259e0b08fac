"""Suspicious activity reports: guided form, protected-activity check, vetting, visibility."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.notifications.models import Notification, OutboxEmail
from flo_portal.sar.models import DEFINED_CRIMINAL, NEEDS_MORE_FACTS, SarCategory, SarStatus
from flo_portal.sar.models import SuspiciousActivityReport as Sar
from flo_portal.sar.workflow import TRANSITIONS, Action
from flo_portal.security.permissions import Role
from tests.factories import audit_actions
from tests.sar.helpers import file_sar


def _form(**over):
    yesterday = (utcnow() - timedelta(days=1)).date()
    data = {
        "category": SarCategory.TESTING.value,
        "observed": "A man tried every door of the substation fence and left when a patrol car came.",
        "observed_on": yesterday.isoformat(),
        "observed_time": "14:30",
        "observed_tz": "America/Chicago",
        "location": "Elm Street substation",
        "subjects": "",
        "local_report": "Called in to Capital City PD, incident 26-0042",
        "attestation": "y",
    }
    data.update(over)
    return data


_actions = partial(audit_actions, "sar_report")


def test_the_sixteen_ise_sar_categories():
    assert len(SarCategory) == 16 and len(DEFINED_CRIMINAL) == 7 and len(NEEDS_MORE_FACTS) == 9
    assert (
        SarCategory.PHOTOGRAPHY.needs_more_facts and not SarCategory.CYBER_ATTACK.needs_more_facts
    )


def test_form_shows_categories_and_protected_activity_warning(client, login_as):
    login_as(Role.LIAISON_OFFICER)
    page = client.get("/sar/new").get_data(as_text=True)
    assert "Defined criminal activity" in page and "Needs additional facts" in page
    assert "Breach / attempted intrusion" in page and "Sector-specific incident" in page
    assert "constitutionally protected" in page


def test_flo_files_a_report_and_coordinators_hear_of_it(client, login_as, make_user):
    coordinator = make_user(Role.COORDINATOR)
    flo = login_as(Role.LIAISON_OFFICER)
    response = client.post("/sar/new", data=_form())
    assert response.status_code == 302
    sar = db.session.scalars(sa.select(Sar)).one()
    assert sar.status == SarStatus.SUBMITTED and sar.reporter_id == flo.id
    assert sar.agency_id == flo.agency_id and sar.attested_at is not None
    # 14:30 in Chicago is 19:30 or 20:30 UTC depending on daylight saving time.
    assert sar.observed_tz == "America/Chicago" and sar.observed_at.hour in (19, 20)
    assert _actions(sar.id) == ["sar.submitted"]
    notice = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == coordinator.id)
    ).one()
    assert sar.reference in notice.title and notice.link == f"/sar/{sar.id}"
    assert db.session.scalar(
        sa.select(OutboxEmail).where(OutboxEmail.to_address == coordinator.email)
    )
    page = client.get(response.location).get_data(as_text=True)
    assert sar.reference in page and "Elm Street substation" in page
    assert _actions(sar.id)[-1] == "sar.viewed"


def test_bad_input_is_refused_with_messages(client, login_as):
    login_as(Role.AGENCY_HEAD)
    cases = [
        ({"category": "jaywalking"}, "Choose one of the ISE-SAR behaviour categories."),
        ({"category": ""}, "Choose one of the ISE-SAR behaviour categories."),
        ({"observed": ""}, "Describe what was observed."),
        ({"location": ""}, "Say where it happened."),
        ({"local_report": ""}, "Say how it was reported locally."),
        ({"observed_on": "not-a-date"}, "Not a valid date value."),
        ({"observed_on": ""}, "Give the date (YYYY-MM-DD)."),
        ({"observed_time": "25:99"}, "Not a valid time value."),
        ({"observed_tz": "Mars/Olympus"}, "Not a valid choice"),
        ({"attestation": ""}, "You must make the attestation."),
        (
            {"observed_on": (utcnow() + timedelta(days=2)).date().isoformat()},
            "cannot be in the future",
        ),
    ]
    for over, message in cases:
        response = client.post("/sar/new", data=_form(**over))
        assert response.status_code == 422, over
        assert message in response.get_data(as_text=True), over
    assert db.session.scalar(sa.select(sa.func.count(Sar.id))) == 0


def test_protected_activity_needs_additional_facts(client, login_as, make_user):
    make_user(Role.COORDINATOR)
    login_as(Role.LIAISON_OFFICER)
    data = _form(
        category=SarCategory.PHOTOGRAPHY.value,
        observed="A man photographed the protest outside the mosque.",
    )
    response = client.post("/sar/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "protest" in page and "mosque" in page and "additional facts" in page
    assert db.session.scalar(sa.select(sa.func.count(Sar.id))) == 0
    data.update(
        observed="At the protest a man photographed only the ventilation intakes and guard posts "
        "of the federal building for an hour and asked a guard when shifts change.",
        confirmed_facts="y",
    )
    assert client.post("/sar/new", data=data).status_code == 302
    sar = db.session.scalars(sa.select(Sar)).one()
    assert sar.privacy_terms == "protest"
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "sar.submitted")
    ).all()
    assert events[0].details["privacy_terms"] == ["protest"]
    assert "Protected activity named" in client.get(f"/sar/{sar.id}").get_data(as_text=True)


def test_vetting_start_then_vet_and_the_reporter_is_told(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    sar = file_sar(flo)
    analyst = login_as(Role.ANALYST)
    queue = client.get("/sar/queue").get_data(as_text=True)
    assert sar.reference in queue
    assert client.post(f"/sar/{sar.id}/do/start_review").status_code == 302
    db.session.refresh(sar)
    assert sar.status == SarStatus.UNDER_REVIEW and sar.reviewer_id == analyst.id
    assert not db.session.scalars(
        sa.select(Notification).where(Notification.user_id == flo.id)
    ).all()
    response = client.post(f"/sar/{sar.id}/do/vet", data={"vet-note": "Meets ISE-SAR criteria."})
    assert response.status_code == 302
    db.session.refresh(sar)
    assert sar.status == SarStatus.VETTED and sar.decided_by_id == analyst.id
    assert sar.decision_note == "Meets ISE-SAR criteria."
    assert _actions(sar.id) == ["sar.submitted", "sar.start_review", "sar.vet"]
    notice = db.session.scalars(sa.select(Notification).where(Notification.user_id == flo.id)).one()
    assert notice.kind == "sar.decision" and "shared as ise-sar" in notice.title.lower()
    assert db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to_address == flo.email))
    # Vetted reports leave the open queue; the status filter still finds them.
    row_link = f'href="/sar/{sar.id}"'
    assert row_link not in client.get("/sar/queue").get_data(as_text=True)
    assert row_link in client.get("/sar/queue?status=vetted").get_data(as_text=True)


def test_close_needs_a_reason_and_tells_the_reporter_why(client, login_as, make_user):
    flo = make_user(Role.AGENCY_HEAD)
    sar = file_sar(flo, category=SarCategory.THEFT)
    login_as(Role.COORDINATOR)
    response = client.post(f"/sar/{sar.id}/do/close", data={"close-note": "  "})
    assert response.status_code == 422
    assert "Reason it is not a SAR is required." in response.get_data(as_text=True)
    db.session.refresh(sar)
    assert sar.status == SarStatus.SUBMITTED
    response = client.post(
        f"/sar/{sar.id}/do/close", data={"close-note": "Ordinary shoplifting, no nexus."}
    )
    assert response.status_code == 302
    db.session.refresh(sar)
    assert (
        sar.status == SarStatus.CLOSED_NOT_SAR
        and sar.decision_note == "Ordinary shoplifting, no nexus."
    )
    notice = db.session.scalars(sa.select(Notification).where(Notification.user_id == flo.id)).one()
    assert "Ordinary shoplifting" in notice.body
    # A closed report cannot be vetted afterwards (the one transition table says so).
    response = client.post(f"/sar/{sar.id}/do/vet", data={})
    assert response.status_code == 409 and "not possible" in response.get_data(as_text=True)
    assert client.post(f"/sar/{sar.id}/do/publish", data={}).status_code == 404


def test_transition_table():
    table = {t.action: (set(t.sources), t.target) for t in TRANSITIONS}
    assert table[Action.START_REVIEW] == ({SarStatus.SUBMITTED}, SarStatus.UNDER_REVIEW)
    assert table[Action.VET] == ({SarStatus.UNDER_REVIEW}, SarStatus.VETTED)
    assert table[Action.CLOSE] == (
        {SarStatus.SUBMITTED, SarStatus.UNDER_REVIEW},
        SarStatus.CLOSED_NOT_SAR,
    )
    assert all(set(t.roles) == {Role.COORDINATOR, Role.ANALYST} for t in TRANSITIONS)


def test_reporters_see_only_their_own_reports(client, login_as, make_user):
    mine_flo = make_user(Role.LIAISON_OFFICER)
    colleague = make_user(Role.LIAISON_OFFICER, agency=mine_flo.agency)
    mine = file_sar(mine_flo, location="Pier 9")
    theirs = file_sar(colleague, location="Rail yard 4")
    login_as(mine_flo)
    page = client.get("/sar/").get_data(as_text=True)
    assert "Pier 9" in page and "Rail yard 4" not in page
    assert client.get(f"/sar/{mine.id}").status_code == 200
    assert client.get(f"/sar/{theirs.id}").status_code == 404
    assert client.get("/sar/999999").status_code == 404
    # Reporters cannot vet, not even their own.
    assert client.post(f"/sar/{mine.id}/do/start_review").status_code == 403
    # The agency head of the same agency sees only what they filed, too.
    login_as(make_user(Role.AGENCY_HEAD, agency=mine_flo.agency))
    assert client.get(f"/sar/{mine.id}").status_code == 404


def test_other_center_roles_cannot_open_reports(client, login_as, make_user):
    sar = file_sar(make_user(Role.LIAISON_OFFICER))
    for role in (Role.ADMIN, Role.PRIVACY_OFFICER):
        login_as(role)
        assert client.get(f"/sar/{sar.id}").status_code == 403
    login_as(Role.ANALYST)
    assert client.get(f"/sar/{sar.id}").status_code == 200


def test_dashboard_cards(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    file_sar(flo)
    file_sar(flo)
    login_as(Role.COORDINATOR)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "SARs awaiting vetting" in page
    login_as(flo)
    assert "My suspicious activity reports" in client.get("/dashboard").get_data(as_text=True)


def test_demo_step_files_reports_and_a_redress_request(app):
    import importlib

    from flo_portal.demo import run_demo
    from flo_portal.redress.models import RedressRequest

    for module in ("flo_portal.sar.demo", "flo_portal.redress.demo"):
        importlib.import_module(module)
    run_demo()
    db.session.commit()
    statuses = sorted(db.session.scalars(sa.select(Sar.status)).all())
    assert statuses == [SarStatus.SUBMITTED, SarStatus.VETTED]
    assert db.session.scalar(sa.select(sa.func.count(RedressRequest.id))) == 1
