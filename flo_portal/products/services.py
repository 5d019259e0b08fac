"""Product services: authoring, the workflow, dissemination, recipients' actions,
reach figures and retention. Services flush; the request or job commits."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.audit.services import record as audit
from flo_portal.core import clock, protected_activity
from flo_portal.core.actors import system_actor
from flo_portal.core.audience import PARTNER_ROLES, Audience, recipients_query
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.core.tlp import email_may_carry_text
from flo_portal.core.uploads import (
    DOCUMENTS,
    UploadRefused,
    check_upload,
    read_limited,
    write_upload,
)
from flo_portal.notifications.services import Notice, notify, notify_many
from flo_portal.products.errors import (
    ProductConflict,
    ProductError,
    ProductInputError,
    ProductNotFound,
    ProductRefused,
)
from flo_portal.products.models import (
    PrivacyStatus,
    Product,
    ProductAttachment,
    ProductFeedback,
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
    record_version_audience,
    share_problem,
    shared_recipients_query,
    sync_audience_rows,
)
from flo_portal.products.workflow import check
from flo_portal.security.permissions import Role
from flo_portal.training.services import add_months
from flo_portal.users.models import User
from flo_portal.users.queries import active_users_with_role

__all__ = [
    "ProductConflict",
    "ProductError",
    "ProductInputError",
    "ProductNotFound",
    "ProductRefused",
]


# ---------------------------------------------------------------- privacy terms


def _product_terms(product: Product) -> list[str]:
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
    return [t for t in _product_terms(product) if t.lower() not in approved]


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
        _publish_version(product, user, change_note or "Revised", revised=True)
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


# ---------------------------------------------------------------- workflow


AUDIT_ACTIONS = {
    "submit": "product.submitted",
    "privacy_approve": "product.privacy_approved",
    "return": "product.returned",
    "publish": "product.published",
    "archive": "product.archived",
    "withdraw": "product.withdrawn",
}


def transition(product: Product, action: str, user: User, reason: str = "") -> Product:
    """Move ``product`` along the workflow (``products/workflow.py``), or raise a
    ProductError saying why not (409 wrong state, 403 not this user, 422 no reason)."""
    t = check(user, product, action)
    action = str(t.action)
    reason = (reason or "").strip()
    if t.needs_note and not reason:
        raise ProductInputError("Give a reason.", field="reason")
    before = product.status
    now = utcnow()
    if action == "submit":
        terms = _product_terms(product)
        if Audience.from_json(product.audience).is_empty:
            raise ProductConflict("Choose an audience before submitting.")
        product.privacy_reasons = ", ".join(terms)
        if terms or product.privacy_review_requested:
            product.privacy_status = PrivacyStatus.PENDING
        else:
            product.privacy_status = PrivacyStatus.NOT_NEEDED
        product.review_note = ""
    elif action == "privacy_approve":
        product.privacy_status = PrivacyStatus.APPROVED
        product.privacy_reviewer_id = user.id
        product.privacy_reviewed_at = now
        product.review_note = reason
    elif action == "return":
        if Role(user.role) == Role.PRIVACY_OFFICER:
            product.privacy_status = PrivacyStatus.RETURNED
            product.privacy_reviewer_id = user.id
            product.privacy_reviewed_at = now
        product.review_note = reason
    elif action == "archive":
        product.archived_at = now
    elif action == "withdraw":
        product.withdrawn_at = now
        product.withdrawn_reason = reason
    product.status = t.target
    db.session.flush()
    if action == "publish":
        _publish_version(product, user, "First publication", revised=False)
    audit(
        AUDIT_ACTIONS[action],
        product,
        summary=f"{product.reference}: {before} → {product.status}",
        details={"from": str(before), "to": str(product.status), "reason": reason},
        actor=user,
    )
    if action == "submit" and product.privacy_status == PrivacyStatus.PENDING:
        for officer in active_users_with_role(Role.PRIVACY_OFFICER):
            notify(
                officer,
                "product.privacy_review",
                f"Privacy review: {product.reference}",
                f"{product.title}\nReason: {product.privacy_reasons or 'requested by the author'}",
                f"/products/{product.id}",
                email=True,
                dedupe_key=f"product:{product.id}:privacy:{now.isoformat()}:{officer.id}",
                **mail_fields(product, f"Privacy review: {marking_line(product)}"),
            )
    if action in ("return",) and product.author_id != user.id:
        notify(
            product.author,
            "product.returned",
            f"{product.reference} returned to you",
            reason,
            f"/products/{product.id}",
            email=True,
            **mail_fields(product, f"{marking_line(product)} returned to you"),
        )
    if action == "withdraw" and before in (
        ProductStatus.PUBLISHED,
        ProductStatus.ARCHIVED,
    ):
        _notify_recipients(
            product,
            "product.withdrawn",
            f"Withdrawn: {product.reference}",
            f"Reason: {reason}",
            mail_subject=f"Withdrawn: {marking_line(product)}",
        )
    return product


# ---------------------------------------------------------------- dissemination


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


def _publish_version(product: Product, user: User, change_note: str, *, revised: bool) -> None:
    now = utcnow()
    product.version = (product.version or 0) + 1
    if product.published_at is None:
        product.published_at = now
        if product.criminal_intelligence:
            years = current_app.config["RETENTION_YEARS"]
            product.review_due_on = add_months(now.date(), 12 * years)
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


def _notify_one(
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


def _notify_recipients(product, kind, title, body, *, mail_subject: str) -> int:
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


# ---------------------------------------------------------------- recipients' side


def current_receipt(product: Product, user: User) -> ProductRecipient | None:
    return db.session.scalar(
        sa.select(ProductRecipient).where(
            ProductRecipient.product_id == product.id,
            ProductRecipient.version == product.version,
            ProductRecipient.user_id == user.id,
        )
    )


def record_view(product: Product, user: User, version: int | None = None) -> None:
    """Audit the view and mark the receipt opened (first open of the current version)."""
    if version is None:
        receipt = current_receipt(product, user)
        if receipt is not None and receipt.opened_at is None:
            receipt.opened_at = utcnow()
        audit(
            "product.viewed",
            product,
            summary=product.reference or "",
            details={"version": product.version},
            actor=user,
        )
    else:
        audit(
            "product.version_viewed",
            product,
            summary=f"{product.reference} v{version}",
            details={"version": version},
            actor=user,
        )
    db.session.flush()


def acknowledge(product: Product, user: User) -> ProductRecipient:
    if not product.needs_acknowledgement:
        raise ProductConflict("This product does not need an acknowledgement.")
    receipt = current_receipt(product, user)
    if receipt is None:
        raise ProductConflict("You are not a recipient of this version.")
    if receipt.acknowledged_at is None:
        now = utcnow()
        receipt.acknowledged_at = now
        receipt.opened_at = receipt.opened_at or now
        audit(
            "product.acknowledged",
            product,
            summary=f"{product.reference} v{product.version}",
            details={"version": product.version},
            actor=user,
        )
    db.session.flush()
    return receipt


def give_feedback(
    product: Product, user: User, useful: int, actionable: int, comment: str
) -> ProductFeedback:
    if product.status not in (ProductStatus.PUBLISHED, ProductStatus.ARCHIVED):
        raise ProductConflict("Feedback is for published products.")
    if not (1 <= useful <= 5 and 1 <= actionable <= 5):
        raise ProductInputError("Ratings go from 1 to 5.")
    exists = db.session.scalar(
        sa.select(ProductFeedback.id).where(
            ProductFeedback.product_id == product.id,
            ProductFeedback.version == product.version,
            ProductFeedback.user_id == user.id,
        )
    )
    if exists:
        raise ProductConflict("You already gave feedback on this version.")
    fb = ProductFeedback(
        product_id=product.id,
        version=product.version,
        user_id=user.id,
        useful=useful,
        actionable=actionable,
        comment=(comment or "").strip()[:2000],
    )
    db.session.add(fb)
    db.session.flush()
    audit(
        "product.feedback",
        product,
        summary=f"{product.reference} v{product.version}",
        details={
            "useful": useful,
            "actionable": actionable,
            "comment": bool(fb.comment),
        },
        actor=user,
    )
    return fb


def share_product(product: Product, sharer: User, colleague: User | None) -> ProductShare:
    """Share with a colleague where the TLP allows it (never RED or AMBER+STRICT)."""
    problem = share_problem(sharer, product, colleague)
    if problem:
        audit(
            "product.share_refused",
            product,
            summary=problem,
            details={
                "to_user_id": getattr(colleague, "id", None),
                "tlp": str(product.tlp),
            },
            actor=sharer,
        )
        raise ProductRefused(problem)
    share = db.session.scalar(
        sa.select(ProductShare).where(
            ProductShare.product_id == product.id, ProductShare.user_id == colleague.id
        )
    )
    if share is None:
        share = ProductShare(product_id=product.id, user_id=colleague.id, shared_by_id=sharer.id)
        db.session.add(share)
        db.session.flush()
    if current_receipt(product, colleague) is None:
        db.session.add(
            ProductRecipient(
                product_id=product.id,
                version=product.version,
                user_id=colleague.id,
                rule=f"{product.tlp} shared by {sharer.name} (#{sharer.id})",
            )
        )
        db.session.flush()
    audit(
        "product.shared",
        product,
        summary=f"{product.reference} with user #{colleague.id}",
        details={"to_user_id": colleague.id, "tlp": str(product.tlp)},
        actor=sharer,
    )
    _notify_one(
        product,
        colleague,
        "product.shared",
        f"{sharer.name} shared [{product.tlp}] {product.title}",
        dedupe=f"product:{product.id}:share:{colleague.id}",
        mail_subject=f"{sharer.name} shared {marking_line(product)}",
    )
    return share


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


# ---------------------------------------------------------------- attachments

# The file types a product takes; the check itself is flo_portal.core.uploads.check_upload.
PRODUCT_EXTENSIONS = (*DOCUMENTS, "pptx")


def _upload_root() -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]) / "products"
    root.mkdir(parents=True, exist_ok=True)
    return root


def add_attachment(product: Product, stream, filename: str, user: User) -> ProductAttachment:
    if product.status != ProductStatus.DRAFT:
        raise ProductConflict("Attachments can be added to drafts only, by their editors.")
    if not can_edit(product, user):
        raise ProductRefused("Attachments can be added to drafts only, by their editors.")
    data = read_limited(stream)
    try:
        checked = check_upload(filename, data, allowed=PRODUCT_EXTENSIONS)
    except UploadRefused as err:
        raise ProductInputError(str(err)) from None
    name = checked.filename
    storage = uuid.uuid4().hex
    write_upload(_upload_root() / storage, data)
    att = ProductAttachment(
        product_id=product.id,
        filename=name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=hashlib.sha256(data).hexdigest(),
        storage_name=storage,
        uploaded_by_id=user.id,
    )
    db.session.add(att)
    db.session.flush()
    audit(
        "product.attachment_added",
        product,
        summary=f"{product.reference}: {name}",
        details={"attachment_id": att.id, "size": att.size, "sha256": att.sha256},
        actor=user,
    )
    return att


def attachment_path(att: ProductAttachment) -> Path:
    return _upload_root() / att.storage_name


def remove_attachment(product: Product, att: ProductAttachment, user: User) -> None:
    if product.status != ProductStatus.DRAFT:
        raise ProductConflict("Attachments can be removed from drafts only.")
    if not can_edit(product, user):
        raise ProductRefused("Attachments can be removed from drafts only.")
    attachment_path(att).unlink(missing_ok=True)
    audit(
        "product.attachment_removed",
        product,
        summary=f"{product.reference}: {att.filename}",
        details={"attachment_id": att.id},
        actor=user,
    )
    db.session.delete(att)
    db.session.flush()


# ---------------------------------------------------------------- reach figures


def _month_expr(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def _reach_subqueries(product_ids=None):
    """Per-product recipient and feedback aggregates, limited to ``product_ids`` (a SELECT)."""
    rec_filter = (
        ProductRecipient.product_id.in_(product_ids) if product_ids is not None else sa.true()
    )
    fb_filter = (
        ProductFeedback.product_id.in_(product_ids) if product_ids is not None else sa.true()
    )
    rec = (
        sa.select(
            ProductRecipient.product_id.label("pid"),
            sa.func.count(sa.distinct(ProductRecipient.user_id)).label("recipients"),
            sa.func.count(
                sa.distinct(
                    sa.case(
                        (
                            ProductRecipient.opened_at.is_not(None),
                            ProductRecipient.user_id,
                        )
                    )
                )
            ).label("opened"),
            sa.func.count(
                sa.distinct(
                    sa.case(
                        (
                            ProductRecipient.acknowledged_at.is_not(None),
                            ProductRecipient.user_id,
                        )
                    )
                )
            ).label("acknowledged"),
        )
        .where(rec_filter)
        .group_by(ProductRecipient.product_id)
        .subquery()
    )
    fb = (
        sa.select(
            ProductFeedback.product_id.label("pid"),
            sa.func.count(ProductFeedback.id).label("ratings"),
            sa.func.sum(ProductFeedback.useful).label("useful_sum"),
            sa.func.sum(ProductFeedback.actionable).label("actionable_sum"),
            sa.func.sum(sa.case((ProductFeedback.comment != "", 1), else_=0)).label("comments"),
        )
        .where(fb_filter)
        .group_by(ProductFeedback.product_id)
        .subquery()
    )
    return rec, fb


def reach_scope(user: User):
    """Coordinators see every product's figures, analysts their own."""
    if Role(user.role) == Role.COORDINATOR:
        return sa.true()
    return Product.author_id == user.id


