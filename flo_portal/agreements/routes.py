"""Agreement pages: one's own agreements, read and sign a version; for coordinators,
publish a version, see who has not signed (per agency) and remind them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from flo_portal.agreements import profile as _profile_section  # noqa: F401 - registers it
from flo_portal.agreements import queries, services
from flo_portal.agreements.forms import PublishForm, SignForm
from flo_portal.agreements.policies import get_visible_version_or_404
from flo_portal.audit.reads import audit_listing
from flo_portal.audit.services import record as audit
from flo_portal.core import clock
from flo_portal.core.errors import DomainError
from flo_portal.core.extensions import db
from flo_portal.core.formtools import EmptyForm, form_page, show_error
from flo_portal.core.uploads import read_limited, send_stored, stored_path
from flo_portal.products.rendering import render_markdown
from flo_portal.security import Permission, authenticated, can, require
from flo_portal.security.redirects import local_path

bp = Blueprint("agreements", __name__)
PER_PAGE = 25


@bp.route("/")
@authenticated
def index():
    """The user's current agreements (signed or not); for coordinators every version too."""
    current = queries.current_versions_for_role(current_user.role)
    signed = queries.signatures_by_version(current_user, current)
    mine = [(version, signed.get(version.id)) for version in current]
    page = None
    if can(Permission.AGREEMENT_MANAGE):
        page = db.paginate(queries.versions_query(), per_page=PER_PAGE, error_out=False)
    return render_template("agreements/index.html", mine=mine, page=page, sign_by=queries.sign_by)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.AGREEMENT_MANAGE)
def new():
    form = PublishForm()
    if request.method == "GET":
        form.effective_on.data = clock.today()
    if form.validate_on_submit():
        upload = request.files.get(form.pdf.name)
        pdf = None
        if upload is not None and upload.filename:
            pdf = (upload.filename, read_limited(upload.stream))
        try:
            version = services.publish_version(
                current_user,
                kind=form.kind.data,
                version=form.version.data,
                title=form.title.data,
                body_md=form.body_md.data or "",
                pdf=pdf,
                effective_on=form.effective_on.data,
                roles=form.roles.data,
            )
        except DomainError as err:
            show_error(form, err)
        else:
            flash(f"{version.title} version {version.version} published.", "success")
            return redirect(url_for("agreements.view", version_id=version.id))
    return form_page("agreements/form.html", form)


def _render_version(version, form: SignForm, status: int = 200):
    signature = queries.signature_of(current_user, version)
    must_sign = signature is None and version.id in {
        v.id for v in queries.current_versions_for_role(current_user.role)
    }
    return render_template(
        "agreements/detail.html",
        version=version,
        body=render_markdown(version.body_md) if version.body_md else "",
        signature=signature,
        must_sign=must_sign,
        sign_by=queries.sign_by(version),
        overdue=queries.is_overdue(version),
        form=form,
        next_path=local_path(request.args.get("next")) or "",
    ), status


@bp.route("/<int:version_id>")
@authenticated
def view(version_id: int):
    version = get_visible_version_or_404(current_user, version_id)
    return _render_version(version, SignForm(formdata=None))


@bp.route("/<int:version_id>/sign", methods=["POST"])
@authenticated
def sign(version_id: int):
    version = get_visible_version_or_404(current_user, version_id)
    form = SignForm()
    if form.validate_on_submit():
        try:
            services.sign(
                current_user,
                version,
                typed_name=form.full_name.data,
                ip=request.remote_addr or "",
                user_agent=request.user_agent.string,
            )
        except DomainError as err:
            show_error(form, err)
            return _render_version(version, form, err.status)
        flash(f"Signed: {version.title} version {version.version}.", "success")
        return redirect(local_path(request.args.get("next")) or url_for("agreements.index"))
    return _render_version(version, form, 422)


@bp.route("/<int:version_id>/pdf")
@authenticated
def pdf(version_id: int):
    version = get_visible_version_or_404(current_user, version_id)
    path = stored_path(services.UPLOAD_AREA, version.pdf_path)
    if path is None or not path.is_file():
        abort(404)
    audit(
        "agreement.pdf_downloaded",
        version,
        summary=f"{version.title} v{version.version}",
        actor=current_user,
    )
    return send_stored(
        path,
        mimetype="application/pdf",
        download_name=version.pdf_name or "agreement.pdf",
        as_attachment=False,
    )


def _agency_filter() -> tuple[int | None, bool]:
    center = request.args.get("center") == "1"
    raw = request.args.get("agency", "")
    agency_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
    return agency_id, center


@bp.route("/<int:version_id>/signing")
@require(Permission.AGREEMENT_MANAGE)
def signing(version_id: int):
    """Who must sign the version and has not: per agency, or one agency's people."""
    version = get_visible_version_or_404(current_user, version_id)
    agency_id, center = _agency_filter()
    if agency_id is not None or center:
        page = db.paginate(
            queries.unsigned_users_query(version, agency_id, center=center),
            per_page=PER_PAGE,
            error_out=False,
        )
        listing = "unsigned"
    else:
        page = queries.paginate_rows(queries.signing_by_agency(version), PER_PAGE)
        listing = "by_agency"
    audit_listing(
        "agreement_signing",
        {"version_id": version.id, "agency_id": agency_id, "center": center or None},
        page.total,
        values=["version_id", "agency_id", "center"],
        listing=listing,
    )
    return render_template(
        "agreements/signing.html",
        version=version,
        page=page,
        per_agency=listing == "by_agency",
        agency_id=agency_id,
        center=center,
        remind_form=EmptyForm(formdata=None),
    )


@bp.route("/<int:version_id>/remind", methods=["POST"])
@require(Permission.AGREEMENT_MANAGE)
def remind(version_id: int):
    version = get_visible_version_or_404(current_user, version_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    agency_id, center = _agency_filter()
    sent = services.remind_unsigned(current_user, version, agency_id=agency_id, center=center)
    flash(f"Reminded {sent} {'person' if sent == 1 else 'people'} to sign.", "success")
    return redirect(
        url_for(
            "agreements.signing",
            version_id=version.id,
            **({"agency": agency_id} if agency_id else {}),
            **({"center": 1} if center else {}),
        ),
        303,
    )
