"""Scheduling briefings, inviting the audience, RSVP with a waitlist, attendance, feeds.

Services take the acting user (``actor``), flush and audit; the unit of work around the
request (or job) commits.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from flo_portal.audit.services import record as audit
from flo_portal.briefings.models import (
    Briefing,
    BriefingInvitation,
    BriefingMode,
    BriefingStatus,
    CalendarFeedToken,
    Recurrence,
    RsvpStatus,
)
from flo_portal.core.clock import zone
from flo_portal.core.errors import Conflict, DomainError, InputError
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.notifications.services import Notice, notify, notify_many
from flo_portal.training.cve import CveNotApproved, ensure_approved
from flo_portal.training.models import TrainingCourse
from flo_portal.training.services import add_months
from flo_portal.users.audience import Audience, recipients_query

SEAT_HOLDERS = (RsvpStatus.YES,)
# Who is told about changes and reminded: everyone invited who has not declined or is
# only waiting for a place.
REMINDED = (RsvpStatus.PENDING, RsvpStatus.YES, RsvpStatus.MAYBE)
MAX_OCCURRENCES = 26


class BriefingError(DomainError):
    """A request the briefing rules refuse (shown to the user, never a 500); the core
    handler answers it (``core/errors.py``)."""


class BriefingInputError(BriefingError, InputError):
    """What was asked is not a valid briefing or answer (422; ``field`` names the field)."""


class BriefingConflict(BriefingError, Conflict):
    """Not possible in the briefing's current state: cancelled, over, not started (409)."""


def local_to_utc(local: datetime, tz: str) -> datetime:
    """A wall-clock time in zone ``tz`` as an aware UTC datetime."""
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


def format_for(user, moment: datetime) -> str:
    """``moment`` in ``user``'s own time zone, e.g. 'Tue 1 Dec 2026, 09:00 PST'."""
    local = moment.astimezone(zone(getattr(user, "timezone", None)))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M %Z}"


