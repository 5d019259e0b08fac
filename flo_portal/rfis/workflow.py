"""The RFI state machine on the one workflow engine (``core/workflow.py``): the table of
allowed transitions, who may make them, and for which kind of RFI.

Views offer only ``allowed_actions(user, rfi)``; services call ``check(user, rfi, action)``
before changing anything; the API and the tests read ``TRANSITIONS`` directly. A refused
transition answers what the engine decides: 409 when the RFI's state does not allow it,
403 when the user's role or part in it (requester, assignee) does not.

An RFI goes one of two ways, and some transitions exist only on one of them; the
``for_requests`` and ``for_taskings`` guards say which:

* a **request** (FLO or agency head → center): privacy review, triage, assignment,
  answer, closure by the requester;
* a **tasking** (center → officers, agencies, disciplines): the sender marks it complete
  once answered enough, then closes it.

Submission itself is not a transition (there is no prior state): ``initial_status``
says where a new request starts — privacy review when its text names protected
activity, otherwise the coordinators' triage queue.
"""

from __future__ import annotations

from enum import StrEnum

from flo_portal.core.workflow import (
    Guard,
    StateMachine,
    Transition,
    TransitionRefused,
    assignee,
    requester,
    when,
)
from flo_portal.rfis.models import RfiDirection, RfiStatus
from flo_portal.security.permissions import Role

S = RfiStatus


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


def _direction_is(direction: RfiDirection):
    return lambda _actor, rfi: RfiDirection(rfi.direction) == direction


# Which way the RFI goes (a property of the RFI, checked like any other guard).
for_requests: Guard = when(
    "request", _direction_is(RfiDirection.REQUEST), "only a request to the center allows that"
)
for_taskings: Guard = when(
    "tasking", _direction_is(RfiDirection.TASKING), "only a tasking from the center allows that"
)
# Who among the holders of the role: the person who submitted the RFI (or sent the
# tasking), or the analyst it is assigned to.
by_requester: Guard = requester("requester_id")
by_assignee: Guard = assignee("assignee_id")

PARTNERS = frozenset({Role.LIAISON_OFFICER, Role.AGENCY_HEAD})
COORD = frozenset({Role.COORDINATOR})
WORKERS = frozenset({Role.COORDINATOR, Role.ANALYST})
PRIVACY = frozenset({Role.PRIVACY_OFFICER})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        Action.PRIVACY_APPROVE,
        frozenset({S.PRIVACY_REVIEW}),
        S.SUBMITTED,
        PRIVACY,
        "Approve for triage",
        guards=(for_requests,),
    ),
    Transition(
        Action.PRIVACY_RETURN,
        frozenset({S.PRIVACY_REVIEW}),
        S.RETURNED,
        PRIVACY,
        "Return to requester",
        needs_note=True,
        guards=(for_requests,),
    ),
    Transition(
        Action.ACCEPT,
        frozenset({S.SUBMITTED}),
        S.ACCEPTED,
        COORD,
        "Accept",
        guards=(for_requests,),
    ),
    Transition(
        Action.RETURN,
        frozenset({S.SUBMITTED, S.ACCEPTED}),
        S.RETURNED,
        COORD,
        "Return for more information",
        needs_note=True,
        guards=(for_requests,),
    ),
    Transition(
        Action.REJECT,
        frozenset({S.SUBMITTED, S.ACCEPTED}),
        S.REJECTED,
        COORD,
        "Reject",
        needs_note=True,
        guards=(for_requests,),
    ),
    # Re-assigning an assigned RFI keeps it assigned (to someone else).
    Transition(
        Action.ASSIGN,
        frozenset({S.ACCEPTED, S.ASSIGNED}),
        S.ASSIGNED,
        COORD,
        "Assign",
        guards=(for_requests,),
    ),
    Transition(
        Action.ANSWER,
        frozenset({S.ASSIGNED}),
        S.ANSWERED,
        WORKERS,
        "Answer",
        guards=(for_requests, by_assignee),
    ),
    Transition(
        Action.RESUBMIT,
        frozenset({S.RETURNED}),
        S.SUBMITTED,
        PARTNERS,
        "Revise and resubmit",
        guards=(for_requests, by_requester),
    ),
    Transition(
        Action.CLOSE,
        frozenset({S.ANSWERED}),
        S.CLOSED,
        PARTNERS | WORKERS,
        "Close and rate",
        guards=(by_requester,),
    ),
    # A tasking's sender marks it complete (all answered, or enough of them).
    Transition(
        Action.COMPLETE,
        frozenset({S.ASSIGNED}),
        S.ANSWERED,
        WORKERS,
        "Mark complete",
        guards=(for_taskings, by_requester),
    ),
)

MACHINE = StateMachine(TRANSITIONS, noun="RFI")
BY_ACTION = MACHINE.by_action
permits = MACHINE.permits
allowed_actions = MACHINE.allowed_actions
check = MACHINE.check


def initial_status(privacy_flagged: bool) -> RfiStatus:
    return RfiStatus.PRIVACY_REVIEW if privacy_flagged else RfiStatus.SUBMITTED


__all__ = [
    "BY_ACTION",
    "TRANSITIONS",
    "Action",
    "Transition",
    "TransitionRefused",
    "allowed_actions",
    "check",
    "for_requests",
    "for_taskings",
    "initial_status",
    "permits",
]
