"""Sign-in (password, then TOTP), enrolment, sign-out, password reset and invitations."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user

from flo_portal.audit.services import record
from flo_portal.auth import mfa, passkeys, services, session_rules, steps, tokens
from flo_portal.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
    TotpForm,
)
from flo_portal.core.extensions import db, limiter
from flo_portal.core.formtools import EmptyForm, form_page
from flo_portal.core.unit_of_work import keep
from flo_portal.security import authenticated, public
from flo_portal.security.redirects import local_path
from flo_portal.users.models import User

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the dashboard."""
    return local_path(target) or url_for("main.dashboard")


def _set_pending(user: User, stage: str) -> None:
    steps.set_pending(
        user, stage, (session.get("pending") or {}).get("next") or request.args.get("next", "")
    )


def _pending_user(stage: str) -> User | None:
    data = session.get("pending")
    if not isinstance(data, dict) or data.get("stage") != stage:
        return None
    if time.time() - data.get("at", 0) > PENDING_SECONDS:
        session.pop("pending", None)
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or user.session_token != data.get("tok") or not user.is_active_account:
        return None
    return user


def _walk_to_passkey(user: User):
    """The role needs phishing-resistant MFA and the user has no passkey yet."""
    _set_pending(user, steps.REGISTER_PASSKEY)
    flash(steps.MESSAGES[steps.REGISTER_PASSKEY], "info")
    return redirect(url_for(steps.PAGES[steps.REGISTER_PASSKEY]))


def _finish_login(user: User, method: str):
    nxt = (session.get("pending") or {}).get("next") or ""
    session.pop("pending", None)
    services.complete_sign_in(user, method)
    session_rules.begin_session(user)
    flash(f"Signed in as {user.name}.", "success")
    return redirect(safe_next(nxt))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.check_password_step(form.email.data, form.password.data)
        if result.error:
            keep()  # the failure counts toward the lock-out and stays in the audit trail
            flash(result.error, "danger")
            return render_template("auth/login.html", form=form), 401
        user = result.user
        session["pending"] = {"next": request.args.get("next", "")}
        step = steps.next_step(user)
        if step is not None:
            _set_pending(user, step)
            if step in steps.MESSAGES:
                flash(steps.MESSAGES[step], "info")
            return redirect(url_for(steps.PAGES[step]))
        if mfa.enrolment_due(user):  # within the grace period: walked to enrolment, may skip
            response = _finish_login(user, "password")
            return redirect(url_for("auth.mfa_setup", next=response.location))
        return _finish_login(user, "password")
    return form_page("auth/login.html", form)


