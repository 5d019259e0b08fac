"""Roster changes: nominate, edit, contact details, status transitions, account invites.

Services take the acting user, flush and audit; the unit of work commits.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.audit.services import record as audit
from flo_portal.core import clock
from flo_portal.core.errors import Conflict, InputError
from flo_portal.core.extensions import db
from flo_portal.core.orm import LIKE_ESCAPE, contains_pattern, utcnow
from flo_portal.notifications.services import notify
from flo_portal.roster import workflow
from flo_portal.roster.models import (
    FloLevel,
    Officer,
    OfficerStatus,
    OfficerStatusChange,
)
from flo_portal.roster.policies import visible_officers_condition
from flo_portal.roster.workflow import onboarding_problems
from flo_portal.security.permissions import Role
from flo_portal.users.models import User
from flo_portal.users.queries import active_users_with_role

CONTACT_FIELDS = ("email", "phone", "mobile")
PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "rank_title",
    "discipline",
    "flo_level",
    "agency_id",
    "external_id",
    "supervisor_approved_on",
    "nda_signed_on",
    "privacy_ack_on",
    "privacy_policy_version",
    "notes",
)

SORTS = {
    "name": (Officer.last_name, Officer.first_name, Officer.id),
    "agency": (Agency.name, Officer.last_name, Officer.first_name, Officer.id),
    "status": (Officer.status, Officer.last_name, Officer.first_name, Officer.id),
    "updated": (Officer.updated_at.desc(), Officer.id.desc()),
}


def roster_query(
    viewer,
    *,
    q: str = "",
    status: str = "",
    discipline: str = "",
    agency_id: int | None = None,
    current: str = "",
    sort: str = "name",
):
    """SELECT of the officers ``viewer`` may see, filtered and sorted in SQL (agency joined)."""
    stmt = (
        sa.select(Officer)
        .join(Officer.agency)
        .options(contains_eager(Officer.agency))
        .where(visible_officers_condition(viewer))
    )
    q = (q or "").strip().lower()[:100]
    if q:
        # The officers matching q, as a union of id sets: each part can use its own index
        # (trigram and lower(external_id) indexes on PostgreSQL, migration 0018b), where
        # one OR across officer and agency columns tested every officer. A last name
        # containing q is part of the full name containing it.
        like = contains_pattern(q)
        full = sa.func.lower(Officer.first_name + " " + Officer.last_name)

        def has(column):
            return column.like(like, escape=LIKE_ESCAPE)

        matching = sa.union(
            sa.select(Officer.id).where(has(full)),
            sa.select(Officer.id).where(has(sa.func.lower(Officer.rank_title))),
            sa.select(Officer.id).where(has(sa.func.lower(Officer.email))),
            sa.select(Officer.id).where(sa.func.lower(Officer.external_id) == q),
            sa.select(Officer.id)
            .join(Agency, Agency.id == Officer.agency_id)
            .where(has(sa.func.lower(Agency.name))),
        )
        stmt = stmt.where(Officer.id.in_(matching))
    if status in OfficerStatus._value2member_map_:
        stmt = stmt.where(Officer.status == OfficerStatus(status))
    if discipline in Discipline._value2member_map_:
        stmt = stmt.where(Officer.discipline == Discipline(discipline))
    if agency_id:
        stmt = stmt.where(Officer.agency_id == agency_id)
    if current == "yes":
        stmt = stmt.where(Officer.training_current.is_(True))
    elif current == "no":
        stmt = stmt.where(Officer.training_current.is_(False))
    return stmt.order_by(*SORTS.get(sort, SORTS["name"]))


@functools.cache
def profile_load_options() -> tuple:
    """What the profile page shows with the officer: agency and account with the officer's
    row, the status history (and who changed it) in a second query. Made on first use
    (an option configures the mappers)."""
    return (
        joinedload(Officer.agency),
        joinedload(Officer.user),
        selectinload(Officer.status_history).joinedload(OfficerStatusChange.changed_by),
    )


def _log_status(officer: Officer, source, target, actor, reason: str) -> OfficerStatusChange:
    change = OfficerStatusChange(
        officer=officer,
        from_status=source,
        to_status=target,
        changed_at=utcnow(),
        changed_by_id=getattr(actor, "id", None),
        reason=reason[:500],
    )
    db.session.add(change)
    return change


def nominate_officer(actor, *, agency: Agency, reason: str = "", **fields) -> Officer:
    """Create a roster entry in status ``nominated`` with its first history entry."""
    fields.setdefault("discipline", agency.discipline)
    officer = Officer(
        agency_id=agency.id,
        status=OfficerStatus.NOMINATED,
        status_changed_at=utcnow(),
        **fields,
    )
    if (
        actor is not None
        and Role(actor.role) == Role.AGENCY_HEAD
        and officer.supervisor_approved_on is None
    ):
        # The agency head nominating is the supervisor approval the programme asks for.
        officer.supervisor_approved_on = clock.today()
    db.session.add(officer)
    db.session.flush()
    _log_status(officer, None, OfficerStatus.NOMINATED, actor, reason or "Nominated")
    audit(
        "officer.nominated",
        officer,
        summary=f"{officer.full_name} nominated for {agency.name}",
        details={"agency_id": agency.id},
        actor=actor,
    )
    _tell_coordinators_of_nomination(officer, agency, actor)
    db.session.flush()
    return officer


def _tell_coordinators_of_nomination(officer: Officer, agency: Agency, actor) -> None:
    if actor is None or Role(actor.role) != Role.AGENCY_HEAD:
        return
    from flask import url_for

    for user in active_users_with_role(Role.COORDINATOR):
        notify(
            user,
            "roster.nomination",
            f"New FLO nomination: {officer.full_name}",
            f"{actor.name} nominated {officer.full_name} ({agency.name}).",
            url_for("roster.profile", officer_id=officer.id),
            dedupe_key=f"nomination:{officer.id}:{user.id}",
        )


def update_officer(officer: Officer, actor, changes: dict) -> dict:
    """Apply profile fields; audit what changed. Returns {field: [old, new]}."""
    diff = {}
    for field, value in changes.items():
        if field not in PROFILE_FIELDS + CONTACT_FIELDS:
            raise ValueError(f"not an officer field: {field}")
        old = getattr(officer, field)
        if old != value:
            diff[field] = [
                str(old) if old is not None else "",
                str(value) if value is not None else "",
            ]
            setattr(officer, field, value)
    if diff:
        audit(
            "officer.updated",
            officer,
            summary=f"{officer.full_name}: {', '.join(sorted(diff))}",
            details=diff,
            actor=actor,
        )
        db.session.flush()
    return diff


def update_contact(officer: Officer, actor, *, email: str, phone: str, mobile: str) -> dict:
    """Contact details only (what an FLO may change on their own record)."""
    return update_officer(
        officer,
        actor,
        {
            "email": email.strip().lower(),
            "phone": phone.strip(),
            "mobile": mobile.strip(),
        },
    )


def change_status(
    officer: Officer, target: OfficerStatus | str, actor, reason: str
) -> workflow.Transition:
    """Move the officer along the status machine (``workflow.MACHINE``); the transition made.

    Refused: TransitionRefused (409 not from this status, 403 not for this actor), an
    InputError on ``reason`` when none is given, OnboardingIncomplete (409) when the
    onboarding dates are missing for an activation."""
    reason = (reason or "").strip()
    transition = workflow.transition_to(officer, target)
    workflow.check(actor, officer, transition.action)
    if not reason:
        raise InputError("Give a reason: it is kept in the status history.", field="reason")
    if workflow.needs_onboarding(transition):
        missing = onboarding_problems(officer)
        if missing:
            raise workflow.OnboardingIncomplete(
                "Before activation record the " + ", ".join(missing) + "."
            )
    source = OfficerStatus(officer.status)
    return workflow.MACHINE.apply(actor, officer, transition.action, source=source, reason=reason)


@workflow.MACHINE.effect(*workflow.Action)
def _record_status_change(actor, officer: Officer, transition, *, source, reason: str) -> None:
    """Every status change: the history entry, the audit event, the officer's notice."""
    officer.status_changed_at = utcnow()
    _log_status(officer, source, transition.target, actor, reason)
    db.session.flush()
    audit(
        "officer.status_changed",
        officer,
        summary=f"{officer.full_name}: {source.value} → {transition.target.value}",
        details={"from": source.value, "to": transition.target.value, "reason": reason},
        actor=actor,
    )
    if officer.user_id and officer.user is not None:
        notify(
            officer.user,
            "roster.status",
            f"Your FLO status is now {transition.target.label}",
            reason,
            email=True,
        )


