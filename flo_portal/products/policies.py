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
  audience includes them (the rule of ``flo_portal.users.audience``: group forms need an active
  agency; named people are reached directly), or that were shared with them where the
  product's *current* marking allows that share (re-marking GREEN → AMBER drops shares
  across agencies); never drafts, withdrawn or purged products. Earlier versions and
  attachments also need the audience and marking they were released under (below);
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

from flo_portal.core.extensions import db
from flo_portal.core.orm import shared_alias
from flo_portal.core.request_cache import per_request
from flo_portal.products.models import (
    PrivacyStatus,
    Product,
    ProductAudience,
    ProductShare,
    ProductStatus,
    ProductVersion,
    ProductVersionAudience,
    Tlp,
)
from flo_portal.security.permissions import CENTER_STAFF, Permission, Role, role_has
from flo_portal.users.audience import PARTNER_ROLES, Audience, user_in_audience
from flo_portal.users.models import User

S = ProductStatus
RELEASED_FOR_PARTNERS = (S.PUBLISHED, S.ARCHIVED)
RELEASED_FOR_STAFF = (S.PUBLISHED, S.ARCHIVED, S.WITHDRAWN)
SHAREABLE = (Tlp.AMBER, Tlp.GREEN, Tlp.CLEAR)
SHAREABLE_ANYWHERE = (Tlp.GREEN, Tlp.CLEAR)


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


@per_request
def visible_products_condition(user, for_count: bool = False):
    """SQL condition on Product: the products ``user`` may see (feed, search, API lists);
    built once per request (the partner dashboard's receipts count and reporting guide
    both filter by it).

    ``for_count`` (positional: the memo keys on positional arguments): the same set of
    products shaped for counting it rather than walking it in the feed's order (below);
    a list pages with the default, its total uses this."""
    if not _may_read_at_all(user):
        return sa.false()
    role = _role(user)
    if role in CENTER_STAFF:
        released = sa.and_(
            Product.status.in_(RELEASED_FOR_STAFF),
            sa.or_(Product.tlp != Tlp.RED, _staff_red_condition(user, role)),
        )
        return sa.or_(released, _handled_condition(user, role))
    released = sa.and_(Product.status.in_(RELEASED_FOR_PARTNERS), Product.purged_at.is_(None))
    reaching = _audience_ids(user, ProductAudience, ProductAudience.product_id)
    if for_count:
        # One IN over the ids that reach the user (a few thousand), each probed in
        # ix_product_release (id, with status and purged_at): the count reads those
        # products only, not every product of the feed's index (24 -> 6 ms at 50,000).
        return sa.and_(released, Product.id.in_(sa.union_all(*reaching, _counting_shares(user))))
    # To walk the feed's index in order: two uncorrelated INs, ORed. PostgreSQL hashes
    # each set of ids once (the audience rows that reach the user; the shares that count
    # under the product's marking) and probes them while it walks the feed's index, so a
    # page of 25 stops after a few hundred products. One IN over their UNION was planned
    # as a hash join of every product, then a sort (25 ms against 3 ms at 50,000 products).
    return sa.and_(
        released,
        sa.or_(Product.id.in_(sa.union_all(*reaching)), Product.id.in_(_counting_shares(user))),
    )


def _counting_shares(user):
    """SELECT of the ids of products shared with ``user`` whose share counts under the
    product's current marking (the rule of ``_shared_condition`` with ``Product.tlp``)."""
    shared = shared_alias(Product, "shared_product")
    under = [shared.tlp.in_(SHAREABLE_ANYWHERE)]
    stmt = (
        sa.select(ProductShare.product_id)
        .join(shared, shared.id == ProductShare.product_id)
        .where(ProductShare.user_id == user.id)
    )
    agency_id = getattr(user, "agency_id", None)
    if agency_id is not None:
        sharer = shared_alias(User, "sharing_user")
        stmt = stmt.join(sharer, sharer.id == ProductShare.shared_by_id)
        under.append(sa.and_(shared.tlp == Tlp.AMBER, sharer.agency_id == agency_id))
    return stmt.where(sa.or_(*under))


