"""/api/v1 officers, training records and coverage: the roster's services and policies."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from pydantic import BaseModel, Field

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.api.blueprint import ID, bp
from flo_portal.api.errors import check_version, validation_error
from flo_portal.api.openapi import QueryBool, QueryInt, operations
from flo_portal.api.pagination import listed_page
from flo_portal.api.schemas import (
    AgencyRef,
    BodyText,
    In,
    LineText,
    ListQuery,
    Out,
    Page,
    QueryText,
)
from flo_portal.audit.reads import audit_listing
from flo_portal.audit.services import record as audit
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.roster import services as roster_services
from flo_portal.roster.coverage import WINDOWS, coverage_for
from flo_portal.roster.models import FloLevel, Officer, OfficerStatus
from flo_portal.roster.policies import (
    can_nominate_for,
    can_record_training,
)
from flo_portal.roster.queries import get_visible_officer_or_404
from flo_portal.security import Permission, authenticated, require
from flo_portal.training.models import TrainingCourse, TrainingRecord
from flo_portal.training.services import record_training

op = operations("roster")


class OfficerOut(Out):
    id: int
    agency: AgencyRef
    first_name: str
    last_name: str
    rank_title: str
    discipline: Discipline
    email: str
    phone: str
    mobile: str
    flo_level: FloLevel
    status: OfficerStatus
    status_changed_at: datetime
    training_current: bool
    supervisor_approved_on: date | None
    nda_signed_on: date | None
    privacy_ack_on: date | None
    version: int = Field(description="Send back as `If-Match` (the ETag) or `version`.")


class OfficerPatch(In):
    first_name: BodyText | None = Field(None, min_length=1, max_length=100)
    last_name: BodyText | None = Field(None, min_length=1, max_length=100)
    rank_title: BodyText | None = Field(None, max_length=120)
    discipline: Discipline | None = None
    email: BodyText | None = Field(None, max_length=254)
    phone: BodyText | None = Field(None, max_length=40)
    mobile: BodyText | None = Field(None, max_length=40)
    flo_level: FloLevel | None = None
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="Instead of If-Match.")


class OfficerQuery(ListQuery):
    q: QueryText | None = Field(None, description="Name, agency, rank or e-mail contains.")
    status: OfficerStatus | None = None
    discipline: Discipline | None = None
    agency_id: QueryInt | None = Field(None, ge=1, le=2**31 - 1)
    current: QueryBool | None = Field(None, description="Training current or not.")


class NominationIn(In):
    agency_id: int = Field(ge=1, le=2**31 - 1)
    first_name: LineText = Field(min_length=1, max_length=100)
    last_name: LineText = Field(min_length=1, max_length=100)
    rank_title: LineText = Field("", max_length=120)
    discipline: Discipline | None = Field(None, description="Defaults to the agency's.")
    email: LineText = Field("", max_length=254)
    phone: LineText = Field("", max_length=40)
    mobile: LineText = Field("", max_length=40)
    flo_level: FloLevel = FloLevel.BASIC
    reason: BodyText = Field("", max_length=500)


class CourseRef(Out):
    id: int
    code: str
    title: str


class TrainingRecordOut(Out):
    id: int
    officer_id: int
    course: CourseRef
    completed_on: date
    expires_on: date | None
    verified: bool
    source: str


class TrainingRecordIn(In):
    course_id: int = Field(ge=1, le=2**31 - 1)
    completed_on: date
    verified: bool = Field(False, description="Record that you checked the evidence.")


class AgencyCoverageOut(Out):
    id: int
    name: str
    discipline: str
    region: str
    active: int
    current: int
    percent: int | None
    expiring_30: int
    expiring_60: int
    expiring_90: int


class MissingOfficer(Out):
    id: int
    name: str
    agency: str


class CourseGapOut(Out):
    course: CourseRef
    missing_total: int
    missing: list[MissingOfficer]


class CoverageTotals(Out):
    active: int
    current: int
    percent: int | None
    agencies_without_flo: int


class CoverageOut(Out):
    today: date
    totals: CoverageTotals
    agencies: list[AgencyCoverageOut]
    required_courses: list[CourseRef]
    gaps: list[CourseGapOut]
    uncovered_disciplines: list[str]
    uncovered_regions: list[str]


class CoverageQuery(BaseModel):  # no pagination: one row per visible agency
    agency_id: QueryInt | None = Field(None, ge=1, le=2**31 - 1)


def _record_out(rec: TrainingRecord) -> TrainingRecordOut:
    return TrainingRecordOut(
        id=rec.id,
        officer_id=rec.officer_id,
        course=CourseRef.model_validate(rec.course),
        completed_on=rec.completed_on,
        expires_on=rec.expires_on,
        verified=rec.verified_by_id is not None,
        source=rec.source,
    )


@bp.route("/officers")
@authenticated
@op("List officers", query=OfficerQuery, response=Page[OfficerOut])
def list_officers(query: OfficerQuery):
    """Officers the caller may see (the roster policy): all for center staff, their own
    agency's for an agency head, their own entry for an FLO."""
    stmt = roster_services.roster_query(
        current_user,
        q=query.q or "",
        status=query.status.value if query.status else "",
        discipline=query.discipline.value if query.discipline else "",
        agency_id=query.agency_id,
        current={True: "yes", False: "no", None: ""}[query.current],
    ).order_by(None)
    values = ("status", "discipline", "agency_id", "current")  # never "q": typed text
    return listed_page(
        OfficerOut, stmt, Officer.id, query, "officers", audit_as="roster", values=values
    )