class InviteError(InputError):
    """The e-mail for the account cannot be used (422 on ``email``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="email")


class AlreadyInvited(Conflict):
    """The officer already has an account (409)."""


def invite_officer(officer: Officer, inviter, email: str | None = None) -> User:
    """Give the officer a login: a liaison-officer account, invited by e-mail, linked here.

    An existing unlinked FLO account of the same agency with that e-mail is linked instead.
    """
    from flo_portal.admin.services import create_user

    if officer.user_id:
        raise AlreadyInvited("This officer already has an account.")
    email = (email or officer.email or "").strip().lower()
    if not email or "@" not in email:
        raise InviteError("The officer needs an e-mail address first.")
    existing = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
    if existing is not None:
        linked = db.session.scalar(sa.select(Officer.id).where(Officer.user_id == existing.id))
        if (
            linked
            or existing.role != Role.LIAISON_OFFICER
            or existing.agency_id != officer.agency_id
        ):
            raise InviteError("Another account already uses this e-mail.")
        user = existing
        audit(
            "officer.account_linked",
            officer,
            summary=f"linked to existing account {email}",
            details={"user_id": user.id},
            actor=inviter,
        )
    else:
        user = create_user(
            name=officer.full_name,
            email=email,
            role=Role.LIAISON_OFFICER.value,
            agency_id=officer.agency_id,
            inviter=inviter,
        )
        audit(
            "officer.invited",
            officer,
            summary=f"account invited at {email}",
            details={"user_id": user.id},
            actor=inviter,
        )
    officer.user_id = user.id
    if not officer.email:
        officer.email = email
    db.session.flush()
    return user


def pending_nominations_select(agency_id: int | None = None) -> sa.Select:
    """SELECT of the count of officers nominated or in vetting (of one agency)."""
    stmt = sa.select(sa.func.count(Officer.id)).where(
        Officer.status.in_([OfficerStatus.NOMINATED, OfficerStatus.VETTING])
    )
    if agency_id is not None:
        stmt = stmt.where(Officer.agency_id == agency_id)
    return stmt


__all__ = [
    "FloLevel",
    "AlreadyInvited",
    "InviteError",
    "change_status",
    "invite_officer",
    "nominate_officer",
    "roster_query",
    "update_contact",
    "update_officer",
]
