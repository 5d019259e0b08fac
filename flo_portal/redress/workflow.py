"""The redress state machine: ``received → in_review → answered`` (a request may also
be answered straight from received). Only the privacy officer moves it."""

from __future__ import annotations

from enum import StrEnum

from flo_portal.core.workflow import StateMachine, Transition, TransitionRefused
from flo_portal.redress.models import RedressStatus
from flo_portal.security.permissions import Role

S = RedressStatus


class Action(StrEnum):
    START_REVIEW = "start_review"
    ANSWER = "answer"


PRIVACY = frozenset({Role.PRIVACY_OFFICER})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.START_REVIEW, frozenset({S.RECEIVED}), S.IN_REVIEW, PRIVACY, "Start review"),
    Transition(
        Action.ANSWER,
        frozenset({S.RECEIVED, S.IN_REVIEW}),
        S.ANSWERED,
        PRIVACY,
        "Send the answer",
        needs_note=True,
        note_label="Answer",
    ),
)

MACHINE = StateMachine(TRANSITIONS, noun="request")
BY_ACTION = MACHINE.by_action
allowed_actions = MACHINE.allowed_actions
check = MACHINE.check

__all__ = ["TRANSITIONS", "Action", "Transition", "TransitionRefused", "allowed_actions", "check"]
