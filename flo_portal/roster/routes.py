"""Roster pages: the officer list, profiles, nominations, status changes, coverage, import."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.agencies.policies import visible_agencies_condition
from flo_portal.agencies.queries import active_agencies
from flo_portal.audit.reads import audit_listing, refuse
from flo_portal.audit.services import record as audit
from flo_portal.core import clock
from flo_portal.core.csv_export import csv_response
from flo_portal.core.extensions import db
from flo_portal.core.formtools import EmptyForm, choices, form_page, show_version, stale_edit
from flo_portal.core.ids import parse_id
from flo_portal.core.unit_of_work import after_failure
from flo_portal.roster import coverage as coverage_mod
from flo_portal.roster import dashboard as _dashboard_cards  # noqa: F401 - registers the cards
from flo_portal.roster import importer, services
from flo_portal.roster.forms import (
    ContactForm,
    ImportForm,
    InviteForm,
    OfficerForm,
    TransitionForm,
)
from flo_portal.roster.models import FloLevel, Officer, OfficerStatus
from flo_portal.roster.policies import (
    can_edit_contact,
    can_edit_officer,
    can_nominate_for,
    officer_for_user,
)
from flo_portal.roster.profile_sections import sections_for
from flo_portal.roster.queries import get_visible_officer_or_404
from flo_portal.roster.workflow import allowed_transitions, onboarding_problems
from flo_portal.security import Permission, authenticated, require
from flo_portal.security.access import can
from flo_portal.training.models import TrainingRecord
from flo_portal.training.panels import officer_training_forms

bp = Blueprint("roster", __name__)

PER_PAGE = 50


def _can_read_roster() -> bool:
    return can(Permission.ROSTER_READ_ALL) or can(Permission.ROSTER_READ_OWN_AGENCY)


def _visible_agency_choices(only_nominatable: bool = False):
    rows = active_agencies(visible_agencies_condition(current_user))
    if only_nominatable:
        rows = [r for r in rows if can_nominate_for(current_user, r.id)]
    return [(r.id, r.name) for r in rows]


# Filters whose chosen value goes into the audit trail (never the free-text "q").
_ENUM_FILTERS = ("status", "discipline", "agency_id", "current")


def _filters() -> dict:
    agency_id = request.args.get("agency", type=parse_id)
    return {
        "q": request.args.get("q", "")[:100],
        "status": request.args.get("status", ""),
        "discipline": request.args.get("discipline", ""),
        "agency_id": agency_id,
        "current": request.args.get("current", ""),
        "sort": request.args.get("sort", "name"),
    }


@bp.route("/officers")
@authenticated
def officers():
    if not _can_read_roster():
        abort(403)
    f = _filters()
    # A search's total comes with its page: a separate count would repeat the search.
    page = db.paginate(
        services.roster_query(current_user, **f),
        per_page=PER_PAGE,
        error_out=False,
        total_with_page=bool(f["q"].strip()),
    )
    audit_listing("roster", f, page.total, values=_ENUM_FILTERS, page=page.page)
    agencies = _visible_agency_choices() if can(Permission.ROSTER_READ_ALL) else []
    return render_template(
        "roster/officers.html",
        page=page,
        f=f,
        agencies=agencies,
        statuses=list(OfficerStatus),
        disciplines=list(Discipline),
        sorts=services.SORTS,
    )


@bp.route("/officers.csv")
@require(Permission.ROSTER_EXPORT)
def export_officers():
    f = _filters()
    stmt = services.roster_query(current_user, **f)
    rows = list(importer.officer_export_rows(stmt))
    audit_listing("roster", f, len(rows), values=_ENUM_FILTERS, export=True)
    return csv_response("officers.csv", importer.OFFICER_EXPORT_HEADER, rows)


@bp.route("/me")
@authenticated
def me():
    officer = officer_for_user(current_user)
    if officer is None:
        return render_template("roster/no_officer.html")
    return redirect(url_for("roster.profile", officer_id=officer.id))


@bp.route("/officers/new", methods=["GET", "POST"])
@require(Permission.ROSTER_NOMINATE)
def nominate():
    form = OfficerForm()
    del form["version"]  # nothing to be stale against yet
    agencies = _visible_agency_choices(only_nominatable=True)
    form.set_agencies(agencies)
    if request.method == "GET" and request.args.get("agency", type=parse_id):
        form.agency_id.data = request.args.get("agency", type=parse_id)
    center = can(Permission.ROSTER_EDIT)
    if not center:  # agency heads nominate; onboarding dates are the center's to record
        for name in (
            "nda_signed_on",
            "privacy_ack_on",
            "privacy_policy_version",
            "notes",
            "supervisor_approved_on",
        ):
            del form[name]
    if form.validate_on_submit():
        agency = db.session.get(Agency, form.agency_id.data)
        if agency is None or not can_nominate_for(current_user, agency.id):
            abort(404)
        fields = _officer_fields(form)
        if fields.get("external_id") and _external_id_taken(fields["external_id"], None):
            form.external_id.errors.append("Another officer already has this ID.")
        else:
            officer = services.nominate_officer(
                current_user, agency=agency, reason=form.reason.data or "", **fields
            )
            flash(
                f"{officer.full_name} is nominated; the FLO coordinators will vet the nomination.",
                "success",
            )
            return redirect(url_for("roster.profile", officer_id=officer.id))
    return form_page("roster/officer_form.html", form, officer=None)


def _external_id_taken(ext: str, officer: Officer | None) -> bool:
    other = db.session.scalar(sa.select(Officer).where(Officer.external_id == ext))
    return other is not None and other is not officer


def _officer_fields(form: OfficerForm) -> dict:
    fields = {
        "first_name": form.first_name.data.strip(),
        "last_name": form.last_name.data.strip(),
        "rank_title": (form.rank_title.data or "").strip(),
        "flo_level": FloLevel(form.flo_level.data),
        "external_id": (form.external_id.data or "").strip() or None,
        "email": (form.email.data or "").strip().lower(),
        "phone": (form.phone.data or "").strip(),
        "mobile": (form.mobile.data or "").strip(),
    }
    if form.discipline.data:
        fields["discipline"] = Discipline(form.discipline.data)
    for name in ("supervisor_approved_on", "nda_signed_on", "privacy_ack_on"):
        if name in form:
            fields[name] = form[name].data
    if "privacy_policy_version" in form:
        fields["privacy_policy_version"] = (form.privacy_policy_version.data or "").strip()
        fields["notes"] = form.notes.data or ""
    return fields


@bp.route("/officers/<int:officer_id>")
@authenticated
def profile(officer_id: int):
    officer = get_visible_officer_or_404(
        current_user, officer_id, options=services.profile_load_options()
    )
    audit("officer.viewed", officer, summary=officer.full_name, actor=current_user)
    records = (
        db.session.execute(
            sa.select(TrainingRecord)
            .where(TrainingRecord.officer_id == officer.id)
            .options(
                sa.orm.joinedload(TrainingRecord.course),
                sa.orm.joinedload(TrainingRecord.verified_by),
            )
            .order_by(TrainingRecord.completed_on.desc())
        )
        .scalars()
        .all()
    )
    transition_form = TransitionForm()
    transitions = allowed_transitions(current_user, officer)
    transition_form.target.choices = choices([(t.target.value, t.label) for t in transitions])
    return render_template(
        "roster/profile.html",
        officer=officer,
        records=records,
        today=clock.today(),
        transitions=transitions,
        transition_form=transition_form,
        onboarding_missing=onboarding_problems(officer),
        **officer_training_forms(current_user),
        invite_form=InviteForm(email=officer.email),
        action_form=EmptyForm(),
        can_edit=can_edit_officer(current_user, officer),
        can_edit_contact=can_edit_contact(current_user, officer),
        sections=sections_for(current_user, officer),
    )


@bp.route("/officers/<int:officer_id>/edit", methods=["GET", "POST"])
@require(Permission.ROSTER_EDIT)
def edit(officer_id: int):
    officer = get_visible_officer_or_404(current_user, officer_id)
    form = OfficerForm(obj=officer)
    del form["reason"]
    form.set_agencies(_visible_agency_choices())
    show_version(form, officer)
    if request.method == "GET":
        form.discipline.data = officer.discipline
    if form.validate_on_submit():
        fields = _officer_fields(form)
        fields["agency_id"] = form.agency_id.data
        if db.session.get(Agency, fields["agency_id"]) is None:
            abort(404)
        if stale_edit(form, officer, fields):
            return form_page("roster/officer_form.html", form, officer=officer)
        if fields.get("external_id") and _external_id_taken(fields["external_id"], officer):
            form.external_id.errors.append("Another officer already has this ID.")
        else:
            services.update_officer(officer, current_user, fields)
            flash("Officer saved.", "success")
            return redirect(url_for("roster.profile", officer_id=officer.id))
    return form_page("roster/officer_form.html", form, officer=officer)


@bp.route("/officers/<int:officer_id>/contact", methods=["GET", "POST"])
@authenticated
def contact(officer_id: int):
    officer = get_visible_officer_or_404(current_user, officer_id)
    if not can_edit_contact(current_user, officer):
        refuse(officer, 403)  # the loader already refused what they may not see
    form = ContactForm(obj=officer)
    show_version(form, officer)
    if form.validate_on_submit():
        values = {
            "email": (form.email.data or "").strip().lower(),
            "phone": (form.phone.data or "").strip(),
            "mobile": (form.mobile.data or "").strip(),
        }
        if stale_edit(form, officer, values):
            return form_page("roster/contact_form.html", form, officer=officer)
        services.update_contact(officer, current_user, **values)
        flash("Contact details saved.", "success")
        return redirect(url_for("roster.profile", officer_id=officer.id))
    return form_page("roster/contact_form.html", form, officer=officer)


@bp.route("/officers/<int:officer_id>/status", methods=["POST"])
@require(Permission.ROSTER_EDIT)
def change_status(officer_id: int):
    officer = get_visible_officer_or_404(current_user, officer_id)
    form = TransitionForm()
    form.target.choices = choices(
        [(t.target.value, t.label) for t in allowed_transitions(current_user, officer)]
    )
    if not form.validate_on_submit():
        flash("Choose one of the offered changes and give a reason.", "danger")
        return redirect(url_for("roster.profile", officer_id=officer.id))
    # A refusal (wrong status 409, role 403, onboarding 409) is answered by the app's
    # domain-error handler: the message flashed on the profile the form was posted from.
    services.change_status(officer, form.target.data, current_user, form.reason.data)
    flash(
        f"{officer.full_name} is now {OfficerStatus(officer.status).label.lower()}.",
        "success",
    )
    return redirect(url_for("roster.profile", officer_id=officer.id))


@bp.route("/officers/<int:officer_id>/invite", methods=["POST"])
@require(Permission.ROSTER_EDIT, Permission.ROSTER_VET)
def invite(officer_id: int):
    officer = get_visible_officer_or_404(current_user, officer_id)
    form = InviteForm()
    if not form.validate_on_submit():
        flash("Give a valid e-mail address.", "danger")
        return redirect(url_for("roster.profile", officer_id=officer.id))
    user = services.invite_officer(officer, current_user, form.email.data)
    flash(f"{officer.full_name} is linked to the account {user.email}.", "success")
    return redirect(url_for("roster.profile", officer_id=officer.id))


# --- coverage -----------------------------------------------------------------------


@bp.route("/coverage")
@require(Permission.COVERAGE_READ)
def coverage():
    agency_id = request.args.get("agency", type=parse_id)
    cov = coverage_mod.coverage_for(current_user, agency_id=agency_id)
    filters = {"agency_id": agency_id}
    audit_listing("coverage", filters, len(cov.agencies), values=filters, listing="report")
    chart = {
        "type": "bar",
        "horizontal": True,
        "labels": [a.name for a in cov.agencies],
        "datasets": [
            {
                "label": "Coverage %",
                "data": [a.percent or 0 for a in cov.agencies],
                "color": "#198754",
            }
        ],
        "max": 100,
        "axis": "% of active officers current",
        "extra": {"label": "active officers", "values": [a.active for a in cov.agencies]},
    }
    return render_template(
        "roster/coverage.html",
        cov=cov,
        chart=chart,
        windows=coverage_mod.WINDOWS,
        agency_id=agency_id,
    )


@bp.route("/coverage.csv")
@require(Permission.COVERAGE_READ)
def coverage_csv():
    agency_id = request.args.get("agency", type=parse_id)
    cov = coverage_mod.coverage_for(current_user, agency_id=agency_id, missing_limit=0)
    header = [
        "agency",
        "discipline",
        "region",
        "active_officers",
        "current_officers",
        "coverage_percent",
    ]
    header += [f"expiring_{w}_days" for w in coverage_mod.WINDOWS]
    header += [f"holding_{c.code}" for c in cov.courses]
    rows = [
        [
            a.name,
            a.discipline,
            a.region,
            a.active,
            a.current,
            "" if a.percent is None else a.percent,
        ]
        + [a.expiring[w] for w in coverage_mod.WINDOWS]
        + [cov.heat.get((a.id, c.id), 0) for c in cov.courses]
        for a in cov.agencies
    ]
    audit_listing(
        "coverage", {"agency_id": agency_id}, len(rows), values=["agency_id"], export=True
    )
    return csv_response("coverage.csv", header, rows)


def _expiring_args() -> tuple[int, int | None]:
    within = request.args.get("within", type=int)
    if within not in coverage_mod.WINDOWS:
        abort(404)
    return within, request.args.get("agency", type=parse_id)


@bp.route("/coverage/expiring")
@require(Permission.COVERAGE_READ)
def coverage_expiring():
    """Who stops being current within 30/60/90 days: the coverage figure, opened."""
    within, agency_id = _expiring_args()
    stmt = coverage_mod.expiring_within(current_user, within, agency_id=agency_id)
    page = db.paginate_rows(stmt, per_page=PER_PAGE)
    officers = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(stmt.subquery().c.officer_id)))
    )
    filters = {"within": within, "agency_id": agency_id}
    audit_listing(
        "coverage_expiring", filters, page.total, values=filters, listing="report", page=page.page
    )
    return render_template(
        "roster/coverage_expiring.html",
        page=page,
        within=within,
        officers=officers,
        agency_id=agency_id,
        windows=coverage_mod.WINDOWS,
    )


@bp.route("/coverage/expiring.csv")
@require(Permission.COVERAGE_READ)
def coverage_expiring_csv():
    within, agency_id = _expiring_args()
    stmt = coverage_mod.expiring_within(current_user, within, agency_id=agency_id)
    rows = [
        [r.last_name, r.first_name, r.agency_name, r.course_code, r.course_title, r.expires_on]
        for r in db.session.execute(stmt)
    ]
    audit_listing(
        "coverage_expiring",
        {"within": within, "agency_id": agency_id},
        len(rows),
        values=["within", "agency_id"],
        export=True,
    )
    header = ["last_name", "first_name", "agency", "course_code", "course", "expires_on"]
    return csv_response(f"expiring-{within}-days.csv", header, rows)


# --- import ---------------------------------------------------------------------------


_REFUSED_IMPORT = "flo_roster_refused_import"


def _write_refused_import() -> bool:
    """After the rollback of a refused import: its audit event, committed on its own."""
    event = g.pop(_REFUSED_IMPORT, None)
    if event is None:
        return False
    audit(**event)
    return True


@bp.record_once
def _keep_refused_imports(state) -> None:
    after_failure(state.app, _write_refused_import)


@bp.route("/import", methods=["GET", "POST"])
@require(Permission.ROSTER_IMPORT)
def import_csv():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        storage = form.file.data
        data = storage.stream.read(importer.MAX_BYTES + 1)
        report = importer.import_csv(
            data,
            kind=form.kind.data or None,
            good_rows_only=form.mode.data == "good",
            dry_run=bool(form.dry_run.data),
            actor=current_user,
            filename=storage.filename or "",
        )
        flash(
            report.summary(),
            "success"
            if report.applied and report.ok
            else ("warning" if report.applied else "danger"),
        )
        if not report.applied and not report.ok:
            # 422: the unit of work rolls back; the refused import stays in the audit trail.
            g.setdefault(_REFUSED_IMPORT, importer.import_event(report, data, current_user))
    # The good rows of a partly bad file are imported: that request succeeded (200).
    refused = report is None or not (report.ok or report.applied)
    status = 422 if form.is_submitted() and refused else 200
    return render_template(
        "roster/import.html", form=form, report=report, columns=importer.COLUMNS
    ), status
