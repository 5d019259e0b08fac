"""RFI pages. Views parse forms and call services; services decide; the unit of work
(``core/unit_of_work.py``) commits once the page has rendered."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from flo_portal.agencies.models import Agency
from flo_portal.audit.reads import audit_listing
from flo_portal.audit.services import record
from flo_portal.core import clock
from flo_portal.core.csv_export import csv_response
from flo_portal.core.errors import DomainError, InputError
from flo_portal.core.extensions import db
from flo_portal.core.formtools import form_page, show_error
from flo_portal.core.unit_of_work import discard
from flo_portal.core.uploads import send_stored
from flo_portal.rfis import forms as F
from flo_portal.rfis import profile as _profile_section  # noqa: F401 - registers it
from flo_portal.rfis import queries, services, workflow
from flo_portal.rfis.attachments import attachment_path
from flo_portal.rfis.dissemination import dissemination_log
from flo_portal.rfis.models import Rfi, RfiPriority, RfiStatus, Tlp
from flo_portal.rfis.policies import (
    can_flag_criminal_intelligence,
    can_post_message,
    can_see_dissemination_log,
    sees_all_tasking_responses,
    visible_messages,
)
from flo_portal.rfis.workflow import Action, TransitionRefused, allowed_actions
from flo_portal.security import Permission, require
from flo_portal.security.permissions import Role
from flo_portal.users.audience import Audience
from flo_portal.users.models import User

bp = Blueprint("rfis", __name__)
PER_PAGE = 25

ACTION_FORMS = {
    Action.ACCEPT: F.AcceptForm,
    Action.ASSIGN: F.AssignForm,
    Action.ANSWER: F.AnswerForm,
    Action.CLOSE: F.CloseForm,
}


def _action_forms(rfi: Rfi, posted: dict | None = None) -> list[tuple]:
    """(transition, form) for each action the viewer may take now."""
    out = []
    for t in allowed_actions(current_user, rfi):
        if t.action == Action.RESUBMIT:
            out.append((t, None))  # has its own page
            continue
        if posted and t.action in posted:
            form = posted[t.action]
        else:
            form = ACTION_FORMS.get(t.action, F.NoteForm)(formdata=None, prefix=t.action.value)
            form.version.data = str(rfi.version)
        out.append((t, form))
    return out


def _render_detail(
    rfi: Rfi,
    *,
    status: int = 200,
    posted: dict | None = None,
    message_form=None,
    response_form=None,
    error: str = "",
):
    message_form = message_form or F.MessageForm(formdata=None)
    my_slot = next((r for r in rfi.recipients if r.user_id == current_user.id), None)
    if response_form is None:
        response_form = F.ResponseForm(formdata=None)
        if my_slot is not None:
            response_form.response.data = my_slot.response
    ci_form = F.CriminalIntelForm(formdata=None, prefix="ci")
    ci_form.version.data = str(rfi.version)
    ci_form.criminal_intelligence.data = rfi.criminal_intelligence
    return render_template(
        "rfis/detail.html",
        rfi=rfi,
        actions=_action_forms(rfi, posted),
        messages=visible_messages(current_user, rfi),
        message_form=message_form,
        can_message=can_post_message(current_user, rfi),
        response_form=response_form,
        my_slot=my_slot,
        all_responses=sees_all_tasking_responses(current_user, rfi),
        ci_form=ci_form,
        can_flag_ci=can_flag_criminal_intelligence(current_user),
        today=clock.today(),
        error=error,
        dissemination=dissemination_log(rfi) if can_see_dissemination_log(current_user) else [],
    ), status


def _stale(rfi_id: int):
    discard()  # show the stored RFI, keep nothing of this request
    rfi = queries.get_visible_rfi_or_404(current_user, rfi_id)
    return _render_detail(rfi, status=409, error=services.StaleRfi.default_message)


# --- lists -------------------------------------------------------------------------------


@bp.route("/")
@require(Permission.RFI_READ)
def mine():
    page = db.paginate(queries.my_rfis_query(current_user), per_page=PER_PAGE, error_out=False)
    audit_listing("rfi", {}, page.total, listing="mine", page=page.page)
    return render_template(
        "rfis/list.html",
        page=page,
        heading="My RFIs",
        endpoint="rfis.mine",
        today=clock.today(),
    )


@bp.route("/agency")
@require(Permission.RFI_SUBMIT)
def agency():
    page = db.paginate(queries.agency_rfis_query(current_user), per_page=PER_PAGE, error_out=False)
    audit_listing("rfi", {}, page.total, listing="agency", page=page.page)
    heading = f"RFIs from {current_user.agency.name}" if current_user.agency else "My agency's RFIs"
    return render_template(
        "rfis/list.html",
        page=page,
        heading=heading,
        endpoint="rfis.agency",
        today=clock.today(),
    )


@bp.route("/queue")
@require(Permission.RFI_QUEUE)
def queue():
    today = clock.today()
    filters = queries.QueueFilters.from_args(request.args)
    if filters.ignored:
        flash(
            "Ignored a filter that is not a valid choice: "
            + ", ".join(filters.ignored)
            + ". Choose it from the list.",
            "warning",
        )
    page = db.paginate(
        queries.queue_query(current_user, filters, today),
        per_page=PER_PAGE,
        error_out=False,
    )
    # The filter names and the count, never the search text (it may name a person).
    chosen = {
        "status": filters.status,
        "priority": filters.priority,
        "direction": filters.direction,
    }
    used = {name: chosen.get(name, True) for name in filters.active()}
    audit_listing("rfi", used, page.total, values=chosen, listing="queue", page=page.page)
    staff = db.session.execute(
        sa.select(User.id, User.name)
        .where(
            User.role.in_((Role.ANALYST, Role.COORDINATOR)),
            User.is_active_account.is_(True),
        )
        .order_by(User.name)
    ).all()
    agencies = db.session.execute(sa.select(Agency.id, Agency.name).order_by(Agency.name)).all()
    return render_template(
        "rfis/queue.html",
        page=page,
        f=filters,
        staff=staff,
        agencies=agencies,
        statuses=list(RfiStatus),
        priorities=list(RfiPriority),
        today=today,
    )


@bp.route("/privacy")
@require(Permission.PRIVACY_REVIEW)
def privacy_queue():
    stmt = queries.queue_query(
        current_user,
        queries.QueueFilters(status=RfiStatus.PRIVACY_REVIEW.value),
        clock.today(),
    )
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    audit_listing("rfi", {}, page.total, listing="privacy", page=page.page)
    return render_template(
        "rfis/list.html",
        page=page,
        heading="RFIs awaiting privacy review",
        endpoint="rfis.privacy_queue",
        today=clock.today(),
    )


# --- submission and tasking ----------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.RFI_SUBMIT)
def new():
    form = F.RfiForm()
    if form.validate_on_submit():
        try:
            rfi = services.submit_rfi(
                current_user,
                **form.rfi_fields(),
                attested=form.attestation.data,
                files=F.read_uploads(form.attachments),
            )
        except services.RfiInputError as exc:
            show_error(form, exc)
        else:
            if rfi.status == RfiStatus.PRIVACY_REVIEW:
                flash(
                    f"{rfi.reference} submitted. Its text names protected activity "
                    f"({rfi.privacy_terms}), so the privacy officer reviews it before triage.",
                    "warning",
                )
            else:
                flash(f"{rfi.reference} submitted to the center.", "success")
            return redirect(url_for("rfis.detail", rfi_id=rfi.id))
    return form_page(
        "rfis/form.html", form, heading="New request for information", enctype="multipart/form-data"
    )


@bp.route("/task", methods=["GET", "POST"])
@require(Permission.RFI_TASK)
def task():
    form = F.TaskingForm()
    if form.validate_on_submit():
        audience = Audience(
            all_flos=form.all_flos.data,
            agency_ids=form.agency_ids.data or [],
            disciplines=form.disciplines.data or [],
            user_ids=form.user_ids.data or [],
        )
        try:
            rfi = services.create_tasking(
                current_user,
                **form.rfi_fields(),
                audience=audience,
            )
        except services.RfiInputError as exc:
            show_error(form, exc)
        else:
            flash(
                f"Tasking {rfi.reference} sent to {len(rfi.recipients)} recipients.",
                "success",
            )
            return redirect(url_for("rfis.detail", rfi_id=rfi.id))
    return form_page("rfis/form.html", form, heading="Task officers and agencies")


# --- one RFI ---------------------------------------------------------------------------------


@bp.route("/<int:rfi_id>")
@require(Permission.RFI_READ)
def detail(rfi_id: int):
    rfi = queries.get_visible_rfi_or_404(current_user, rfi_id)
    services.read_rfi(current_user, rfi, via="web")
    return _render_detail(rfi)


@bp.route("/<int:rfi_id>/do/<action>", methods=["POST"])
@require(Permission.RFI_READ)
def transition(rfi_id: int, action: str):
    rfi = queries.get_visible_rfi_or_404(current_user, rfi_id)
    try:
        act = Action(action)
    except ValueError:
        abort(404)
    if act == Action.RESUBMIT:
        abort(404)
    form = ACTION_FORMS.get(act, F.NoteForm)(prefix=act.value)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(
                400,
                "The form expired or was tampered with. Go back, reload the page and retry.",
            )
        error = (
            form.errors["version"][0]  # a hidden field: say so, it cannot be corrected
            if "version" in form.errors
            else "Please correct the form below."
        )
        return _render_detail(rfi, status=422, posted={act: form}, error=error)
    try:
        services.perform(
            current_user,
            rfi,
            act,
            expected_version=form.version_number,
            note=getattr(getattr(form, "note", None), "data", "") or "",
            assignee_id=getattr(getattr(form, "assignee_id", None), "data", None),
            answer=getattr(getattr(form, "answer", None), "data", "") or "",
            criminal_intelligence=bool(
                getattr(getattr(form, "criminal_intelligence", None), "data", False)
            ),
            rating=getattr(getattr(form, "rating", None), "data", None),
        )
    except services.StaleRfi:
        return _stale(rfi_id)
    except TransitionRefused as exc:  # 409 not in this state, 403 not for this user
        return _detail_after_error(rfi, exc)
    except services.RfiInputError as exc:
        discard()
        form.version.data = str(rfi.version)  # the stored version, after the rollback
        return _render_detail(rfi, status=exc.status, posted={act: form}, error=str(exc))
    flash(f"{rfi.reference}: {RfiStatus(rfi.status).label.lower()}.", "success")
    return redirect(url_for("rfis.detail", rfi_id=rfi.id))


@bp.route("/<int:rfi_id>/resubmit", methods=["GET", "POST"])
@require(Permission.RFI_SUBMIT)
def resubmit(rfi_id: int):
    rfi = queries.get_visible_rfi_or_404(current_user, rfi_id)
    workflow.check(current_user, rfi, Action.RESUBMIT)  # 409 not returned, 403 not yours
    form = F.ResubmitForm(obj=rfi if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(rfi.version)
        form.priority.data, form.tlp.data = str(rfi.priority), str(rfi.tlp)
    if form.validate_on_submit():
        try:
            services.perform(
                current_user,
                rfi,
                Action.RESUBMIT,
                expected_version=form.version_number,
                edits=form.rfi_fields(),
            )
        except services.StaleRfi as exc:
            discard()
            flash(str(exc), "danger")
            return render_template(
                "rfis/form.html", form=form, heading=f"Revise {rfi.reference}", rfi=rfi
            ), 409
        except services.RfiInputError as exc:
            show_error(form, exc)
        else:
            flash(f"{rfi.reference} resubmitted.", "success")
            return redirect(url_for("rfis.detail", rfi_id=rfi.id))
    return form_page("rfis/form.html", form, heading=f"Revise {rfi.reference}", rfi=rfi)


def _detail_after_error(rfi, exc: DomainError, **posted):
    """The detail page again after a refused or invalid post: nothing of the request kept
    and the stored state shown; the user's form kept when the error is theirs to fix."""
    discard()
    return _render_detail(
        rfi, status=exc.status, error=str(exc), **(posted if isinstance(exc, InputError) else {})
    )