@dataclass
class BriefingData:
    title: str
    local_start: datetime  # naive wall-clock time in ``timezone``
    local_end: datetime
    timezone: str
    mode: BriefingMode = BriefingMode.IN_PERSON
    topic: str = ""
    presenter: str = ""
    description: str = ""
    location: str = ""
    join_url: str = ""
    capacity: int | None = None
    audience: Audience = field(default_factory=Audience)
    recurrence: Recurrence = Recurrence.NONE
    occurrences: int = 1
    credit_course_id: int | None = None

    def check(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise BriefingInputError("Unknown time zone.", field="timezone") from exc
        if self.local_end <= self.local_start:
            raise BriefingInputError("The end must be after the start.", field="ends")
        if self.mode == BriefingMode.IN_PERSON and not self.location.strip():
            raise BriefingInputError("An in-person briefing needs a place.", field="location")
        if self.mode == BriefingMode.VIRTUAL and not self.join_url.strip():
            raise BriefingInputError("A virtual briefing needs a link.", field="join_url")
        if self.capacity is not None and self.capacity < 1:
            raise BriefingInputError(
                "Capacity must be at least 1, or empty for no limit.", field="capacity"
            )
        if self.audience.is_empty:
            raise BriefingInputError("Choose who is invited.")
        if not 1 <= self.occurrences <= MAX_OCCURRENCES:
            raise BriefingInputError(
                f"Between 1 and {MAX_OCCURRENCES} occurrences.", field="occurrences"
            )


def occurrence_starts(data: BriefingData) -> list[tuple[datetime, datetime]]:
    """Local (start, end) of each occurrence. Wall-clock times are kept across DST."""
    length = data.local_end - data.local_start
    count = data.occurrences if data.recurrence != Recurrence.NONE else 1
    out = []
    for i in range(count):
        if data.recurrence == Recurrence.WEEKLY:
            start = data.local_start + timedelta(weeks=i)
        elif data.recurrence == Recurrence.MONTHLY:
            day = add_months(data.local_start.date(), i)
            start = datetime.combine(day, data.local_start.time())
        else:
            start = data.local_start
        out.append((start, start + length))
    return out


def _check_credit(b: Briefing, data: BriefingData) -> None:
    """A briefing may credit a CVE-related course only while it stands approved against
    the DHS CVE Training Guidance (flo_portal.training.cve)."""
    if not data.credit_course_id or data.credit_course_id == b.credit_course_id:
        return
    course = db.session.get(TrainingCourse, data.credit_course_id)
    if course is None:
        raise BriefingInputError("No such course.", field="credit_course_id")
    try:
        ensure_approved(course, "be credited by a briefing")
    except CveNotApproved as err:
        raise BriefingInputError(str(err), field="credit_course_id") from err


def _apply(b: Briefing, data: BriefingData, start: datetime, end: datetime) -> None:
    _check_credit(b, data)
    b.title = data.title.strip()
    b.topic = data.topic.strip()
    b.presenter = data.presenter.strip()
    b.description = data.description.strip()
    b.timezone = data.timezone
    b.starts_at = local_to_utc(start, data.timezone)
    b.ends_at = local_to_utc(end, data.timezone)
    b.mode = data.mode
    b.location = data.location.strip() if data.mode == BriefingMode.IN_PERSON else ""
    b.join_url = data.join_url.strip() if data.mode == BriefingMode.VIRTUAL else ""
    b.capacity = data.capacity
    b.audience = data.audience.to_json()
    b.credit_course_id = data.credit_course_id or None


def schedule_briefing(data: BriefingData, creator) -> list[Briefing]:
    """Create the briefing (one row per occurrence), invite its audience and tell the
    followers who may see it."""
    from flo_portal.subscriptions.services import briefing_scheduled

    data.check()
    series = (
        uuid.uuid4().hex if data.recurrence != Recurrence.NONE and data.occurrences > 1 else None
    )
    created = []
    for start, end in occurrence_starts(data):
        b = Briefing(
            series_key=series,
            recurrence=data.recurrence,
            created_by_id=getattr(creator, "id", None),
            status=BriefingStatus.SCHEDULED,
        )
        _apply(b, data, start, end)
        db.session.add(b)
        db.session.flush()
        invited = invite_audience(b)
        briefing_scheduled(b)  # followers among those who may see it
        audit(
            "briefing.created",
            b,
            summary=f"{b.title} at {b.starts_at:%Y-%m-%d %H:%M}Z",
            details={"invited": invited, "series": series, "audience": b.audience},
            actor=creator,
        )
        created.append(b)
    return created


def briefing_path(briefing_id: int) -> str:
    """The detail page's path, without needing a request (jobs, demo data)."""
    return f"/briefings/{briefing_id}"


def _link(b: Briefing) -> str:
    return briefing_path(b.id)


def _where(b: Briefing) -> str:
    return b.location if b.mode == BriefingMode.IN_PERSON else f"online: {b.join_url}"


def invite_audience(b: Briefing) -> int:
    """Invite audience members not invited yet; each gets one notice. Returns how many.

    Bulk: one query for the audience, one for who is already invited, one INSERT of the
    invitations and notify_many() for the notices, whatever the audience size."""
    already = set(
        db.session.scalars(
            sa.select(BriefingInvitation.user_id).where(BriefingInvitation.briefing_id == b.id)
        )
    )
    users = [
        u
        for u in db.session.scalars(recipients_query(Audience.from_json(b.audience))).unique()
        if u.id not in already
    ]
    if not users:
        return 0
    now = utcnow()
    db.session.execute(
        sa.insert(BriefingInvitation),
        [
            {
                "briefing_id": b.id,
                "user_id": u.id,
                "status": RsvpStatus.PENDING,
                "invited_at": now,
            }
            for u in users
        ],
    )
    notify_many(
        [
            Notice(
                u,
                "briefing.invitation",
                f"Invitation: {b.title}",
                f"{format_for(u, b.starts_at)} ({_where(b)}). Please answer yes, no or maybe.",
                _link(b),
                dedupe_key=f"briefing:{b.id}:invite:user:{u.id}",
            )
            for u in users
        ]
    )
    return len(users)


def update_briefing(b: Briefing, data: BriefingData, actor) -> dict:
    """Edit one occurrence. Invitees are told when the time or place changes."""
    if b.is_cancelled:
        raise BriefingConflict("A cancelled briefing cannot be edited.")
    data.occurrences = 1
    data.check()
    before = {
        "starts_at": b.starts_at,
        "ends_at": b.ends_at,
        "location": b.location,
        "join_url": b.join_url,
        "title": b.title,
        "capacity": b.capacity,
    }
    _apply(b, data, data.local_start, data.local_end)
    changed = {k: str(v) for k, v in before.items() if getattr(b, k) != v}
    moved = any(k in changed for k in ("starts_at", "ends_at", "location", "join_url"))
    if changed:
        b.sequence += 1
    if "starts_at" in changed:
        # New time, new reminders.
        db.session.execute(
            sa.update(BriefingInvitation)
            .where(BriefingInvitation.briefing_id == b.id)
            .values(reminded_24h_at=None, reminded_1h_at=None),
            execution_options={"synchronize_session": False},
        )
    if moved:
        _tell_invitees(
            b,
            f"Changed: {b.title}",
            lambda user: f"Now {format_for(user, b.starts_at)} ({_where(b)}).",
            f"changed:s{b.sequence}",
        )
    invited = invite_audience(b)
    promoted = promote_waitlisted(b)
    audit(
        "briefing.updated",
        b,
        summary=b.title,
        details={"changed": changed, "invited": invited},
        actor=actor,
    )
    return {"changed": changed, "invited": invited, "promoted": promoted}


def cancel_briefing(b: Briefing, reason: str, actor) -> int:
    """Cancel the briefing and tell every invitee who had not declined. Returns how many."""
    if b.is_cancelled:
        return 0
    b.status = BriefingStatus.CANCELLED
    b.cancelled_at = utcnow()
    b.cancel_reason = reason.strip()[:500]
    b.sequence += 1
    reason = f" Reason: {b.cancel_reason}" if b.cancel_reason else ""
    told = _tell_invitees(
        b,
        f"Cancelled: {b.title}",
        lambda user: f"The briefing on {format_for(user, b.starts_at)} is cancelled.{reason}",
        "cancelled",
    )
    db.session.flush()
    audit(
        "briefing.cancelled",
        b,
        summary=b.title,
        details={"reason": b.cancel_reason, "told": told},
        actor=actor,
    )
    return told


def _tell_invitees(b: Briefing, title: str, body: Callable[[object], str], key: str) -> int:
    """A "briefing.changed" notice to everyone still concerned (not those who declined),
    each in their own time zone, once per ``key``. Returns how many were told."""
    return notify_many(
        [
            Notice(
                inv.user,
                "briefing.changed",
                title,
                body(inv.user),
                _link(b),
                dedupe_key=f"briefing:{b.id}:{key}:user:{inv.user_id}",
            )
            for inv in _invitations(b, (*REMINDED, RsvpStatus.WAITLISTED))
        ]
    )


def _invitations(b: Briefing, statuses) -> list[BriefingInvitation]:
    return list(
        db.session.scalars(
            sa.select(BriefingInvitation).where(
                BriefingInvitation.briefing_id == b.id,
                BriefingInvitation.status.in_(statuses),
            )
        ).unique()
    )


def seats_taken(b: Briefing) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(BriefingInvitation.id)).where(
            BriefingInvitation.briefing_id == b.id,
            BriefingInvitation.status.in_(SEAT_HOLDERS),
        )
    )


