"""Reading and exporting the audit trail (admin, privacy officer). No edit path exists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from flo_portal.audit.forms import AuditFilterForm
from flo_portal.audit.models import AuditEvent
from flo_portal.audit.reads import audit_listing
from flo_portal.audit.services import last_verification, verify_and_record
from flo_portal.core.csv_export import csv_response
from flo_portal.core.extensions import db
from flo_portal.core.formtools import EmptyForm
from flo_portal.security import Permission, require

bp = Blueprint("audit", __name__)


def _parse_day(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


# Every audit filter is an identifier or a date, not free text; their values are kept so
# the trail shows whose actions and which objects an auditor looked at.
AUDIT_FILTERS = ("action", "actor", "object_type", "object_id", "since", "until")


def _filter_values(form: AuditFilterForm) -> dict:
    return {name: (form[name].data or "").strip() for name in AUDIT_FILTERS}


def _filtered(form: AuditFilterForm):
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if form.action.data:
        stmt = stmt.where(AuditEvent.action.like(f"{form.action.data.strip()}%"))
    if form.actor.data:
        stmt = stmt.where(sa.func.lower(AuditEvent.actor_email) == form.actor.data.strip().lower())
    if form.object_type.data:
        stmt = stmt.where(AuditEvent.object_type == form.object_type.data.strip())
    if form.object_id.data:
        stmt = stmt.where(AuditEvent.object_id == form.object_id.data.strip())
    if since := _parse_day(form.since.data):
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    elif form.since.data:
        form.since.errors = ["Use the form YYYY-MM-DD."]
    if until := _parse_day(form.until.data):
        stmt = stmt.where(AuditEvent.occurred_at < until + timedelta(days=1))
    elif form.until.data:
        form.until.errors = ["Use the form YYYY-MM-DD."]
    return stmt


@bp.route("/")
@require(Permission.AUDIT_READ)
def index():
    form = AuditFilterForm(request.args)
    form.validate()
    stmt = _filtered(form)
    page = db.paginate(stmt, per_page=50, error_out=False)
    audit_listing("audit", _filter_values(form), page.total, values=AUDIT_FILTERS, page=page.page)
    return render_template(
        "audit/index.html",
        form=form,
        page=page,
        last_check=last_verification(),
        verify_form=EmptyForm(),
    )


@bp.route("/verify", methods=["POST"])
@require(Permission.AUDIT_READ)
def verify_now():
    if not EmptyForm().validate_on_submit():
        abort(400)
    report = verify_and_record(actor=current_user)
    if report.ok:
        flash(f"Audit chain intact: {report.checked} events checked.", "success")
    else:
        flash(f"Audit chain BROKEN at event {report.broken_at}: {report.reason}.", "danger")
    return redirect(url_for("audit.index"))


@bp.route("/export.csv")
@require(Permission.AUDIT_EXPORT)
def export():
    form = AuditFilterForm(request.args)
    form.validate()
    rows = db.session.execute(_filtered(form).limit(100_000)).scalars().all()
    header = [
        "id",
        "occurred_at_utc",
        "actor_email",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "summary",
        "ip",
        "user_agent",
        "hash",
    ]
    response = csv_response(
        "audit-trail.csv",
        header,
        (
            [
                e.id,
                e.occurred_at.isoformat(),
                e.actor_email,
                e.actor_id,
                e.action,
                e.object_type,
                e.object_id,
                e.summary,
                e.ip,
                e.user_agent,
                e.hash,
            ]
            for e in rows
        ),
    )
    audit_listing("audit", _filter_values(form), len(rows), values=AUDIT_FILTERS, export=True)
    return response
