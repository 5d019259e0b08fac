"""The one workflow engine: a table of transitions with roles and guards, consulted by views,
services, the API and tests, with each transition's side effects registered beside it.

Every stateful feature (RFIs, products, officers, SARs, redress requests) declares its
table with ``Transition`` and wraps it in a ``StateMachine``:

    MACHINE = StateMachine(TRANSITIONS, noun="request")

    @MACHINE.effect(Action.ANSWER)
    def _notify_requester(actor, rfi, transition, **kw): ...

    MACHINE.apply(actor, rfi, Action.ANSWER, answer=text)   # check, move, run effects

A transition is possible when the object is in one of its ``sources``, the actor holds one
of its ``roles`` and has an active account, and every one of its ``guards`` passes. Guards
are named rules about *this* actor and *this* object (the requester, the assignee, not the
author — four eyes —, no privacy review pending); ``requester()``, ``assignee()``,
``author()``, ``not_author()`` and ``when()`` build the usual ones.

The status of a refusal is decided here, once: not possible in the object's current state
→ 409 (``Conflict``); possible, but not for this actor → 403 (``Refused``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from flo_portal.core.errors import Refused


class TransitionRefused(Refused):
    """The actor may not make this transition on this object (status 403), or nobody may
    in its current state (status 409)."""

    def __init__(self, message: str | None = None, *, status: int = 403, **kw) -> None:
        super().__init__(message, **kw)
        self.status = status


@dataclass(frozen=True)
class Guard:
    """A named rule about this actor and this object; ``test(actor, obj)`` is True to allow."""

    name: str
    test: Callable[[Any, Any], bool]
    reason: str = "your part in it does not allow that"

    def __call__(self, actor, obj) -> bool:
        return bool(self.test(actor, obj))


def _id_of(actor) -> Any:
    return getattr(actor, "id", None)


def party(name: str, attr: str, reason: str) -> Guard:
    """Only the user whose id is in ``obj.<attr>`` (the requester, the assignee, the author)."""
    return Guard(
        name,
        lambda actor, obj: _id_of(actor) is not None and getattr(obj, attr) == _id_of(actor),
        reason,
    )


def requester(attr: str = "requester_id") -> Guard:
    return party("requester", attr, "only the person who asked may do that")


def assignee(attr: str = "assignee_id") -> Guard:
    return party("assignee", attr, "only the person it is assigned to may do that")


def author(attr: str = "author_id") -> Guard:
    return party("author", attr, "only its author may do that")


def not_author(attr: str = "author_id") -> Guard:
    """Four eyes: whoever wrote it may not also approve it."""
    return Guard(
        "four_eyes",
        lambda actor, obj: getattr(obj, attr) != _id_of(actor),
        "a second person must do that (four-eyes rule)",
    )


def when(name: str, predicate: Callable[[Any, Any], bool], reason: str) -> Guard:
    return Guard(name, predicate, reason)


@dataclass(frozen=True)
class Transition:
    action: StrEnum
    sources: frozenset
    target: StrEnum
    roles: frozenset  # of security.permissions.Role (a StrEnum: plain strings match)
    label: str
    needs_note: bool = False  # the accompanying text (reason, answer) is mandatory
    note_label: str = "Note"
    guards: tuple[Guard, ...] = ()
    extra: dict = field(default_factory=dict, hash=False, compare=False)


Effect = Callable[..., None]


class StateMachine:
    def __init__(self, transitions: Iterable[Transition], *, noun: str) -> None:
        self.transitions = tuple(transitions)
        self.by_action = {t.action: t for t in self.transitions}
        self._action_enum = type(self.transitions[0].action)
        self._status_enum = type(self.transitions[0].target)
        self.noun = noun
        self._effects: dict[Any, list[Effect]] = {}

    # -- reading the table ------------------------------------------------------------
    def _in_source(self, t: Transition, obj) -> bool:
        return self._status_enum(obj.status) in t.sources

    def _actor_may(self, t: Transition, actor, obj) -> Guard | str | None:
        """None when the actor may; else what stops them (the role, or a guard)."""
        role = getattr(actor, "role", None)
        if role not in t.roles or not getattr(actor, "is_active_account", True):
            return "role"
        for guard in t.guards:
            if not guard(actor, obj):
                return guard
        return None

    def permits(self, t: Transition, actor, obj) -> bool:
        return self._in_source(t, obj) and self._actor_may(t, actor, obj) is None

    def allowed_actions(self, actor, obj) -> list[Transition]:
        return [t for t in self.transitions if self.permits(t, actor, obj)]

    def transition(self, action) -> Transition:
        try:
            return self.by_action[self._action_enum(action)]
        except ValueError:
            raise TransitionRefused(f"Unknown action {action!r}.", status=409) from None

    def check(self, actor, obj, action) -> Transition:
        """The transition for ``action``, or TransitionRefused with a readable reason."""
        t = self.transition(action)
        if not self._in_source(t, obj):
            status = self._status_enum(obj.status)
            raise TransitionRefused(
                f"“{t.label}” is not possible: this {self.noun} is "
                f"{getattr(status, 'label', status.value).lower()}.",
                status=409,
            )
        stop = self._actor_may(t, actor, obj)
        if stop is not None:
            why = "your role may not do that" if stop == "role" else stop.reason
            raise TransitionRefused(f"“{t.label}” is not possible: {why}.", status=403)
        return t

    # -- side effects -----------------------------------------------------------------
    def effect(self, *actions) -> Callable[[Effect], Effect]:
        """Register ``fn(actor, obj, transition, **kw)`` to run after these transitions."""

        def register(fn: Effect) -> Effect:
            for action in actions:
                self._effects.setdefault(self._action_enum(action), []).append(fn)
            return fn

        return register

    def run_effects(self, actor, obj, t: Transition, **kw) -> None:
        """Run the effects registered for ``t`` (a service that sets more than the status,
        or flushes first, calls this itself once the transition is made)."""
        for fn in self._effects.get(t.action, ()):
            fn(actor, obj, t, **kw)

    def apply(self, actor, obj, action, **kw) -> Transition:
        """Check, move ``obj`` to the target status, then run the registered effects."""
        t = self.check(actor, obj, action)
        obj.status = t.target
        self.run_effects(actor, obj, t, **kw)
        return t