@bp.route(f"/officers/<{ID}:officer_id>")
@authenticated
@op("One officer", response=OfficerOut, etag=True)
def get_officer(officer_id: int):
    officer = get_visible_officer_or_404(current_user, officer_id)
    audit("officer.viewed", officer, summary=f"{officer.full_name} (API)", actor=current_user)
    return OfficerOut.model_validate(officer)


@bp.route(f"/officers/<{ID}:officer_id>", methods=["PATCH"])
@require(Permission.ROSTER_EDIT)
@op("Change an officer", body=OfficerPatch, response=OfficerOut, etag=True)
def patch_officer(officer_id: int, body: OfficerPatch):
    """Changes the profile fields given. Send `If-Match` with the ETag you read (or
    `version`): if someone changed the officer since, 409 and nothing is saved."""
    officer = get_visible_officer_or_404(current_user, officer_id)
    check_version(officer.version, body.version)
    changes = body.model_dump(exclude_unset=True, exclude_none=True, exclude={"version"})
    changes = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    if "email" in changes:
        changes["email"] = changes["email"].lower()
    roster_services.update_officer(officer, current_user, changes)
    return OfficerOut.model_validate(officer)


class StatusChangeIn(In):
    status: OfficerStatus
    reason: BodyText = Field(min_length=1, max_length=500)


@bp.route(f"/officers/<{ID}:officer_id>/status", methods=["POST"])
@require(Permission.ROSTER_EDIT)
@op("Change an officer's status", body=StatusChangeIn, response=OfficerOut, errors=(404, 409))
def change_officer_status(officer_id: int, body: StatusChangeIn):
    """Moves the officer along the status machine, as the officer page does: 409 when
    the change is not possible from the current status or the onboarding is incomplete
    (activation needs the current agreements signed), 403 when your role may not."""
    officer = get_visible_officer_or_404(current_user, officer_id)
    roster_services.change_status(officer, body.status, current_user, body.reason)
    return OfficerOut.model_validate(officer)


@bp.route("/officers", methods=["POST"])
@require(Permission.ROSTER_NOMINATE)
@op("Nominate an officer", body=NominationIn, response=OfficerOut, status=201, errors=(404,))
def nominate_officer(body: NominationIn):
    """Coordinators nominate for any agency, agency heads for their own (404 otherwise)."""
    agency = db.session.get(Agency, body.agency_id)
    if agency is None or not agency.active or not can_nominate_for(current_user, agency.id):
        abort(404)
    fields = body.model_dump(exclude={"agency_id", "reason"})
    if fields["discipline"] is None:
        del fields["discipline"]
    officer = roster_services.nominate_officer(
        current_user, agency=agency, reason=body.reason, **fields
    )
    return OfficerOut.model_validate(officer), 201


