"""Who may see a product: the ONE dissemination rule, as SQL and as a Python check.

``visible_products_condition(user)`` is the SQL filter for the feed, search and API lists;
``can_view_product(user, product)`` is the check for the detail page, earlier versions,
attachment downloads, the API and every e-mail. Both read the same effective audience.

How the TLP 2.0 label combines with the audience (the audience is the set of people the
center chose; the label can only narrow it, never widen it):

============  ===============================================================
TLP:RED       named people only; "all FLOs", agencies, disciplines and regions
              in the audience do not reach a RED product.
AMBER+STRICT  addressed organisation by organisation: people of the *agencies
              listed* in the audience, and named people. "All FLOs", disciplines
              and regions do not reach it (they would spread it across
              organisations nobody chose one by one). No in-app sharing.
AMBER         the whole audience. A recipient may share it in the app with a
              colleague of their OWN agency (organisation, need to know).
GREEN         the whole audience; may be shared with any partner user (community).
CLEAR         the whole audience; may be shared with any partner user.
============  ===============================================================

Viewers:
* partner users (FLOs, agency heads) see published or archived products whose effective
  audience includes them (the rule of ``flo_portal.audience``: group forms need an active
  agency; named people are reached directly), or that were shared with them under a TLP
  that allows sharing; never drafts, withdrawn or purged products;
* center staff whose role may read products (coordinator, analyst, privacy officer) see
  every released product (published, archived, withdrawn) that is not TLP:RED, and the
  drafts they handle: their own; coordinators everything in review (they publish);
  privacy officers what awaits or had their privacy review;
* a released TLP:RED product is for named recipients only, so among center staff only
  these see it: people named in its audience, its author, coordinators (they publish it
  and run its dissemination) and the privacy officer who reviewed it. Other analysts and
  privacy officers do not — the same rule as TLP:RED RFIs (flo_portal.rfis.policies:
  coordinators see them, analysts only when they take part);
* the administrator sees none (no ``product:read``); inactive accounts see none.
"""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audience import PARTNER_ROLES, Audience, user_in_audience
from flo_portal.extensions import db
from flo_portal.products.models import (
    PrivacyStatus,
    Product,
    ProductAudience,
    ProductShare,
    ProductStatus,
    ProductVersion,
    Tlp,
)
from flo_portal.security.permissions import CENTER_STAFF, Permission, Role, role_has

S = ProductStatus
RELEASED_FOR_PARTNERS = (S.PUBLISHED, S.ARCHIVED)
RELEASED_FOR_STAFF = (S.PUBLISHED, S.ARCHIVED, S.WITHDRAWN)
SHAREABLE = (Tlp.AMBER, Tlp.GREEN, Tlp.CLEAR)


def effective_audience(aud: Audience, tlp: Tlp | str) -> Audience:
    """The part of ``aud`` the TLP label lets through (see the table above)."""
    tlp = Tlp(tlp)
    if tlp == Tlp.RED:
        return Audience(user_ids=list(aud.user_ids))
    if tlp == Tlp.AMBER_STRICT:
        return Audience(agency_ids=list(aud.agency_ids), user_ids=list(aud.user_ids))
    return Audience.from_json(aud.to_json())


def product_effective_audience(product: Product) -> Audience:
    return effective_audience(Audience.from_json(product.audience), product.tlp)


def audience_rows(aud: Audience) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if aud.all_flos:
        rows.append(("all", ""))
    rows += [("agency", str(i)) for i in aud.agency_ids]
    rows += [("discipline", d) for d in aud.disciplines]
    rows += [("region", r) for r in aud.regions]
    rows += [("user", str(i)) for i in aud.user_ids]
    return rows


def sync_audience_rows(product: Product) -> None:
    """Rewrite product_audience from the product's audience and TLP (call on every save)."""
    if product.id is None:
        db.session.add(product)
        db.session.flush()
    db.session.execute(sa.delete(ProductAudience).where(ProductAudience.product_id == product.id))
    for kind, value in audience_rows(product_effective_audience(product)):
        db.session.add(ProductAudience(product_id=product.id, kind=kind, value=value))
    db.session.flush()


