"""Training coverage, computed in the database with a fixed number of queries.

Coverage of an agency = active officers who are current / active officers. "Current"
is computed here from the records and today's date (not from the cached flag), so the
page is right even before the nightly refresh. Four queries whatever the data size:
required courses, per-agency figures, agency x course heat map, who misses each course.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.agencies.policies import visible_agencies_condition
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.training.models import TrainingCourse, TrainingRecord
from flo_portal.training.services import NEVER

WINDOWS = (30, 60, 90)
MISSING_LIST_LIMIT = 25  # names listed per course; the count is always complete


@dataclass
class AgencyCoverage:
    id: int
    name: str
    discipline: str
    region: str
    active: int
    current: int
    expiring: dict[int, int]

    @property
    def percent(self) -> int | None:
        return None if not self.active else round(100 * self.current / self.active)


@dataclass
class CourseGap:
    course: TrainingCourse
    missing_total: int = 0
    missing: list[dict] = field(default_factory=list)


@dataclass
class Coverage:
    today: date
    courses: list[TrainingCourse]
    agencies: list[AgencyCoverage]
    heat: dict[tuple[int, int], int]  # (agency_id, course_id) -> active officers holding it
    gaps: list[CourseGap]

    @property
    def totals(self) -> dict:
        active = sum(a.active for a in self.agencies)
        current = sum(a.current for a in self.agencies)
        return {
            "active": active,
            "current": current,
            "percent": round(100 * current / active) if active else None,
            "expiring": {w: sum(a.expiring[w] for a in self.agencies) for w in WINDOWS},
            "agencies_without_flo": sum(1 for a in self.agencies if not a.active),
        }

    def heat_percent(self, agency: AgencyCoverage, course: TrainingCourse) -> int | None:
        if not agency.active:
            return None
        return round(100 * self.heat.get((agency.id, course.id), 0) / agency.active)

    def uncovered(self) -> dict[str, list[str]]:
        """Disciplines and regions (among those shown) with no active FLO at all."""
        by_disc: dict[str, int] = {d.value: 0 for d in Discipline}
        by_region: dict[str, int] = {}
        for a in self.agencies:
            by_disc[a.discipline] = by_disc.get(a.discipline, 0) + a.active
            by_region[a.region] = by_region.get(a.region, 0) + a.active
        return {
            "disciplines": [Discipline(d).label for d, n in by_disc.items() if n == 0],
            "regions": sorted(r for r, n in by_region.items() if n == 0),
        }


def _best_validity(course_ids_select):
    """Per officer and course: the last day their best record counts (NEVER if it never expires)."""
    valid_until = sa.func.max(
        sa.case(
            (TrainingRecord.expires_on.is_(None), sa.literal(NEVER, sa.Date)),
            else_=TrainingRecord.expires_on,
        )
    )
    return (
        sa.select(
            TrainingRecord.officer_id,
            TrainingRecord.course_id,
            valid_until.label("valid_until"),
        )
        .where(TrainingRecord.course_id.in_(course_ids_select))
        .group_by(TrainingRecord.officer_id, TrainingRecord.course_id)
        .subquery("best")
    )


def coverage_for(
    viewer,
    *,
    agency_id: int | None = None,
    today: date | None = None,
    missing_limit: int = MISSING_LIST_LIMIT,
) -> Coverage:
    """Everything the coverage page shows, for the agencies ``viewer`` may see."""
    today = today or clock.today()
    agency_scope = [visible_agencies_condition(viewer), Agency.active.is_(True)]
    if agency_id:
        agency_scope.append(Agency.id == agency_id)

    # 1. required courses
    courses = list(
        db.session.scalars(
            sa.select(TrainingCourse)
            .where(TrainingCourse.required.is_(True), TrainingCourse.active.is_(True))
            .order_by(TrainingCourse.code)
        )
    )
    required_ids = [c.id for c in courses]
    n_required = len(required_ids)
    required_select = sa.select(TrainingCourse.id).where(
        TrainingCourse.id.in_(required_ids or [-1])
    )

    best = _best_validity(required_select)
    per_officer = (
        sa.select(
            best.c.officer_id,
            sa.func.min(best.c.valid_until).label("first_expiry"),
            sa.func.count().label("n_valid"),
        )
        .where(best.c.valid_until > today)
        .group_by(best.c.officer_id)
        .subquery("per_officer")
    )
    if n_required:
        is_current = per_officer.c.n_valid >= n_required
    else:
        is_current = Officer.id.is_not(None)

    def _count(cond):
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    # 2. per agency
    columns = [
        Agency.id,
        Agency.name,
        Agency.discipline,
        Agency.region,
        sa.func.count(Officer.id).label("active"),
        _count(is_current).label("current"),
    ]
    for w in WINDOWS:
        soon = sa.and_(is_current, per_officer.c.first_expiry <= today + timedelta(days=w))
        columns.append(_count(soon if n_required else sa.false()).label(f"exp{w}"))
    rows = db.session.execute(
        sa.select(*columns)
        .select_from(Agency)
        .outerjoin(
            Officer,
            sa.and_(Officer.agency_id == Agency.id, Officer.status == OfficerStatus.ACTIVE),
        )
        .outerjoin(per_officer, per_officer.c.officer_id == Officer.id)
        .where(*agency_scope)
        .group_by(Agency.id, Agency.name, Agency.discipline, Agency.region)
        .order_by(Agency.name)
    ).all()
    agencies = [
        AgencyCoverage(
            r.id,
            r.name,
            Discipline(r.discipline).value,
            r.region,
            int(r.active),
            int(r.current),
            {w: int(getattr(r, f"exp{w}")) for w in WINDOWS},
        )
        for r in rows
    ]

    heat: dict[tuple[int, int], int] = {}
    gaps: list[CourseGap] = []
    if n_required:
        # 3. heat map: active officers per agency holding a valid record of each course
        for r in db.session.execute(
            sa.select(Officer.agency_id, best.c.course_id, sa.func.count().label("n"))
            .join(best, best.c.officer_id == Officer.id)
            .join(Agency, Agency.id == Officer.agency_id)
            .where(
                Officer.status == OfficerStatus.ACTIVE,
                best.c.valid_until > today,
                *agency_scope,
            )
            .group_by(Officer.agency_id, best.c.course_id)
        ):
            heat[(r.agency_id, r.course_id)] = int(r.n)

        # 4. who is missing each required course (first names per course, and the total)
        valid = (
            sa.select(best.c.officer_id, best.c.course_id)
            .where(best.c.valid_until > today)
            .subquery("valid")
        )
        course = sa.orm.aliased(TrainingCourse)
        ranked = (
            sa.select(
                course.id.label("course_id"),
                Officer.id.label("officer_id"),
                Officer.first_name,
                Officer.last_name,
                Agency.name.label("agency_name"),
                sa.func.row_number()
                .over(
                    partition_by=course.id,
                    order_by=(Officer.last_name, Officer.first_name, Officer.id),
                )
                .label("rn"),
                sa.func.count().over(partition_by=course.id).label("total"),
            )
            .select_from(Officer)
            .join(Agency, Agency.id == Officer.agency_id)
            .join(course, course.id.in_(required_ids))
            .outerjoin(
                valid,
                sa.and_(valid.c.officer_id == Officer.id, valid.c.course_id == course.id),
            )
            .where(
                Officer.status == OfficerStatus.ACTIVE,
                valid.c.officer_id.is_(None),
                *agency_scope,
            )
            .subquery("ranked")
        )
        by_course = {c.id: CourseGap(c) for c in courses}
        for r in db.session.execute(
            sa.select(ranked)
            .where(ranked.c.rn <= missing_limit)
            .order_by(ranked.c.course_id, ranked.c.rn)
        ):
            gap = by_course[r.course_id]
            gap.missing_total = int(r.total)
            gap.missing.append(
                {
                    "id": r.officer_id,
                    "name": f"{r.first_name} {r.last_name}",
                    "agency": r.agency_name,
                }
            )
        gaps = list(by_course.values())
    return Coverage(today=today, courses=courses, agencies=agencies, heat=heat, gaps=gaps)


def overall_percent(viewer) -> tuple[int | None, int, int]:
    """(coverage %, current, active) over the viewer's agencies, from the cached flag (1 query)."""
    row = db.session.execute(
        sa.select(
            sa.func.count(Officer.id),
            sa.func.coalesce(
                sa.func.sum(sa.case((Officer.training_current.is_(True), 1), else_=0)),
                0,
            ),
        )
        .join(Agency, Agency.id == Officer.agency_id)
        .where(
            Officer.status == OfficerStatus.ACTIVE,
            Agency.active.is_(True),
            visible_agencies_condition(viewer),
        )
    ).one()
    active, current = int(row[0]), int(row[1])
    return (round(100 * current / active) if active else None), current, active
