"""The coverage page's 30/60/90-day figures open the list of who expires, and agency
heads see discipline gaps only among their own agency's disciplines."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from flo_portal.agencies.models import Discipline
from flo_portal.audit.models import AuditEvent
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.roster.coverage import coverage_for, expiring_within
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory
from tests.roster.factories import CourseFactory, OfficerFactory, RecordFactory
from tests.roster.test_coverage_import import _world


def _rows(viewer, within):
    return db.session.execute(expiring_within(viewer, within)).all()


def test_the_list_has_exactly_the_officers_the_figure_counts(make_user):
    _world()
    coordinator = make_user(Role.COORDINATOR)
    cov = coverage_for(coordinator)
    rows = _rows(coordinator, 30)
    # "Soon" of Alpha PD: INTER, done 350 days ago with 12 months' validity
    assert [(r.last_name, r.agency_name, r.course_code) for r in rows] == [
        ("Soon", "Alpha PD", "INTER")
    ]
    assert rows[0].expires_on > clock.today()
    assert rows[0].expires_on <= clock.today() + timedelta(days=30)
    for w in (30, 60, 90):
        assert len({r.officer_id for r in _rows(coordinator, w)}) == cov.totals["expiring"][w]


def test_an_officer_who_is_not_current_is_not_listed_as_expiring(make_user):
    agency = AgencyFactory()
    a, b = CourseFactory(code="A", validity_months=12), CourseFactory(code="B")
    lapsed = OfficerFactory(agency=agency)
    # A expires within 30 days, but B was never taken: already not current
    RecordFactory(officer=lapsed, course=a, completed_on=clock.today() - timedelta(days=350))
    db.session.commit()
    assert _rows(make_user(Role.COORDINATOR), 90) == []
    assert b.id


def test_page_and_csv_for_an_agency_head_show_their_agency_only(client, login_as, make_user):
    a, b, *_ = _world()
    login_as(make_user(Role.AGENCY_HEAD, agency=a))
    page = client.get("/roster/coverage/expiring?within=30")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Soon" in html and "Alpha PD" in html and "INTER" in html
    assert "1 current officer will stop being current within 30 days" in html
    csv_text = client.get("/roster/coverage/expiring.csv?within=30").get_data(as_text=True)
    assert csv_text.splitlines()[0] == "last_name,first_name,agency,course_code,course,expires_on"
    assert csv_text.splitlines()[1].startswith("Soon,") and len(csv_text.splitlines()) == 2
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "coverage_expiring")
    ).all()
    assert sorted((e.action, e.details["results"]) for e in events) == [
        ("coverage_expiring.exported", 1),
        ("coverage_expiring.searched", 1),
    ]

    login_as(make_user(Role.AGENCY_HEAD, agency=b))
    main = (
        client.get("/roster/coverage/expiring?within=90").get_data(as_text=True).split("<main")[1]
    )
    assert "Soon" not in main and "Nobody's training expires within 90 days" in main


def test_the_coverage_cards_link_to_the_list_and_an_unknown_window_is_not_found(
    client, login_as, make_user
):
    _world()
    login_as(make_user(Role.COORDINATOR))
    html = client.get("/roster/coverage").get_data(as_text=True)
    for w in (30, 60, 90):
        assert f"/roster/coverage/expiring?within={w}" in html
    assert client.get("/roster/coverage/expiring?within=45").status_code == 404
    assert client.get("/roster/coverage/expiring?within=abc").status_code == 404


def test_roles_without_coverage_may_not_open_the_list(client, login_as):
    login_as(Role.LIAISON_OFFICER)
    assert client.get("/roster/coverage/expiring?within=30").status_code == 403


def test_agency_heads_see_gaps_only_among_their_agencys_disciplines(make_user):
    fire = AgencyFactory(name="Ember Fire", discipline=Discipline.FIRE)
    db.session.commit()
    head = make_user(Role.AGENCY_HEAD, agency=fire)
    # their agency has no active FLO: that gap is theirs; EMS, tribal, ... are not
    assert coverage_for(head).uncovered()["disciplines"] == [Discipline.FIRE.label]
    everyone = coverage_for(make_user(Role.COORDINATOR)).uncovered()["disciplines"]
    assert Discipline.EMS.label in everyone and Discipline.FIRE.label in everyone


def test_a_cve_course_not_approved_today_counts_neither_in_the_figure_nor_the_list(make_user):
    # A required CVE-related course with no approval is not required today (the coverage
    # page's rule, training.services.required_condition): an officer whose record of it
    # expires soon is neither counted nor listed as expiring.
    agency = AgencyFactory()
    core_course = CourseFactory(code="CORE", validity_months=24)
    cve_course = CourseFactory(code="CVE-1", validity_months=12, is_cve=True)
    officer = OfficerFactory(agency=agency)
    RecordFactory(officer=officer, course=core_course, completed_on=clock.today())
    RecordFactory(
        officer=officer, course=cve_course, completed_on=clock.today() - timedelta(days=350)
    )
    db.session.commit()
    coordinator = make_user(Role.COORDINATOR)
    cov = coverage_for(coordinator)
    assert [c.code for c in cov.courses] == ["CORE"]
    assert cov.totals["current"] == 1 and cov.totals["expiring"][30] == 0
    assert _rows(coordinator, 30) == []
