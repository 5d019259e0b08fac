"""SAR operations. Each changes state, records the audit event, notifies and flushes;
the request commits once. Transitions go through ``workflow.check``."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from flo_portal.audit.services import record
from flo_portal.core import protected_activity
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.notifications.services import notify
from flo_portal.sar import workflow
from flo_portal.sar.models import SarCategory, SarStatus, SuspiciousActivityReport
from flo_portal.sar.workflow import Action, TransitionRefused
from flo_portal.security.permissions import Role
from flo_portal.users.models import User

__all__ = ["SarInputError", "TransitionRefused", "observed_moment", "perform", "submit_sar"]


class SarInputError(ValueError):
    """Input a person must correct (missing attestation, time in the future...)."""


class ProtectedActivityNeedsFacts(SarInputError):
    """The text names possibly protected activity and the reporter has not confirmed
    that the report describes facts beyond it."""

    def __init__(self, terms: list[str]):
        self.terms = terms
        super().__init__(
            "Your description mentions " + ", ".join(terms) + ". Behaviour that may be "
            "constitutionally protected is not suspicious by itself: describe the "
            "additional facts that suggest criminal or terrorist intent, then confirm."
        )


def _link(sar: SuspiciousActivityReport) -> str:
    return f"/sar/{sar.id}"


def observed_moment(on: date | None, at: time | None, tz_name: str) -> datetime:
    """The observation time as an aware UTC datetime, from a local date, time and zone."""
    if on is None or at is None:
        raise SarInputError("Give the date and time the activity was observed.")
    try:
        zone = ZoneInfo(tz_name or "")
    except (ZoneInfoNotFoundError, ValueError):
        raise SarInputError("Choose a valid time zone.") from None
    moment = datetime.combine(on, at, tzinfo=zone)
    if moment > utcnow():
        raise SarInputError("The observation time cannot be in the future.")
    return moment


def _active_users_with_role(role: Role) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == role, User.is_active_account.is_(True))
        )
    )


def submit_sar(
    reporter: User,
    *,
    category: SarCategory | str,
    observed: str,
    observed_at: datetime,
    observed_tz: str,
    location: str,
    subjects: str = "",
    local_report: str,
    attested: bool,
    confirmed_facts: bool = False,
) -> SuspiciousActivityReport:
    """File a report for vetting. Text naming protected activity needs the reporter's
    confirmation that it describes more than that activity; coordinators are told."""
    if Role(reporter.role) not in workflow.REPORTERS:
        raise SarInputError("Only FLOs and agency heads file suspicious activity reports.")
    if not attested:
        raise SarInputError("You must make the attestation before submitting.")
    try:
        category = SarCategory(category)
    except ValueError:
        raise SarInputError("Choose one of the ISE-SAR behaviour categories.") from None
    if not (observed or "").strip() or not (location or "").strip():
        raise SarInputError("Describe what was observed and where.")
    if not (local_report or "").strip():
        raise SarInputError("Say how the activity was reported locally.")
    if observed_at.tzinfo is None or observed_at > utcnow():
        raise SarInputError("The observation time cannot be in the future.")
    terms = protected_activity.terms_in(observed, subjects, location, local_report)
    if terms and not confirmed_facts:
        raise ProtectedActivityNeedsFacts(terms)
    now = utcnow()
    sar = SuspiciousActivityReport(
        category=category,
        observed=observed.strip(),
        observed_at=observed_at,
        observed_tz=observed_tz,
        location=location.strip(),
        subjects=(subjects or "").strip(),
        local_report=local_report.strip(),
        status=SarStatus.SUBMITTED,
        reporter_id=reporter.id,
        agency_id=reporter.agency_id,
        attested_at=now,
        submitted_at=now,
        privacy_terms=", ".join(terms)[:500],
    )
    db.session.add(sar)
    db.session.flush()
    record(
        "sar.submitted",
        sar,
        summary=f"{sar.reference} submitted ({category.label})",
        details={"category": category.value, "privacy_terms": terms},
        actor=reporter,
    )
    for coordinator in _active_users_with_role(Role.COORDINATOR):
        notify(
            coordinator,
            "sar.submitted",
            f"New suspicious activity report {sar.reference}",
            f"{category.label} at {sar.location}. It waits in the vetting queue.",
            _link(sar),
        )
    db.session.flush()
    return sar


def perform(
    user: User, sar: SuspiciousActivityReport, action: Action | str, *, note: str = ""
) -> None:
    """Make a vetting transition; the reporter hears of a decision (vetted / closed)."""
    t = workflow.check(user, sar, action)
    note = (note or "").strip()
    if t.needs_note and not note:
        raise SarInputError(f"{t.note_label} is required.")
    before = SarStatus(sar.status)
    now = utcnow()
    sar.status = t.target
    if t.action == Action.START_REVIEW:
        sar.reviewer_id, sar.review_started_at = user.id, now
    else:
        sar.decided_by_id, sar.decided_at, sar.decision_note = user.id, now, note
    record(
        f"sar.{t.action.value}",
        sar,
        summary=f"{sar.reference}: {before.value} → {t.target.value}",
        details={"from": before.value, "to": t.target.value, "note": note},
        actor=user,
    )
    if t.target in (SarStatus.VETTED, SarStatus.CLOSED_NOT_SAR):
        body = (
            "The center vetted your report and shared it as an ISE-SAR."
            if t.target == SarStatus.VETTED
            else f"The center closed your report as not a SAR. Reason: {note}"
        )
        notify(
            sar.reporter,
            "sar.decision",
            f"{sar.reference}: {t.target.label.lower()}",
            body,
            _link(sar),
        )
    db.session.flush()
