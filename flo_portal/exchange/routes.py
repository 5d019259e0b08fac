"""Coordinators' pages: the partner collections the portal polls, and registering one."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from flo_portal.audit.reads import audit_listing
from flo_portal.core.errors import InputError
from flo_portal.core.extensions import db
from flo_portal.core.formtools import EmptyForm, choices, show_error
from flo_portal.exchange import services
from flo_portal.exchange.forms import PartnerCollectionForm
from flo_portal.exchange.models import ImportedObject, PartnerCollection
from flo_portal.security import Permission, require

bp = Blueprint("exchange", __name__)


def _partner_or_404(partner_id: int) -> PartnerCollection:
    return db.get_or_404(PartnerCollection, partner_id)


@bp.route("/partners")
@require(Permission.PRODUCT_PUBLISH)
def partners():
    rows = list(db.session.scalars(sa.select(PartnerCollection).order_by(PartnerCollection.id)))
    counts = dict(
        db.session.execute(
            sa.select(ImportedObject.collection_id, sa.func.count())
            .where(ImportedObject.product_id.is_not(None))
            .group_by(ImportedObject.collection_id)
        ).all()
    )
    audit_listing("exchange_partner_collection", {}, len(rows), actor=current_user)
    return render_template(
        "exchange/partners.html", partners=rows, counts=counts, toggle_form=EmptyForm()
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@require(Permission.PRODUCT_PUBLISH)
def new_partner():
    form = PartnerCollectionForm()
    form.reviewer_id.choices = choices(services.reviewer_choices())
    if form.validate_on_submit():
        try:
            services.register_partner(current_user, form.values())
        except InputError as err:
            show_error(form, err)
        else:
            return redirect(url_for("exchange.partners"), 303)
    return render_template("exchange/form.html", form=form)


@bp.post("/partners/<int:partner_id>/active")
@require(Permission.PRODUCT_PUBLISH)
def toggle_partner(partner_id: int):
    partner = _partner_or_404(partner_id)
    form = EmptyForm()
    if form.validate_on_submit():
        services.set_active(current_user, partner, not partner.active)
    return redirect(url_for("exchange.partners"), 303)