@bp.route("/<int:rfi_id>/messages", methods=["POST"])
@require(Permission.RFI_READ)
def post_message(rfi_id: int):
    rfi = queries.get_visible_rfi_or_404(current_user, rfi_id)
    form = F.MessageForm()
    if not form.validate_on_submit():
        return _render_detail(
            rfi, status=422, message_form=form, error="The message was not posted."
        )
    try:
        services.post_message(current_user, rfi, form.body.data, F.read_uploads(form.attachments))
    except DomainError as exc:  # 409 closed, 403 not yours, 422 for the user to correct
        return _detail_after_error(rfi, exc, message_form=form)
    flash("Message posted.", "success")
    return redirect(url_for("rfis.detail", rfi_id=rfi.id) + "#conversation")


@bp.route("/<int:rfi_id>/respond", methods=["POST"])
@require(Permission.RFI_READ)
def respond(rfi_id: int):
    rfi = queries.get_visible_rfi_or_404(current_user, rfi_id)
    form = F.ResponseForm()
    if not form.validate_on_submit():
        return _render_detail(
            rfi, status=422, response_form=form, error="The response was not sent."
        )
    try:
        services.respond_to_tasking(current_user, rfi, form.response.data)
    except DomainError as exc:  # 409 closed, 403 not yours, 422 for the user to correct
        return _detail_after_error(rfi, exc, response_form=form)
    flash("Response sent to the center.", "success")
    return redirect(url_for("rfis.detail", rfi_id=rfi.id))


