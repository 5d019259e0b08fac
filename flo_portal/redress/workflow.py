"""The redress state machine: ``received → in_review → answered`` (a request may also
be answered straight from received). Only the privacy officer moves it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flo_portal.redress.models import RedressRequest, RedressStatus
from flo_portal.security.permissions import Role

S = RedressStatus


class Action(StrEnum):
    START_REVIEW = "start_review"
    ANSWER = "answer"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[RedressStatus]
    target: RedressStatus
    roles: frozenset[Role]
    label: str
    needs_answer: bool = False


PRIVACY = frozenset({Role.PRIVACY_OFFICER})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.START_REVIEW, frozenset({S.RECEIVED}), S.IN_REVIEW, PRIVACY, "Start review"),
    Transition(
        Action.ANSWER,
        frozenset({S.RECEIVED, S.IN_REVIEW}),
        S.ANSWERED,
        PRIVACY,
        "Send the answer",
        needs_answer=True,
    ),
)

BY_ACTION: dict[Action, Transition] = {t.action: t for t in TRANSITIONS}


class TransitionRefused(Exception):
    """The user may not make this transition on this request in its current state."""


def permits(t: Transition, user, req: RedressRequest) -> bool:
    try:
        role = Role(user.role)
    except ValueError:
        return False
    return (
        RedressStatus(req.status) in t.sources
        and role in t.roles
        and getattr(user, "is_active_account", True)
    )


def allowed_actions(user, req: RedressRequest) -> list[Transition]:
    return [t for t in TRANSITIONS if permits(t, user, req)]


def check(user, req: RedressRequest, action: Action | str) -> Transition:
    try:
        t = BY_ACTION[Action(action)]
    except ValueError:
        raise TransitionRefused(f"Unknown action {action!r}.") from None
    if not permits(t, user, req):
        raise TransitionRefused(
            f"“{t.label}” is not possible: this request is "
            f"{RedressStatus(req.status).label.lower()} or your role may not do that."
        )
    return t
