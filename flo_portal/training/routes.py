"""Training catalogue, records, evidence files and bulk entry."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from flo_portal.agencies.policies import visible_agencies_condition
from flo_portal.agencies.queries import active_agencies
from flo_portal.audit.reads import audit_listing, refuse
from flo_portal.audit.services import record as audit
from flo_portal.core.csv_export import csv_response
from flo_portal.core.extensions import db
from flo_portal.core.formtools import (
    EmptyForm,
    choices,
    form_page,
    show_error,
    show_version,
    stale_edit,
)
from flo_portal.core.ids import parse_id
from flo_portal.core.unit_of_work import discard
from flo_portal.roster import importer
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.roster.policies import can_view_officer, visible_officers_condition
from flo_portal.security import Permission, authenticated, require
from flo_portal.training import services
from flo_portal.training.cve import CveNotApproved
from flo_portal.training.cve_reviews import cve_report
from flo_portal.training.forms import BulkForm, CourseForm, EvidenceForm, RecordForm
from flo_portal.training.models import TrainingCourse
from flo_portal.training.queries import catalogue_query, get_visible_record_or_404

bp = Blueprint("training", __name__)

COURSE_FIELDS = (
    "code",
    "title",
    "hours",
    "provider",
    "validity_months",
    "required",
    "is_cve",
    "is_sar_awareness",
    "active",
)


def _course_choices():
    rows = db.session.execute(
        sa.select(TrainingCourse.id, TrainingCourse.code, TrainingCourse.title)
        .where(TrainingCourse.active.is_(True))
        .order_by(TrainingCourse.code)
    ).all()
    return choices([(r.id, f"{r.code} — {r.title}") for r in rows])


@bp.route("/courses")
@require(Permission.TRAINING_READ)
def courses():
    rows = db.session.execute(catalogue_query()).all()
    audit_listing("training_course", {}, len(rows))
    standings = {r.course.id: r.standing for rs in cve_report().values() for r in rs}
    return render_template("training/courses.html", rows=rows, standings=standings)


def _course_form_values(form: CourseForm) -> dict:
    values = {name: form[name].data for name in COURSE_FIELDS}
    values["code"] = values["code"].strip().upper()
    values["title"] = values["title"].strip()
    values["hours"] = float(values["hours"])
    values["provider"] = (values["provider"] or "").strip()
    values["required"] = bool(values["required"])
    values["is_cve"] = bool(values["is_cve"])
    values["is_sar_awareness"] = bool(values["is_sar_awareness"])
    values["active"] = bool(values["active"])
    return values


def _code_taken(code: str, course: TrainingCourse | None) -> bool:
    other = db.session.scalar(
        sa.select(TrainingCourse).where(sa.func.upper(TrainingCourse.code) == code.upper())
    )
    return other is not None and other is not course


@bp.route("/courses/new", methods=["GET", "POST"])
@require(Permission.CATALOGUE_EDIT)
def new_course():
    return _course_form(None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@require(Permission.CATALOGUE_EDIT)
def edit_course(course_id: int):
    course = db.session.get(TrainingCourse, course_id) or abort(404)
    return _course_form(course)


def _course_form(course: TrainingCourse | None):
    form = CourseForm(obj=course)
    if course is None:
        del form["version"]  # nothing to be stale against yet
    else:
        show_version(form, course)
    if form.validate_on_submit():
        values = _course_form_values(form)
        if course is not None and stale_edit(form, course, values):
            return render_template("training/course_form.html", form=form, course=course), 409
        if _code_taken(values["code"], course):
            form.code.errors.append("Another course has this code.")
        else:
            try:
                services.save_course(course, values, current_user)
            except CveNotApproved as err:
                show_error(form, err)
            else:
                flash("Course saved.", "success")
                return redirect(url_for("training.courses"))
    return form_page("training/course_form.html", form, course=course)


@bp.route("/officers/<int:officer_id>/records", methods=["POST"])
@require(Permission.TRAINING_EDIT)
def add_record(officer_id: int):
    officer = db.session.get(Officer, officer_id)
    if not can_view_officer(current_user, officer):
        refuse(officer)
    form = RecordForm()
    form.course_id.choices = _course_choices()
    back = redirect(url_for("roster.profile", officer_id=officer.id) + "#training")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(e, "danger")
        return back
    course = db.session.get(TrainingCourse, form.course_id.data) or abort(404)
    rec, created = services.record_training(
        officer,
        course,
        form.completed_on.data,
        verified_by=current_user if form.verified.data else None,
        actor=current_user,
    )
    storage = form.evidence.data
    if storage is not None and getattr(storage, "filename", ""):
        try:
            services.attach_evidence(rec, storage, actor=current_user)
        except services.EvidenceError as err:
            discard()
            flash(f"Nothing saved: {err}", "danger")
            return back
    flash(
        "Training recorded." if created else "That record already existed.",
        "success" if created else "info",
    )
    return back


@bp.route("/records/<int:record_id>/evidence", methods=["POST"])
@require(Permission.TRAINING_EDIT)
def upload_evidence(record_id: int):
    rec = get_visible_record_or_404(current_user, record_id)
    form = EvidenceForm()
    back = redirect(url_for("roster.profile", officer_id=rec.officer_id) + "#training")
    storage = form.evidence.data if form.validate_on_submit() else None
    if storage is None or not getattr(storage, "filename", ""):
        flash("Choose a PDF, PNG or JPEG file.", "danger")
        return back
    try:
        services.attach_evidence(rec, storage, actor=current_user)
    except services.EvidenceError as err:
        discard()
        flash(str(err), "danger")
        return back
    flash("Evidence uploaded.", "success")
    return back


@bp.route("/records/<int:record_id>/evidence")
@authenticated
def download_evidence(record_id: int):
    rec = get_visible_record_or_404(current_user, record_id)
    path = services.evidence_file(rec)
    if path is None:
        abort(404)
    audit("training.evidence_viewed", rec, summary=rec.evidence_name, actor=current_user)
    return send_file(
        path,
        mimetype=rec.evidence_mime,
        as_attachment=True,
        download_name=rec.evidence_name,
    )


@bp.route("/records/<int:record_id>/delete", methods=["POST"])
@require(Permission.TRAINING_EDIT)
def delete_record(record_id: int):
    rec = get_visible_record_or_404(current_user, record_id)
    officer_id = rec.officer_id
    if EmptyForm().validate_on_submit():
        services.delete_record(rec, current_user)
        flash("Training record deleted.", "success")
    return redirect(url_for("roster.profile", officer_id=officer_id) + "#training")


@bp.route("/records.csv")
@require(Permission.ROSTER_EXPORT)
def export_records():
    rows = list(importer.training_export_rows(visible_officers_condition(current_user)))
    audit_listing("training", {}, len(rows), export=True)
    return csv_response("training-records.csv", importer.TRAINING_EXPORT_HEADER, rows)


@bp.route("/bulk", methods=["GET", "POST"])
@require(Permission.TRAINING_EDIT)
def bulk():
    form = BulkForm()
    form.course_id.choices = _course_choices()
    agency_id = request.values.get("agency", type=parse_id)
    agencies = active_agencies(visible_agencies_condition(current_user))
    officers = []
    if agency_id:
        officers = db.session.execute(
            sa.select(Officer.id, Officer.first_name, Officer.last_name, Officer.rank_title)
            .where(
                Officer.agency_id == agency_id,
                Officer.status != OfficerStatus.SEPARATED,
                visible_officers_condition(current_user),
            )
            .order_by(Officer.last_name, Officer.first_name)
        ).all()
        filters = {"agency_id": agency_id}
        audit_listing("roster", filters, len(officers), values=filters, listing="bulk_training")
    form.officer_ids.choices = choices(
        [(o.id, f"{o.last_name}, {o.first_name} {o.rank_title}".strip()) for o in officers]
    )
    if form.validate_on_submit():
        chosen = set(form.officer_ids.data or [])
        keys = [k.strip() for k in (form.keys.data or "").splitlines() if k.strip()]
        unknown: list[str] = []
        if keys:
            found = db.session.execute(
                sa.select(Officer.id, Officer.external_id, Officer.email).where(
                    sa.or_(
                        Officer.external_id.in_(keys),
                        sa.func.lower(Officer.email).in_([k.lower() for k in keys]),
                    ),
                    visible_officers_condition(current_user),
                )
            ).all()
            matched = {r.external_id for r in found} | {(r.email or "").lower() for r in found}
            unknown = [k for k in keys if k not in matched and k.lower() not in matched]
            chosen |= {r.id for r in found}
        if unknown:
            form.keys.errors.append("No officer with: " + ", ".join(unknown[:20]))
        elif not chosen:
            form.officer_ids.errors.append("Choose at least one officer.")
        else:
            course = db.session.get(TrainingCourse, form.course_id.data) or abort(404)
            officer_rows = db.session.scalars(
                sa.select(Officer).where(
                    Officer.id.in_(chosen), visible_officers_condition(current_user)
                )
            ).all()
            created, existing = services.bulk_record(
                course,
                officer_rows,
                form.completed_on.data,
                verified_by=current_user if form.verified.data else None,
                actor=current_user,
            )
            flash(
                f"{course.code}: {created} records added, {existing} already there.",
                "success",
            )
            return redirect(url_for("training.bulk", agency=agency_id or ""))
    return form_page(
        "training/bulk.html", form, agencies=agencies, agency_id=agency_id, officers=officers
    )
