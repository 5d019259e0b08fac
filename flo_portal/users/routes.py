"""A user's own account page: preferences, multi-factor settings, password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from flo_portal.auth import mfa, services, session_rules
from flo_portal.core.formtools import EmptyForm
from flo_portal.security import authenticated
from flo_portal.users import services as user_services
from flo_portal.users.forms import ConfirmPasswordForm, PreferencesForm

bp = Blueprint("users", __name__)


@bp.route("/", methods=["GET", "POST"])
@authenticated
def profile():
    form = PreferencesForm(obj=current_user)
    if form.validate_on_submit():
        user_services.set_preferences(current_user, timezone=form.timezone.data)
        flash("Preferences saved.", "success")
        return redirect(url_for("users.profile"))
    return render_template(
        "users/profile.html",
        form=form,
        action_form=EmptyForm(),
        confirm_form=ConfirmPasswordForm(formdata=None),
        recovery_left=mfa.remaining_recovery_codes(current_user),
    )


def _password_confirmed(purpose: str) -> bool:
    """Changes to one's own sign-in security need the current password again; a wrong
    one counts toward the lock-out like a failed sign-in."""
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        check = services.check_user_password(
            current_user, form.current_password.data, reason=f"wrong password ({purpose})"
        )
        if check.ok:
            return True
    else:
        check = services.SecretCheck(False, locked=current_user.is_locked())
    services.reauth_failed(current_user, purpose)
    if check.locked:
        flash(services.lockout_message(), "danger")
    else:
        flash("Enter your current password to change multi-factor settings.", "danger")
    return False


@bp.route("/mfa/recovery-codes", methods=["POST"])
@authenticated
def regenerate_recovery_codes():
    if not current_user.mfa_enabled:
        flash("Turn on multi-factor sign-in first.", "warning")
        return redirect(url_for("users.profile"))
    if not _password_confirmed("recovery codes"):
        return redirect(url_for("users.profile"))
    codes = services.regenerate_recovery_codes(current_user)
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.route("/mfa/disable", methods=["POST"])
@authenticated
def disable_mfa():
    if not _password_confirmed("MFA disable"):
        return redirect(url_for("users.profile"))
    if current_user.mfa_required:
        flash("Your role must keep multi-factor sign-in on.", "danger")
        return redirect(url_for("users.profile"))
    services.turn_off_mfa(current_user, keep=session_rules.current_session_record())
    flash("Multi-factor sign-in is off. Your other sessions were signed out.", "info")
    return redirect(url_for("users.profile"))
