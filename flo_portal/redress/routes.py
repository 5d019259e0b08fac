"""Redress pages: file a request, see one's own (or, for privacy officers, all), answer."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from flo_portal.audit.reads import audit_listing, refuse
from flo_portal.audit.services import record
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.formtools import form_page
from flo_portal.core.transition_view import action_forms, posted_transition
from flo_portal.redress import queries, services
from flo_portal.redress.forms import AnswerForm, RedressForm
from flo_portal.redress.models import RESPONSE_DAYS, RedressRequest
from flo_portal.redress.policies import can_view_redress
from flo_portal.redress.workflow import Action, allowed_actions
from flo_portal.security import Permission, authenticated, can, require

bp = Blueprint("redress", __name__)
PER_PAGE = 25


def _request_or_404(req_id: int) -> RedressRequest:
    req = db.session.get(RedressRequest, req_id)
    if req is None or not can_view_redress(current_user, req):
        refuse(req)
    return req


def _render_detail(req, *, status: int = 200, posted=None, error: str = ""):
    actions = action_forms(allowed_actions(current_user, req), AnswerForm, posted)
    return render_template(
        "redress/detail.html", req=req, actions=actions, today=clock.today(), error=error
    ), status


@bp.route("/")
@authenticated
def index():
    reviewer = can(Permission.REDRESS_REVIEW)
    open_only = reviewer and request.args.get("show") != "all"
    page = db.paginate(
        queries.redress_list_query(current_user, open_only=open_only),
        per_page=PER_PAGE,
        error_out=False,
    )
    audit_listing("redress", {"open_only": open_only or None}, page.total, values=["open_only"])
    return render_template(
        "redress/list.html",
        page=page,
        reviewer=reviewer,
        open_only=open_only,
        today=clock.today(),
        heading="Redress requests" if reviewer else "My redress requests",
    )


@bp.route("/new", methods=["GET", "POST"])
@authenticated
def new():
    form = RedressForm()
    if request.method == "GET":
        form.requester_name.data = current_user.name
        form.requester_contact.data = current_user.email
    if form.validate_on_submit():
        try:
            req = services.file_request(
                current_user,
                requester_name=form.requester_name.data,
                requester_contact=form.requester_contact.data,
                subject=form.subject.data,
                description=form.description.data,
            )
        except services.RedressInputError as exc:
            flash(str(exc), "danger")
        else:
            flash(
                f"{req.reference} received. The privacy officer answers by {req.due_on.isoformat()}.",
                "success",
            )
            return redirect(url_for("redress.detail", req_id=req.id))
    return form_page("redress/form.html", form, days=RESPONSE_DAYS)


@bp.route("/<int:req_id>")
@authenticated
def detail(req_id: int):
    req = _request_or_404(req_id)
    record("redress.viewed", req, summary=req.reference, actor=current_user)
    return _render_detail(req)


@bp.route("/<int:req_id>/do/<action>", methods=["POST"])
@require(Permission.REDRESS_REVIEW)
def transition(req_id: int, action: str):
    req = _request_or_404(req_id)
    return posted_transition(
        action,
        req,
        actions=Action,
        form_cls=AnswerForm,
        perform=lambda act, form: services.perform(current_user, req, act, answer=form.answer.data),
        render=_render_detail,
        url=url_for("redress.detail", req_id=req.id),
    )