def _audience_ids(user, rows, id_column) -> list[sa.Select]:
    """SELECTs of ``id_column`` of the audience rows (ProductAudience or
    ProductVersionAudience) that reach ``user``, one for each way of being reached (UNION
    ALL them): each is an index-only scan of the rows' (kind, value, id) index, where an
    OR of them was a bitmap scan that read the rows themselves (537 pages for a FLO)."""
    reached_by = [sa.and_(rows.kind == "user", rows.value == str(user.id))]
    if _partner_in_groups(user):
        agency = user.agency
        reached_by += [
            rows.kind == "all",
            sa.and_(rows.kind == "agency", rows.value == str(agency.id)),
            sa.and_(rows.kind == "discipline", rows.value == str(agency.discipline)),
            sa.and_(rows.kind == "region", rows.value == agency.region),
        ]
    return [sa.select(id_column).where(way) for way in reached_by]


def _shared_condition(user, tlp_column):
    """SQL on Product: a share with ``user`` counts under the marking in ``tlp_column``.

    The rule of ``share_problem`` is applied under that marking, not only the one the
    share was made under (the stricter wins): GREEN and CLEAR reach any shared partner;
    AMBER only a colleague of the sharer's own agency, so a share made across agencies
    under GREEN stops counting when the product is re-marked AMBER; RED and AMBER+STRICT
    are never reached by a share.
    """
    any_share = Product.id.in_(
        sa.select(ProductShare.product_id).where(ProductShare.user_id == user.id)
    )
    agency_id = getattr(user, "agency_id", None)
    if agency_id is None:
        same_agency = sa.false()
    else:
        sharer = shared_alias(User, "sharing_user")
        same_agency = Product.id.in_(
            sa.select(ProductShare.product_id)
            .join(sharer, sharer.id == ProductShare.shared_by_id)
            .where(ProductShare.user_id == user.id, sharer.agency_id == agency_id)
        )
    return sa.or_(
        sa.and_(tlp_column.in_(SHAREABLE_ANYWHERE), any_share),
        sa.and_(tlp_column == Tlp.AMBER, same_agency),
    )


def shared_recipients_query(product: Product):
    """(User, shared_by_id) for the shares of ``product`` that count under its current
    marking: the dissemination of a revision reaches these, and no other share."""
    sharer = shared_alias(User, "sharing_user")
    stmt = (
        sa.select(User, ProductShare.shared_by_id)
        .join(ProductShare, ProductShare.user_id == User.id)
        .join(sharer, sharer.id == ProductShare.shared_by_id)
        .where(ProductShare.product_id == product.id, User.is_active_account.is_(True))
    )
    tlp = Tlp(product.tlp)
    if tlp not in SHAREABLE:
        return stmt.where(sa.false())
    if tlp == Tlp.AMBER:
        stmt = stmt.where(User.agency_id.is_not(None), sharer.agency_id == User.agency_id)
    return stmt


def _share_counts(user, product: Product, tlp: Tlp | str) -> bool:
    """The one-product form of ``_shared_condition``."""
    tlp = Tlp(tlp)
    if tlp not in SHAREABLE:
        return False
    sharer_agencies = db.session.scalars(
        sa.select(User.agency_id)
        .join(ProductShare, ProductShare.shared_by_id == User.id)
        .where(ProductShare.product_id == product.id, ProductShare.user_id == user.id)
    ).all()
    if not sharer_agencies:
        return False
    if tlp in SHAREABLE_ANYWHERE:
        return True
    agency_id = getattr(user, "agency_id", None)
    return agency_id is not None and agency_id in sharer_agencies


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
    return _share_counts(user, product, product.tlp)


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