def _avg(total, n):
    return round(total / n, 2) if n else None


def reach_by_product(user: User, limit: int = 500) -> list[dict]:
    """Figures for the ``limit`` most recently published products in the user's scope."""
    newest = (
        sa.select(Product.id)
        .where(Product.published_at.is_not(None), reach_scope(user))
        .order_by(Product.published_at.desc())
        .limit(limit)
    )
    rec, fb = _reach_subqueries(newest)
    rows = db.session.execute(
        sa.select(
            Product.id,
            Product.reference,
            Product.title,
            Product.product_type,
            Product.tlp,
            Product.status,
            Product.published_at,
            Product.version,
            sa.func.coalesce(rec.c.recipients, 0),
            sa.func.coalesce(rec.c.opened, 0),
            sa.func.coalesce(rec.c.acknowledged, 0),
            sa.func.coalesce(fb.c.ratings, 0),
            sa.func.coalesce(fb.c.useful_sum, 0),
            sa.func.coalesce(fb.c.actionable_sum, 0),
            sa.func.coalesce(fb.c.comments, 0),
        )
        .outerjoin(rec, rec.c.pid == Product.id)
        .outerjoin(fb, fb.c.pid == Product.id)
        .where(Product.published_at.is_not(None), reach_scope(user))
        .order_by(Product.published_at.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": r[0],
            "reference": r[1],
            "title": r[2],
            "type": ProductType(r[3]).label,
            "tlp": str(r[4]),
            "status": str(r[5]),
            "published_at": r[6],
            "version": r[7],
            "recipients": r[8],
            "opened": r[9],
            "acknowledged": r[10],
            "ratings": r[11],
            "useful_avg": _avg(r[12], r[11]),
            "actionable_avg": _avg(r[13], r[11]),
            "comments": r[14],
        }
        for r in rows
    ]