def rsvp_counts(b: Briefing) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(BriefingInvitation.status, sa.func.count(BriefingInvitation.id))
        .where(BriefingInvitation.briefing_id == b.id)
        .group_by(BriefingInvitation.status)
    ).all()
    counts = {s.value: 0 for s in RsvpStatus}
    counts.update({RsvpStatus(s).value: n for s, n in rows})
    return counts


def _lock(b: Briefing) -> None:
    """Serialise RSVPs on one briefing (PostgreSQL row lock; SQLite writers are serial)."""
    db.session.execute(sa.select(Briefing.id).where(Briefing.id == b.id).with_for_update()).first()


def rsvp(b: Briefing, inv: BriefingInvitation, answer: str, actor) -> RsvpStatus:
    """``actor`` (the invitee) answers yes / no / maybe. A yes on a full briefing joins the
    waitlist; a seat given up promotes the next person waiting. Returns the invitation's
    new status."""
    try:
        wanted = RsvpStatus(answer)
    except ValueError as exc:
        raise BriefingInputError("Answer yes, no or maybe.", field="answer") from exc
    if wanted not in (RsvpStatus.YES, RsvpStatus.NO, RsvpStatus.MAYBE):
        raise BriefingInputError("Answer yes, no or maybe.", field="answer")
    if b.is_cancelled:
        raise BriefingConflict("This briefing is cancelled.")
    if b.ends_at <= utcnow():
        raise BriefingConflict("This briefing is over.")
    _lock(b)
    old = RsvpStatus(inv.status)
    now = utcnow()
    if wanted == RsvpStatus.YES:
        if old in (RsvpStatus.YES, RsvpStatus.WAITLISTED):
            return old
        if b.capacity is not None and seats_taken(b) >= b.capacity:
            inv.status = RsvpStatus.WAITLISTED
            inv.waitlisted_at = now
        else:
            inv.status = RsvpStatus.YES
            inv.waitlisted_at = None
    else:
        inv.status = wanted
        inv.waitlisted_at = None
    inv.responded_at = now
    db.session.flush()
    promoted = (
        promote_waitlisted(b) if old == RsvpStatus.YES and inv.status != RsvpStatus.YES else []
    )
    audit(
        "briefing.rsvp",
        b,
        summary=f"{old.value} -> {RsvpStatus(inv.status).value}",
        details={
            "invitation_id": inv.id,
            "promoted_user_ids": [p.user_id for p in promoted],
        },
        actor=actor,
    )
    return RsvpStatus(inv.status)


