"""Administrators manage accounts: invite, edit, deactivate, unlock, reset MFA."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from flo_portal.admin import services
from flo_portal.admin.forms import UserForm
from flo_portal.audit.reads import audit_listing
from flo_portal.auth.forms import EmptyForm
from flo_portal.auth.services import send_invitation
from flo_portal.extensions import db
from flo_portal.security import Permission, require
from flo_portal.users.models import User

bp = Blueprint("admin", __name__)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


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
        db.session.commit()
        flash(f"{user.name} is invited; an e-mail with a sign-up link is queued.", "success")
        return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserForm(obj=user, editing=user)
    if request.method == "GET":
        form.agency_id.data = user.agency_id or 0
    if form.validate_on_submit() and not _changes_own_rights(user, form):
        services.update_user(
            user,
            name=form.name.data,
            email=form.email.data,
            role=form.role.data,
            agency_id=form.agency_id.data,
        )
        db.session.commit()
        flash("User saved.", "success")
        return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "admin/user_form.html", form=form, user=user, action_form=EmptyForm()
    ), status


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


ACTIONS = {
    "deactivate": (lambda u: services.set_active(u, False), "deactivated"),
    "activate": (lambda u: services.set_active(u, True), "reactivated"),
    "unlock": (services.unlock, "unlocked"),
    "reset-mfa": (services.reset_mfa, "reset: they will enrol again at next sign-in"),
    "resend-invitation": (lambda u: send_invitation(u, current_user), "sent a new invitation"),
}


@bp.route("/users/<int:user_id>/<action>", methods=["POST"])
@require(Permission.USERS_MANAGE)
def user_action(user_id: int, action: str):
    user = _user_or_404(user_id)
    if action not in ACTIONS:
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if user.id == current_user.id and action in {"deactivate", "reset-mfa"}:
        flash("You cannot do that to your own account.", "danger")
        return redirect(url_for("admin.users"))
    fn, verb = ACTIONS[action]
    fn(user)
    db.session.commit()
    flash(f"{user.name}: {verb}.", "success")
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("admin.users")
    )