def _role(user) -> Role | None:
    try:
        return Role(user.role)
    except (ValueError, AttributeError):
        return None


def _may_read_at_all(user) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and bool(getattr(user, "is_active_account", False))
        and role_has(getattr(user, "role", None), Permission.PRODUCT_READ)
    )


def _partner_in_groups(user) -> bool:
    agency = getattr(user, "agency", None)
    return _role(user) in PARTNER_ROLES and agency is not None and bool(agency.active)


def _handled_condition(user, role: Role):
    handled = [Product.author_id == user.id]
    if role == Role.COORDINATOR:
        handled.append(Product.status == S.IN_REVIEW)
    if role == Role.PRIVACY_OFFICER:
        handled.append(
            sa.and_(
                Product.status == S.IN_REVIEW,
                Product.privacy_status == PrivacyStatus.PENDING,
            )
        )
        handled.append(Product.privacy_reviewer_id == user.id)
    return sa.or_(*handled)


def _named_condition(user):
    """SQL: ``user`` is named in the product's (effective) audience."""
    return Product.id.in_(
        sa.select(ProductAudience.product_id).where(
            ProductAudience.kind == "user", ProductAudience.value == str(user.id)
        )
    )


def _staff_red_condition(user, role: Role):
    """SQL: a center staff member who may see a released TLP:RED product."""
    if role == Role.COORDINATOR:
        return sa.true()
    return sa.or_(
        Product.author_id == user.id,
        Product.privacy_reviewer_id == user.id,
        _named_condition(user),
    )


def visible_products_condition(user):
    """SQL condition on Product: the products ``user`` may see (feed, search, API lists)."""
    if not _may_read_at_all(user):
        return sa.false()
    role = _role(user)
    if role in CENTER_STAFF:
        released = sa.and_(
            Product.status.in_(RELEASED_FOR_STAFF),
            sa.or_(Product.tlp != Tlp.RED, _staff_red_condition(user, role)),
        )
        return sa.or_(released, _handled_condition(user, role))
    matches = [sa.and_(ProductAudience.kind == "user", ProductAudience.value == str(user.id))]
    if _partner_in_groups(user):
        agency = user.agency
        matches += [
            ProductAudience.kind == "all",
            sa.and_(
                ProductAudience.kind == "agency",
                ProductAudience.value == str(agency.id),
            ),
            sa.and_(
                ProductAudience.kind == "discipline",
                ProductAudience.value == str(agency.discipline),
            ),
            sa.and_(ProductAudience.kind == "region", ProductAudience.value == agency.region),
        ]
    # Uncorrelated IN subqueries: each is computed once from the (kind, value) index,
    # not once per product row.
    in_audience = Product.id.in_(sa.select(ProductAudience.product_id).where(sa.or_(*matches)))
    shared = sa.and_(
        Product.tlp.in_(SHAREABLE),
        Product.id.in_(sa.select(ProductShare.product_id).where(ProductShare.user_id == user.id)),
    )
    return sa.and_(
        Product.status.in_(RELEASED_FOR_PARTNERS),
        Product.purged_at.is_(None),
        sa.or_(in_audience, shared),
    )


def _staff_sees_red(user, role: Role, product: Product) -> bool:
    """The one-product form of ``_staff_red_condition``."""
    return (
        role == Role.COORDINATOR
        or product.author_id == user.id
        or product.privacy_reviewer_id == user.id
        or user.id in product_effective_audience(product).user_ids
    )


