"""The shared workflow engine: sources, roles, guards, effects, and the refusal's status."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest

from flo_portal.core.workflow import (
    StateMachine,
    Transition,
    TransitionRefused,
    not_author,
    requester,
)


class St(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    DONE = "done"


class Act(StrEnum):
    SEND = "send"
    APPROVE = "approve"


@dataclass
class Doc:
    status: str
    requester_id: int
    author_id: int


@dataclass
class Person:
    id: int
    role: str
    is_active_account: bool = True


MACHINE = StateMachine(
    [
        Transition(
            Act.SEND,
            frozenset({St.DRAFT}),
            St.REVIEW,
            frozenset({"analyst"}),
            "Send",
            guards=(requester(),),
        ),
        Transition(
            Act.APPROVE,
            frozenset({St.REVIEW}),
            St.DONE,
            frozenset({"analyst"}),
            "Approve",
            guards=(not_author(),),
        ),
    ],
    noun="document",
)
SEEN: list[tuple] = []


@MACHINE.effect(Act.APPROVE)
def _remember(actor, obj, transition, **kw):
    SEEN.append((actor.id, obj.status, transition.action, kw))


def test_guards_decide_who_of_a_role_may_act():
    doc = Doc(St.DRAFT, requester_id=1, author_id=1)
    assert [t.action for t in MACHINE.allowed_actions(Person(1, "analyst"), doc)] == [Act.SEND]
    assert MACHINE.allowed_actions(Person(2, "analyst"), doc) == []
    assert MACHINE.allowed_actions(Person(1, "coordinator"), doc) == []
    assert MACHINE.allowed_actions(Person(1, "analyst", is_active_account=False), doc) == []


def test_refusal_status_is_409_for_the_state_and_403_for_the_actor():
    doc = Doc(St.DRAFT, requester_id=1, author_id=1)
    with pytest.raises(TransitionRefused) as state:
        MACHINE.check(Person(1, "analyst"), doc, Act.APPROVE)
    assert state.value.status == 409 and "draft" in state.value.message
    with pytest.raises(TransitionRefused) as guard:
        MACHINE.check(Person(2, "analyst"), doc, Act.SEND)
    assert guard.value.status == 403 and "only the person who asked" in guard.value.message
    with pytest.raises(TransitionRefused) as role:
        MACHINE.check(Person(1, "liaison_officer"), doc, Act.SEND)
    assert role.value.status == 403 and "role" in role.value.message
    with pytest.raises(TransitionRefused) as unknown:
        MACHINE.check(Person(1, "analyst"), doc, "explode")
    assert unknown.value.status == 409


def test_four_eyes_and_apply_runs_registered_effects_after_the_move():
    SEEN.clear()
    doc = Doc(St.REVIEW, requester_id=1, author_id=1)
    with pytest.raises(TransitionRefused) as own:
        MACHINE.apply(Person(1, "analyst"), doc, Act.APPROVE)
    assert "four-eyes" in own.value.message and doc.status == St.REVIEW and SEEN == []
    t = MACHINE.apply(Person(2, "analyst"), doc, Act.APPROVE, note="fine")
    assert t.target == St.DONE and doc.status == St.DONE
    assert SEEN == [(2, St.DONE, Act.APPROVE, {"note": "fine"})]


def test_features_register_their_side_effects_beside_the_workflow():
    """RFIs and products tell people through effects registered on their machine, which
    the services run once the transition is made (run_effects)."""
    from flo_portal.products.workflow import MACHINE as PRODUCTS
    from flo_portal.rfis.workflow import MACHINE as RFIS
    from flo_portal.rfis.workflow import Action as RfiAction

    assert all(RFIS._effects.get(a) for a in RfiAction)
    assert {str(a) for a, fns in PRODUCTS._effects.items() if fns} >= {
        "submit",
        "return",
        "withdraw",
    }
