"""Retention review of criminal intelligence (28 CFR Part 23): products and RFIs.

What is due (``retention_due``), keeping an item another period (``validate_retention``)
and removing its content (``purge``: refused before its review date). Each feature
removes its own content (``products.purging``, ``rfis.dissemination``); the audit trail
keeps an entry naming the item but holding none of it. Services flush; the request or
the job commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from flo_portal.audit.services import record as audit
from flo_portal.core.errors import Conflict, DomainError, NotFound
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.products.models import Product
from flo_portal.products.purging import purge_product_content
from flo_portal.retention.clock import review_due
from flo_portal.rfis.dissemination import purge_rfi_content
from flo_portal.rfis.models import Rfi
from flo_portal.rfis.services import rfis_due_for_retention_review

KINDS = ("product", "rfi")


class RetentionError(DomainError):
    """A retention decision refused; the message is shown to the privacy officer."""


class NothingToReview(RetentionError, NotFound):
    """No criminal-intelligence item of that kind and id is under retention (404)."""


class NotYetDue(RetentionError, Conflict):
    """The item's review date has not come (409): until then it is kept."""


@dataclass
class RetentionItem:
    kind: str  # "product" | "rfi"
    id: int
    reference: str
    title: str
    review_due_on: date


def retention_due(today: date) -> list[RetentionItem]:
    """Criminal-intelligence products and RFIs whose review date has come."""
    items = [
        RetentionItem("product", p.id, p.reference or "", p.title, p.review_due_on)
        for p in db.session.scalars(
            sa.select(Product)
            .where(
                Product.criminal_intelligence.is_(True),
                Product.review_due_on <= today,
                Product.purged_at.is_(None),
            )
            .order_by(Product.review_due_on)
        )
    ]
    items += [
        RetentionItem("rfi", r.id, r.reference, r.title, r.review_due_on)
        for r in db.session.scalars(rfis_due_for_retention_review(today))
    ]
    return sorted(items, key=lambda i: (i.review_due_on, i.kind, i.id))


def _retention_object(kind: str, obj_id: int):
    if kind == "product":
        obj = db.session.get(Product, obj_id)
        return (
            obj if obj is not None and obj.purged_at is None and obj.criminal_intelligence else None
        )
    if kind != "rfi":
        return None
    obj = db.session.get(Rfi, obj_id)
    return obj if obj is not None and obj.criminal_intelligence and obj.review_due_on else None


def validate_retention(kind: str, obj_id: int, user, today: date, note: str = ""):
    """The privacy officer validated the item: keep it for another retention period."""
    obj = _retention_object(kind, obj_id)
    if obj is None:
        raise NothingToReview("Nothing to validate.")
    old = obj.review_due_on
    obj.review_due_on = review_due(today)
    if kind == "product":
        obj.validated_at = utcnow()
    db.session.flush()
    audit(
        "retention.validated",
        obj,
        summary=f"{obj.reference}: review moved to {obj.review_due_on}",
        details={
            "kind": kind,
            "from": old,
            "to": obj.review_due_on,
            "note": note[:500],
        },
        actor=user,
    )
    return obj


def purge(kind: str, obj_id: int, actor, reason: str, today: date) -> None:
    """Remove the content; keep an audit entry naming the item but holding no content.
    Refused before the item's retention review date (28 CFR Part 23: kept RETENTION_YEARS)."""
    obj = _retention_object(kind, obj_id)
    if obj is None:
        raise NothingToReview("Nothing to purge.")
    if obj.review_due_on is None or obj.review_due_on > today:
        raise NotYetDue(
            f"{obj.reference} may not be purged before its retention review date "
            f"({obj.review_due_on}); until then it is kept."
        )
    reference = obj.reference
    if kind == "product":
        purge_product_content(obj)
    else:
        purge_rfi_content(obj)
    db.session.flush()
    audit(
        "retention.purged",
        object_type=kind,
        object_id=obj_id,
        summary=f"{reference} purged",
        details={"kind": kind, "reference": reference, "reason": reason},
        actor=actor,
    )