@bp.route("/login/verify", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def mfa_verify():
    user = _pending_user("totp")
    if user is None:
        flash("Please sign in again.", "warning")
        return redirect(url_for("auth.login"))
    form = TotpForm()
    passkey_only = passkeys.phishing_resistant_required(user) and passkeys.has_passkey(user)
    ctx = {"passkey": passkeys.has_passkey(user), "totp": user.mfa_enabled and not passkey_only}
    if form.validate_on_submit():
        if user.is_locked():
            session.pop("pending", None)
            flash(services.lockout_message(), "danger")
            return redirect(url_for("auth.login"))
        if not ctx["totp"]:
            record(
                "auth.passkey_refused", user, actor=user, summary="code where a passkey is required"
            )
            keep()
            flash("Your account signs in with a passkey here, not a code.", "danger")
            return render_template("auth/mfa_verify.html", form=form, **ctx), 403
        code = form.code.data
        if mfa.verify_user_totp(user, code):
            if passkeys.must_register_passkey(user):
                return _walk_to_passkey(user)
            return _finish_login(user, "password+totp")
        if mfa.use_recovery_code(user, code):
            record("auth.recovery_code_used", user, actor=user)
            flash(f"Recovery code accepted; {mfa.remaining_recovery_codes(user)} left.", "warning")
            if passkeys.must_register_passkey(user):
                return _walk_to_passkey(user)
            return _finish_login(user, "password+recovery_code")
        services.register_failure(user, "wrong authentication code")
        if user.is_locked():
            session.pop("pending", None)
            flash(services.lockout_message(), "danger")
            return redirect(url_for("auth.login"))
        keep()  # the failure counts toward the lock-out
        form.code.errors.append("That code is not valid. Check your device's clock and try again.")
        return render_template("auth/mfa_verify.html", form=form, **ctx), 401
    return form_page("auth/mfa_verify.html", form, **ctx)


@bp.route("/mfa/setup", methods=["GET", "POST"])
@public  # reached half-signed-in during enrolment; the body checks who is enrolling
def mfa_setup():
    enrolling_at_login = not current_user.is_authenticated
    user = _pending_user("enrol") if enrolling_at_login else current_user
    if user is None:
        return redirect(url_for("auth.login"))
    if user.mfa_enabled and not enrolling_at_login:
        flash("Multi-factor sign-in is already on.", "info")
        return redirect(url_for("users.profile"))
    secret = session.get("mfa_setup_secret")
    if not secret or request.method == "GET":
        secret = mfa.new_secret()
        session["mfa_setup_secret"] = secret
    form = TotpForm()
    if form.validate_on_submit():
        step = mfa.check_totp(secret, form.code.data)
        if step is not None:
            codes = services.turn_on_mfa(user, secret, step)
            session.pop("mfa_setup_secret", None)
            if enrolling_at_login:
                services.complete_sign_in(user, "password+totp-enrolment")
                session_rules.begin_session(user)
            else:
                session_rules.revoke_sessions(
                    user, reason="MFA turned on", keep=session_rules.current_session_record()
                )
            return render_template("auth/recovery_codes.html", codes=codes)
        form.code.errors.append("That code does not match. Scan the code again and retry.")
    uri = mfa.provisioning_uri(user, secret)
    status = 422 if form.is_submitted() else 200
    may_skip = not enrolling_at_login and mfa.enrolment_due(user) and mfa.in_grace(user)
    return render_template(
        "auth/mfa_setup.html",
        form=form,
        secret=secret,
        qr=mfa.qr_svg_data_uri(uri),
        uri=uri,
        required=mfa.enrolment_due(user),
        grace_ends_at=mfa.grace_ends_at(user) if may_skip else None,
        skip_url=safe_next(request.args.get("next")) if may_skip else None,
    ), status


@bp.route("/logout", methods=["POST"])
@authenticated
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        record("auth.logout", current_user, actor=current_user)
        session_rules.end_session("signed out")
        flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.is_active_account:
            services.send_password_reset(user)
        # Same answer whether or not the account exists.
        flash("If that address has an account, a reset link is on its way.", "info")
        return redirect(url_for("auth.login"))
    return form_page("auth/forgot.html", form)


def _token_password_page(token: str, purpose: str, max_age: int, template: str):
    user = tokens.load_token(token, purpose, max_age)
    if user is None:
        flash("This link is invalid, has expired or was already used.", "danger")
        return redirect(url_for("auth.forgot_password"))
    form = SetPasswordForm(policy_user=user)
    if form.validate_on_submit():
        services.set_password(user, form.password.data, reason=purpose)
        flash("Your password is set. Sign in with it now.", "success")
        return redirect(url_for("auth.login"))
    return form_page(template, form, user=user)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    return _token_password_page(token, "reset", hours * 3600, "auth/reset.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    days = current_app.config["INVITE_DAYS"]
    return _token_password_page(token, "invite", days * 86400, "auth/invitation.html")


@bp.route("/password/change", methods=["GET", "POST"])
@authenticated
def change_password():
    form = ChangePasswordForm(policy_user=current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        check = services.check_user_password(
            user, form.current_password.data, reason="wrong current password (password change)"
        )
        if not check.ok:
            keep()  # the failure counts toward the lock-out
            form.current_password.errors.append(
                services.lockout_message()
                if check.locked
                else "Your current password is not correct."
            )
        else:
            services.set_password(
                user,
                form.password.data,
                reason="changed by user",
                keep=session_rules.current_session_record(),
            )
            login_user(user)  # the session token rotated; keep this session
            flash("Your password is changed. Other sessions were signed out.", "success")
            return redirect(url_for("users.profile"))
    return form_page("auth/change_password.html", form)
