"""What a TAXII client may read, and who manages partner collections.

A TAXII collection is a view of the dissemination rule: its objects are the released
versions the token's user may open (``products.policies.visible_versions_condition``,
the SQL the product feed and the API use), never a TLP:RED one (a RED product is for
named people in the portal; TAXII hands objects to machines that forward them), and
never a draft. Paging is done in SQL on the version id.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from flo_portal.core.tlp import Tlp
from flo_portal.products.models import Product, ProductStatus, ProductType, ProductVersion
from flo_portal.products.policies import can_view_product, can_view_version
from flo_portal.products.policies import visible_versions_condition as _visible_versions
from flo_portal.security.permissions import Permission, role_has

RELEASED = (ProductStatus.PUBLISHED, ProductStatus.ARCHIVED)


@dataclass(frozen=True)
class CollectionDef:
    id: str
    title: str
    description: str
    product_types: tuple[str, ...] = ()  # none: every type


COLLECTIONS = (
    CollectionDef(
        "5e3b8d4a-64a4-4e7b-9f0f-8c2f3f6a1d01",
        "Products",
        "Every released product your account may see, as STIX reports (never TLP:RED).",
    ),
    CollectionDef(
        "5e3b8d4a-64a4-4e7b-9f0f-8c2f3f6a1d02",
        "Indicators and warnings",
        "Indicators-and-warnings and officer-safety products your account may see.",
        (ProductType.INDICATORS_WARNINGS.value, ProductType.OFFICER_SAFETY.value),
    ),
)
COLLECTIONS_BY_ID = {c.id: c for c in COLLECTIONS}


def may_use_taxii(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and role_has(
        getattr(user, "role", None), Permission.PRODUCT_READ
    )


def may_manage_partners(user) -> bool:
    return role_has(getattr(user, "role", None), Permission.PRODUCT_PUBLISH)


def taxii_versions_condition(user, collection: CollectionDef):
    """SQL on ProductVersion joined to Product: what ``user`` may read in ``collection``."""
    clauses = [
        _visible_versions(user),
        Product.status.in_(RELEASED),
        Product.purged_at.is_(None),
        Product.tlp != Tlp.RED,
        ProductVersion.tlp != Tlp.RED,
    ]
    if collection.product_types:
        clauses.append(Product.product_type.in_(collection.product_types))
    return sa.and_(*clauses)


def versions_select(user, collection: CollectionDef):
    return (
        sa.select(ProductVersion, Product)
        .join(Product, Product.id == ProductVersion.product_id)
        .where(taxii_versions_condition(user, collection))
    )


def may_send(user, product, version) -> bool:
    """The one-object check, for each object just before it is sent (belt and braces)."""
    return (
        Tlp(product.tlp) != Tlp.RED
        and Tlp(version.tlp) != Tlp.RED
        and can_view_product(user, product)
        and can_view_version(user, product, version)
    )
