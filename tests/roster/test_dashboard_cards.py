"""The FLO's "My training" card: current or not, and the required records that expire
within 60 days (not those already expired, not optional courses)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from flo_portal.training.models import TrainingRecord
from tests.roster.factories import CourseFactory, OfficerFactory


def _record(officer, course, completed_on, expires_on):
    db.session.add(
        TrainingRecord(
            officer_id=officer.id,
            course_id=course.id,
            completed_on=completed_on,
            expires_on=expires_on,
        )
    )


def test_my_training_counts_required_records_expiring_within_60_days(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    officer = OfficerFactory(agency=flo.agency, user_id=flo.id)
    required = CourseFactory(code="REQ-1")
    other_required = CourseFactory(code="REQ-2")
    optional = CourseFactory(code="OPT-1", required=False)
    db.session.commit()
    with time_machine.travel(datetime(2030, 3, 1, 12, tzinfo=UTC), tick=False):
        login_as(flo)
        html = client.get("/dashboard").get_data(as_text=True)
        assert "My training" in html and "within 60 days" not in html
        _record(officer, required, date(2028, 4, 1), date(2030, 4, 1))  # in 31 days
        _record(officer, other_required, date(2028, 4, 20), date(2030, 4, 20))
        _record(officer, optional, date(2028, 3, 20), date(2030, 3, 20))  # not required
        _record(officer, required, date(2026, 1, 1), date(2028, 1, 1))  # already expired
        _record(officer, other_required, date(2029, 1, 1), date(2031, 1, 1))  # far off
        db.session.commit()
        html = client.get("/dashboard").get_data(as_text=True)
        assert "2 required records expire within 60 days" in html