def reach_by_month(user: User) -> list[dict]:
    rec, fb = _reach_subqueries()
    month = _month_expr(Product.published_at).label("month")
    rows = db.session.execute(
        sa.select(
            month,
            sa.func.count(Product.id),
            sa.func.coalesce(sa.func.sum(rec.c.recipients), 0),
            sa.func.coalesce(sa.func.sum(rec.c.opened), 0),
            sa.func.coalesce(sa.func.sum(rec.c.acknowledged), 0),
            sa.func.coalesce(sa.func.sum(fb.c.ratings), 0),
            sa.func.coalesce(sa.func.sum(fb.c.useful_sum), 0),
            sa.func.coalesce(sa.func.sum(fb.c.actionable_sum), 0),
            sa.func.coalesce(sa.func.sum(fb.c.comments), 0),
        )
        .outerjoin(rec, rec.c.pid == Product.id)
        .outerjoin(fb, fb.c.pid == Product.id)
        .where(Product.published_at.is_not(None), reach_scope(user))
        .group_by(month)
        .order_by(month.desc())
    ).all()
    return [
        {
            "month": r[0],
            "products": r[1],
            "recipients": r[2],
            "opened": r[3],
            "acknowledged": r[4],
            "ratings": r[5],
            "useful_avg": _avg(r[6], r[5]),
            "actionable_avg": _avg(r[7], r[5]),
            "comments": r[8],
        }
        for r in rows
    ]


