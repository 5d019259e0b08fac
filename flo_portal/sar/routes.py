"""SAR pages: the guided form, the reporter's list, the vetting queue and one report."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from flo_portal.audit.reads import audit_listing, refuse
from flo_portal.audit.services import record
from flo_portal.core.extensions import db
from flo_portal.core.formtools import form_page
from flo_portal.core.transition_view import action_forms, posted_transition
from flo_portal.sar import dashboard as _dashboard_cards  # noqa: F401 - registers the card
from flo_portal.sar import queries, services
from flo_portal.sar.forms import PROTECTED_WARNING, TIMEZONES, DecisionForm, SarForm
from flo_portal.sar.models import (
    DEFINED_CRIMINAL,
    NEEDS_MORE_FACTS,
    SarStatus,
    SuspiciousActivityReport,
)
from flo_portal.sar.policies import can_view_sar
from flo_portal.sar.workflow import Action, allowed_actions
from flo_portal.security import Permission, authenticated, can, require

bp = Blueprint("sar", __name__)
PER_PAGE = 25


def _sar_or_404(sar_id: int) -> SuspiciousActivityReport:
    sar = db.session.get(SuspiciousActivityReport, sar_id)
    if sar is None or not can_view_sar(current_user, sar):
        refuse(sar)
    return sar


def _render_detail(sar, *, status: int = 200, posted=None, error: str = ""):
    actions = action_forms(
        allowed_actions(current_user, sar), DecisionForm, posted, note_field="note"
    )
    return render_template("sar/detail.html", sar=sar, actions=actions, error=error), status


@bp.route("/")
@require(Permission.SAR_SUBMIT)
def mine():
    page = db.paginate(queries.my_sars_query(current_user), per_page=PER_PAGE, error_out=False)
    audit_listing("sar", {}, page.total, listing="mine", page=page.page)
    return render_template(
        "sar/list.html", page=page, heading="My suspicious activity reports", endpoint="sar.mine"
    )


@bp.route("/queue")
@require(Permission.SAR_VET)
def queue():
    status = request.args.get("status", "")
    if status and status not in {s.value for s in SarStatus}:
        status = ""
    page = db.paginate(
        queries.vetting_queue_query(current_user, status or None),
        per_page=PER_PAGE,
        error_out=False,
    )
    audit_listing(
        "sar", {"status": status}, page.total, values=["status"], listing="queue", page=page.page
    )
    return render_template(
        "sar/list.html",
        page=page,
        heading="SAR vetting queue",
        endpoint="sar.queue",
        status=status,
        statuses=list(SarStatus),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.SAR_SUBMIT)
def new():
    form = SarForm()
    if request.method == "GET":
        form.observed_tz.data = (
            current_user.timezone if current_user.timezone in TIMEZONES else TIMEZONES[0]
        )
    needs_facts: list[str] = []
    if form.validate_on_submit():
        try:
            sar = services.submit_sar(
                current_user,
                category=form.category.data,
                observed=form.observed.data,
                observed_at=services.observed_moment(
                    form.observed_on.data, form.observed_time.data, form.observed_tz.data
                ),
                observed_tz=form.observed_tz.data,
                location=form.location.data,
                subjects=form.subjects.data,
                local_report=form.local_report.data,
                attested=form.attestation.data,
                confirmed_facts=form.confirmed_facts.data,
            )
        except services.ProtectedActivityNeedsFacts as exc:
            needs_facts = exc.terms
            form.confirmed_facts.errors = [str(exc)]
        except services.SarInputError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"{sar.reference} submitted to the center's vetting queue.", "success")
            return redirect(url_for("sar.detail", sar_id=sar.id))
    return form_page(
        "sar/form.html",
        form,
        needs_facts=needs_facts,
        warning=PROTECTED_WARNING,
        criminal=DEFINED_CRIMINAL,
        more_facts=NEEDS_MORE_FACTS,
    )


@bp.route("/<int:sar_id>")
@authenticated
def detail(sar_id: int):
    if not (can(Permission.SAR_SUBMIT) or can(Permission.SAR_VET)):
        abort(403)
    sar = _sar_or_404(sar_id)
    record("sar.viewed", sar, summary=sar.reference, actor=current_user)
    return _render_detail(sar)


@bp.route("/<int:sar_id>/do/<action>", methods=["POST"])
@require(Permission.SAR_VET)
def transition(sar_id: int, action: str):
    sar = _sar_or_404(sar_id)
    return posted_transition(
        action,
        sar,
        actions=Action,
        form_cls=DecisionForm,
        perform=lambda act, form: services.perform(current_user, sar, act, note=form.note.data),
        render=_render_detail,
        url=url_for("sar.detail", sar_id=sar.id),
    )
