"""Dissemination: releasing a version to its audience, the dissemination log (who, why),
the notices and e-mails that go with it (``core.tlp.email_may_carry_text`` decides what an
e-mail may say) and the officer-safety reminders."""

from __future__ import annotations

from datetime import UTC, datetime, time

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from flo_portal.agencies.models import Discipline
from flo_portal.audit.services import record as audit
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.core.tlp import email_may_carry_text
from flo_portal.notifications.services import Notice, notify, notify_many
from flo_portal.products.models import (
    Product,
    ProductRecipient,
    ProductStatus,
    ProductType,
    ProductVersion,
    Tlp,
)
from flo_portal.products.policies import (
    SHAREABLE,
    can_view_product,
    product_effective_audience,
    record_version_audience,
    shared_recipients_query,
)
from flo_portal.retention.clock import review_due
from flo_portal.security.permissions import Role
from flo_portal.users.audience import PARTNER_ROLES, Audience, recipients_query
from flo_portal.users.models import User


def inclusion_rule(user: User, aud: Audience, tlp: str) -> str:
    """Why ``user`` is in the effective audience, for the dissemination log."""
    reasons = []
    if user.id in aud.user_ids:
        reasons.append("named recipient")
    agency = user.agency
    if Role(user.role) in PARTNER_ROLES and agency is not None and agency.active:
        if aud.all_flos:
            reasons.append("all FLOs")
        if agency.id in aud.agency_ids:
            reasons.append(f"agency: {agency.name}")
        if str(agency.discipline) in aud.disciplines:
            reasons.append(f"discipline: {Discipline(agency.discipline).label}")
        if agency.region in aud.regions:
            reasons.append(f"region: {agency.region}")
    return f"{tlp} audience — " + ("; ".join(reasons) or "unknown")


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
    """Log and notify every recipient of the product's current version. One query for
    the audience, one for shares; returns the number of recipients."""
    aud = product_effective_audience(product)
    users = {
        u.id: (u, inclusion_rule(u, aud, str(product.tlp)))
        for u in db.session.scalars(recipients_query(aud)).unique()
    }
    if Tlp(product.tlp) in SHAREABLE:
        shared = db.session.execute(shared_recipients_query(product)).all()
        for u, by in shared:
            users.setdefault(u.id, (u, f"{product.tlp} shared by user #{by}"))
    now = utcnow()
    if users:
        # One bulk insert for the log, one notify_many() for notices and e-mails.
        db.session.execute(
            sa.insert(ProductRecipient),
            [
                {
                    "product_id": product.id,
                    "version": product.version,
                    "user_id": u.id,
                    "disseminated_at": now,
                    "rule": rule[:300],
                }
                for u, rule in users.values()
            ],
        )
    kind = "product.officer_safety" if product.needs_acknowledgement else "product.published"
    title = (
        f"Updated (v{product.version}): " if revised else ""
    ) + f"[{product.tlp}] {product.title}"
    _notify_all(
        product,
        [u for u, _rule in users.values()],
        kind,
        title,
        dedupe=lambda u: f"product:{product.id}:v{product.version}:{u.id}",
        mail_subject=(f"Updated (v{product.version}): " if revised else "") + marking_line(product),
    )
    audit(
        "product.disseminated",
        product,
        summary=f"{product.reference} v{product.version}: {len(users)} recipients",
        details={"version": product.version, "recipients": len(users)},
        actor=actor,
    )
    return len(users)


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
    product: Product, users: list[User], kind: str, title: str, *, dedupe, mail_subject: str
) -> int:
    """Notify many recipients in a fixed number of queries; only people the dissemination
    rule lets see the product get the notice and the e-mail (``mail_subject``: the
    e-mail's subject where the TLP keeps the title out of it, see ``mail_fields``)."""
    body = _notice_body(product)
    mail = mail_fields(product, mail_subject)
    notices = [
        Notice(
            user=u,
            kind=kind,
            title=title,
            body=body,
            link=f"/products/{product.id}",
            dedupe_key=dedupe(u),
            email=True,
            **mail,
        )
        for u in users
        if can_view_product(u, product)
    ]
    return notify_many(notices)


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
    the reference and the reason), in a fixed number of queries."""
    mail = mail_fields(product, mail_subject, link="/")
    users = db.session.scalars(
        sa.select(User)
        .where(
            User.id.in_(
                sa.select(ProductRecipient.user_id).where(ProductRecipient.product_id == product.id)
            )
        )
        .where(User.is_active_account.is_(True))
    ).all()
    return notify_many(
        [
            Notice(
                user=u,
                kind=kind,
                title=title,
                body=body,
                link="",
                dedupe_key=f"{kind}:{product.id}:{u.id}",
                **mail,
            )
            for u in users
        ]
    )


def renotify_unacknowledged_alerts(now: datetime) -> int:
    """Remind recipients who have not acknowledged the current version of an officer-safety
    alert published before today. Safe to run many times: one reminder per person per day."""
    day = now.astimezone(UTC).date()
    start = datetime.combine(day, time.min, tzinfo=UTC)
    rows = db.session.execute(
        sa.select(ProductRecipient, Product)
        .join(Product, Product.id == ProductRecipient.product_id)
        .options(joinedload(ProductRecipient.user))
        .where(
            Product.product_type == ProductType.OFFICER_SAFETY,
            Product.status == ProductStatus.PUBLISHED,
            Product.purged_at.is_(None),
            ProductRecipient.version == Product.version,
            ProductRecipient.acknowledged_at.is_(None),
            ProductRecipient.disseminated_at < start,
        )
    ).all()
    by_product: dict[int, tuple[Product, list[User]]] = {}
    for receipt, product in rows:
        by_product.setdefault(product.id, (product, []))[1].append(receipt.user)
    sent = 0
    for product, users in by_product.values():
        sent += _notify_all(
            product,
            users,
            "product.ack_reminder",
            f"Reminder — acknowledge: [{product.tlp}] {product.title}",
            dedupe=lambda u, p=product: f"product:{p.id}:v{p.version}:ack:{u.id}:{day.isoformat()}",
            mail_subject=f"Reminder — acknowledge: {marking_line(product)}",
        )
    return sent
