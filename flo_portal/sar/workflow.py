"""The SAR vetting state machine: one table of allowed transitions and who may make them.

``submitted → under_review → vetted`` (shared as an ISE-SAR) or ``closed_not_sar``
(with a reason). Views offer ``allowed_actions``; services call ``check``.
"""

from __future__ import annotations

from enum import StrEnum

from flo_portal.core.workflow import StateMachine, Transition, TransitionRefused
from flo_portal.sar.models import SarStatus
from flo_portal.security.permissions import Role

S = SarStatus


class Action(StrEnum):
    START_REVIEW = "start_review"
    VET = "vet"
    CLOSE = "close"


REPORTERS = frozenset({Role.LIAISON_OFFICER, Role.AGENCY_HEAD})
VETTERS = frozenset({Role.COORDINATOR, Role.ANALYST})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        Action.START_REVIEW, frozenset({S.SUBMITTED}), S.UNDER_REVIEW, VETTERS, "Start review"
    ),
    Transition(
        Action.VET,
        frozenset({S.UNDER_REVIEW}),
        S.VETTED,
        VETTERS,
        "Vet and share as ISE-SAR",
        note_label="Vetting note (optional)",
    ),
    Transition(
        Action.CLOSE,
        frozenset({S.SUBMITTED, S.UNDER_REVIEW}),
        S.CLOSED_NOT_SAR,
        VETTERS,
        "Close: not a SAR",
        needs_note=True,
        note_label="Reason it is not a SAR",
    ),
)

MACHINE = StateMachine(TRANSITIONS, noun="report")
BY_ACTION = MACHINE.by_action
allowed_actions = MACHINE.allowed_actions
check = MACHINE.check

__all__ = ["TRANSITIONS", "Action", "Transition", "TransitionRefused", "allowed_actions", "check"]
