"""The SAR vetting state machine: one table of allowed transitions and who may make them.

``submitted → under_review → vetted`` (shared as an ISE-SAR) or ``closed_not_sar``
(with a reason). Views offer ``allowed_actions``; services call ``check``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flo_portal.sar.models import SarStatus, SuspiciousActivityReport
from flo_portal.security.permissions import Role

S = SarStatus


class Action(StrEnum):
    START_REVIEW = "start_review"
    VET = "vet"
    CLOSE = "close"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[SarStatus]
    target: SarStatus
    roles: frozenset[Role]
    label: str
    needs_note: bool = False  # a reason is mandatory
    note_label: str = "Note"


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

BY_ACTION: dict[Action, Transition] = {t.action: t for t in TRANSITIONS}


class TransitionRefused(Exception):
    """The user may not make this transition on this report in its current state."""


def permits(t: Transition, user, sar: SuspiciousActivityReport) -> bool:
    try:
        role = Role(user.role)
    except ValueError:
        return False
    return (
        SarStatus(sar.status) in t.sources
        and role in t.roles
        and getattr(user, "is_active_account", True)
    )


def allowed_actions(user, sar: SuspiciousActivityReport) -> list[Transition]:
    return [t for t in TRANSITIONS if permits(t, user, sar)]


def check(user, sar: SuspiciousActivityReport, action: Action | str) -> Transition:
    """The transition for ``action``, or TransitionRefused with a readable reason."""
    try:
        t = BY_ACTION[Action(action)]
    except ValueError:
        raise TransitionRefused(f"Unknown action {action!r}.") from None
    if not permits(t, user, sar):
        raise TransitionRefused(
            f"“{t.label}” is not possible: this report is "
            f"{SarStatus(sar.status).label.lower()} or your role may not do that."
        )
    return t