# ---------------------------------------------------------------- retention (28 CFR Part 23)


@dataclass
class RetentionItem:
    kind: str  # "product" | "rfi"
    id: int
    reference: str
    title: str
    review_due_on: date


def _rfi_model():
    """The RFI model when the RFI feature (with its retention columns) is installed."""
    try:
        from flo_portal.rfis.models import Rfi
    except ImportError:
        return None
    if hasattr(Rfi, "criminal_intelligence") and hasattr(Rfi, "review_due_on"):
        return Rfi
    return None


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
    Rfi = _rfi_model()
    if Rfi is not None:
        items += [
            RetentionItem(
                "rfi",
                r.id,
                r.reference,
                getattr(r, "title", r.reference),
                r.review_due_on,
            )
            for r in db.session.scalars(
                sa.select(Rfi)
                .where(Rfi.criminal_intelligence.is_(True), Rfi.review_due_on <= today)
                .order_by(Rfi.review_due_on)
            )
        ]
    return sorted(items, key=lambda i: (i.review_due_on, i.kind, i.id))


def _retention_object(kind: str, obj_id: int):
    if kind == "product":
        obj = db.session.get(Product, obj_id)
        return (
            obj if obj is not None and obj.purged_at is None and obj.criminal_intelligence else None
        )
    Rfi = _rfi_model() if kind == "rfi" else None
    if Rfi is None:
        return None
    obj = db.session.get(Rfi, obj_id)
    return obj if obj is not None and obj.criminal_intelligence and obj.review_due_on else None


