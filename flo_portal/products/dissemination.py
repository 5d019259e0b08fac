"""Dissemination: releasing a version to its audience, the dissemination log (who, why),
the notices and e-mails that go with it (``core.tlp.email_may_carry_text`` decides what an
e-mail may say) and the officer-safety reminders."""

from __future__ import annotations

from datetime import UTC, datetime, time

import sqlalchemy as sa
from flask import current_app

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.audit.services import record as audit
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.core.tlp import email_may_carry_text
from flo_portal.notifications.services import notify, notify_users
from flo_portal.products.models import (
    Product,
    ProductRecipient,
    ProductShare,
    ProductStatus,
    ProductType,
    ProductVersion,
    Tlp,
)
from flo_portal.products.policies import (
    SHAREABLE,
    can_view_product,
    product_effective_audience,
    product_viewers_condition,
    record_version_audience,
    shared_recipients_query,
)
from flo_portal.retention.clock import review_due
from flo_portal.users.audience import PARTNER_ROLES, Audience, audience_condition
from flo_portal.users.models import User


def inclusion_rule(aud: Audience, tlp: str):
    """SQL on User (outer-joined to Agency): why the user is in the effective audience,
    for the dissemination log ("TLP:GREEN audience — all FLOs; region: Coastal")."""
    partner = sa.and_(User.role.in_(PARTNER_ROLES), Agency.active.is_(True))
    reasons = []
    if aud.user_ids:
        reasons.append((User.id.in_(aud.user_ids), sa.literal("named recipient", sa.String)))
    if aud.all_flos:
        reasons.append((partner, sa.literal("all FLOs", sa.String)))
    if aud.agency_ids:
        reasons.append(
            (sa.and_(partner, Agency.id.in_(aud.agency_ids)), sa.literal("agency: ") + Agency.name)
        )
    if aud.disciplines:
        label = sa.case(
            {str(d): d.label for d in Discipline},
            value=sa.type_coerce(Agency.discipline, sa.String),
            else_=sa.type_coerce(Agency.discipline, sa.String),
        )
        reasons.append(
            (
                sa.and_(partner, Agency.discipline.in_(aud.disciplines)),
                sa.literal("discipline: ", sa.String) + label,
            )
        )
    if aud.regions:
        reasons.append(
            (
                sa.and_(partner, Agency.region.in_(aud.regions)),
                sa.literal("region: ") + Agency.region,
            )
        )
    joined = sa.literal("", sa.String)
    for condition, text in reasons:
        joined = joined + sa.case((condition, sa.literal("; ", sa.String) + text), else_="")
    because = sa.func.coalesce(sa.func.nullif(sa.func.substr(joined, 3), ""), "unknown")
    return sa.func.substr(sa.literal(f"{tlp} audience — ", sa.String) + because, 1, 300)


def banner_text(product) -> str:
    caveats = f" — {product.caveats}" if product.caveats else ""
    return f"{product.tlp}{caveats}"


def publish_version(product: Product, user: User, change_note: str, *, revised: bool) -> None:
    now = utcnow()
    product.version = (product.version or 0) + 1
    if product.published_at is None:
        product.published_at = now
        if product.criminal_intelligence:
            product.review_due_on = review_due(now)  # the one retention clock
    product.last_published_at = now
    product.published_by_id = user.id
    released = ProductVersion(
        product_id=product.id,
        number=product.version,
        title=product.title,
        summary=product.summary,
        body_md=product.body_md,
        tlp=str(product.tlp),
        caveats=product.caveats,
        topics=product.topics,
        change_note=change_note[:500],
        published_at=now,
        published_by_id=user.id,
    )
    db.session.add(released)
    db.session.flush()
    record_version_audience(product, released)
    _disseminate(product, user, revised=revised)
    # Followers who may see it (a subscription never widens the audience).
    from flo_portal.subscriptions.services import product_released

    product_released(product, revised=revised)


def _disseminate(product: Product, actor: User, *, revised: bool) -> int:
    """Log and notify every recipient of the product's current version, set-based: one
    INSERT ... SELECT for the audience's log rows, one for the shares', and the notices
    and e-mails of ``_notify_all``, whatever the number of recipients. Returns it."""
    aud = product_effective_audience(product)
    tlp = str(product.tlp)
    now = sa.literal(utcnow(), ProductRecipient.__table__.c.disseminated_at.type)
    log = ProductRecipient.__table__
    columns = ["product_id", "version", "user_id", "disseminated_at", "rule"]
    this_version = sa.and_(
        ProductRecipient.product_id == product.id, ProductRecipient.version == product.version
    )
    audience = (
        sa.select(
            sa.literal(product.id),
            sa.literal(product.version),
            User.id,
            now,
            inclusion_rule(aud, tlp),
        )
        .outerjoin(Agency, User.agency_id == Agency.id)
        .where(audience_condition(aud))
    )
    logged = len(
        db.session.execute(sa.insert(log).from_select(columns, audience).returning(log.c.id)).all()
    )
    if Tlp(product.tlp) in SHAREABLE:
        by = sa.func.min(ProductShare.shared_by_id)
        shared = (
            shared_recipients_query(product)
            .with_only_columns(
                sa.literal(product.id),
                sa.literal(product.version),
                User.id,
                now,
                sa.literal(f"{tlp} shared by user #", sa.String) + sa.cast(by, sa.String),
            )
            .where(User.id.not_in(sa.select(ProductRecipient.user_id).where(this_version)))
            .group_by(User.id)
        )
        logged += len(
            db.session.execute(
                sa.insert(log).from_select(columns, shared).returning(log.c.id)
            ).all()
        )
    kind = "product.officer_safety" if product.needs_acknowledgement else "product.published"
    title = (
        f"Updated (v{product.version}): " if revised else ""
    ) + f"[{product.tlp}] {product.title}"
    _notify_all(
        product,
        User.id.in_(sa.select(ProductRecipient.user_id).where(this_version)),
        kind,
        title,
        dedupe_prefix=f"product:{product.id}:v{product.version}:",
        mail_subject=(f"Updated (v{product.version}): " if revised else "") + marking_line(product),
    )
    audit(
        "product.disseminated",
        product,
        summary=f"{product.reference} v{product.version}: {logged} recipients",
        details={"version": product.version, "recipients": logged},
        actor=actor,
    )
    return logged


