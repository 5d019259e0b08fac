"""Authoring products: drafts, edits, revisions after publishing, and the protected-activity
terms privacy review approved. Services flush; the request commits."""

from __future__ import annotations

from flo_portal.audit.services import record as audit
from flo_portal.core import protected_activity
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.products.dissemination import publish_version
from flo_portal.products.errors import (
    ProductInputError,
    ProductRefused,
)
from flo_portal.products.models import (
    PrivacyStatus,
    Product,
    ProductStatus,
)
from flo_portal.products.policies import (
    sync_audience_rows,
)
from flo_portal.security.permissions import Role
from flo_portal.users.audience import Audience
from flo_portal.users.models import User

# ---------------------------------------------------------------- privacy terms


def product_terms(product: Product) -> list[str]:
    return protected_activity.terms_in(
        product.title, product.summary, product.body_md, product.topics, product.caveats
    )


def approved_terms(product: Product) -> set[str]:
    """The protected-activity terms privacy review approved (lower case); none unless the
    product's privacy review was approved. ``privacy_reasons`` holds the terms found at
    submission, which is what the privacy officer reviewed."""
    if product.privacy_status != PrivacyStatus.APPROVED:
        return set()
    return {t.strip().lower() for t in (product.privacy_reasons or "").split(",") if t.strip()}


def unreviewed_terms(product: Product) -> list[str]:
    """Terms in the product's current text that privacy review has not approved."""
    approved = approved_terms(product)
    return [t for t in product_terms(product) if t.lower() not in approved]


# ---------------------------------------------------------------- authoring

CONTENT_FIELDS = (
    "product_type",
    "title",
    "summary",
    "body_md",
    "tlp",
    "caveats",
    "topics",
)


def _normalise_topics(text: str) -> str:
    seen: list[str] = []
    for t in (text or "").split(","):
        t = " ".join(t.split())[:60]
        if t and t.lower() not in {s.lower() for s in seen}:
            seen.append(t)
    return ", ".join(seen)[:500]


def _apply(product: Product, data: dict) -> None:
    for name in CONTENT_FIELDS:
        if name in data:
            setattr(product, name, data[name])
    product.topics = _normalise_topics(product.topics)
    if "audience" in data:
        product.audience = Audience.from_json(data["audience"]).to_json()
    for flag in ("privacy_review_requested", "criminal_intelligence"):
        if flag in data:
            setattr(product, flag, bool(data[flag]))


def create_product(author: User, data: dict) -> Product:
    """A new draft by ``author`` (analyst or coordinator)."""
    product = Product(author_id=author.id, status=ProductStatus.DRAFT, audience={})
    _apply(product, data)
    db.session.add(product)
    db.session.flush()
    product.reference = f"PRD-{utcnow().year}-{product.id:05d}"
    sync_audience_rows(product)
    audit(
        "product.created",
        product,
        summary=product.reference,
        details={"type": product.product_type, "tlp": product.tlp},
        actor=author,
    )
    return product


def can_edit(product: Product, user: User) -> bool:
    if product.purged_at is not None:
        return False
    role = Role(user.role)
    if product.status == ProductStatus.DRAFT:
        return product.author_id == user.id or role == Role.COORDINATOR
    # Edits after publishing make a new version; publishing is the coordinator's.
    return product.status == ProductStatus.PUBLISHED and role == Role.COORDINATOR


def update_product(product: Product, data: dict, user: User, change_note: str = "") -> Product:
    """Edit a draft in place, or revise a published product as a new version."""
    if not can_edit(product, user):
        raise ProductRefused("You may not edit this product now.")
    before = {n: getattr(product, n) for n in (*CONTENT_FIELDS, "audience")}
    _apply(product, data)
    changed = sorted(n for n, v in before.items() if getattr(product, n) != v)
    if product.status == ProductStatus.PUBLISHED:
        if not changed:
            raise ProductInputError("Nothing changed.")
        unreviewed = unreviewed_terms(product)
        if unreviewed:
            raise ProductInputError(
                "This revision names protected activity that privacy review has not approved ("
                + ", ".join(unreviewed)
                + "). It needs privacy review: remove these words, or withdraw the product "
                "and send a new draft through privacy review."
            )
        sync_audience_rows(product)
        publish_version(product, user, change_note or "Revised", revised=True)
        audit(
            "product.revised",
            product,
            summary=f"{product.reference} v{product.version}",
            details={"changed": changed, "change_note": change_note},
            actor=user,
        )
    else:
        sync_audience_rows(product)
        audit(
            "product.updated",
            product,
            summary=product.reference,
            details={"changed": changed},
            actor=user,
        )
    return product
