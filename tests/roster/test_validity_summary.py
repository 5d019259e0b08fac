"""The training-validity summary (officer_course_validity) equals a fresh aggregation of
the records after every kind of write: add, bulk add, course validity edit, delete,
import, briefing attendance credit; the backfill command rebuilds it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
import time_machine

from flo_portal.agencies.models import Agency
from flo_portal.core.extensions import db
from flo_portal.roster.importer import import_csv
from flo_portal.security.permissions import Role
from flo_portal.training import services
from flo_portal.training.models import OfficerCourseValidity, TrainingRecord
from tests.briefings.factories import make_briefing
from tests.factories import AgencyFactory
from tests.roster.factories import (
    CourseFactory,
    OfficerFactory,
    validity_from_records,
    validity_summary,
)

DAY = date(2026, 6, 1)


def _check():
    db.session.flush()
    assert validity_summary() == validity_from_records()


@time_machine.travel(datetime(2026, 7, 15, 12, 0, tzinfo=UTC), tick=False)
def test_summary_follows_every_write(make_user):
    actor = make_user(Role.COORDINATOR)
    agency = AgencyFactory(name="Alpha PD")
    basic = CourseFactory(code="BASIC", validity_months=24)
    forever = CourseFactory(code="ETHICS", validity_months=0)
    a, b, c = (OfficerFactory(agency=agency, external_id=x) for x in ("A-1", "B-1", "C-1"))
    # add: a first record, then an older one (the best stays), then a newer one
    services.record_training(a, basic, DAY, actor=actor)
    _check()
    services.record_training(a, basic, DAY - timedelta(days=400), actor=actor)
    _check()
    rec, _ = services.record_training(a, basic, DAY + timedelta(days=30), actor=actor)
    _check()
    services.record_training(a, forever, DAY, actor=actor)  # never expires: NEVER
    _check()
    assert (a.id, forever.id, services.NEVER) in validity_summary()
    # bulk
    services.bulk_record(basic, [b, c], DAY, actor=actor)
    _check()
    # edit: the course's validity changes every record's expiry
    services.save_course(basic, {"validity_months": 12}, actor)
    _check()
    assert (b.id, basic.id, date(2027, 6, 1)) in validity_summary()
    # delete: the best record goes, the next one counts; the last one goes, the row too
    services.delete_record(rec, actor)
    _check()
    for r in db.session.scalars(sa.select(TrainingRecord).where(TrainingRecord.officer_id == c.id)):
        services.delete_record(r, actor)
    _check()
    assert not any(o == c.id for o, _c, _d in validity_summary())
    # import
    data = (
        "officer_external_id,course_code,completed_on\n"
        "C-1,BASIC,2026-01-15\nC-1,ETHICS,2025-03-01\nB-1,BASIC,2026-07-10\n"
    )
    report = import_csv(data.encode(), kind="training", actor=actor, filename="t.csv")
    assert report.ok and report.created == 3
    _check()
    assert len(validity_summary()) == 5
    assert (b.id, basic.id, date(2027, 7, 10)) in validity_summary()


def test_attendance_credit_keeps_the_summary(app, client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    course = CourseFactory(code="CVE-AW", validity_months=24, required=False)
    officer = OfficerFactory(agency=db.session.get(Agency, flo.agency_id), user_id=flo.id)
    db.session.commit()
    with time_machine.travel(datetime(2030, 2, 1, 12, 0, tzinfo=UTC), tick=False):
        coord = login_as(Role.COORDINATOR)
        br = make_briefing(
            coord, user_ids=[flo.id], credit_course_id=course.id, start=datetime(2030, 3, 1, 7, 0)
        )
    with time_machine.travel(datetime(2030, 3, 1, 14, 0, tzinfo=UTC), tick=False):
        login_as(coord)
        response = client.post(f"/briefings/{br.id}/attendance", data={"present": [str(flo.id)]})
        assert response.status_code == 302
    assert (
        validity_summary() == validity_from_records() == {(officer.id, course.id, date(2032, 3, 1))}
    )


def test_rebuild_command_restores_the_summary(app, make_user):
    actor = make_user(Role.COORDINATOR)
    officer = OfficerFactory()
    services.record_training(officer, CourseFactory(), DAY, actor=actor)
    db.session.execute(sa.delete(OfficerCourseValidity))
    db.session.commit()
    assert validity_summary() == set()
    result = app.test_cli_runner().invoke(args=["roster", "rebuild-validity"])
    assert result.exit_code == 0, result.output
    assert "1 officer/course rows" in result.output
    db.session.expire_all()
    assert validity_summary() == validity_from_records() != set()


def test_the_page_stays_right_when_required_courses_or_the_day_change(make_user):
    """The summary holds dates for every course: which are required, and whether a date
    is past or near, is decided when the page is read."""
    from flo_portal.roster.coverage import coverage_for

    actor = make_user(Role.COORDINATOR)
    agency = AgencyFactory(name="Alpha PD")
    basic = CourseFactory(code="BASIC", validity_months=12)
    extra = CourseFactory(code="EXTRA", validity_months=24, required=False)
    officer = OfficerFactory(agency=agency)
    services.record_training(officer, basic, DAY, actor=actor)  # counts until 2027-06-01

    def figures(today):
        cov = coverage_for(actor, today=today)
        (a,) = [x for x in cov.agencies if x.id == agency.id]
        return [c.code for c in cov.courses], a.current, a.expiring[30]

    assert figures(date(2026, 7, 1)) == (["BASIC"], 1, 0)
    assert figures(date(2027, 5, 15)) == (["BASIC"], 1, 1)  # within 30 days
    assert figures(date(2027, 6, 1)) == (["BASIC"], 0, 0)  # expired on the day
    services.save_course(extra, {"required": True}, actor)  # no record of it: not current
    assert figures(date(2026, 7, 1)) == (["BASIC", "EXTRA"], 0, 0)
    services.record_training(officer, extra, DAY, actor=actor)
    assert figures(date(2026, 7, 1)) == (["BASIC", "EXTRA"], 1, 0)
    services.save_course(basic, {"required": False}, actor)
    assert figures(date(2027, 6, 1)) == (["EXTRA"], 1, 0)