def marking_line(product: Product) -> str:
    """``[TLP:RED] Bulletin PRD-2026-00001``: what an e-mail may say of any product."""
    return f"[{Tlp(product.tlp).label}] {product.type_enum.label} {product.reference}"


def mail_fields(product: Product, subject: str, link: str | None = None) -> dict:
    """The e-mail's own subject and text when the product's TLP keeps its text out of
    e-mail (``core.tlp.email_may_carry_text``: AMBER, AMBER+STRICT, RED): only the
    reference, the type, the TLP label and a link to sign in. Nothing (the notice's title
    and body go out as they are) for CLEAR and GREEN. The in-app notice is unchanged.
    ``subject`` must be built from ``marking_line`` and words of the portal's own."""
    if email_may_carry_text(product.tlp):
        return {}
    label = Tlp(product.tlp).label
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    link = f"/products/{product.id}" if link is None else link
    lines = [label, "", subject]
    if product.needs_acknowledgement and product.status == ProductStatus.PUBLISHED:
        lines += ["", "Officer safety: open the portal and acknowledge that you have read it."]
    lines += [
        "",
        f"The text stays in the portal ({label}). Sign in to read it: {base}{link}",
        "",
        label,
    ]
    return {"email_title": subject, "email_body": "\n".join(lines) + "\n"}


def _notice_body(product: Product, extra: str = "") -> str:
    banner = banner_text(product)
    lines = [
        banner,
        "",
        f"{product.type_enum.label} {product.reference} (version {product.version})",
        "",
        product.summary or "",
    ]
    if product.needs_acknowledgement:
        lines += [
            "",
            "Officer safety: open the portal and acknowledge that you have read it.",
        ]
    if extra:
        lines += ["", extra]
    lines += ["", banner]
    return "\n".join(lines)


def _notify_all(
    product: Product,
    recipients,
    kind: str,
    title: str,
    *,
    dedupe_prefix: str,
    dedupe_suffix: str = "",
    mail_subject: str,
) -> int:
    """Notify the users ``recipients`` (SQL on User) selects, in a fixed number of
    statements (``notify_users``); only people the dissemination rule lets see the product
    (``product_viewers_condition``, the SQL form of ``can_view_product``) get the notice and
    the e-mail (``mail_subject``: the e-mail's subject where the TLP keeps the title out of
    it, see ``mail_fields``)."""
    return notify_users(
        sa.and_(recipients, product_viewers_condition(product)),
        kind=kind,
        title=title,
        body=_notice_body(product),
        link=f"/products/{product.id}",
        dedupe_prefix=dedupe_prefix,
        dedupe_suffix=dedupe_suffix,
        **mail_fields(product, mail_subject),
    )


def notify_one(
    product: Product,
    user: User,
    kind: str,
    title: str,
    *,
    dedupe: str,
    mail_subject: str,
    extra: str = "",
):
    # The e-mail goes out only to people the dissemination rule lets see the product.
    if not can_view_product(user, product):
        return None
    return notify(
        user,
        kind,
        title,
        _notice_body(product, extra),
        f"/products/{product.id}",
        email=True,
        dedupe_key=dedupe,
        **mail_fields(product, mail_subject),
    )


def notify_recipients(product, kind, title, body, *, mail_subject: str) -> int:
    """Tell everyone who ever received the product (withdrawal notices: no content, only
    the reference and the reason), in a fixed number of statements."""
    return notify_users(
        sa.and_(
            User.id.in_(
                sa.select(ProductRecipient.user_id).where(ProductRecipient.product_id == product.id)
            ),
            User.is_active_account.is_(True),
        ),
        kind=kind,
        title=title,
        body=body,
        link="",
        dedupe_prefix=f"{kind}:{product.id}:",
        **mail_fields(product, mail_subject, link="/"),
    )


def renotify_unacknowledged_alerts(now: datetime) -> int:
    """Remind recipients who have not acknowledged the current version of an officer-safety
    alert published before today. Safe to run many times: one reminder per person per day."""
    day = now.astimezone(UTC).date()
    start = datetime.combine(day, time.min, tzinfo=UTC)

    def unacknowledged(product_id, version):
        return sa.select(ProductRecipient.user_id).where(
            ProductRecipient.product_id == product_id,
            ProductRecipient.version == version,
            ProductRecipient.acknowledged_at.is_(None),
            ProductRecipient.disseminated_at < start,
        )

    products = db.session.scalars(
        sa.select(Product)
        .where(
            Product.product_type == ProductType.OFFICER_SAFETY,
            Product.status == ProductStatus.PUBLISHED,
            Product.purged_at.is_(None),
            sa.exists(unacknowledged(Product.id, Product.version)),
        )
        .order_by(Product.id)
    ).all()
    sent = 0
    for product in products:
        sent += _notify_all(
            product,
            User.id.in_(unacknowledged(product.id, product.version)),
            "product.ack_reminder",
            f"Reminder — acknowledge: [{product.tlp}] {product.title}",
            dedupe_prefix=f"product:{product.id}:v{product.version}:ack:",
            dedupe_suffix=f":{day.isoformat()}",
            mail_subject=f"Reminder — acknowledge: {marking_line(product)}",
        )
    return sent