@bp.route(f"/officers/<{ID}:officer_id>/training-records")
@authenticated
@op(
    "An officer's training records",
    tags=["training"],
    query=ListQuery,
    response=Page[TrainingRecordOut],
)
def list_training_records(officer_id: int, query: ListQuery):
    """Records of one officer the caller may see (FLOs: their own)."""
    officer = get_visible_officer_or_404(current_user, officer_id)
    stmt = (
        sa.select(TrainingRecord)
        .where(TrainingRecord.officer_id == officer.id)
        .options(sa.orm.joinedload(TrainingRecord.course))
    )
    return listed_page(
        TrainingRecordOut,
        stmt,
        TrainingRecord.id,
        query,
        f"records:{officer.id}",
        audit_as="training",
        values=["officer_id"],
        filters={"officer_id": officer.id},
        to_data=lambda rows: [_record_out(r) for r in rows],
    )


@bp.route(f"/officers/<{ID}:officer_id>/training-records", methods=["POST"])
@require(Permission.TRAINING_EDIT)
@op(
    "Record training",
    tags=["training"],
    body=TrainingRecordIn,
    response=TrainingRecordOut,
    status=201,
    also=(200,),
)
def add_training_record(officer_id: int, body: TrainingRecordIn):
    """201 with the new record; 200 with the existing one when the same officer, course and
    day were already recorded (the training service is idempotent)."""
    officer = get_visible_officer_or_404(current_user, officer_id)
    if not can_record_training(current_user, officer):
        abort(404)
    course = db.session.get(TrainingCourse, body.course_id)
    problems: dict[str, list[str]] = {}
    if course is None or not course.active:
        problems["course_id"] = ["No such active course."]
    if body.completed_on > clock.today():
        problems["completed_on"] = ["Cannot be in the future."]
    elif body.completed_on < date(1970, 1, 1):
        problems["completed_on"] = ["Too far in the past."]
    if problems:
        raise validation_error(problems)
    rec, created = record_training(
        officer,
        course,
        body.completed_on,
        verified_by=current_user if body.verified else None,
        actor=current_user,
    )
    return _record_out(rec), 201 if created else 200


@bp.route("/coverage")
@require(Permission.COVERAGE_READ)
@op("Training coverage", tags=["training"], query=CoverageQuery, response=CoverageOut)
def coverage(query: CoverageQuery):
    """Coverage per visible agency (current active officers / active officers), what expires
    in the next 30/60/90 days, who misses each required course, and uncovered areas."""
    cov = coverage_for(current_user, agency_id=query.agency_id)
    filters = {"agency_id": query.agency_id}
    audit_listing("coverage", filters, len(cov.agencies), values=filters, listing="api")
    totals = cov.totals
    uncovered = cov.uncovered()
    return CoverageOut(
        today=cov.today,
        totals=CoverageTotals(
            active=totals["active"],
            current=totals["current"],
            percent=totals["percent"],
            agencies_without_flo=totals["agencies_without_flo"],
        ),
        agencies=[
            AgencyCoverageOut(
                id=a.id,
                name=a.name,
                discipline=a.discipline,
                region=a.region,
                active=a.active,
                current=a.current,
                percent=a.percent,
                **{f"expiring_{w}": a.expiring[w] for w in WINDOWS},
            )
            for a in cov.agencies
        ],
        required_courses=[CourseRef.model_validate(c) for c in cov.courses],
        gaps=[
            CourseGapOut(
                course=CourseRef.model_validate(g.course),
                missing_total=g.missing_total,
                missing=[MissingOfficer(**m) for m in g.missing],
            )
            for g in cov.gaps
        ],
        uncovered_disciplines=uncovered["disciplines"],
        uncovered_regions=uncovered["regions"],
    )