def can_view_product(user, product: Product | None) -> bool:
    """The same rule for one product (detail, versions, attachments, API, e-mail)."""
    if product is None or not _may_read_at_all(user):
        return False
    role = _role(user)
    if role in CENTER_STAFF:
        if ProductStatus(product.status) in RELEASED_FOR_STAFF and (
            Tlp(product.tlp) != Tlp.RED or _staff_sees_red(user, role, product)
        ):
            return True
        if product.author_id == user.id:
            return True
        if role == Role.COORDINATOR and product.status == S.IN_REVIEW:
            return True
        return role == Role.PRIVACY_OFFICER and (
            (product.status == S.IN_REVIEW and product.privacy_status == PrivacyStatus.PENDING)
            or product.privacy_reviewer_id == user.id
        )
    if ProductStatus(product.status) not in RELEASED_FOR_PARTNERS or product.purged_at is not None:
        return False
    if user_in_audience(user, product_effective_audience(product)):
        return True
    if Tlp(product.tlp) in SHAREABLE:
        return (
            db.session.scalar(
                sa.select(ProductShare.id).where(
                    ProductShare.product_id == product.id,
                    ProductShare.user_id == user.id,
                )
            )
            is not None
        )
    return False


def share_problem(sharer, product: Product, colleague) -> str | None:
    """Why ``sharer`` may not share ``product`` with ``colleague`` in the app; None if they may.

    RED and AMBER+STRICT are never forwarded in the app; AMBER only within the sharer's own
    agency; GREEN and CLEAR to any active partner user.
    """
    tlp = Tlp(product.tlp)
    if tlp == Tlp.RED:
        return "TLP:RED products are for their named recipients only and cannot be shared."
    if tlp == Tlp.AMBER_STRICT:
        return "TLP:AMBER+STRICT products cannot be forwarded through the portal."
    if not can_view_product(sharer, product):
        return "You cannot share a product you may not see."
    if _role(sharer) not in PARTNER_ROLES:
        return "Center staff change the audience instead of sharing."
    if (
        colleague is None
        or not colleague.is_active_account
        or _role(colleague) not in PARTNER_ROLES
    ):
        return "Choose an active FLO or agency head."
    if colleague.id == sharer.id:
        return "You already have it."
    if tlp == Tlp.AMBER and colleague.agency_id != sharer.agency_id:
        return "TLP:AMBER may be shared only within your own agency."
    return None


# ---------------------------------------------------------------- earlier versions
#
# A version is shown only to a viewer who may see the product now AND who would be in its
# audience under the marking that version was released under (ProductVersion.tlp): the
# stricter of the two wins, so re-marking a product from TLP:RED to a wider label does not
# open its RED versions to the wider audience. The audience itself is the product's
# current one (versions do not record their own; the current one can only narrow it).


def _version_marking_condition(user, role: Role | None):
    """SQL on ProductVersion (joined to Product): the version's own TLP lets ``user`` in."""
    if role in CENTER_STAFF:
        return sa.or_(ProductVersion.tlp != Tlp.RED, _staff_red_condition(user, role))
    named = _named_condition(user)
    if _partner_in_groups(user):
        by_agency = Product.id.in_(
            sa.select(ProductAudience.product_id).where(
                ProductAudience.kind == "agency", ProductAudience.value == str(user.agency.id)
            )
        )
    else:
        by_agency = sa.false()
    return sa.case(
        (ProductVersion.tlp == Tlp.RED, named),
        (ProductVersion.tlp == Tlp.AMBER_STRICT, sa.or_(named, by_agency)),
        else_=sa.true(),
    )


def visible_versions_condition(user):
    """SQL condition on ProductVersion joined to Product: the versions ``user`` may open."""
    if not _may_read_at_all(user):
        return sa.false()
    return sa.and_(visible_products_condition(user), _version_marking_condition(user, _role(user)))


def can_view_version(user, product: Product | None, version) -> bool:
    """The same rule for one version (version page, its e-mail, API)."""
    if version is None or not can_view_product(user, product):
        return False
    tlp = Tlp(version.tlp)
    role = _role(user)
    if role in CENTER_STAFF:
        return tlp != Tlp.RED or _staff_sees_red(user, role, product)
    return user_in_audience(user, effective_audience(Audience.from_json(product.audience), tlp))
