"""Helpers for product tests: build and publish products through the services."""

from __future__ import annotations

import io

from flo_portal.core.extensions import db
from flo_portal.products import services
from flo_portal.products.models import ProductType, Tlp
from flo_portal.security.permissions import Role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def product_data(**kw) -> dict:
    data = {
        "product_type": ProductType.BULLETIN.value,
        "title": "Copper theft from rail signal boxes",
        "summary": "Thieves target signal boxes at night.",
        "body_md": "Watch for **cut cables**.",
        "tlp": Tlp.GREEN.value,
        "caveats": "",
        "topics": "theft, rail",
        "audience": {"all_flos": True},
        "privacy_review_requested": False,
        "criminal_intelligence": False,
    }
    data.update(kw)
    return data


def revision_form(product, change_note: str, **kw) -> dict:
    """The edit page's fields as posted to revise ``product`` for all FLOs, with ``kw``
    changed from ``product_data``."""
    return {
        **{k: v for k, v in product_data(**kw).items() if k != "audience"},
        "all_flos": "y",
        "change_note": change_note,
        "version": str(product.edit_version),
        "privacy_review_requested": "",
        "criminal_intelligence": "",
    }


def draft(author, **kw):
    product = services.create_product(author, product_data(**kw))
    db.session.commit()
    return product


def publish(product, publisher, reviewer=None):
    """Submit (as the author) and publish (as ``publisher``); approve privacy if needed."""
    services.transition(product, "submit", product.author)
    if product.privacy_status == "pending":
        services.transition(product, "privacy_approve", reviewer)
    services.transition(product, "publish", publisher)
    db.session.commit()
    return product


def attach_pdf(product, user, name="brief.pdf", data=PDF):
    att = services.add_attachment(product, io.BytesIO(data), name, user)
    db.session.commit()
    return att


def staff(make_user):
    return {
        "author": make_user(Role.ANALYST, name="Avery Author"),
        "coordinator": make_user(Role.COORDINATOR, name="Casey Coord"),
        "privacy": make_user(Role.PRIVACY_OFFICER, name="Parker Privacy"),
    }
