"""Factories for officers, courses and training records."""

from __future__ import annotations

import factory

from flo_portal.agencies.models import Discipline
from flo_portal.core import clock
from flo_portal.roster.models import FloLevel, Officer, OfficerStatus
from flo_portal.training.models import TrainingCourse, TrainingRecord
from flo_portal.training.services import expiry_for, refresh_validity
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
