"""Administrators manage accounts: invite, edit, deactivate, unlock, reset MFA or password.

Changes that could hand a center-staff account to someone else go through the
two-person rule (see ``admin.services``): they are filed here and decided on the
change-requests page by a second administrator.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from flo_portal.admin import services
from flo_portal.admin.forms import UserForm
from flo_portal.admin.models import AccountChangeRequest, ChangeKind
from flo_portal.audit.reads import audit_listing
from flo_portal.auth.services import send_invitation
from flo_portal.core.extensions import db
from flo_portal.core.formtools import EmptyForm, form_page
from flo_portal.core.unit_of_work import discard
from flo_portal.security import Permission, require
from flo_portal.users.models import User
from flo_portal.users.queries import get_user_or_404

bp = Blueprint("admin", __name__)


@bp.route("/users")
@require(Permission.USERS_MANAGE)
def users():
    q = request.args.get("q", "")[:100]
    role = request.args.get("role", "")
    page = db.paginate(services.users_page_query(q, role), per_page=25, error_out=False)
    audit_listing("user", {"q": q, "role": role}, page.total, values=["role"], page=page.page)
    return render_template("admin/users.html", page=page, q=q, role=role, action_form=EmptyForm())


@bp.route("/users/new", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def new_user():
    form = UserForm()
    if form.validate_on_submit():
        user = services.create_user(
            name=form.name.data,
            email=form.email.data,
            role=form.role.data,
            agency_id=form.agency_id.data,
            inviter=current_user,
        )
        flash(f"{user.name} is invited; an e-mail with a sign-up link is queued.", "success")
        return redirect(url_for("admin.users"))
    return form_page("admin/user_form.html", form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def edit_user(user_id: int):
    user = get_user_or_404(user_id)
    form = UserForm(obj=user, editing=user)
    if request.method == "GET":
        form.agency_id.data = user.agency_id or 0
    if form.validate_on_submit() and not _changes_own_rights(user, form):
        change = services.update_user(
            user,
            name=form.name.data,
            email=form.email.data,
            role=form.role.data,
            agency_id=form.agency_id.data,
            actor=current_user,
        )
        if change is not None:
            flash(_filed_message(change), "info")
        else:
            flash("User saved.", "success")
        return redirect(url_for("admin.users"))
    return form_page("admin/user_form.html", form, user=user, action_form=EmptyForm())


def _changes_own_rights(user: User, form: UserForm) -> bool:
    """An administrator may not change their own role or agency (e.g. to read intelligence)."""
    if user.id != current_user.id:
        return False
    if form.role.data != user.role or (form.agency_id.data or None) != user.agency_id:
        form.role.errors = [
            *form.role.errors,
            "You cannot change your own role or agency; ask another administrator.",
        ]
        return True
    return False


def _filed_message(change: AccountChangeRequest) -> str:
    return (
        f"{change.kind_enum.label} for {change.target.name} is filed as request "
        f"#{change.id}; it takes effect when another administrator approves it."
    )


# Each action is fn(user, acting administrator).
ACTIONS = {
    "deactivate": (lambda u, by: services.set_active(u, False, by), "deactivated"),
    "activate": (lambda u, by: services.set_active(u, True, by), "reactivated"),
    "unlock": (services.unlock, "unlocked"),
    "reset-mfa": (services.reset_mfa, "reset: they will enrol again at next sign-in"),
    "reset-password": (services.reset_password, "password voided; a reset link is on its way"),
    "resend-invitation": (send_invitation, "sent a new invitation"),
}
# Actions that a center-staff account gets only with a second administrator's approval.
TWO_PERSON_ACTIONS = {
    "reset-mfa": ChangeKind.MFA_RESET,
    "reset-password": ChangeKind.PASSWORD_RESET,
}


@bp.route("/users/<int:user_id>/<action>", methods=["POST"])
@require(Permission.USERS_MANAGE)
def user_action(user_id: int, action: str):
    user = get_user_or_404(user_id)
    if action not in ACTIONS:
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if user.id == current_user.id and action in {"deactivate", "reset-mfa", "reset-password"}:
        flash("You cannot do that to your own account.", "danger")
        return redirect(url_for("admin.users"))
    if action in TWO_PERSON_ACTIONS and services.needs_second_admin(user):
        change = services.request_change(user, TWO_PERSON_ACTIONS[action], current_user)
        flash(_filed_message(change), "info")
    else:
        fn, verb = ACTIONS[action]
        fn(user, current_user)
        flash(f"{user.name}: {verb}.", "success")
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("admin.users")
    )


@bp.route("/change-requests")
@require(Permission.USERS_MANAGE)
def change_requests():
    pending = db.session.scalars(services.pending_changes()).all()
    return render_template(
        "admin/change_requests.html",
        pending=pending,
        describe=services.describe_change,
        action_form=EmptyForm(),
    )


@bp.route("/change-requests/<int:request_id>/<decision>", methods=["POST"])
@require(Permission.USERS_MANAGE)
def decide_change_request(request_id: int, decision: str):
    change = services.get_change_request_or_404(request_id)
    if decision not in {"approve", "reject"}:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        if decision == "approve":
            services.approve_change(change, current_user)
        else:
            services.reject_change(change, current_user)
    except services.ChangeRefused as exc:
        # Back to the list whatever the referrer, keeping nothing of the attempt (an
        # approval may have claimed the request before finding it overtaken).
        discard()
        flash(str(exc), "danger")
        return redirect(url_for("admin.change_requests"))
    verb = "approved and applied" if decision == "approve" else "rejected"
    flash(f"Request #{change.id} {verb}.", "success")
    return redirect(url_for("admin.change_requests"))
