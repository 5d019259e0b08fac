"""Product pages. Every object read goes through products.policies (404 when not visible)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload

from flo_portal.audit.reads import audit_listing, refuse
from flo_portal.audit.services import record as audit
from flo_portal.core import clock
from flo_portal.core.csv_export import csv_response
from flo_portal.core.errors import InputError
from flo_portal.core.extensions import db
from flo_portal.core.formtools import EmptyForm, form_page, show_error, show_version, stale_edit
from flo_portal.core.orm import any_contains
from flo_portal.core.uploads import send_stored
from flo_portal.products import attachments, authoring, lifecycle, pdf, recipients
from flo_portal.products import dashboard as _dashboard_cards  # noqa: F401 - registers the cards
from flo_portal.products.dissemination import banner_text
from flo_portal.products.errors import ProductRefused
from flo_portal.products.feedback import give_feedback
from flo_portal.products.forms import (
    AttachmentForm,
    FeedbackForm,
    ProductForm,
    ReasonForm,
    RetentionForm,
    SearchForm,
    ShareForm,
)
from flo_portal.products.models import (
    PrivacyStatus,
    Product,
    ProductFeedback,
    ProductRecipient,
    ProductStatus,
    ProductVersion,
    Tlp,
)
from flo_portal.products.policies import (
    can_download_attachment,
    can_share_with_colleagues,
    can_view_dissemination_log,
    can_view_product,
    opened_versions_condition,
    visible_products_condition,
)
from flo_portal.products.queries import (
    feed_count_query,
    feed_entries,
    feed_ids_query,
    get_attachment_or_404,
    get_visible_product_or_404,
    get_visible_version_or_404,
)
from flo_portal.products.reach import feedback_chart, reach_by_month, reach_by_product
from flo_portal.products.rendering import render_markdown
from flo_portal.products.workflow import TRANSITIONS, allowed_actions
from flo_portal.retention import services as retention_services
from flo_portal.security import Permission, require
from flo_portal.users.models import User

bp = Blueprint("products", __name__)


def _search(form: SearchForm) -> list:
    """The feed's search form as conditions on Product."""
    conditions = []
    q = (form.q.data or "").strip()
    if q:
        conditions.append(
            any_contains(
                q,
                Product.title,
                Product.summary,
                Product.body_md,
                Product.topics,
                Product.reference,
            )
        )
    if form.product_type.data:
        conditions.append(Product.product_type == form.product_type.data)
    if form.tlp.data:
        conditions.append(Product.tlp == form.tlp.data)
    return conditions


@bp.route("/")
@require(Permission.PRODUCT_READ)
def feed():
    form = SearchForm(request.args)
    if not form.validate():
        form.q.data = form.product_type.data = form.tlp.data = ""
    conditions = _search(form)
    # Sort and page over ids only (sorting whole rows, bodies included, is what costs),
    # then read the columns the page shows of its 25 products, with the viewer's receipt
    # of each one's current version, in one query.
    page = db.paginate(
        feed_ids_query(current_user, conditions), per_page=25, error_out=False, count=False
    )
    page.total = db.session.scalar(feed_count_query(current_user, conditions))
    page.items = feed_entries(current_user.id, page.items)
    # Which filters and how many results; never the search text itself (an analyst's
    # search terms are sensitive in their own right).
    filters = {"text": form.q.data, "product_type": form.product_type.data, "tlp": form.tlp.data}
    values = ("product_type", "tlp")
    audit_listing("product", filters, page.total, values=values, listing="feed", page=page.page)
    return render_template("products/feed.html", page=page, form=form)


@bp.route("/work")
@require(Permission.PRODUCT_DRAFT)
def work():
    stmt = (
        sa.select(Product)
        .where(
            visible_products_condition(current_user),
            Product.status.in_((ProductStatus.DRAFT, ProductStatus.IN_REVIEW)),
        )
        .options(joinedload(Product.author))  # work.html shows each author's name
        .order_by(Product.updated_at.desc())
    )
    page = db.paginate(stmt, per_page=50, error_out=False)
    audit_listing("product", {}, page.total, listing="work", page=page.page)
    return render_template("products/work.html", page=page, heading="Drafts and reviews")