# ---------------------------------------------------------------- versions
#
# A version is shown only to a viewer who may see the product now AND who was in the
# audience that version was released under (product_version_audience: the product's
# audience on the day, limited by the version's own TLP): the stricter of the two wins.
# Re-marking RED → GREEN does not open the RED version to the wider audience, and widening
# the audience (a new agency, a named person) gives the newcomers the new version only.
# Attachments go out with version 1 (they can be added to drafts only), so a download is
# checked against that version. A share counts for a version under the version's own
# marking as well as the current one (``_shared_condition``).


def record_version_audience(product: Product, version: ProductVersion) -> None:
    """Write the effective audience ``version`` is released under (call when releasing)."""
    if version.id is None:
        db.session.add(version)
        db.session.flush()
    aud = effective_audience(Audience.from_json(product.audience), version.tlp)
    for kind, value in audience_rows(aud):
        db.session.add(ProductVersionAudience(version_id=version.id, kind=kind, value=value))
    db.session.flush()


def version_audience(version: ProductVersion) -> Audience:
    """The effective audience ``version`` was released under, read back from its rows."""
    aud = Audience()
    rows = db.session.execute(
        sa.select(ProductVersionAudience.kind, ProductVersionAudience.value).where(
            ProductVersionAudience.version_id == version.id
        )
    ).all()
    for kind, value in rows:
        if kind == "all":
            aud.all_flos = True
        elif kind == "agency":
            aud.agency_ids.append(int(value))
        elif kind == "discipline":
            aud.disciplines.append(value)
        elif kind == "region":
            aud.regions.append(value)
        elif kind == "user":
            aud.user_ids.append(int(value))
    return aud


def _version_named_condition(user):
    return ProductVersion.id.in_(
        sa.select(ProductVersionAudience.version_id).where(
            ProductVersionAudience.kind == "user",
            ProductVersionAudience.value == str(user.id),
        )
    )


def _version_audience_condition(user, role: Role | None):
    """SQL on ProductVersion (joined to Product): ``user`` was in the version's audience."""
    if role in CENTER_STAFF:
        if role == Role.COORDINATOR:
            return sa.true()
        return sa.or_(
            ProductVersion.tlp != Tlp.RED,
            Product.author_id == user.id,
            Product.privacy_reviewer_id == user.id,
            _version_named_condition(user),
        )
    in_audience = ProductVersion.id.in_(
        sa.union_all(
            *_audience_ids(user, ProductVersionAudience, ProductVersionAudience.version_id)
        )
    )
    return sa.or_(in_audience, _shared_condition(user, ProductVersion.tlp))


def visible_versions_condition(user):
    """SQL condition on ProductVersion joined to Product: the versions ``user`` may open."""
    if not _may_read_at_all(user):
        return sa.false()
    return sa.and_(visible_products_condition(user), opened_versions_condition(user))


def opened_versions_condition(user):
    """The version half of ``visible_versions_condition``, for the versions of one product
    already found visible (``get_visible_product_or_404``): the product half would only
    repeat that check in SQL, and building it was a sixth of the product page's work."""
    if not _may_read_at_all(user):
        return sa.false()
    return _version_audience_condition(user, _role(user))


def can_view_version(user, product: Product | None, version) -> bool:
    """The same rule for one version (version page, attachments, its e-mail, API)."""
    if version is None or not can_view_product(user, product):
        return False
    role = _role(user)
    aud = version_audience(version)
    if role in CENTER_STAFF:
        return (
            role == Role.COORDINATOR
            or Tlp(version.tlp) != Tlp.RED
            or product.author_id == user.id
            or product.privacy_reviewer_id == user.id
            or user.id in aud.user_ids
        )
    return user_in_audience(user, aud) or _share_counts(user, product, version.tlp)


