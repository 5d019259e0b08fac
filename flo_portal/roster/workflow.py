"""The officer lifecycle on the shared workflow engine: the ONE table of allowed status
changes and who may make them.

``nominated → vetting → active ⇄ inactive``, ``suspended`` from active or inactive, and
``separated`` (no way back) from every status. Views, the API, the importer and the tests
consult ``TRANSITIONS`` / ``allowed_transitions``; ``services.change_status`` checks and
applies through ``MACHINE`` and registers the side effects (history, audit, notice).

Who may make a change comes from the role table (the roles holding ``roster:vet`` or
``roster:edit``), so the permission stays the one rule. The page offers a new *status*,
not an action: ``transition_to(officer, target)`` finds the action leading there.

Built from core pieces: ``extra["needs_onboarding"]`` marks the transitions that need the
onboarding done (supervisor approval, the current agreements signed); the service refuses
them with ``OnboardingIncomplete`` (409: the record, not the actor, is not ready), which a
guard (403) would not say.
"""

from __future__ import annotations

from enum import StrEnum

from flo_portal.core.errors import Conflict
from flo_portal.core.workflow import StateMachine, Transition, TransitionRefused
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.security.permissions import Permission, Role, role_has

S = OfficerStatus


class Action(StrEnum):
    START_VETTING = "start_vetting"
    DECLINE = "decline"
    ACTIVATE = "activate"
    RETURN_TO_NOMINATED = "return_to_nominated"
    REJECT = "reject"
    MARK_INACTIVE = "mark_inactive"
    REACTIVATE = "reactivate"
    SUSPEND = "suspend"
    LIFT_SUSPENSION = "lift_suspension"
    LIFT_SUSPENSION_INACTIVE = "lift_suspension_inactive"
    SEPARATE = "separate"


def _holding(permission: Permission) -> frozenset:
    return frozenset(role for role in Role if role_has(role, permission))


VETTERS = _holding(Permission.ROSTER_VET)
EDITORS = _holding(Permission.ROSTER_EDIT)
ONBOARDING = {"needs_onboarding": True}


def _t(action, sources, target, roles, label, **extra) -> Transition:
    return Transition(action, frozenset(sources), target, roles, label, extra=extra)


TRANSITIONS: tuple[Transition, ...] = (
    _t(Action.START_VETTING, {S.NOMINATED}, S.VETTING, VETTERS, "Start vetting"),
    _t(Action.DECLINE, {S.NOMINATED}, S.SEPARATED, VETTERS, "Decline nomination"),
    _t(Action.ACTIVATE, {S.VETTING}, S.ACTIVE, VETTERS, "Activate", **ONBOARDING),
    _t(Action.RETURN_TO_NOMINATED, {S.VETTING}, S.NOMINATED, VETTERS, "Return to nominated"),
    _t(Action.REJECT, {S.VETTING}, S.SEPARATED, VETTERS, "Reject after vetting"),
    _t(Action.MARK_INACTIVE, {S.ACTIVE}, S.INACTIVE, EDITORS, "Mark inactive"),
    _t(Action.REACTIVATE, {S.INACTIVE}, S.ACTIVE, EDITORS, "Reactivate"),
    _t(Action.SUSPEND, {S.ACTIVE, S.INACTIVE}, S.SUSPENDED, VETTERS, "Suspend"),
    _t(
        Action.LIFT_SUSPENSION,
        {S.SUSPENDED},
        S.ACTIVE,
        VETTERS,
        "Lift suspension",
        **ONBOARDING,
    ),
    _t(
        Action.LIFT_SUSPENSION_INACTIVE,
        {S.SUSPENDED},
        S.INACTIVE,
        VETTERS,
        "Lift suspension (inactive)",
    ),
    _t(Action.SEPARATE, {S.ACTIVE, S.INACTIVE, S.SUSPENDED}, S.SEPARATED, EDITORS, "Separate"),
)

MACHINE = StateMachine(TRANSITIONS, noun="officer")
BY_ACTION = MACHINE.by_action
check = MACHINE.check


class OnboardingIncomplete(Conflict):
    """Activation refused: the onboarding dates are not all recorded (409)."""


def needs_onboarding(t: Transition) -> bool:
    return bool(t.extra.get("needs_onboarding"))


def transition_to(officer: Officer, target: OfficerStatus | str) -> Transition:
    """The transition from the officer's status to ``target``, or TransitionRefused (409)."""
    try:
        source, wanted = S(officer.status), S(target)
    except ValueError:
        source = wanted = None
    for t in TRANSITIONS:
        if source in t.sources and t.target == wanted:
            return t
    raise TransitionRefused(
        f"An officer who is {officer.status} cannot become {target}.", status=409
    )


def allowed_transitions(user, officer: Officer) -> list[Transition]:
    """The transitions ``user`` may make from the officer's current status."""
    return MACHINE.allowed_actions(user, officer)


def onboarding_problems(officer, *, agreements: list | None = None) -> list[str]:
    """What is missing before an officer may be active (brief: onboarding of state programs).

    The current agreements FLOs must sign (``flo_portal.agreements``) must be signed, in
    the portal or (carried over) on paper. Where no NDA or privacy policy is published
    yet, the date typed on the record still stands for it (deprecated columns).
    ``agreements``: the current FLO versions, when the caller read them once already
    (the import checks many rows)."""
    from flo_portal.agreements.queries import officer_agreement_problems

    kinds, unsigned = officer_agreement_problems(officer, agreements)
    problems = []
    if officer.supervisor_approved_on is None:
        problems.append("supervisor (agency head) approval date")
    if "nda" not in kinds and officer.nda_signed_on is None:
        problems.append("signed non-disclosure agreement date")
    if "privacy" not in kinds and officer.privacy_ack_on is None:
        problems.append("privacy policy acknowledgement date")
    return problems + unsigned


__all__ = [
    "MACHINE",
    "TRANSITIONS",
    "Action",
    "OnboardingIncomplete",
    "Transition",
    "TransitionRefused",
    "allowed_transitions",
    "check",
    "needs_onboarding",
    "onboarding_problems",
    "transition_to",
]
