"""Agency pages: list, detail with officers and coverage, create/edit/deactivate."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from flo_portal.agencies import services
from flo_portal.agencies.forms import AgencyForm
from flo_portal.agencies.models import Discipline
from flo_portal.agencies.policies import visible_agencies_condition
from flo_portal.agencies.queries import get_visible_agency_or_404
from flo_portal.audit.reads import audit_listing
from flo_portal.core.csv_export import csv_response
from flo_portal.core.extensions import db
from flo_portal.core.formtools import EmptyForm, form_page, show_version, stale_edit
from flo_portal.roster import importer
from flo_portal.roster.coverage import WINDOWS, coverage_for
from flo_portal.roster.services import roster_query
from flo_portal.security import Permission, require

bp = Blueprint("agencies", __name__)


@bp.route("/")
@require(Permission.AGENCY_READ)
def index():
    f = {
        "q": request.args.get("q", "")[:100],
        "discipline": request.args.get("discipline", ""),
        "region": request.args.get("region", "")[:120],
        "active": request.args.get("active", ""),
        "sort": request.args.get("sort", "name"),
    }
    page = db.paginate(services.agencies_query(current_user, **f), per_page=50, error_out=False)
    audit_listing("agency", f, page.total, values=("discipline", "active"), page=page.page)
    return render_template(
        "agencies/index.html",
        page=page,
        f=f,
        disciplines=list(Discipline),
        regions=services.regions(),
        sorts=services.SORTS,
    )


@bp.route("/export.csv")
@require(Permission.ROSTER_EXPORT)
def export():
    rows = list(importer.agency_export_rows(visible_agencies_condition(current_user)))
    audit_listing("agency", {}, len(rows), export=True)
    return csv_response("agencies.csv", importer.AGENCY_EXPORT_HEADER, rows)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.AGENCY_EDIT)
def new():
    form = AgencyForm()
    del form["version"]  # nothing to be stale against yet
    if form.validate_on_submit():
        agency = services.save_agency(None, form.values(), actor=current_user)
        flash(f"{agency.name} added.", "success")
        return redirect(url_for("agencies.detail", agency_id=agency.id))
    return form_page("agencies/form.html", form, agency=None)


@bp.route("/<int:agency_id>")
@require(Permission.AGENCY_READ)
def detail(agency_id: int):
    agency = get_visible_agency_or_404(current_user, agency_id)
    page = db.paginate(
        roster_query(current_user, agency_id=agency.id), per_page=50, error_out=False
    )
    cov = coverage_for(current_user, agency_id=agency.id, missing_limit=10)
    return render_template(
        "agencies/detail.html",
        agency=agency,
        page=page,
        cov=cov,
        windows=WINDOWS,
        action_form=EmptyForm(),
    )


@bp.route("/<int:agency_id>/edit", methods=["GET", "POST"])
@require(Permission.AGENCY_EDIT)
def edit(agency_id: int):
    agency = get_visible_agency_or_404(current_user, agency_id)
    form = AgencyForm(obj=agency, editing=agency)
    show_version(form, agency)
    if form.validate_on_submit():
        values = form.values()
        if stale_edit(form, agency, values):
            return form_page("agencies/form.html", form, agency=agency)
        services.save_agency(agency, values, actor=current_user)
        flash("Agency saved.", "success")
        return redirect(url_for("agencies.detail", agency_id=agency.id))
    return form_page("agencies/form.html", form, agency=agency)


@bp.route("/<int:agency_id>/active", methods=["POST"])
@require(Permission.AGENCY_EDIT)
def toggle_active(agency_id: int):
    agency = get_visible_agency_or_404(current_user, agency_id)
    form = EmptyForm()
    if form.validate_on_submit():
        services.set_agency_active(agency, not agency.active, actor=current_user)
        flash(
            f"{agency.name} is now {'active' if agency.active else 'deactivated'}.",
            "success",
        )
    return redirect(url_for("agencies.detail", agency_id=agency.id))


__all__ = ["bp", "sa"]
