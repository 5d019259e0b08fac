"""A role-gated state machine: one table of transitions, consulted by views, services and tests.

Features whose transitions depend only on the current status and the actor's role (SARs,
redress requests) declare their table with ``Transition`` and wrap it in a
``StateMachine``. RFIs and products have richer rules (requester, assignee, author) and
keep their own modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from flo_portal.security.permissions import Role


class TransitionRefused(Exception):
    """The user may not make this transition on this object in its current state."""


@dataclass(frozen=True)
class Transition:
    action: StrEnum
    sources: frozenset
    target: StrEnum
    roles: frozenset[Role]
    label: str
    needs_note: bool = False  # the accompanying text (reason, answer) is mandatory
    note_label: str = "Note"


class StateMachine:
    def __init__(self, transitions: Iterable[Transition], *, noun: str) -> None:
        self.transitions = tuple(transitions)
        self.by_action = {t.action: t for t in self.transitions}
        self._action_enum = type(self.transitions[0].action)
        self._status_enum = type(self.transitions[0].target)
        self.noun = noun

    def permits(self, t: Transition, user, obj) -> bool:
        try:
            role = Role(user.role)
        except ValueError:
            return False
        return (
            self._status_enum(obj.status) in t.sources
            and role in t.roles
            and getattr(user, "is_active_account", True)
        )

    def allowed_actions(self, user, obj) -> list[Transition]:
        return [t for t in self.transitions if self.permits(t, user, obj)]

    def check(self, user, obj, action) -> Transition:
        """The transition for ``action``, or TransitionRefused with a readable reason."""
        try:
            t = self.by_action[self._action_enum(action)]
        except ValueError:
            raise TransitionRefused(f"Unknown action {action!r}.") from None
        if not self.permits(t, user, obj):
            status = self._status_enum(obj.status)
            raise TransitionRefused(
                f"“{t.label}” is not possible: this {self.noun} is "
                f"{getattr(status, 'label', status.value).lower()} or your role may not do that."
            )
        return t