def validate_retention(kind: str, obj_id: int, user: User, today: date, note: str = ""):
    """The privacy officer validated the item: keep it for another retention period."""
    obj = _retention_object(kind, obj_id)
    if obj is None:
        raise ProductNotFound("Nothing to validate.")
    years = current_app.config["RETENTION_YEARS"]
    old = obj.review_due_on
    obj.review_due_on = add_months(today, 12 * years)
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


def _purge_product(product: Product) -> None:
    for att in list(product.attachments):
        attachment_path(att).unlink(missing_ok=True)
        db.session.delete(att)
    product.title = "[purged]"
    product.summary = product.body_md = product.caveats = product.topics = ""
    product.review_note = product.privacy_reasons = product.withdrawn_reason = ""
    for v in product.versions:
        v.title, v.summary, v.body_md, v.caveats, v.topics, v.change_note = (
            "[purged]",
            "",
            "",
            "",
            "",
            "",
        )
    db.session.execute(
        sa.update(ProductFeedback)
        .where(ProductFeedback.product_id == product.id)
        .values(comment="")
    )
    product.purged_at = utcnow()


def _purge_rfi(rfi) -> None:
    from flo_portal.rfis.dissemination import purge_rfi_content

    purge_rfi_content(rfi)


def purge(kind: str, obj_id: int, actor, reason: str, today: date) -> None:
    """Remove the content; keep an audit entry naming the item but holding no content.
    Refused before the item's retention review date (28 CFR Part 23: kept RETENTION_YEARS)."""
    obj = _retention_object(kind, obj_id)
    if obj is None:
        raise ProductNotFound("Nothing to purge.")
    if obj.review_due_on is None or obj.review_due_on > today:
        raise ProductConflict(
            f"{obj.reference} may not be purged before its retention review date "
            f"({obj.review_due_on}); until then it is kept."
        )
    reference = obj.reference
    if kind == "product":
        _purge_product(obj)
    else:
        _purge_rfi(obj)
    db.session.flush()
    audit(
        "retention.purged",
        object_type=kind,
        object_id=obj_id,
        summary=f"{reference} purged",
        details={"kind": kind, "reference": reference, "reason": reason},
        actor=actor,
    )


def run_retention_review(now: datetime | date) -> dict:
    """The scheduled job: tell privacy officers what is due (once per item and due date)
    and purge items left unvalidated RETENTION_GRACE_DAYS after their review date.

    The job runner passes the moment it runs (``now``); its day is the center's
    (``clock.today``). A date is taken as that day."""
    today = clock.today(now) if isinstance(now, datetime) else now
    actor = system_actor("job:retention_review")
    grace = int(current_app.config.get("RETENTION_GRACE_DAYS", 30))
    due = retention_due(today)
    officers = active_users_with_role(Role.PRIVACY_OFFICER)
    flagged = purged = 0
    for item in due:
        if item.review_due_on + timedelta(days=grace) < today:
            purge(
                item.kind,
                item.id,
                actor,
                f"not validated within {grace} days of {item.review_due_on}",
                today,
            )
            purged += 1
            continue
        new = False
        for officer in officers:
            n = notify(
                officer,
                "retention.due",
                f"Retention review due: {item.reference}",
                f"Criminal intelligence due for review on {item.review_due_on}. Validate it "
                f"or purge it; unvalidated items are purged {grace} days after that date.",
                "/products/retention",
                email=True,
                dedupe_key=f"retention:{item.kind}:{item.id}:{item.review_due_on}:{officer.id}",
            )
            new = new or n is not None
        flagged += int(new)
    return {"due": len(due), "flagged": flagged, "purged": purged}


# ---------------------------------------------------------------- lookups for forms


def partner_user_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(User.id, User.name, Agency.name)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(User.is_active_account.is_(True), User.role.in_(PARTNER_ROLES))
        .order_by(User.name)
    ).all()
    return [(r[0], f"{r[1]} ({r[2] or 'no agency'})") for r in rows]
