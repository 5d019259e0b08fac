"""The product state machine, on the one workflow engine (``core/workflow.py``).

``draft → in_review → published → archived``, ``withdrawn`` from any of them, and back to
``draft`` when a reviewer returns it. Views, the API and the tests consult ``TRANSITIONS``
(by action) and ``allowed_actions``; ``services.transition`` calls ``check``.

The rules beyond role and state are guards:

* nothing happens to a purged product;
* the author or a coordinator submits;
* four eyes: the author neither approves the privacy review nor publishes;
* privacy approval, and a privacy officer's return, need a pending privacy review;
* publishing waits for the privacy officer when a review is pending or was returned.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from flo_portal.core.workflow import (
    Guard,
    StateMachine,
    Transition,
    TransitionRefused,
    not_author,
    when,
)
from flo_portal.products.errors import ProductError
from flo_portal.products.models import PrivacyStatus, ProductStatus
from flo_portal.security.permissions import Role

S = ProductStatus


class Action(StrEnum):
    SUBMIT = "submit"
    PRIVACY_APPROVE = "privacy_approve"
    RETURN = "return"
    PUBLISH = "publish"
    ARCHIVE = "archive"
    WITHDRAW = "withdraw"


class ProductTransitionRefused(ProductError, TransitionRefused):
    """A refused product transition: 409 in the wrong state, 403 for this user."""


NOT_PURGED = when("not_purged", lambda _u, p: p.purged_at is None, "the product was purged")
AUTHOR_OR_COORDINATOR = when(
    "author_or_coordinator",
    lambda u, p: p.author_id == u.id or Role(u.role) == Role.COORDINATOR,
    "only the author or a coordinator may submit it",
)
PRIVACY_PENDING = when(
    "privacy_pending",
    lambda _u, p: p.privacy_status == PrivacyStatus.PENDING,
    "no privacy review is pending",
)
# A coordinator may return a product at any time in review; a privacy officer only the
# one whose privacy review is pending.
PRIVACY_OFFICER_NEEDS_PENDING = when(
    "privacy_officer_needs_pending",
    lambda u, p: Role(u.role) != Role.PRIVACY_OFFICER or p.privacy_status == PrivacyStatus.PENDING,
    "no privacy review is pending",
)
PRIVACY_CLEARED = when(
    "privacy_cleared",
    lambda _u, p: p.privacy_status not in (PrivacyStatus.PENDING, PrivacyStatus.RETURNED),
    "a privacy officer must approve it first",
)


def _four_eyes(reason: str) -> Guard:
    return replace(not_author(), reason=reason)


TRANSITIONS_TABLE: tuple[Transition, ...] = (
    Transition(
        Action.SUBMIT,
        frozenset({S.DRAFT}),
        S.IN_REVIEW,
        frozenset({Role.ANALYST, Role.COORDINATOR}),
        "Submit for review",
        guards=(NOT_PURGED, AUTHOR_OR_COORDINATOR),
    ),
    # The privacy officer's approval keeps the product in review; it unblocks publishing.
    Transition(
        Action.PRIVACY_APPROVE,
        frozenset({S.IN_REVIEW}),
        S.IN_REVIEW,
        frozenset({Role.PRIVACY_OFFICER}),
        "Approve (privacy review)",
        note_label="Note (optional)",
        guards=(NOT_PURGED, PRIVACY_PENDING, _four_eyes("you cannot approve your own product")),
    ),
    Transition(
        Action.RETURN,
        frozenset({S.IN_REVIEW}),
        S.DRAFT,
        frozenset({Role.COORDINATOR, Role.PRIVACY_OFFICER}),
        "Return to author",
        needs_note=True,
        note_label="Reason",
        guards=(NOT_PURGED, PRIVACY_OFFICER_NEEDS_PENDING),
    ),
    Transition(
        Action.PUBLISH,
        frozenset({S.IN_REVIEW}),
        S.PUBLISHED,
        frozenset({Role.COORDINATOR}),
        "Publish",
        # Four eyes: publishing approves dissemination, so nobody publishes their own product.
        guards=(
            NOT_PURGED,
            _four_eyes("you cannot approve (publish) your own product"),
            PRIVACY_CLEARED,
        ),
    ),
    Transition(
        Action.ARCHIVE,
        frozenset({S.PUBLISHED}),
        S.ARCHIVED,
        frozenset({Role.COORDINATOR}),
        "Archive",
        guards=(NOT_PURGED,),
    ),
    Transition(
        Action.WITHDRAW,
        frozenset({S.DRAFT, S.IN_REVIEW, S.PUBLISHED, S.ARCHIVED}),
        S.WITHDRAWN,
        frozenset({Role.COORDINATOR}),
        "Withdraw",
        needs_note=True,
        note_label="Reason",
        guards=(NOT_PURGED,),
    ),
)

MACHINE = StateMachine(TRANSITIONS_TABLE, noun="product")
TRANSITIONS = MACHINE.by_action  # keyed by Action, a StrEnum: TRANSITIONS["publish"] works
allowed_actions = MACHINE.allowed_actions


def check(user, product, action) -> Transition:
    """The transition for ``action``, or ProductTransitionRefused (403/409) saying why."""
    try:
        return MACHINE.check(user, product, action)
    except TransitionRefused as err:
        raise ProductTransitionRefused(err.message, status=err.status) from None


__all__ = [
    "TRANSITIONS",
    "Action",
    "ProductTransitionRefused",
    "Transition",
    "allowed_actions",
    "check",
]
