"""The officer status machine: the ONE table of allowed transitions and who may make them.

Views, the API and the tests all consult ``allowed_transitions`` / ``TRANSITIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission

S = OfficerStatus


@dataclass(frozen=True)
class Transition:
    source: OfficerStatus
    target: OfficerStatus
    label: str  # the button text
    permission: Permission
    needs_onboarding: bool = False  # supervisor approval, NDA and privacy acknowledgement


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.NOMINATED, S.VETTING, "Start vetting", Permission.ROSTER_VET),
    Transition(S.NOMINATED, S.SEPARATED, "Decline nomination", Permission.ROSTER_VET),
    Transition(S.VETTING, S.ACTIVE, "Activate", Permission.ROSTER_VET, needs_onboarding=True),
    Transition(S.VETTING, S.NOMINATED, "Return to nominated", Permission.ROSTER_VET),
    Transition(S.VETTING, S.SEPARATED, "Reject after vetting", Permission.ROSTER_VET),
    Transition(S.ACTIVE, S.INACTIVE, "Mark inactive", Permission.ROSTER_EDIT),
    Transition(S.ACTIVE, S.SUSPENDED, "Suspend", Permission.ROSTER_VET),
    Transition(S.ACTIVE, S.SEPARATED, "Separate", Permission.ROSTER_EDIT),
    Transition(S.INACTIVE, S.ACTIVE, "Reactivate", Permission.ROSTER_EDIT),
    Transition(S.INACTIVE, S.SUSPENDED, "Suspend", Permission.ROSTER_VET),
    Transition(S.INACTIVE, S.SEPARATED, "Separate", Permission.ROSTER_EDIT),
    Transition(
        S.SUSPENDED,
        S.ACTIVE,
        "Lift suspension",
        Permission.ROSTER_VET,
        needs_onboarding=True,
    ),
    Transition(S.SUSPENDED, S.INACTIVE, "Lift suspension (inactive)", Permission.ROSTER_VET),
    Transition(S.SUSPENDED, S.SEPARATED, "Separate", Permission.ROSTER_EDIT),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


def find_transition(source: OfficerStatus | str, target: OfficerStatus | str) -> Transition | None:
    try:
        return _BY_PAIR.get((S(source), S(target)))
    except ValueError:
        return None


def allowed_transitions(user, officer: Officer) -> list[Transition]:
    """The transitions ``user`` may make from the officer's current status."""
    return [t for t in TRANSITIONS if t.source == S(officer.status) and can(t.permission, user)]


def onboarding_problems(officer: Officer) -> list[str]:
    """What is missing before an officer may be active (brief: onboarding of state programs)."""
    problems = []
    if officer.supervisor_approved_on is None:
        problems.append("supervisor (agency head) approval date")
    if officer.nda_signed_on is None:
        problems.append("signed non-disclosure agreement date")
    if officer.privacy_ack_on is None:
        problems.append("privacy policy acknowledgement date")
    return problems