@bp.route("/privacy-queue")
@require(Permission.PRIVACY_REVIEW)
def privacy_queue():
    stmt = (
        sa.select(Product)
        .where(
            Product.status == ProductStatus.IN_REVIEW,
            Product.privacy_status == PrivacyStatus.PENDING,
        )
        .options(joinedload(Product.author))
        .order_by(Product.updated_at)
    )
    page = db.paginate(stmt, per_page=50, error_out=False)
    audit_listing("product", {}, page.total, listing="privacy", page=page.page)
    return render_template(
        "products/work.html", page=page, heading="Products awaiting privacy review"
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.PRODUCT_DRAFT)
def new():
    form = ProductForm()
    del form["version"]  # nothing to be stale against yet
    if request.method == "GET":
        form.tlp.data = Tlp.GREEN.value
    if form.validate_on_submit():
        product = authoring.create_product(current_user, form.data_dict())
        flash(f"Draft {product.reference} saved.", "success")
        return redirect(url_for("products.detail", product_id=product.id))
    return render_template("products/form.html", form=form, product=None)


@bp.route("/<int:product_id>/edit", methods=["GET", "POST"])
@require(Permission.PRODUCT_DRAFT)
def edit(product_id: int):
    product = get_visible_product_or_404(current_user, product_id)
    if not authoring.can_edit(product, current_user):
        abort(403)
    form = ProductForm(obj=product)
    show_version(form, product)  # the edit counter, not the release number
    if request.method == "GET":
        form.load_audience(product.audience or {})
    if form.validate_on_submit():
        data = form.data_dict()
        if stale_edit(form, product, data):
            return form_page("products/form.html", form, product=product)
        try:
            authoring.update_product(product, data, current_user, form.change_note.data or "")
        except InputError as err:
            show_error(form, err)  # shown on the form; nothing is kept
        else:
            flash(
                "Saved."
                if product.status == ProductStatus.DRAFT
                else f"Version {product.version} published to its audience.",
                "success",
            )
            return redirect(url_for("products.detail", product_id=product.id))
    return render_template("products/form.html", form=form, product=product)


def _detail_context(product: Product, receipt) -> dict:
    feedback_given = (
        db.session.scalar(
            sa.select(ProductFeedback.id).where(
                ProductFeedback.product_id == product.id,
                ProductFeedback.version == product.version,
                ProductFeedback.user_id == current_user.id,
            )
        )
        is not None
    )
    return {
        "receipt": receipt,
        "feedback_given": feedback_given,
        "actions": allowed_actions(current_user, product),
        "can_edit": authoring.can_edit(product, current_user),
        "shareable": can_share_with_colleagues(current_user, product),
        "sees_log": can_view_dissemination_log(current_user, product),
        "versions": list(
            db.session.scalars(
                sa.select(ProductVersion)
                .join(Product, Product.id == ProductVersion.product_id)
                .where(
                    ProductVersion.product_id == product.id,
                    ProductVersion.number != product.version,
                    opened_versions_condition(current_user),  # the product is visible
                )
                .order_by(ProductVersion.number)
            )
        ),
        "downloadable": pdf.may_download(product),
        "empty_form": EmptyForm(),
        "reason_form": ReasonForm(),
        "feedback_form": FeedbackForm(),
        "share_form": ShareForm(),
        "attachment_form": AttachmentForm(),
        # Released with version 1: shown only to those who may open that version too.
        "attachments": product.attachments
        if product.attachments and can_download_attachment(current_user, product)
        else [],
    }


@bp.route("/<int:product_id>")
@require(Permission.PRODUCT_READ)
def detail(product_id: int):
    product = get_visible_product_or_404(current_user, product_id)
    receipt = recipients.record_view(product, current_user)
    return render_template(
        "products/detail.html",
        product=product,
        shown=product,
        body_html=render_markdown(product.body_md),
        **_detail_context(product, receipt),
    )


@bp.route("/<int:product_id>/versions/<int:number>")
@require(Permission.PRODUCT_READ)
def version(product_id: int, number: int):
    product = get_visible_product_or_404(current_user, product_id)
    v = get_visible_version_or_404(current_user, product, number)
    recipients.record_view(product, current_user, version=number)
    return render_template(
        "products/version.html",
        product=product,
        shown=v,
        body_html=render_markdown(v.body_md),
    )


@bp.route("/<int:product_id>/do/<action>", methods=["POST"])
@require(Permission.PRODUCT_READ)
def do(product_id: int, action: str):
    product = get_visible_product_or_404(current_user, product_id)
    if action not in TRANSITIONS:
        abort(404)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("The form expired; try again.", "danger")
        return redirect(url_for("products.detail", product_id=product.id))
    # A refusal (wrong state 409, not this user 403, no reason 422) is answered by the
    # app's one handler: flash and back to the page the user came from.
    lifecycle.transition(product, action, current_user, form.reason.data or "")
    flash(f"{product.reference}: {TRANSITIONS[action].label.lower()} — done.", "success")
    if not can_view_product(current_user, product):
        return redirect(url_for("products.work"))
    return redirect(url_for("products.detail", product_id=product.id))


