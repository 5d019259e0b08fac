"""The product state machine: one table of transitions and who may make them.

Views, the API and the tests all consult TRANSITIONS; services.transition() enforces it.
Extra guards (author-only, privacy approval, four eyes) live in ``guard_problem``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flo_portal.products.models import PrivacyStatus, ProductStatus
from flo_portal.security.permissions import Role

S = ProductStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[ProductStatus]
    target: ProductStatus
    roles: frozenset[Role]
    label: str
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "submit",
            frozenset({S.DRAFT}),
            S.IN_REVIEW,
            frozenset({Role.ANALYST, Role.COORDINATOR}),
            "Submit for review",
        ),
        # The privacy officer's approval keeps the product in review; it unblocks publishing.
        Transition(
            "privacy_approve",
            frozenset({S.IN_REVIEW}),
            S.IN_REVIEW,
            frozenset({Role.PRIVACY_OFFICER}),
            "Approve (privacy review)",
        ),
        Transition(
            "return",
            frozenset({S.IN_REVIEW}),
            S.DRAFT,
            frozenset({Role.COORDINATOR, Role.PRIVACY_OFFICER}),
            "Return to author",
            needs_reason=True,
        ),
        Transition(
            "publish",
            frozenset({S.IN_REVIEW}),
            S.PUBLISHED,
            frozenset({Role.COORDINATOR}),
            "Publish",
        ),
        Transition(
            "archive",
            frozenset({S.PUBLISHED}),
            S.ARCHIVED,
            frozenset({Role.COORDINATOR}),
            "Archive",
        ),
        Transition(
            "withdraw",
            frozenset({S.DRAFT, S.IN_REVIEW, S.PUBLISHED, S.ARCHIVED}),
            S.WITHDRAWN,
            frozenset({Role.COORDINATOR}),
            "Withdraw",
            needs_reason=True,
        ),
    ]
}


def guard_problem(product, action: str, user) -> str | None:
    """Why ``user`` may not take ``action`` on ``product`` now; None when they may."""
    t = TRANSITIONS.get(action)
    if t is None:
        return "Unknown action."
    if Role(user.role) not in t.roles:
        return "Your role may not do this."
    if ProductStatus(product.status) not in t.sources:
        return f"Not possible while the product is {ProductStatus(product.status).label.lower()}."
    if product.purged_at is not None:
        return "The product was purged."
    is_author = product.author_id == user.id
    if action == "submit" and not is_author and Role(user.role) != Role.COORDINATOR:
        return "Only the author or a coordinator may submit it."
    if action == "privacy_approve":
        if product.privacy_status != PrivacyStatus.PENDING:
            return "No privacy review is pending."
        if is_author:
            return "You cannot approve your own product."
    if (
        action == "return"
        and Role(user.role) == Role.PRIVACY_OFFICER
        and product.privacy_status != PrivacyStatus.PENDING
    ):
        return "No privacy review is pending."
    if action == "publish":
        # Four eyes: publishing approves dissemination, so nobody publishes their own product.
        if is_author:
            return "You cannot approve (publish) your own product."
        if product.privacy_status in (PrivacyStatus.PENDING, PrivacyStatus.RETURNED):
            return "A privacy officer must approve it first."
    return None


def allowed_actions(product, user) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if guard_problem(product, t.action, user) is None]
