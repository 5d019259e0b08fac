"""Training coverage, computed in the database with a fixed number of queries.

Coverage of an agency = active officers who are current / active officers. "Current"
is worked out here from the validity summary and today's date (not from the cached flag), so the
page is right even before the nightly refresh. Three queries whatever the data size:
required courses, per-agency figures with the agency x course heat map, the first names of
who misses each course. They read the validity summary kept on every write of a record
(``training.models.OfficerCourseValidity``: per officer and course, when the best record
stops counting), never the records themselves; today is compared here, at read time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from markupsafe import Markup

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.agencies.policies import visible_agencies_condition
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.orm import shared_alias
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission
from flo_portal.training.models import OfficerCourseValidity, TrainingCourse
from flo_portal.training.services import required_condition, required_courses_select

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

    @property
    def percent_label(self) -> str:
        return pct_label(self.percent)


def pct_label(value: int | None) -> str:
    """As the ``pct`` macro shows a percentage ("—" when there is nothing to divide)."""
    return "—" if value is None else f"{value}%"


def heat_class(value: int | None) -> str:
    """The class of a heat-map cell (green from 90 %, amber from 60 %)."""
    if value is None:
        return "heat-none"
    if value >= 90:
        return "heat-high"
    if value >= 60:
        return "heat-mid"
    return "heat-low" if value > 0 else "heat-zero"


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
    # Whether every agency of the center is shown (a coordinator's unfiltered view): only
    # then is a discipline with no agency at all a gap; an agency head's view names gaps
    # among the disciplines of the agencies shown.
    center_wide: bool = False

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

    def agency_rows(self) -> list[tuple[AgencyCoverage, Markup]]:
        """The per-agency table's rows: each row's figures (counts and a percentage:
        nothing to escape) joined here into one piece of HTML, as the heat map's cells."""
        rows = []
        for a in self.agencies:
            counts = (a.active, a.current, a.percent_label)
            cells = "".join(f'<td class="text-end">{v}</td>' for v in counts) + "\n      "
            cells += "".join(f'<td class="text-end">{a.expiring[w]}</td>' for w in WINDOWS)
            rows.append((a, Markup(cells)))  # noqa: S704 - numbers and a percentage only
        return rows

    def heat_rows(self) -> list[tuple[AgencyCoverage, Markup]]:
        """The heat map's rows: each row's cells worked out here once and joined into one
        piece of HTML, so the template renders a row, not agencies x courses cells. Only a
        class and a percentage go into a cell (heat_class, pct_label): nothing to escape."""
        rows = []
        for a in self.agencies:
            cells = "".join(
                f'<td class="text-center {heat_class(v)}">{pct_label(v)}</td>'
                for v in (self.heat_percent(a, c) for c in self.courses)
            )
            rows.append((a, Markup(cells)))  # noqa: S704 - fixed classes and numbers only
        return rows

    def uncovered(self) -> dict[str, list[str]]:
        """Disciplines and regions (among those shown) with no active FLO at all."""
        by_disc: dict[str, int] = {d.value: 0 for d in Discipline} if self.center_wide else {}
        by_region: dict[str, int] = {}
        for a in self.agencies:
            by_disc[a.discipline] = by_disc.get(a.discipline, 0) + a.active
            by_region[a.region] = by_region.get(a.region, 0) + a.active
        return {
            "disciplines": [Discipline(d).label for d, n in by_disc.items() if n == 0],
            "regions": sorted(r for r, n in by_region.items() if n == 0),
        }


def _validity_columns(stmt: sa.Select, officer_id, required_ids: list[int]):
    """``stmt`` outer-joined to the validity summary once per required course (a primary
    key lookup each); returns it with, per course id, the day the officer's best record of
    it stops counting (NEVER if it never expires; NULL without a record)."""
    columns = {}
    for cid in required_ids:
        v = shared_alias(OfficerCourseValidity, f"v{cid}")
        stmt = stmt.outerjoin(v, sa.and_(v.officer_id == officer_id, v.course_id == cid))
        columns[cid] = v.expires_on
    return stmt, columns


def required_courses(today: date) -> list[TrainingCourse]:
    """The courses required for FLO status on ``today``, by code (1 query)."""
    return list(
        db.session.scalars(
            sa.select(TrainingCourse).where(required_condition(today)).order_by(TrainingCourse.code)
        )
    )


def agencies_shown(viewer, agency_id: int | None = None) -> list:
    """SQL conditions on Agency: the active agencies ``viewer`` may see (or the one asked)."""
    scope = [visible_agencies_condition(viewer), Agency.active.is_(True)]
    if agency_id:
        scope.append(Agency.id == agency_id)
    return scope


def agency_figures_select(agency_scope: list, required_ids: list[int], today: date) -> sa.Select:
    """Per agency shown: active officers, those current, those current whose first expiry
    falls within each window, and per required course the active officers holding it."""

    def _count(cond):
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    stmt = (
        sa.select(Agency.id)
        .select_from(Agency)
        .outerjoin(
            Officer,
            sa.and_(Officer.agency_id == Agency.id, Officer.status == OfficerStatus.ACTIVE),
        )
    )
    stmt, until = _validity_columns(stmt, Officer.id, required_ids)
    held = {cid: until[cid] > today for cid in required_ids}
    if required_ids:
        is_current = sa.and_(*held.values())
    else:
        is_current = Officer.id.is_not(None)

    columns = [
        Agency.id,
        Agency.name,
        Agency.discipline,
        Agency.region,
        sa.func.count(Officer.id).label("active"),
        _count(is_current).label("current"),
    ]
    for w in WINDOWS:
        # a current officer's first expiry is within w days when any course's is
        limit = today + timedelta(days=w)
        soon = (
            sa.and_(is_current, sa.or_(*(until[cid] <= limit for cid in required_ids)))
            if required_ids
            else sa.false()
        )
        columns.append(_count(soon).label(f"exp{w}"))
    for cid in required_ids:
        columns.append(_count(held[cid]).label(f"held{cid}"))
    return (
        stmt.with_only_columns(*columns, maintain_column_froms=False)
        .where(*agency_scope)
        .group_by(Agency.id, Agency.name, Agency.discipline, Agency.region)
        .order_by(Agency.name)
    )