@bp.route("/<int:product_id>/attachments", methods=["POST"])
@require(Permission.PRODUCT_DRAFT)
def upload(product_id: int):
    product = get_visible_product_or_404(current_user, product_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        f = form.file.data
        attachments.add_attachment(product, f.stream, f.filename, current_user)
        flash("Attachment added.", "success")
    else:
        flash(
            " ".join(e for errs in form.errors.values() for e in errs) or "Upload failed.",
            "danger",
        )
    return redirect(url_for("products.detail", product_id=product.id))


@bp.route("/<int:product_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@require(Permission.PRODUCT_DRAFT)
def delete_attachment(product_id: int, attachment_id: int):
    product = get_visible_product_or_404(current_user, product_id)
    att = get_attachment_or_404(product, attachment_id)
    if EmptyForm().validate_on_submit():
        attachments.remove_attachment(product, att, current_user)
        flash("Attachment removed.", "success")
    return redirect(url_for("products.detail", product_id=product.id))


@bp.route("/<int:product_id>/attachments/<int:attachment_id>")
@require(Permission.PRODUCT_READ)
def download(product_id: int, attachment_id: int):
    product = get_visible_product_or_404(current_user, product_id)
    att = get_attachment_or_404(product, attachment_id)
    if not can_download_attachment(current_user, product):
        refuse(att)
    path = attachments.attachment_path(att)
    if not path.is_file():
        abort(404)
    audit(
        "product.attachment_downloaded",
        product,
        summary=f"{product.reference}: {att.filename}",
        details={"attachment_id": att.id, "tlp": str(product.tlp)},
        actor=current_user,
    )
    return send_stored(path, mimetype=att.content_type, download_name=att.filename)


@bp.route("/<int:product_id>/acknowledge", methods=["POST"])
@require(Permission.PRODUCT_READ)
def acknowledge(product_id: int):
    product = get_visible_product_or_404(current_user, product_id)
    if EmptyForm().validate_on_submit():
        recipients.acknowledge(product, current_user)
        flash("Acknowledged. Thank you.", "success")
    return redirect(url_for("products.detail", product_id=product.id))


@bp.route("/<int:product_id>/feedback", methods=["POST"])
@require(Permission.PRODUCT_FEEDBACK)
def feedback(product_id: int):
    product = get_visible_product_or_404(current_user, product_id)
    form = FeedbackForm()
    if form.validate_on_submit():
        give_feedback(
            product,
            current_user,
            form.useful.data,
            form.actionable.data,
            form.comment.data or "",
        )
        flash("Thank you for your feedback.", "success")
    else:
        flash("Rate both usefulness and actionability from 1 to 5.", "danger")
    return redirect(url_for("products.detail", product_id=product.id))


@bp.route("/<int:product_id>/share", methods=["POST"])
@require(Permission.PRODUCT_READ)
def share(product_id: int):
    product = get_visible_product_or_404(current_user, product_id)
    form = ShareForm()
    if form.validate_on_submit():
        colleague = db.session.scalar(
            sa.select(User).where(sa.func.lower(User.email) == form.email.data.strip().lower())
        )
        try:
            recipients.share_product(product, current_user, colleague)
        except ProductRefused as err:
            # Not left to the error handler: the refusal's audit entry must be kept, so
            # this request succeeds (303) and the unit of work commits that entry.
            flash(str(err), "danger")
        else:
            flash("Shared.", "success")
    else:
        flash("Give your colleague's e-mail address.", "danger")
    return redirect(url_for("products.detail", product_id=product.id))


@bp.route("/<int:product_id>/export.txt")
@require(Permission.PRODUCT_READ)
def export(product_id: int):
    product = get_visible_product_or_404(current_user, product_id)
    audit(
        "product.exported",
        product,
        summary=product.reference or "",
        details={"version": product.version},
        actor=current_user,
    )
    text = render_template("products/export.txt", product=product, banner=banner_text(product))
    return (
        text,
        200,
        {
            "Content-Type": "text/plain; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{product.reference}-v{product.version}.txt"',
        },
    )


@bp.route("/<int:product_id>/pdf")
@require(Permission.PRODUCT_READ)
def pdf_copy(product_id: int):
    """A PDF copy for the viewer (the detail page's rule), logged with its download id."""
    product = get_visible_product_or_404(current_user, product_id)
    data, filename = pdf.product_pdf(product, current_user)
    # Not send_file: it would mark the copy cacheable (SEND_FILE_MAX_AGE_DEFAULT); a marked
    # copy made for one person is never stored by a browser or a proxy.
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<int:product_id>/print.css")
@require(Permission.PRODUCT_READ)
def print_css(product_id: int):
    product = get_visible_product_or_404(current_user, product_id)
    css = pdf.print_stylesheet(product, product, product.version, current_user)
    return css, 200, {"Content-Type": "text/css"}


@bp.route("/<int:product_id>/versions/<int:number>/print.css")
@require(Permission.PRODUCT_READ)
def version_print_css(product_id: int, number: int):
    product = get_visible_product_or_404(current_user, product_id)
    v = get_visible_version_or_404(current_user, product, number)
    return pdf.print_stylesheet(product, v, number, current_user), 200, {"Content-Type": "text/css"}


def _log_product_or_404(product_id: int) -> Product:
    """A product whose dissemination log the viewer may read; 404 otherwise."""
    product = get_visible_product_or_404(current_user, product_id)
    if not can_view_dissemination_log(current_user, product):
        refuse(product)
    return product


@bp.route("/<int:product_id>/log")
@require(Permission.PRODUCT_REACH)
def dissemination_log(product_id: int):
    product = _log_product_or_404(product_id)
    stmt = (
        sa.select(ProductRecipient)
        .where(ProductRecipient.product_id == product.id)
        .options(joinedload(ProductRecipient.user))  # User.agency is joined too
        .order_by(
            ProductRecipient.version.desc(),
            ProductRecipient.disseminated_at,
            ProductRecipient.id,
        )
    )
    page = db.paginate(stmt, per_page=100, error_out=False)
    audit("product.log_viewed", product, summary=product.reference or "", actor=current_user)
    # The unit of work renders before it commits: no loaded row expires under the page.
    return render_template(
        "products/log.html", product=product, page=page, downloads=pdf.download_count(product)
    )


@bp.route("/<int:product_id>/log/downloads")
@require(Permission.PRODUCT_REACH)
def download_log(product_id: int):
    """The PDF copies of a product: whose, which version, when, under which download id."""
    product = _log_product_or_404(product_id)
    page = db.paginate(pdf.downloads_query(product), per_page=100, error_out=False)
    audit(
        "product.log_viewed",
        product,
        summary=product.reference or "",
        details={"listing": "downloads"},
        actor=current_user,
    )
    return render_template("products/downloads.html", product=product, page=page)


@bp.route("/reach")
@require(Permission.PRODUCT_REACH)
def reach():
    rows = reach_by_product(current_user)
    months = reach_by_month(current_user)
    audit_listing("product", {}, len(rows), listing="reach")
    return render_template(
        "products/reach.html", rows=rows, months=months, chart=feedback_chart(months)
    )


@bp.route("/reach.csv")
@require(Permission.PRODUCT_REACH)
def reach_csv():
    rows = reach_by_product(current_user, limit=100_000)
    header = [
        "reference",
        "tlp",
        "title",
        "type",
        "status",
        "version",
        "published_at_utc",
        "recipients",
        "opened",
        "acknowledged",
        "ratings",
        "useful_avg",
        "actionable_avg",
        "comments",
    ]
    response = csv_response(
        "product-reach.csv",
        header,
        (
            [
                r["reference"],
                r["tlp"],
                r["title"],
                r["type"],
                r["status"],
                r["version"],
                r["published_at"].isoformat() if r["published_at"] else "",
                r["recipients"],
                r["opened"],
                r["acknowledged"],
                r["ratings"],
                r["useful_avg"],
                r["actionable_avg"],
                r["comments"],
            ]
            for r in rows
        ),
    )
    audit("product.reach_exported", summary=f"{len(rows)} rows", actor=current_user)
    return response


@bp.route("/retention")
@require(Permission.RETENTION_REVIEW)
def retention():
    today = clock.today()
    items = retention_services.retention_due(today)
    audit_listing("retention", {}, len(items), listing="due")
    return render_template(
        "products/retention.html", items=items, today=today, form=RetentionForm()
    )


@bp.route("/retention/<kind>/<int:obj_id>/<decision>", methods=["POST"])
@require(Permission.RETENTION_REVIEW)
def retention_decide(kind: str, obj_id: int, decision: str):
    if kind not in ("product", "rfi") or decision not in ("validate", "purge"):
        abort(404)
    form = RetentionForm()
    if form.validate_on_submit():
        if decision == "validate":
            retention_services.validate_retention(
                kind, obj_id, current_user, clock.today(), form.note.data or ""
            )
            flash("Validated: kept for another retention period.", "success")
        else:
            retention_services.purge(
                kind, obj_id, current_user, form.note.data or "purged at review", clock.today()
            )
            flash("Purged. The audit trail keeps a record without content.", "success")
    return redirect(url_for("products.retention"))
