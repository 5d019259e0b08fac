"""Passkey pages and the JSON endpoints static/js/passkeys.js talks to.

Registration is open to a signed-in user (account page) and to a user walked to it at
sign-in (pending stage ``enrol_passkey``). Sign-in is the second factor of the pending
password sign-in (``?mode=second``) or passwordless. Refusals answer JSON with a
message, keep the audit event (and a second-factor failure's lock-out count), and never
start a session.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from flo_portal.audit.services import record
from flo_portal.auth import passkeys, services, session_rules
from flo_portal.auth.forms import PasskeyNameForm, PasskeyRemoveForm
from flo_portal.auth.routes import _finish_login, _login_limit, _pending_user
from flo_portal.core.errors import Refused
from flo_portal.core.extensions import limiter
from flo_portal.core.formtools import form_page
from flo_portal.core.unit_of_work import keep
from flo_portal.security import authenticated, public
from flo_portal.users.models import User

bp = Blueprint("passkeys", __name__)


def _json_options(options: str):
    return current_app.response_class(options, mimetype="application/json")


def _refused(message: str, status: int = 400):
    keep()  # the audit event (and a counted failure) stays; the challenge stays spent
    return jsonify(error=message), status


def _registering_user() -> User | None:
    if current_user.is_authenticated:
        return current_user._get_current_object()
    return _pending_user("enrol_passkey")


def _body() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


# --- Account page -----------------------------------------------------------------


@bp.route("/", methods=["GET"])
@authenticated
def manage():
    return render_template(
        "auth/passkeys.html",
        passkeys=passkeys.passkeys_of(current_user),
        name_form=PasskeyNameForm(formdata=None),
        remove_form=PasskeyRemoveForm(formdata=None),
        required=passkeys.phishing_resistant_required(current_user),
    )


@bp.route("/<int:passkey_id>/rename", methods=["POST"])
@authenticated
def rename(passkey_id: int):
    passkey = passkeys.get_own_passkey_or_404(current_user, passkey_id)
    form = PasskeyNameForm()
    if form.validate_on_submit():
        passkeys.rename(current_user, passkey, form.name.data)
        flash("Passkey renamed.", "success")
        return redirect(url_for("passkeys.manage"))
    return form_page(
        "auth/passkeys.html",
        form,
        passkeys=passkeys.passkeys_of(current_user),
        name_form=form,
        remove_form=PasskeyRemoveForm(formdata=None),
        required=passkeys.phishing_resistant_required(current_user),
    )


@bp.route("/<int:passkey_id>/remove", methods=["POST"])
@authenticated
def remove(passkey_id: int):
    user = current_user._get_current_object()
    passkey = passkeys.get_own_passkey_or_404(user, passkey_id)
    form = PasskeyRemoveForm()
    check = (
        services.check_user_password(
            user, form.current_password.data, reason="wrong password (passkey removal)"
        )
        if form.validate_on_submit()
        else services.SecretCheck(False, locked=user.is_locked())
    )
    if not check.ok:
        services.reauth_failed(user, "passkey removal")
        keep()
        flash(
            services.lockout_message()
            if check.locked
            else "Enter your current password to remove a passkey.",
            "danger",
        )
        return redirect(url_for("passkeys.manage"))
    passkeys.remove(user, passkey)
    session_rules.revoke_sessions(
        user, reason="passkey removed", keep=session_rules.current_session_record()
    )
    flash("Passkey removed. Your other sessions were signed out.", "info")
    return redirect(url_for("passkeys.manage"))


# --- Registration -----------------------------------------------------------------


@bp.route("/enrol", methods=["GET"])
@public  # reached half-signed-in: the body checks who is enrolling
def enrol():
    user = _pending_user("enrol_passkey")
    if user is None:
        return redirect(url_for("auth.login"))
    return render_template("auth/passkey_enrol.html", user=user)


@bp.route("/register/options", methods=["POST"])
@public  # a signed-in user, or one walked here at sign-in; checked in the body
def register_options():
    user = _registering_user()
    if user is None:
        return _refused("Please sign in again.", 401)
    return _json_options(passkeys.registration_options(user))


@bp.route("/register", methods=["POST"])
@public  # as register_options
def register():
    user = _registering_user()
    if user is None:
        return _refused("Please sign in again.", 401)
    data = _body()
    try:
        passkey = passkeys.register(user, data.get("credential"), data.get("name"))
    except Refused as err:
        return _refused(err.message)
    if current_user.is_authenticated:
        flash(f"Passkey “{passkey.name}” added.", "success")
        return jsonify(redirect=url_for("passkeys.manage"))
    response = _finish_login(user, "password+passkey-enrolment")
    return jsonify(redirect=response.location)


# --- Sign-in ----------------------------------------------------------------------


def _second_factor() -> bool:
    return request.args.get("mode") == "second"


@bp.route("/login/options", methods=["POST"])
@public
@limiter.limit(_login_limit)
def login_options():
    if current_user.is_authenticated:
        return _refused("You are already signed in.", 409)
    user = None
    if _second_factor():
        user = _pending_user("totp")
        if user is None:
            return _refused("Please sign in again.", 401)
    return _json_options(passkeys.authentication_options(user))


@bp.route("/login", methods=["POST"])
@public
@limiter.limit(_login_limit)
def login():
    if current_user.is_authenticated:
        return _refused("You are already signed in.", 409)
    pending = _pending_user("totp") if _second_factor() else None
    if _second_factor() and pending is None:
        return _refused("Please sign in again.", 401)
    if pending is not None and pending.is_locked():
        session.pop("pending", None)
        return _refused(services.lockout_message(), 403)
    try:
        result = passkeys.authenticate(_body().get("credential"), pending)
    except Refused as err:
        if pending is not None:
            services.register_failure(pending, "passkey not accepted")
            if pending.is_locked():
                session.pop("pending", None)
                return _refused(services.lockout_message(), 403)
        return _refused(err.message)
    user = result.user
    if user.is_locked():
        record("auth.refused_locked", user, actor=user, summary="passkey sign-in")
        return _refused(services.lockout_message(), 403)
    if not user.is_active_account:
        record("auth.login_refused_inactive", user, actor=user)
        return _refused("This account is deactivated. Contact your administrator.", 403)
    if pending is None:
        session["pending"] = {"next": request.args.get("next", "")}
    response = _finish_login(user, "password+passkey" if pending else "passkey")
    return jsonify(redirect=response.location)
