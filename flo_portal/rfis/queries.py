"""Read side of RFIs: the one loader of an RFI (and of an attachment) for a viewer, queues
with filters, full-text search, metrics and dashboard cards.

Search: case-insensitive LIKE (ILIKE) over title, question and answer on both
databases; on PostgreSQL a GIN trigram index (pg_trgm) makes it fast.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

from flo_portal.audit.reads import refuse
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.orm import LIKE_ESCAPE, contains_pattern
from flo_portal.dashboard import card_provider, count_of
from flo_portal.rfis.models import (
    OPEN_STATUSES,
    Rfi,
    RfiAttachment,
    RfiDirection,
    RfiPriority,
    RfiRecipient,
    RfiStatus,
)
from flo_portal.rfis.policies import (
    can_view_rfi,
    my_rfis_condition,
    visible_messages,
    visible_rfis_condition,
)
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission, Role

SEARCH_COLUMNS = (Rfi.title, Rfi.question, Rfi.answer)
_ID = re.compile(r"[0-9]{1,9}")


# --- loading one RFI ---------------------------------------------------------------------


def get_visible_rfi_or_404(user, rfi_id: int) -> Rfi:
    """The RFI ``rfi_id`` if ``user`` may see it (``policies.can_view_rfi``); else 404,
    recording the refusal when the RFI exists. The one loader of the pages and the API."""
    rfi = db.session.get(Rfi, rfi_id)
    if rfi is None or not can_view_rfi(user, rfi):
        refuse(rfi)
    return rfi


def get_visible_attachment_or_404(user, attachment_id: int) -> RfiAttachment:
    """An attachment of an RFI ``user`` may see, and of a message they may read (an
    addressee of a tasking does not read other agencies' exchanges); else 404."""
    att = db.session.get(RfiAttachment, attachment_id)
    if att is None or not can_view_rfi(user, att.rfi):
        refuse(att)
    if att.message_id is not None and att.message_id not in {
        m.id for m in visible_messages(user, att.rfi)
    }:
        abort(404)  # the RFI is visible, so this says nothing more; no refusal recorded
    return att


def search_condition(q: str):
    """Case-insensitive substring match over title, question and answer.

    Same SQL and same results on both databases; on PostgreSQL the GIN trigram index
    ix_rfi_search_trgm serves it (terms of three characters or more).
    """
    q = (q or "").strip()[:200]
    if not q:
        return sa.true()
    pattern = contains_pattern(q)
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite's LIKE already ignores ASCII case; ilike() would add lower() per row.
        return sa.or_(*(col.like(pattern, escape=LIKE_ESCAPE) for col in SEARCH_COLUMNS))
    return sa.or_(*(col.ilike(pattern, escape=LIKE_ESCAPE) for col in SEARCH_COLUMNS))


def overdue_condition(today: date):
    return sa.and_(Rfi.status.in_(OPEN_STATUSES), Rfi.due_on < today)


@dataclass
class QueueFilters:
    status: str = ""
    priority: str = ""
    overdue: bool = False
    assignee_id: int | None = None  # 0 = unassigned
    agency_id: int | None = None
    direction: str = ""
    q: str = ""
    # Filters given but not understood (ignored): shown to the user, never a 500.
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> QueueFilters:
        ignored: list[str] = []

        def _int(name):
            value = args.get(name, "").strip()
            if not value:
                return None
            # ASCII digits only ("²".isdigit() is True, int("²") raises) and within a
            # 32-bit id: a 20-digit number names no row and overflows the database.
            if _ID.fullmatch(value):
                return int(value)
            ignored.append(name)
            return None

        status = args.get("status", "")
        priority = args.get("priority", "")
        direction = args.get("direction", "")
        return cls(
            status=status if status in {s.value for s in RfiStatus} | {"open"} else "",
            priority=priority if priority in {p.value for p in RfiPriority} else "",
            overdue=args.get("overdue") in {"1", "on", "true", "y"},
            assignee_id=_int("assignee"),
            agency_id=_int("agency"),
            direction=direction if direction in {d.value for d in RfiDirection} else "",
            q=args.get("q", "")[:200],
            ignored=ignored,
        )

    def active(self) -> list[str]:
        """Names of the filters in use (for the audit trail; never their values)."""
        used = {
            "status": bool(self.status),
            "priority": bool(self.priority),
            "overdue": self.overdue,
            "assignee": self.assignee_id is not None,  # 0 = unassigned is a filter too
            "agency": self.agency_id is not None,
            "direction": bool(self.direction),
            "q": bool(self.q.strip()),
        }
        return [name for name, on in used.items() if on]


def queue_query(user, filters: QueueFilters, today: date) -> sa.Select:
    """The center queue: visible RFIs, filtered, newest first; related rows joined."""
    stmt = (
        sa.select(Rfi)
        .where(visible_rfis_condition(user))
        .options(joinedload(Rfi.assignee), joinedload(Rfi.requester), joinedload(Rfi.agency))
    )
    if filters.status == "open":
        stmt = stmt.where(Rfi.status.in_(OPEN_STATUSES))
    elif filters.status:
        stmt = stmt.where(Rfi.status == filters.status)
    if filters.priority:
        stmt = stmt.where(Rfi.priority == filters.priority)
    if filters.overdue:
        stmt = stmt.where(overdue_condition(today))
    if filters.assignee_id == 0:
        stmt = stmt.where(Rfi.assignee_id.is_(None))
    elif filters.assignee_id:
        stmt = stmt.where(Rfi.assignee_id == filters.assignee_id)
    if filters.agency_id:
        stmt = stmt.where(Rfi.agency_id == filters.agency_id)
    if filters.direction:
        stmt = stmt.where(Rfi.direction == filters.direction)
    if filters.q:
        stmt = stmt.where(search_condition(filters.q))
    return stmt.order_by(Rfi.submitted_at.desc(), Rfi.id.desc())


def my_rfis_query(user) -> sa.Select:
    """RFIs I asked, am assigned, or am addressed by (a tasking)."""
    return (
        sa.select(Rfi)
        .where(my_rfis_condition(user))
        .options(joinedload(Rfi.assignee), joinedload(Rfi.requester))
        .order_by(Rfi.submitted_at.desc(), Rfi.id.desc())
    )


def agency_rfis_query(user) -> sa.Select:
    """Requests from the viewer's agency that the viewer may see."""
    return (
        sa.select(Rfi)
        .where(
            visible_rfis_condition(user),
            Rfi.direction == RfiDirection.REQUEST,
            Rfi.agency_id == user.agency_id,
        )
        .options(joinedload(Rfi.assignee), joinedload(Rfi.requester))
        .order_by(Rfi.submitted_at.desc(), Rfi.id.desc())
    )


# --- metrics -----------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (the value at ceil(pct/100 * n))."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


@dataclass
class TurnaroundRow:
    group: str  # priority or YYYY-MM
    count: int
    median_hours: float | None
    p90_hours: float | None


def _summary(group: str, hours: list[float]) -> TurnaroundRow:
    return TurnaroundRow(
        group=group,
        count=len(hours),
        median_hours=round(statistics.median(hours), 1) if hours else None,
        p90_hours=round(percentile(hours, 90), 1) if hours else None,
    )


def turnaround_metrics(since: date | None = None) -> dict:
    """Turnaround of requests (submitted → answered) per priority and per month.

    One query returns (priority, submitted_at, answered_at) of answered requests;
    median and 90th percentile are computed in Python over those values (portable
    across SQLite and PostgreSQL). Counts and averages are SQL aggregates.
    """
    stmt = sa.select(Rfi.priority, Rfi.submitted_at, Rfi.answered_at).where(
        Rfi.direction == RfiDirection.REQUEST, Rfi.answered_at.is_not(None)
    )
    if since:
        stmt = stmt.where(Rfi.submitted_at >= since)
    by_priority: dict[str, list[float]] = {p.value: [] for p in RfiPriority}
    by_month: dict[str, list[float]] = {}
    for priority, submitted, answered in db.session.execute(stmt):
        hours = (answered - submitted).total_seconds() / 3600
        by_priority[str(priority)].append(hours)
        by_month.setdefault(submitted.strftime("%Y-%m"), []).append(hours)
    return {
        "by_priority": [_summary(p, h) for p, h in by_priority.items()],
        "by_month": [_summary(m, by_month[m]) for m in sorted(by_month)],
    }


def turnaround_chart(rows: list[TurnaroundRow]) -> dict:
    """The chart of turnaround per month (median and 90th percentile, in hours): a
    ``data-chart`` spec for static/js/charts.js; the table beside it has the figures."""
    return {
        "type": "line",
        "labels": [r.group for r in rows],
        "datasets": [
            {"label": "Median hours", "data": [r.median_hours for r in rows]},
            {"label": "90th percentile hours", "data": [r.p90_hours for r in rows]},
        ],
        "axis": "hours from submitted to answered",
    }


def summary_figures(today: date) -> dict:
    """Overdue count, satisfaction average and counts per status: one aggregate query each."""
    overdue = db.session.scalar(sa.select(sa.func.count(Rfi.id)).where(overdue_condition(today)))
    sat_avg, sat_n = db.session.execute(
        sa.select(sa.func.avg(Rfi.satisfaction), sa.func.count(Rfi.satisfaction)).where(
            Rfi.satisfaction.is_not(None)
        )
    ).one()
    per_status = dict(
        db.session.execute(sa.select(Rfi.status, sa.func.count(Rfi.id)).group_by(Rfi.status)).all()
    )
    return {
        "overdue": overdue,
        "satisfaction_avg": round(float(sat_avg), 2) if sat_avg is not None else None,
        "satisfaction_count": sat_n,
        "per_status": {str(k): v for k, v in per_status.items()},
    }


# --- dashboard ------------------------------------------------------------------------------------


@card_provider
def rfi_cards(user) -> list[dict]:
    if not can(Permission.RFI_READ, user):
        return []
    role = Role(user.role)
    cards = []

    def count(*conds):
        return count_of(sa.select(sa.func.count()).select_from(Rfi).where(*conds))

    if role == Role.COORDINATOR:
        cards.append(
            {
                "title": "RFIs awaiting triage",
                "value": count(Rfi.status == RfiStatus.SUBMITTED),
                "link": "/rfis/queue?status=submitted",
                "hint": "Accept, return or reject",
            }
        )
        cards.append(
            {
                "title": "Overdue RFIs",
                "value": count(overdue_condition(clock.today())),
                "link": "/rfis/queue?overdue=1",
                "hint": "Past their due date",
            }
        )
    if role in (Role.COORDINATOR, Role.ANALYST):
        cards.append(
            {
                "title": "RFIs assigned to me",
                "value": count(Rfi.assignee_id == user.id, Rfi.status == RfiStatus.ASSIGNED),
                "link": f"/rfis/queue?assignee={user.id}&status=assigned",
                "hint": "",
            }
        )
    if role == Role.PRIVACY_OFFICER:
        cards.append(
            {
                "title": "RFIs awaiting privacy review",
                "value": count(Rfi.status == RfiStatus.PRIVACY_REVIEW),
                "link": "/rfis/privacy",
                "hint": "Approve or return",
            }
        )
    if role in (Role.LIAISON_OFFICER, Role.AGENCY_HEAD):
        cards.append(
            {
                "title": "My open RFIs",
                "value": count(
                    Rfi.requester_id == user.id,
                    Rfi.status.in_((*OPEN_STATUSES, RfiStatus.RETURNED, RfiStatus.ANSWERED)),
                ),
                "link": "/rfis/",
                "hint": "Returned or answered ones need you",
            }
        )
        cards.append(
            {
                "title": "Taskings awaiting my response",
                "value": count_of(
                    sa.select(sa.func.count(RfiRecipient.id))
                    .join(Rfi, Rfi.id == RfiRecipient.rfi_id)
                    .where(
                        RfiRecipient.user_id == user.id,
                        RfiRecipient.responded_at.is_(None),
                        Rfi.status == RfiStatus.ASSIGNED,
                    )
                ),
                "link": "/rfis/",
                "hint": "",
            }
        )
    return cards