def attachment_version(product: Product) -> ProductVersion | None:
    """The version a product's attachments were released with (the first), or None for a
    product not yet released (its attachments are then governed by the product's rule)."""
    return db.session.scalar(
        sa.select(ProductVersion)
        .where(ProductVersion.product_id == product.id)
        .order_by(ProductVersion.number)
        .limit(1)
    )


def can_download_attachment(user, product: Product | None) -> bool:
    """An attachment is readable by those who may see the product now AND the version it
    was released with (the stricter wins)."""
    if not can_view_product(user, product):
        return False
    released_with = attachment_version(product)
    return released_with is None or can_view_version(user, product, released_with)


def can_view_dissemination_log(user, product: Product) -> bool:
    """Who received a product, version by version: coordinators, and the product's own
    author, among those holding the reach permission."""
    role = _role(user)
    return (
        role is not None
        and role_has(role, Permission.PRODUCT_REACH)
        and (role == Role.COORDINATOR or product.author_id == getattr(user, "id", None))
    )


def can_share_with_colleagues(user, product: Product) -> bool:
    """Partners (FLOs, agency heads) may pass a shareable product on to colleagues."""
    return Tlp(product.tlp) in SHAREABLE and _role(user) in (Role.LIAISON_OFFICER, Role.AGENCY_HEAD)


# ---------------------------------------------------------------- viewers of one product
#
# The same rule read the other way round: not "which products may this user see" but
# "which users may see this product", as SQL on User (outer-joined to Agency), so a
# fan-out to thousands of people (subscriptions) is one INSERT ... SELECT that can only
# narrow the set ``can_view_product`` allows. tests/subscriptions pins the two together.

PRODUCT_READERS = tuple(r for r in Role if role_has(r, Permission.PRODUCT_READ))


def _staff_viewers(product: Product):
    status, tlp = ProductStatus(product.status), Tlp(product.tlp)
    aud = product_effective_audience(product)
    clauses = [User.id == product.author_id]
    if status in RELEASED_FOR_STAFF:
        if tlp != Tlp.RED:
            clauses.append(sa.true())
        else:
            named = [i for i in (product.privacy_reviewer_id, *aud.user_ids) if i is not None]
            clauses += [User.role == Role.COORDINATOR, User.id.in_(named)]
    if status == S.IN_REVIEW:
        clauses.append(User.role == Role.COORDINATOR)
        if product.privacy_status == PrivacyStatus.PENDING:
            clauses.append(User.role == Role.PRIVACY_OFFICER)
    if product.privacy_reviewer_id is not None:
        clauses.append(
            sa.and_(User.role == Role.PRIVACY_OFFICER, User.id == product.privacy_reviewer_id)
        )
    return sa.and_(User.role.in_(CENTER_STAFF), sa.or_(*clauses))


def _partner_viewers(product: Product):
    status = ProductStatus(product.status)
    if status not in RELEASED_FOR_PARTNERS or product.purged_at is not None:
        return sa.false()
    from flo_portal.users.audience import audience_condition

    sharer = shared_alias(User, "sharing_user")
    tlp = Tlp(product.tlp)
    share = sa.select(ProductShare.user_id).where(ProductShare.product_id == product.id)
    if tlp in SHAREABLE_ANYWHERE:
        counting = User.id.in_(share)
    elif tlp == Tlp.AMBER:
        counting = User.id.in_(
            share.join(sharer, sharer.id == ProductShare.shared_by_id).where(
                sharer.agency_id == User.agency_id
            )
        )
    else:
        counting = sa.false()
    return sa.and_(
        User.role.not_in(CENTER_STAFF),
        sa.or_(audience_condition(product_effective_audience(product)), counting),
    )


def product_viewers_condition(product: Product):
    """SQL condition on User (outer-joined to Agency): the users ``can_view_product``
    lets see ``product`` now."""
    return sa.and_(
        User.is_active_account.is_(True),
        User.role.in_(PRODUCT_READERS),
        sa.or_(_staff_viewers(product), _partner_viewers(product)),
    )
