"""Factories for officers, courses and training records."""

from __future__ import annotations

import factory
import sqlalchemy as sa

from flo_portal.agencies.models import Discipline
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.roster.models import FloLevel, Officer, OfficerStatus
from flo_portal.training.models import OfficerCourseValidity, TrainingCourse, TrainingRecord
from flo_portal.training.services import NEVER, expiry_for, refresh_validity
from tests.factories import AgencyFactory, BaseFactory


class OfficerFactory(BaseFactory):
    class Meta:
        model = Officer

    agency = factory.SubFactory(AgencyFactory)
    external_id = factory.Sequence(lambda n: f"EXT-{n:05d}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n:05d}")
    rank_title = "Officer"
    discipline = Discipline.LAW_ENFORCEMENT
    email = factory.Sequence(lambda n: f"officer{n}@agency.example.gov")
    flo_level = FloLevel.BASIC
    status = OfficerStatus.ACTIVE


class CourseFactory(BaseFactory):
    class Meta:
        model = TrainingCourse

    code = factory.Sequence(lambda n: f"C{n:03d}")
    title = factory.Sequence(lambda n: f"Course {n}")
    hours = 8
    validity_months = 24
    required = True
    active = True


class RecordFactory(BaseFactory):
    class Meta:
        model = TrainingRecord

    officer = factory.SubFactory(OfficerFactory)
    course = factory.SubFactory(CourseFactory)
    completed_on = factory.LazyFunction(clock.today)
    expires_on = factory.LazyAttribute(lambda o: expiry_for(o.course, o.completed_on))
    source = "manual"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A writer of training records like any other: keeps the validity summary.
        rec = super()._create(model_class, *args, **kwargs)
        refresh_validity([rec.officer_id], course_ids=[rec.course_id])
        return rec


def validity_summary() -> set[tuple[int, int, object]]:
    """The rows of the training-validity summary the coverage page reads."""
    ocv = OfficerCourseValidity
    return set(db.session.execute(sa.select(ocv.officer_id, ocv.course_id, ocv.expires_on)))


def validity_from_records() -> set[tuple[int, int, object]]:
    """The same, aggregated afresh from the records (what the summary must equal)."""
    rec = TrainingRecord
    by_pair: dict[tuple[int, int], object] = {}
    for officer_id, course_id, expires_on in db.session.execute(
        sa.select(rec.officer_id, rec.course_id, rec.expires_on)
    ):
        until = expires_on or NEVER
        key = (officer_id, course_id)
        by_pair[key] = max(by_pair.get(key, until), until)
    return {(o, c, d) for (o, c), d in by_pair.items()}
