"""Following and unfollowing, the delivery choice, the counts, and the two hooks the
products and briefings features call when they release something."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.agencies.policies import visible_agencies_condition
from flo_portal.audit.services import record as audit
from flo_portal.core.errors import InputError, NotFound
from flo_portal.core.extensions import db
from flo_portal.notifications.services import EMAIL, IN_APP, channel_for, set_preferences
from flo_portal.products.models import ProductType
from flo_portal.search.queries import saved_terms
from flo_portal.subscriptions.fanout import FAMILY, tell_followers
from flo_portal.subscriptions.kinds import (
    BRIEFING_MATCHERS,
    BRIEFING_SQL_MATCHERS,
    KINDS,
    PRODUCT_MATCHERS,
    PRODUCT_SQL_MATCHERS,
    keys_of,
    normal_text,
    value_label,
)
from flo_portal.subscriptions.models import Subscription

AT_ONCE = "at_once"
DIGEST = "digest"
DELIVERY = {AT_ONCE: EMAIL, DIGEST: IN_APP}
MAX_FOLLOWS = 200


def followable_agencies(user) -> list[Agency]:
    """Agencies ``user`` may follow: those the agency policy lets them see, and their own."""
    cond = visible_agencies_condition(user)
    if getattr(user, "agency_id", None):
        cond = sa.or_(cond, Agency.id == user.agency_id)
    return list(db.session.scalars(sa.select(Agency).where(cond).order_by(Agency.name)))


def _enum_value(enum_cls, text: str) -> str | None:
    wanted = normal_text(text)
    for member in enum_cls:
        if wanted in (member.value, normal_text(member.label), normal_text(member.value)):
            return member.value
    return None


def normalise(user, kind: str, value: str) -> str:
    """The stored key for what ``user`` typed or chose, or InputError naming the field."""
    if kind not in KINDS:
        raise InputError("Choose what to follow.", field="kind")
    text = " ".join((value or "").split())
    if not text:
        raise InputError("Enter what to follow.", field="value")
    if kind in ("topic", "region"):
        if len(text) > 120:
            raise InputError("Keep it under 120 characters.", field="value")
        return normal_text(text)
    if kind == "search":
        words = saved_terms(text)
        if not words:
            raise InputError("Enter a word to search for.", field="value")
        if len(words) > 120:
            raise InputError("Keep it under 120 characters.", field="value")
        return words
    if kind == "product_type":
        found = _enum_value(ProductType, text)
    elif kind == "discipline":
        found = _enum_value(Discipline, text)
    else:
        agencies = followable_agencies(user)
        found = next(
            (
                str(a.id)
                for a in agencies
                if text in (str(a.id), a.name) or normal_text(a.name) == normal_text(text)
            ),
            None,
        )
    if found is None:
        raise InputError(f"There is no such {KINDS[kind].label.lower()} to follow.", field="value")
    return found


def follow(user, kind: str, value: str) -> Subscription:
    """Follow ``kind``/``value`` (idempotent). Audited. Flushes."""
    key = normalise(user, kind, value)
    existing = db.session.scalar(
        sa.select(Subscription).where(
            Subscription.user_id == user.id, Subscription.kind == kind, Subscription.value == key
        )
    )
    if existing is not None:
        return existing
    count = db.session.scalar(
        sa.select(sa.func.count(Subscription.id)).where(Subscription.user_id == user.id)
    )
    if count >= MAX_FOLLOWS:
        raise InputError(f"You follow {MAX_FOLLOWS} things already; remove some first.")
    sub = Subscription(user_id=user.id, kind=kind, value=key)
    db.session.add(sub)
    db.session.flush()
    audit("subscription.followed", sub, details={"kind": kind, "value": key}, actor=user)
    return sub


def unfollow(user, subscription_id: int) -> None:
    """Stop following one of ``user``'s own subscriptions (another's answers 404)."""
    sub = db.session.get(Subscription, subscription_id)
    if sub is None or sub.user_id != user.id:
        raise NotFound()
    audit(
        "subscription.unfollowed", sub, details={"kind": sub.kind, "value": sub.value}, actor=user
    )
    db.session.delete(sub)
    db.session.flush()


def followed(user) -> list[tuple[Subscription, str, str]]:
    """(subscription, kind label, value label) of what ``user`` follows."""
    subs = list(
        db.session.scalars(
            sa.select(Subscription)
            .where(Subscription.user_id == user.id)
            .order_by(Subscription.kind, Subscription.value)
        )
    )
    names = _agency_names(int(s.value) for s in subs if s.kind == "agency")
    return [
        (s, KINDS[s.kind].label if s.kind in KINDS else s.kind, value_label(s.kind, s.value, names))
        for s in subs
    ]


def delivery_for(user) -> str:
    return AT_ONCE if channel_for(user.id, f"{FAMILY}.product") == EMAIL else DIGEST


def set_delivery(user, choice: str) -> bool:
    """At once (in-app and e-mail now) or in the daily digest (in-app now, the digest
    e-mail the next morning): the notification preference of the ``following`` family."""
    if choice not in DELIVERY:
        raise InputError("Choose at once or the daily digest.", field="delivery")
    return bool(set_preferences(user, {FAMILY: DELIVERY[choice]}))


def _agency_names(ids) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(Agency.id, Agency.name).where(Agency.id.in_(ids))).all()
    )


def follower_counts() -> list[tuple[str, str, int]]:
    """(kind label, value label, followers) for everything followed, most followed first:
    one GROUP BY. Only active accounts count."""
    from flo_portal.users.models import User

    rows = db.session.execute(
        sa.select(Subscription.kind, Subscription.value, sa.func.count(Subscription.user_id))
        .join(User, User.id == Subscription.user_id)
        .where(User.is_active_account.is_(True))
        .group_by(Subscription.kind, Subscription.value)
        .order_by(sa.func.count(Subscription.user_id).desc(), Subscription.kind, Subscription.value)
    ).all()
    names = _agency_names(int(v) for k, v, _n in rows if k == "agency" and v.isdigit())
    return [(KINDS[k].label if k in KINDS else k, value_label(k, v, names), n) for k, v, n in rows]


# --- hooks: called by the products and briefings features when they release ---------


FOOTER = "You follow something this matches. Change what you follow at /following/."


def product_released(product, *, revised: bool) -> int:
    """Tell the followers who may see ``product`` of its new version."""
    from flo_portal.products.dissemination import _notice_body, mail_fields, marking_line
    from flo_portal.products.policies import product_viewers_condition

    again = f"Updated (v{product.version}): " if revised else ""
    return tell_followers(
        keys=keys_of(product, PRODUCT_MATCHERS),
        matching=[match(product) for match in PRODUCT_SQL_MATCHERS],
        viewers=product_viewers_condition(product),
        kind=f"{FAMILY}.product",
        title=f"Following — {again}[{product.tlp}] {product.title}",
        body=_notice_body(product, FOOTER),
        link=f"/products/{product.id}",
        dedupe_prefix=f"{FAMILY}:product:{product.id}:v{product.version}:",
        **mail_fields(product, f"Following — {again}{marking_line(product)}"),
    )


def briefing_scheduled(briefing) -> int:
    """Tell the followers who may see ``briefing`` that it is scheduled."""
    from flo_portal.briefings.policies import briefing_viewers_condition
    from flo_portal.briefings.services import briefing_path

    start = briefing.local_start
    return tell_followers(
        keys=keys_of(briefing, BRIEFING_MATCHERS),
        matching=[match(briefing) for match in BRIEFING_SQL_MATCHERS],
        viewers=briefing_viewers_condition(briefing),
        kind=f"{FAMILY}.briefing",
        title=f"Following — briefing scheduled: {briefing.title}",
        body=f"{start:%a %d %b %Y %H:%M} ({briefing.timezone})\n\n{FOOTER}",
        link=briefing_path(briefing.id),
        dedupe_prefix=f"{FAMILY}:briefing:{briefing.id}:",
    )


def followed_keys(user) -> set[tuple[str, str]]:
    """The (kind, value) pairs ``user`` follows, in one query (the follow buttons)."""
    return set(
        db.session.execute(
            sa.select(Subscription.kind, Subscription.value).where(Subscription.user_id == user.id)
        ).tuples()
    )