@bp.route("/<int:rfi_id>/criminal-intelligence", methods=["POST"])
@require(Permission.RFI_TRIAGE)
def criminal_intelligence(rfi_id: int):
    rfi = queries.get_visible_rfi_or_404(current_user, rfi_id)
    form = F.CriminalIntelForm(prefix="ci")
    if not form.validate_on_submit():
        abort(
            400,
            "The form expired or was tampered with. Go back, reload the page and retry.",
        )
    try:
        services.set_criminal_intelligence(
            current_user,
            rfi,
            form.criminal_intelligence.data,
            expected_version=form.version_number,
        )
    except services.StaleRfi:
        return _stale(rfi_id)
    flash("Retention marking saved.", "success")
    return redirect(url_for("rfis.detail", rfi_id=rfi.id))


@bp.route("/attachments/<int:attachment_id>")
@require(Permission.RFI_READ)
def download(attachment_id: int):
    att = queries.get_visible_attachment_or_404(current_user, attachment_id)
    path = attachment_path(att)
    if not path.is_file():
        abort(404)
    record(
        "rfi.attachment_downloaded",
        att.rfi,
        summary=f"{att.rfi.reference}: {att.filename}",
        details={"attachment_id": att.id, "sha256": att.sha256},
        actor=current_user,
    )
    return send_stored(path, mimetype=att.content_type, download_name=att.filename, max_age=0)


