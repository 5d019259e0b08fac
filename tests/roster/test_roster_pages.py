"""Roster list, profile, nomination, status machine, contact details and invitations."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.agencies.models import Agency
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification, OutboxEmail
from flo_portal.roster.models import Officer, OfficerStatus, OfficerStatusChange
from flo_portal.roster.policies import can_view_officer, visible_officers_condition
from flo_portal.roster.workflow import TRANSITIONS, allowed_transitions
from flo_portal.security.permissions import Role
from flo_portal.users.models import User
from tests.factories import AgencyFactory, audit_events
from tests.roster.factories import OfficerFactory


def _token(client, url: str) -> str:
    import re

    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return match.group(1) if match else ""


def test_coordinator_sees_and_filters_the_whole_roster(client, login_as):
    a, b = AgencyFactory(name="Alpha PD"), AgencyFactory(name="Beta Fire")
    OfficerFactory(agency=a, first_name="Ann", last_name="Archer", status=OfficerStatus.ACTIVE)
    OfficerFactory(agency=b, first_name="Bob", last_name="Baker", status=OfficerStatus.NOMINATED)
    OfficerFactory(
        agency=b,
        first_name="Cy",
        last_name="Cole",
        status=OfficerStatus.ACTIVE,
        training_current=True,
    )
    db.session.commit()
    login_as(Role.COORDINATOR)
    page = client.get("/roster/officers").get_data(as_text=True)
    assert "Archer, Ann" in page and "Baker, Bob" in page and "Cole, Cy" in page
    page = client.get("/roster/officers?status=nominated").get_data(as_text=True)
    assert "Baker, Bob" in page and "Archer, Ann" not in page
    page = client.get("/roster/officers?q=beta").get_data(as_text=True)
    assert "Baker, Bob" in page and "Cole, Cy" in page and "Archer" not in page
    page = client.get("/roster/officers?current=yes").get_data(as_text=True)
    assert "Cole, Cy" in page and "Baker" not in page
    page = client.get(f"/roster/officers?agency={a.id}").get_data(as_text=True)
    assert "Archer" in page and "Baker" not in page
    page = client.get("/roster/officers?sort=agency").get_data(as_text=True)
    assert page.index("Archer") < page.index("Baker")
    # Nonsense parameters never break the page.
    assert (
        client.get(
            "/roster/officers?status=x&sort=%27&agency=abc&page=999&current=maybe"
        ).status_code
        == 200
    )


def test_roster_paginates(client, login_as):
    agency = AgencyFactory()
    OfficerFactory.create_batch(60, agency=agency)
    db.session.commit()
    login_as(Role.COORDINATOR)
    first = client.get("/roster/officers").get_data(as_text=True)
    assert "60 in all" in first and "page 1 of 2" in first
    second = client.get("/roster/officers?page=2").get_data(as_text=True)
    assert "page 2 of 2" in second


def test_a_search_pages_with_its_total(client, login_as):
    # A search reads its total with its page (one statement); the pages, the pager and
    # the audit trail show the same total, and a page past the end still knows it.
    agency = AgencyFactory()
    OfficerFactory.create_batch(55, agency=agency, last_name="Smithers")
    OfficerFactory.create_batch(5, agency=agency, last_name="Jones")
    db.session.commit()
    login_as(Role.COORDINATOR)
    first = client.get("/roster/officers?q=smith").get_data(as_text=True)
    assert "55 in all" in first and "page 1 of 2" in first and "Jones" not in first
    second = client.get("/roster/officers?q=smith&page=2").get_data(as_text=True)
    assert "55 in all" in second and "page 2 of 2" in second and second.count("Smithers, ") == 5
    past = client.get("/roster/officers?q=smith&page=9")
    assert past.status_code == 200 and "55 in all" in past.get_data(as_text=True)
    none = client.get("/roster/officers?q=nobody").get_data(as_text=True)
    assert "Smithers" not in none
    results = [e.details["results"] for e in audit_events("roster.searched")]
    assert results == [55, 55, 55, 0]


def test_agency_head_sees_only_own_agency(client, login_as, make_user):
    mine, other = AgencyFactory(), AgencyFactory()
    own = OfficerFactory(agency=mine, last_name="Mine")
    theirs = OfficerFactory(agency=other, last_name="Theirs")
    db.session.commit()
    head = make_user(Role.AGENCY_HEAD, agency=mine)
    login_as(head)
    page = client.get("/roster/officers").get_data(as_text=True)
    assert "Mine" in page and "Theirs" not in page
    assert client.get(f"/roster/officers/{own.id}").status_code == 200
    assert client.get(f"/roster/officers/{theirs.id}").status_code == 404
    assert client.get(f"/agencies/{other.id}").status_code == 404
    assert client.get(f"/agencies/{mine.id}").status_code == 200
    ids = set(db.session.scalars(sa.select(Officer.id).where(visible_officers_condition(head))))
    assert ids == {own.id}


def test_flo_sees_only_own_profile(client, login_as, make_user):
    agency = AgencyFactory()
    flo = make_user(Role.LIAISON_OFFICER, agency=agency)
    me = OfficerFactory(agency=agency, user_id=flo.id, last_name="Myself")
    colleague = OfficerFactory(agency=agency, last_name="Colleague")
    db.session.commit()
    login_as(flo)
    assert client.get("/roster/me").location.endswith(f"/roster/officers/{me.id}")
    page = client.get(f"/roster/officers/{me.id}")
    assert page.status_code == 200 and "Myself" in page.get_data(as_text=True)
    assert client.get(f"/roster/officers/{colleague.id}").status_code == 404
    assert client.get(f"/roster/officers/{colleague.id}/contact").status_code == 404
    assert client.get("/roster/officers").status_code == 403
    assert client.get(f"/roster/officers/{me.id}/edit").status_code == 403
    assert not can_view_officer(flo, colleague)
    # viewing a profile is audited
    assert audit_events("officer.viewed")


def test_admin_and_privacy_officer_cannot_open_profiles(client, login_as):
    officer = OfficerFactory()
    db.session.commit()
    for role in (Role.ADMIN, Role.PRIVACY_OFFICER):
        login_as(role)
        assert client.get(f"/roster/officers/{officer.id}").status_code == 404


def test_flo_edits_own_contact_details_only(client, login_as, make_user):
    agency = AgencyFactory()
    flo = make_user(Role.LIAISON_OFFICER, agency=agency)
    me = OfficerFactory(agency=agency, user_id=flo.id, phone="111")
    db.session.commit()
    login_as(flo)
    url = f"/roster/officers/{me.id}/contact"
    token = _token(client, url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "version": str(me.version),  # the version the form was shown at
            "email": "new@agency.example.gov",
            "phone": "555-0100",
            "mobile": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    me = db.session.get(Officer, me.id)
    assert me.phone == "555-0100" and me.email == "new@agency.example.gov"
    event = audit_events("officer.updated")[-1]
    assert event.details["phone"] == ["111", "555-0100"]
    bad = client.post(url, data={"csrf_token": token, "email": "not-an-email"})
    assert bad.status_code == 422


def test_agency_head_nominates_for_own_agency_only(client, login_as, make_user):
    mine, other = AgencyFactory(name="Mine PD"), AgencyFactory(name="Other PD")
    make_user(Role.COORDINATOR)
    head = make_user(Role.AGENCY_HEAD, agency=mine)
    login_as(head)
    page = client.get("/roster/officers/new").get_data(as_text=True)
    assert "Mine PD" in page and "Other PD" not in page
    token = _token(client, "/roster/officers/new")
    data = {
        "csrf_token": token,
        "agency_id": mine.id,
        "first_name": "Nia",
        "last_name": "Nominee",
        "flo_level": "basic",
        "discipline": "",
        "reason": "Crime analyst, keen",
    }
    assert client.post("/roster/officers/new", data=data).status_code == 302
    officer = db.session.scalar(sa.select(Officer).where(Officer.last_name == "Nominee"))
    assert officer.status == OfficerStatus.NOMINATED and officer.agency_id == mine.id
    assert officer.supervisor_approved_on == clock.today()
    history = officer.status_history
    assert [h.to_status for h in history] == [OfficerStatus.NOMINATED] and history[
        0
    ].changed_by_id == head.id
    assert audit_events("officer.nominated")
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.kind == "roster.nomination"
            )
        )
        == 1
    )
    # Another agency: not among the choices.
    refused = client.post(
        "/roster/officers/new",
        data={**data, "agency_id": other.id, "last_name": "Sneaky"},
    )
    assert refused.status_code == 422
    assert db.session.scalar(sa.select(Officer).where(Officer.last_name == "Sneaky")) is None
    # Agency heads cannot vet.
    assert (
        client.post(
            f"/roster/officers/{officer.id}/status",
            data={"csrf_token": token, "target": "vetting", "reason": "x"},
        ).status_code
        == 403
    )


def test_status_machine_offers_only_allowed_transitions(client, login_as, make_user):
    officer = OfficerFactory(status=OfficerStatus.NOMINATED)
    db.session.commit()
    coordinator = login_as(Role.COORDINATOR)
    page = client.get(f"/roster/officers/{officer.id}").get_data(as_text=True)
    assert 'value="vetting"' in page and 'value="active"' not in page
    token = _token(client, f"/roster/officers/{officer.id}")
    url = f"/roster/officers/{officer.id}/status"
    # Skipping vetting is refused.
    client.post(url, data={"csrf_token": token, "target": "active", "reason": "skip"})
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).status == OfficerStatus.NOMINATED
    # Reason is required.
    client.post(url, data={"csrf_token": token, "target": "vetting", "reason": ""})
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).status == OfficerStatus.NOMINATED
    client.post(
        url,
        data={
            "csrf_token": token,
            "target": "vetting",
            "reason": "Background check started",
        },
    )
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).status == OfficerStatus.VETTING
    # Activation needs the onboarding dates.
    response = client.post(
        url,
        data={"csrf_token": token, "target": "active", "reason": "Cleared"},
        follow_redirects=True,
    )
    assert "Before activation record" in response.get_data(as_text=True)
    officer = db.session.get(Officer, officer.id)
    officer.supervisor_approved_on = officer.nda_signed_on = officer.privacy_ack_on = clock.today()
    db.session.commit()
    client.post(
        url,
        data={"csrf_token": token, "target": "active", "reason": "Cleared by J. Doe"},
    )
    client.post(url, data={"csrf_token": token, "target": "inactive", "reason": "Leave"})
    client.post(url, data={"csrf_token": token, "target": "active", "reason": "Back"})
    db.session.expire_all()
    officer = db.session.get(Officer, officer.id)
    assert officer.status == OfficerStatus.ACTIVE
    changes = db.session.scalars(
        sa.select(OfficerStatusChange)
        .where(OfficerStatusChange.officer_id == officer.id)
        .order_by(OfficerStatusChange.id)
    ).all()
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("nominated", "vetting"),
        ("vetting", "active"),
        ("active", "inactive"),
        ("inactive", "active"),
    ]
    assert all(c.changed_by_id == coordinator.id and c.reason for c in changes)
    assert len(audit_events("officer.status_changed")) == 4


def test_transition_table_has_no_way_out_of_separated():
    assert not [t for t in TRANSITIONS if OfficerStatus.SEPARATED in t.sources]
    sources = {s for t in TRANSITIONS for s in t.sources}
    assert OfficerStatus.ACTIVE in sources and OfficerStatus.INACTIVE in sources


def test_allowed_transitions_depend_on_role(make_user):
    officer = OfficerFactory(status=OfficerStatus.ACTIVE)
    coordinator = make_user(Role.COORDINATOR)
    head = make_user(Role.AGENCY_HEAD, agency=officer.agency)
    assert {t.target for t in allowed_transitions(coordinator, officer)} == {
        OfficerStatus.INACTIVE,
        OfficerStatus.SUSPENDED,
        OfficerStatus.SEPARATED,
    }
    assert allowed_transitions(head, officer) == []


def test_refused_status_changes_answer_the_engines_status(client, login_as, make_user):
    """Not from this status: 409; not for this role: 403; no reason: 422 on the field;
    onboarding dates missing: 409. Nothing changes. A page posted from the profile gets
    the message flashed back there."""
    import pytest

    from flo_portal.core.errors import Conflict, InputError, Refused
    from flo_portal.roster import services
    from flo_portal.roster.workflow import OnboardingIncomplete, TransitionRefused

    officer = OfficerFactory(status=OfficerStatus.VETTING)
    coordinator = make_user(Role.COORDINATOR)
    analyst = make_user(Role.ANALYST)
    with pytest.raises(TransitionRefused) as wrong_state:
        services.change_status(officer, OfficerStatus.SUSPENDED, coordinator, "why")
    assert wrong_state.value.status == 409 and isinstance(wrong_state.value, Refused)
    with pytest.raises(TransitionRefused) as wrong_role:
        services.change_status(officer, OfficerStatus.NOMINATED, analyst, "why")
    assert wrong_role.value.status == 403
    with pytest.raises(InputError) as no_reason:
        services.change_status(officer, OfficerStatus.NOMINATED, coordinator, " ")
    assert no_reason.value.status == 422 and no_reason.value.field == "reason"
    with pytest.raises(OnboardingIncomplete) as onboarding:
        services.change_status(officer, OfficerStatus.ACTIVE, coordinator, "Cleared")
    assert isinstance(onboarding.value, Conflict) and onboarding.value.status == 409
    assert officer.status == OfficerStatus.VETTING and not audit_events("officer.status_changed")
    db.session.commit()

    login_as(coordinator)
    profile = f"/roster/officers/{officer.id}"
    token = _token(client, profile)
    response = client.post(
        f"{profile}/status",
        data={"csrf_token": token, "target": "active", "reason": "Cleared"},
        headers={"Referer": f"http://localhost{profile}"},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(profile)
    assert "Before activation record" in client.get(profile).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).status == OfficerStatus.VETTING


def test_invite_officer_creates_linked_account(client, login_as):
    officer = OfficerFactory(email="")
    db.session.commit()
    login_as(Role.COORDINATOR)
    token = _token(client, f"/roster/officers/{officer.id}")
    response = client.post(
        f"/roster/officers/{officer.id}/invite",
        data={"csrf_token": token, "email": "Jo.Flo@Agency.example.gov"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    officer = db.session.get(Officer, officer.id)
    user = db.session.get(User, officer.user_id)
    assert user.email == "jo.flo@agency.example.gov" and user.role == Role.LIAISON_OFFICER
    assert user.agency_id == officer.agency_id and user.password_hash is None
    assert db.session.scalar(
        sa.select(OutboxEmail).where(
            OutboxEmail.to_address == user.email, OutboxEmail.kind == "invitation"
        )
    )
    assert audit_events("officer.invited")
    # A second invite is refused (409: the officer already has an account).
    again = client.post(
        f"/roster/officers/{officer.id}/invite",
        data={"csrf_token": token, "email": "x@y.example.gov"},
    )
    assert again.status_code == 409
    assert (
        db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == "x@y.example.gov"))
        == 0
    )


def test_roster_export_is_audited_and_formula_safe(client, login_as):
    OfficerFactory(first_name="=cmd()", last_name="Evil")
    db.session.commit()
    login_as(Role.COORDINATOR)
    response = client.get("/roster/officers.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.splitlines()[0].startswith("external_id,first_name,last_name,agency")
    assert "'=cmd()" in text
    assert audit_events("roster.exported")


def test_agency_and_officer_changes_record_who_made_them(client, login_as):
    """Services take the acting user: every event names them (no thread-local fallback)."""
    coordinator = login_as(Role.COORDINATOR)
    token = _token(client, "/agencies/new")
    response = client.post(
        "/agencies/new",
        data={
            "csrf_token": token,
            "name": "Delta Sheriff",
            "discipline": "law_enforcement",
            "region": "East",
            "active": "y",
        },
    )
    assert response.status_code == 302
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "Delta Sheriff"))
    assert client.post(f"/agencies/{agency.id}/active", data={"csrf_token": token}).status_code
    officer = OfficerFactory(agency=agency, status=OfficerStatus.NOMINATED)
    db.session.commit()
    client.get(f"/roster/officers/{officer.id}")
    client.post(
        f"/roster/officers/{officer.id}/status",
        data={"csrf_token": token, "target": "vetting", "reason": "Checks started"},
    )
    db.session.expire_all()
    for action in (
        "agency.created",
        "agency.deactivated",
        "officer.viewed",
        "officer.status_changed",
    ):
        events = audit_events(action)
        assert events and all(e.actor_id == coordinator.id for e in events), action


def test_a_percent_or_underscore_in_a_search_box_matches_itself(client, login_as):
    # core.orm.contains_pattern: the roster and agency lists' search boxes (and the product
    # list's and the RFI queue's) give LIKE an escaped pattern.
    plain = AgencyFactory(name="Harbor Police")
    odd = AgencyFactory(name="District_9 100% Fire")
    OfficerFactory(agency=plain, last_name="Plainly", status=OfficerStatus.ACTIVE)
    OfficerFactory(agency=odd, last_name="Oddly", status=OfficerStatus.ACTIVE)
    login_as(Role.COORDINATOR)
    for q in ("%", "_", "0%"):
        roster = client.get("/roster/officers", query_string={"q": q}).get_data(as_text=True)
        assert "Oddly" in roster and "Plainly" not in roster, q
        agencies = client.get("/agencies/", query_string={"q": q}).get_data(as_text=True)
        assert odd.name in agencies and plain.name not in agencies, q
