"""The RFI state machine: the one table of allowed transitions and who may make them.

Views offer only ``allowed_actions(user, rfi)``; services call ``check(user, rfi, action)``
before changing anything; the API and the tests read ``TRANSITIONS`` directly.

Submission itself is not a transition (there is no prior state): ``initial_status``
says where a new request starts — privacy review when its text names protected
activity, otherwise the coordinators' triage queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flo_portal.rfis.models import Rfi, RfiDirection, RfiStatus
from flo_portal.security.permissions import Role

S = RfiStatus
REQ = RfiDirection.REQUEST
TASK = RfiDirection.TASKING


class Action(StrEnum):
    PRIVACY_APPROVE = "privacy_approve"
    PRIVACY_RETURN = "privacy_return"
    ACCEPT = "accept"
    RETURN = "return"
    REJECT = "reject"
    ASSIGN = "assign"
    ANSWER = "answer"
    RESUBMIT = "resubmit"
    CLOSE = "close"
    COMPLETE = "complete"


class Actor(StrEnum):
    """Which users of an allowed role may act: anyone of it, or only a named party."""

    ANY = "any"  # any user holding one of the roles (e.g. the coordinator desk)
    REQUESTER = "requester"  # the person who submitted the RFI / sent the tasking
    ASSIGNEE = "assignee"  # the analyst it is assigned to


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[RfiStatus]
    target: RfiStatus
    roles: frozenset[Role]
    actor: Actor
    directions: frozenset[RfiDirection]
    label: str
    needs_note: bool = False  # a reason / note is mandatory


PARTNERS = frozenset({Role.LIAISON_OFFICER, Role.AGENCY_HEAD})
COORD = frozenset({Role.COORDINATOR})
WORKERS = frozenset({Role.COORDINATOR, Role.ANALYST})
PRIVACY = frozenset({Role.PRIVACY_OFFICER})
BOTH = frozenset({REQ, TASK})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        Action.PRIVACY_APPROVE,
        frozenset({S.PRIVACY_REVIEW}),
        S.SUBMITTED,
        PRIVACY,
        Actor.ANY,
        frozenset({REQ}),
        "Approve for triage",
    ),
    Transition(
        Action.PRIVACY_RETURN,
        frozenset({S.PRIVACY_REVIEW}),
        S.RETURNED,
        PRIVACY,
        Actor.ANY,
        frozenset({REQ}),
        "Return to requester",
        needs_note=True,
    ),
    Transition(
        Action.ACCEPT,
        frozenset({S.SUBMITTED}),
        S.ACCEPTED,
        COORD,
        Actor.ANY,
        frozenset({REQ}),
        "Accept",
    ),
    Transition(
        Action.RETURN,
        frozenset({S.SUBMITTED, S.ACCEPTED}),
        S.RETURNED,
        COORD,
        Actor.ANY,
        frozenset({REQ}),
        "Return for more information",
        needs_note=True,
    ),
    Transition(
        Action.REJECT,
        frozenset({S.SUBMITTED, S.ACCEPTED}),
        S.REJECTED,
        COORD,
        Actor.ANY,
        frozenset({REQ}),
        "Reject",
        needs_note=True,
    ),
    # Re-assigning an assigned RFI keeps it assigned (to someone else).
    Transition(
        Action.ASSIGN,
        frozenset({S.ACCEPTED, S.ASSIGNED}),
        S.ASSIGNED,
        COORD,
        Actor.ANY,
        frozenset({REQ}),
        "Assign",
    ),
    Transition(
        Action.ANSWER,
        frozenset({S.ASSIGNED}),
        S.ANSWERED,
        WORKERS,
        Actor.ASSIGNEE,
        frozenset({REQ}),
        "Answer",
    ),
    Transition(
        Action.RESUBMIT,
        frozenset({S.RETURNED}),
        S.SUBMITTED,
        PARTNERS,
        Actor.REQUESTER,
        frozenset({REQ}),
        "Revise and resubmit",
    ),
    Transition(
        Action.CLOSE,
        frozenset({S.ANSWERED}),
        S.CLOSED,
        PARTNERS | WORKERS,
        Actor.REQUESTER,
        BOTH,
        "Close and rate",
    ),
    # A tasking's sender marks it complete (all answered, or enough of them).
    Transition(
        Action.COMPLETE,
        frozenset({S.ASSIGNED}),
        S.ANSWERED,
        WORKERS,
        Actor.REQUESTER,
        frozenset({TASK}),
        "Mark complete",
    ),
)

BY_ACTION: dict[Action, Transition] = {t.action: t for t in TRANSITIONS}


class TransitionRefused(Exception):
    """The user may not make this transition on this RFI in its current state."""


def initial_status(privacy_flagged: bool) -> RfiStatus:
    return RfiStatus.PRIVACY_REVIEW if privacy_flagged else RfiStatus.SUBMITTED


def _actor_matches(t: Transition, user, rfi: Rfi) -> bool:
    if t.actor == Actor.REQUESTER:
        return rfi.requester_id == user.id
    if t.actor == Actor.ASSIGNEE:
        return rfi.assignee_id is not None and rfi.assignee_id == user.id
    return True


def permits(t: Transition, user, rfi: Rfi) -> bool:
    """True when ``user`` may make transition ``t`` on ``rfi`` now."""
    try:
        role = Role(user.role)
    except ValueError:
        return False
    return (
        RfiStatus(rfi.status) in t.sources
        and RfiDirection(rfi.direction) in t.directions
        and role in t.roles
        and getattr(user, "is_active_account", True)
        and _actor_matches(t, user, rfi)
    )


def allowed_actions(user, rfi: Rfi) -> list[Transition]:
    """The transitions to offer ``user`` on ``rfi``, in table order."""
    return [t for t in TRANSITIONS if permits(t, user, rfi)]


def check(user, rfi: Rfi, action: Action | str) -> Transition:
    """The transition for ``action``, or TransitionRefused with a reason a person can read."""
    try:
        t = BY_ACTION[Action(action)]
    except ValueError:
        raise TransitionRefused(f"Unknown action {action!r}.") from None
    if not permits(t, user, rfi):
        raise TransitionRefused(
            f"“{t.label}” is not possible: this RFI is {RfiStatus(rfi.status).label.lower()} "
            "or your role may not do that."
        )
    return t