# --- metrics -----------------------------------------------------------------------------------


@bp.route("/metrics")
@require(Permission.RFI_METRICS)
def metrics():
    today = clock.today()
    turnaround = queries.turnaround_metrics()
    return render_template(
        "rfis/metrics.html",
        turnaround=turnaround,
        chart=queries.turnaround_chart(turnaround["by_month"]),
        summary=queries.summary_figures(today),
    )


@bp.route("/metrics.csv")
@require(Permission.RFI_METRICS)
def metrics_csv():
    data = queries.turnaround_metrics()
    summary = queries.summary_figures(clock.today())
    rows = [
        ("priority", r.group, r.count, r.median_hours, r.p90_hours) for r in data["by_priority"]
    ]
    rows += [("month", r.group, r.count, r.median_hours, r.p90_hours) for r in data["by_month"]]
    rows.append(("overdue", "", summary["overdue"], "", ""))
    rows.append(
        (
            "satisfaction_avg",
            "",
            summary["satisfaction_count"],
            summary["satisfaction_avg"],
            "",
        )
    )
    record(
        "rfi.metrics_exported",
        None,
        summary="RFI metrics CSV",
        object_type="rfi",
        object_id="metrics",
        actor=current_user,
    )
    return csv_response(
        "rfi-metrics.csv", ["kind", "group", "count", "median_hours", "p90_hours"], rows
    )


@bp.app_template_filter("tlp_css")
def tlp_css(value) -> str:
    try:
        return Tlp(value).css
    except ValueError:
        return ""