def missing_names_select(required_ids: list[int], agency_scope: list, today: date, limit: int):
    """The first ``limit`` active officers (by name) without a valid record of each
    required course: one ordered, limited walk per course, in one statement."""
    validity = OfficerCourseValidity
    order = (Officer.last_name, Officer.first_name, Officer.id)
    parts = []
    for cid in required_ids:
        holds = sa.select(validity.officer_id).where(
            validity.officer_id == Officer.id,
            validity.course_id == cid,
            validity.expires_on > today,
        )
        part = (
            sa.select(
                sa.literal(cid, sa.Integer).label("course_id"),
                Officer.id.label("officer_id"),
                Officer.first_name,
                Officer.last_name,
                Agency.name.label("agency_name"),
                sa.func.row_number().over(order_by=order).label("rn"),
            )
            .join(Agency, Agency.id == Officer.agency_id)
            .where(Officer.status == OfficerStatus.ACTIVE, ~holds.exists(), *agency_scope)
            .order_by(*order)
            .limit(limit)
            .subquery(f"missing{cid}")
        )
        parts.append(sa.select(part))
    names = sa.union_all(*parts).subquery("missing")
    return sa.select(names).order_by(names.c.course_id, names.c.rn)


def coverage_for(
    viewer,
    *,
    agency_id: int | None = None,
    today: date | None = None,
    missing_limit: int = MISSING_LIST_LIMIT,
) -> Coverage:
    """Everything the coverage page shows, for the agencies ``viewer`` may see."""
    today = today or clock.today()
    agency_scope = agencies_shown(viewer, agency_id)

    # 1. required courses
    courses = required_courses(today)
    required_ids = [c.id for c in courses]
    n_required = len(required_ids)

    # 2. per agency: officers, current, expiring, and the heat map (holders per course)
    rows = db.session.execute(agency_figures_select(agency_scope, required_ids, today)).all()
    agencies = []
    heat: dict[tuple[int, int], int] = {}
    n_windows = len(WINDOWS)
    for id_, name, discipline, region, active, current, *counts in rows:
        # the columns as agency_figures_select lists them: windows, then courses
        agencies.append(
            AgencyCoverage(
                id_,
                name,
                Discipline(discipline).value,
                region,
                int(active),
                int(current),
                dict(zip(WINDOWS, map(int, counts[:n_windows]), strict=True)),
            )
        )
        for cid, n in zip(required_ids, counts[n_windows:], strict=True):
            if n:
                heat[(id_, cid)] = int(n)

    gaps: list[CourseGap] = []
    if n_required:
        # who is missing each required course: the count is the heat map's complement
        # (active officers shown, less those holding it) ...
        by_course = {c.id: CourseGap(c) for c in courses}
        for a in agencies:
            for cid in required_ids:
                by_course[cid].missing_total += a.active - heat.get((a.id, cid), 0)
        if missing_limit:
            # 3. ... and the first names per course, walking the officers by name
            for r in db.session.execute(
                missing_names_select(required_ids, agency_scope, today, missing_limit)
            ):
                by_course[r.course_id].missing.append(
                    {
                        "id": r.officer_id,
                        "name": f"{r.first_name} {r.last_name}",
                        "agency": r.agency_name,
                    }
                )
        gaps = list(by_course.values())
    return Coverage(
        today=today,
        courses=courses,
        agencies=agencies,
        heat=heat,
        gaps=gaps,
        center_wide=not agency_id and can(Permission.ROSTER_READ_ALL, viewer),
    )


def expiring_within(
    viewer, within: int, *, agency_id: int | None = None, today: date | None = None
) -> sa.Select:
    """The drill-down behind the coverage page's "expiring within N days" figure: one row
    per (current active officer, required course) whose best record of that course stops
    counting within ``within`` days, with the agency, course and date; soonest first.
    The distinct officers of these rows are exactly the figure's count."""
    today = today or clock.today()
    # The page's own rule (required, offered, CVE-approved on ``today``), so the list has
    # exactly the officers its figure counts.
    required_ids = list(db.session.scalars(required_courses_select(today)))
    if not required_ids:
        return sa.select(Officer.id).where(sa.false())
    scope = agencies_shown(viewer, agency_id)
    validity = OfficerCourseValidity
    until = validity.expires_on
    stmt = (
        sa.select(
            Officer.id.label("officer_id"),
            Officer.first_name,
            Officer.last_name,
            Agency.id.label("agency_id"),
            Agency.name.label("agency_name"),
            TrainingCourse.code.label("course_code"),
            TrainingCourse.title.label("course_title"),
            until.label("expires_on"),
        )
        .select_from(Officer)
        .join(Agency, Agency.id == Officer.agency_id)
        .join(TrainingCourse, TrainingCourse.id.in_(required_ids))
        .join(
            validity,
            sa.and_(validity.officer_id == Officer.id, validity.course_id == TrainingCourse.id),
        )
    )
    # current: a valid record of every required course
    stmt, held = _validity_columns(stmt, Officer.id, required_ids)
    return stmt.where(
        Officer.status == OfficerStatus.ACTIVE,
        *(held[cid] > today for cid in required_ids),
        until <= today + timedelta(days=within),
        *scope,
    ).order_by(until, Officer.last_name, Officer.first_name, Officer.id, TrainingCourse.code)


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