def promote_waitlisted(b: Briefing) -> list[BriefingInvitation]:
    """Give free seats to the people waiting longest, and tell them."""
    promoted: list[BriefingInvitation] = []
    if b.is_cancelled:
        return promoted
    free = None if b.capacity is None else b.capacity - seats_taken(b)
    if free is not None and free <= 0:
        return promoted
    stmt = (
        sa.select(BriefingInvitation)
        .where(
            BriefingInvitation.briefing_id == b.id,
            BriefingInvitation.status == RsvpStatus.WAITLISTED,
        )
        .order_by(BriefingInvitation.waitlisted_at, BriefingInvitation.id)
    )
    if free is not None:
        stmt = stmt.limit(free)
    for inv in db.session.scalars(stmt).unique():
        inv.status = RsvpStatus.YES
        inv.waitlisted_at = None
        notify(
            inv.user,
            "briefing.waitlist",
            f"You have a place: {b.title}",
            f"A seat came free; you are now attending on {format_for(inv.user, b.starts_at)}.",
            _link(b),
        )
        promoted.append(inv)
    db.session.flush()
    return promoted


@dataclass
class AttendanceResult:
    attended: int = 0
    credited: int = 0
    already_credited: int = 0
    not_on_roster: list[str] = field(default_factory=list)


def take_attendance(b: Briefing, present_user_ids: set[int], actor) -> AttendanceResult:
    """Mark who was there. With a credit course, attendees on the roster get a training
    record dated the briefing's local day (record_training is idempotent: taking
    attendance twice creates no duplicates)."""
    from flo_portal.roster.models import Officer
    from flo_portal.training.services import record_training

    if b.is_cancelled:
        raise BriefingConflict("A cancelled briefing has no attendance.")
    if b.starts_at > utcnow() + timedelta(hours=1):
        raise BriefingConflict("Attendance opens one hour before the start.")
    if b.credit_course is not None:
        ensure_approved(b.credit_course, "be credited by a briefing")
    result = AttendanceResult()
    now = utcnow()
    invitations = list(
        db.session.scalars(
            sa.select(BriefingInvitation).where(BriefingInvitation.briefing_id == b.id)
        ).unique()
    )
    for inv in invitations:
        inv.attended = inv.user_id in present_user_ids
        inv.attendance_marked_at = now
        inv.attendance_marked_by_id = actor.id
        result.attended += bool(inv.attended)
    db.session.flush()
    attendee_ids = [inv.user_id for inv in invitations if inv.attended]
    if b.credit_course_id and attendee_ids:
        course = b.credit_course
        officers = {
            o.user_id: o
            for o in db.session.scalars(sa.select(Officer).where(Officer.user_id.in_(attendee_ids)))
        }
        completed_on: date = b.local_start.date()
        for inv in invitations:
            if not inv.attended:
                continue
            officer = officers.get(inv.user_id)
            if officer is None:
                result.not_on_roster.append(inv.user.name)
                continue
            _rec, created = record_training(
                officer,
                course,
                completed_on,
                source=f"briefing:{b.id}",
                verified_by=actor,
                actor=actor,
            )
            if created:
                result.credited += 1
            else:
                result.already_credited += 1
    audit(
        "briefing.attendance",
        b,
        summary=f"{result.attended} attended",
        details={
            "attended_user_ids": attendee_ids,
            "credited": result.credited,
            "already_credited": result.already_credited,
            "not_on_roster": result.not_on_roster,
        },
        actor=actor,
    )
    return result


# --- personal calendar feed -------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed_token(user) -> str:
    """A new feed token for ``user`` (any older one is revoked). Only its hash is kept;
    the caller shows the token once. ``user`` acts on their own link."""
    revoke_feed_tokens(user, audit_it=False)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeedToken(user_id=user.id, token_hash=_hash_token(token)))
    db.session.flush()
    audit("briefing.feed_token_created", user, summary="calendar feed link created", actor=user)
    return token


def revoke_feed_tokens(user, *, audit_it: bool = True) -> int:
    result = db.session.execute(
        sa.update(CalendarFeedToken)
        .where(CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    if audit_it and result.rowcount:
        audit("briefing.feed_token_revoked", user, summary="calendar feed link revoked", actor=user)
    return result.rowcount or 0


def has_feed_token(user) -> bool:
    return (
        db.session.scalar(
            sa.select(CalendarFeedToken.id).where(
                CalendarFeedToken.user_id == user.id,
                CalendarFeedToken.revoked_at.is_(None),
            )
        )
        is not None
    )


def user_for_feed_token(token: str):
    """The active account a feed token belongs to, or None."""
    from flo_portal.users.models import User

    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        sa.select(CalendarFeedToken).where(
            CalendarFeedToken.token_hash == _hash_token(token),
            CalendarFeedToken.revoked_at.is_(None),
        )
    )
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active_account:
        return None
    row.last_used_at = utcnow()
    return user
