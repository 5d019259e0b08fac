"""Exports in the import layout: an export can be edited and imported again."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.agencies.models import Agency
from flo_portal.core.extensions import db
from flo_portal.roster.importing.layout import COLUMNS
from flo_portal.roster.models import Officer
from flo_portal.training.models import TrainingCourse, TrainingRecord


def _yn(value: bool) -> str:
    return "yes" if value else "no"


def _d(value) -> str:
    return value.isoformat() if value else ""


OFFICER_EXPORT_HEADER = COLUMNS["officers"]["required"] + COLUMNS["officers"]["optional"]
TRAINING_EXPORT_HEADER = [
    "officer_external_id",
    "course_code",
    "completed_on",
    "expires_on",
    "officer_name",
    "agency",
    "verified_by",
    "source",
]
AGENCY_EXPORT_HEADER = COLUMNS["agencies"]["required"] + COLUMNS["agencies"]["optional"]


def officer_export_rows(stmt):
    """Rows of the officer export for a roster SELECT (already filtered by policy)."""
    for o in db.session.scalars(stmt.execution_options(yield_per=1000)):
        yield [
            o.external_id or f"id-{o.id}",
            o.first_name,
            o.last_name,
            o.agency.name,
            o.rank_title,
            o.discipline,
            o.email,
            o.phone,
            o.mobile,
            o.flo_level,
            o.status,
            _d(o.supervisor_approved_on),
            _d(o.nda_signed_on),
            _d(o.privacy_ack_on),
        ]


def training_export_rows(officer_condition):
    from flo_portal.users.models import User

    stmt = (
        sa.select(TrainingRecord, Officer, Agency.name, TrainingCourse.code, User.name)
        .join(Officer, Officer.id == TrainingRecord.officer_id)
        .join(Agency, Agency.id == Officer.agency_id)
        .join(TrainingCourse, TrainingCourse.id == TrainingRecord.course_id)
        .outerjoin(User, User.id == TrainingRecord.verified_by_id)
        .where(officer_condition)
        .order_by(
            Agency.name,
            Officer.last_name,
            Officer.first_name,
            TrainingCourse.code,
            TrainingRecord.completed_on,
        )
    )
    for rec, o, agency_name, code, verifier in db.session.execute(
        stmt.execution_options(yield_per=1000)
    ):
        yield [
            o.external_id or f"id-{o.id}",
            code,
            _d(rec.completed_on),
            _d(rec.expires_on),
            o.full_name,
            agency_name,
            verifier or "",
            rec.source,
        ]


def agency_export_rows(condition):
    for a in db.session.scalars(sa.select(Agency).where(condition).order_by(Agency.name)):
        yield [
            a.name,
            a.discipline,
            a.region,
            a.jurisdiction,
            a.contact_name,
            a.contact_email,
            a.contact_phone,
            _yn(a.active),
        ]
