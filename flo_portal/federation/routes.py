"""Federated sign-in pages: choose a provider, the callback, "ask your coordinator",
one's linked identities; admins' providers; coordinators' link requests."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from flo_portal.agencies.models import Agency
from flo_portal.auth import passkeys, session_rules
from flo_portal.auth import services as auth_services
from flo_portal.auth import steps as auth_steps
from flo_portal.core.errors import DomainError, NotFound
from flo_portal.core.extensions import csrf, db, limiter
from flo_portal.core.formtools import EmptyForm, form_page, show_error
from flo_portal.core.unit_of_work import keep
from flo_portal.federation import saml, services
from flo_portal.federation.forms import AcceptLinkForm, ProviderForm
from flo_portal.federation.models import (
    IdentityProvider,
    LinkRequest,
    LinkRequestStatus,
    Protocol,
)
from flo_portal.federation.providers import ProviderProblem
from flo_portal.security import Permission, authenticated, public, require
from flo_portal.security.redirects import local_path
from flo_portal.users.models import User

bp = Blueprint("federation", __name__)
PER_PAGE = 25
# Binds a sign-in attempt to the browser that started it. SameSite=Lax: sent with the
# provider's top-level redirect back, unlike the Strict session cookie. A SAML IdP's
# cross-site POST carries neither: the binding is checked at the same-site hand-off.
BINDING_COOKIE = "flo_sso"


def _identities_of_current_user():
    return services.identities_of(current_user) if current_user.is_authenticated else []


# The account page's include (templates/users/_profile_sections.html) lists them.
bp.record_once(
    lambda state: state.app.jinja_env.globals.update(
        my_federated_identities=_identities_of_current_user
    )
)


def _callback_url() -> str:
    return url_for("federation.callback", _external=True)


def _binding_path(provider: IdentityProvider) -> str:
    """Where the binding cookie is sent: the OIDC callback, or the SAML hand-off."""
    return url_for("federation.saml_finish" if provider.is_saml else "federation.callback")


def _problem_page(problem: ProviderProblem):
    keep()  # the spent state and the audit event stay although the answer is an error
    return render_template("federation/problem.html", message=problem.message), 400


@bp.route("/")
@public
def choose():
    return render_template("federation/choose.html", providers=services.enabled_providers())


def _sign_in_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/<int:provider_id>/start")
@public
@limiter.limit(_sign_in_limit)
def start(provider_id: int):
    provider = services.get_enabled_provider_or_404(provider_id)
    browser_key = secrets.token_urlsafe(32)
    try:
        url = services.begin_sign_in(
            provider,
            _callback_url(),
            browser_key=browser_key,
            next_path=local_path(request.args.get("next")) or "",
            login_hint=(request.args.get("login_hint") or "")[:254],
        )
    except ProviderProblem as problem:
        return _problem_page(problem)
    response = redirect(url)
    response.set_cookie(
        BINDING_COOKIE,
        browser_key,
        max_age=services.ATTEMPT_MINUTES * 60,
        path=_binding_path(provider),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.route("/callback")
@public
@limiter.limit(_sign_in_limit)
def callback():
    """The provider's redirect back: a cross-site navigation, so a SameSite=Strict session
    cookie is absent here; everything needed waits in the one-time sign-in attempt."""
    try:
        outcome = services.finish_sign_in(
            request.args.get("state", ""),
            request.args.get("code", ""),
            request.args.get("error", ""),
            _callback_url(),
            browser_key=request.cookies.get(BINDING_COOKIE, ""),
        )
    except ProviderProblem as problem:
        return _forget_binding(_problem_page(problem), "federation.callback")
    return _forget_binding(_answer(outcome), "federation.callback")


def _answer(outcome: services.Outcome):
    if outcome.user is None:
        keep()  # the link request and its audit event stay
        return render_template("federation/ask_coordinator.html"), 403
    return _sign_in(outcome.user, outcome)


def _forget_binding(answer, endpoint: str):
    """The binding cookie is spent with its attempt, whatever the callback answers."""
    response = make_response(answer)
    response.delete_cookie(BINDING_COOKIE, path=url_for(endpoint))
    return response


# --- SAML 2.0 -----------------------------------------------------------------------


@bp.route("/saml/<int:provider_id>/metadata")
@public
def saml_metadata(provider_id: int):
    """The SP metadata the IdP's administrators load; its URL is also the SP entity id."""
    provider = db.session.get(IdentityProvider, provider_id)
    if provider is None or not provider.is_saml:
        raise NotFound("No such SAML provider.")
    try:
        xml = saml.sp_metadata(saml.sp_urls(provider))
    except ProviderProblem as problem:
        return _problem_page(problem)
    return Response(xml, mimetype="application/samlmetadata+xml")


@bp.route("/saml/<int:provider_id>/acs", methods=["POST"])
@csrf.exempt  # the IdP's cross-site POST; the Response's signature and RelayState stand in
@public
@limiter.limit(_sign_in_limit)
def saml_acs(provider_id: int):
    """The Assertion Consumer Service (HTTP-POST binding). A cross-site POST carries no
    cookie, not even the Lax binding one: the checked identity waits in the attempt and
    the browser moves on, same-site, to the hand-off, which the binding cookie reaches."""
    try:
        handoff = services.receive_saml_response(
            provider_id, request.form.get("RelayState", ""), request.form.get("SAMLResponse", "")
        )
    except ProviderProblem as problem:
        return _problem_page(problem)
    keep()  # the verified identity waits for the hand-off
    return _continue_to(url_for("federation.saml_finish", h=handoff))


@bp.route("/saml/finish")
@public
@limiter.limit(_sign_in_limit)
def saml_finish():
    try:
        outcome = services.finish_saml_sign_in(
            request.args.get("h", ""), browser_key=request.cookies.get(BINDING_COOKIE, "")
        )
    except ProviderProblem as problem:
        return _forget_binding(_problem_page(problem), "federation.saml_finish")
    return _forget_binding(_answer(outcome), "federation.saml_finish")


def _sign_in(user: User, outcome: services.Outcome):
    """The same rules as a password sign-in: deactivated and locked accounts are refused,
    and the portal's second factor is asked unless the provider's MFA counts."""
    if not user.is_active_account or user.is_locked():
        reason = "account deactivated" if not user.is_active_account else "account locked"
        services.refused(reason, user=user)
        return _problem_page(
            ProviderProblem(reason, "This account cannot sign in now. Contact your administrator.")
        )
    nxt = outcome.next_path
    method = outcome.provider.protocol.value if outcome.provider else "oidc"
    # The provider's MFA stands for the portal's, but never for a passkey the role needs.
    if outcome.mfa_by_provider and not passkeys.phishing_resistant_required(user):
        services.record_federated_sign_in(outcome, "none")
        return _finish(user, f"{method}+provider-mfa", nxt)
    step = auth_steps.next_step(user)  # the same steps as after a password
    if step is not None:
        services.record_federated_sign_in(outcome, STEP_LABELS[step])
        session.clear()
        auth_steps.set_pending(user, step, nxt)
        if step in auth_steps.MESSAGES:
            flash(auth_steps.MESSAGES[step], "info")
        return _continue_to(url_for(auth_steps.PAGES[step]))
    services.record_federated_sign_in(outcome, "none")
    return _finish(user, method, nxt)


STEP_LABELS = {
    auth_steps.VERIFY: "portal second factor",
    auth_steps.REGISTER_PASSKEY: "passkey registration",
    auth_steps.ENROL: "MFA enrolment",
}


def _finish(user: User, method: str, nxt: str):
    auth_services.complete_sign_in(user, method)
    session_rules.begin_session(user)
    flash(f"Signed in as {user.name}.", "success")
    return _continue_to(local_path(nxt) or url_for("main.dashboard"))


def _continue_to(target: str):
    """A page (not a redirect) that moves on: the next request starts on this site, so the
    browser sends the new SameSite=Strict session cookie with it."""
    response = make_response(render_template("federation/continue.html", target=target))
    response.headers["Refresh"] = f"0; url={target}"
    return response


@bp.route("/identities/<int:identity_id>/remove", methods=["POST"])
@authenticated
def remove_identity(identity_id: int):
    form = EmptyForm()
    if form.validate_on_submit():
        services.unlink(current_user, identity_id)
        flash("The linked sign-in is removed.", "info")
    return redirect(url_for("users.profile"))


# --- admins: providers ---------------------------------------------------------------


def _provider_form(provider: IdentityProvider | None) -> ProviderForm:
    form = ProviderForm(obj=provider)
    agencies = db.session.scalars(sa.select(Agency).order_by(Agency.name))
    form.agency_ids.choices = [(a.id, a.name) for a in agencies]
    if provider is not None and request.method == "GET":
        form.agency_ids.data = [a.id for a in provider.agencies]
    return form


def _save(provider: IdentityProvider | None):
    form = _provider_form(provider)
    if form.validate_on_submit():
        agencies = list(
            db.session.scalars(sa.select(Agency).where(Agency.id.in_(form.agency_ids.data or [])))
        )
        try:
            services.save_provider(
                provider,
                actor=current_user,
                name=form.name.data.strip(),
                protocol=Protocol(form.protocol.data),
                metadata_url=(form.metadata_url.data or "").strip(),
                client_id=(form.client_id.data or "").strip(),
                client_secret_env=(form.client_secret_env.data or "").strip(),
                saml_metadata_xml=form.saml_metadata_xml.data or "",
                saml_mfa_contexts=(form.saml_mfa_contexts.data or "").strip(),
                email_domains=form.email_domains.data,
                agencies=agencies,
                mfa_claim_counts=bool(form.mfa_claim_counts.data),
                enabled=bool(form.enabled.data),
            )
        except DomainError as err:
            show_error(form, err)
        else:
            flash("Provider saved.", "success")
            return redirect(url_for("federation.providers"))
    return form_page("federation/provider_form.html", form, provider=provider)


@bp.route("/providers")
@require(Permission.FEDERATION_MANAGE)
def providers():
    rows = db.session.scalars(sa.select(IdentityProvider).order_by(IdentityProvider.name))
    return render_template("federation/providers.html", providers=list(rows))


@bp.route("/providers/new", methods=["GET", "POST"])
@require(Permission.FEDERATION_MANAGE)
def new_provider():
    return _save(None)


@bp.route("/providers/<int:provider_id>", methods=["GET", "POST"])
@require(Permission.FEDERATION_MANAGE)
def edit_provider(provider_id: int):
    provider = db.session.get(IdentityProvider, provider_id)
    if provider is None:
        raise NotFound("No such provider.")
    return _save(provider)


# --- coordinators: link requests ---------------------------------------------------------


@bp.route("/requests")
@require(Permission.FEDERATION_REVIEW)
def requests_queue():
    query = (
        sa.select(LinkRequest)
        .where(LinkRequest.status == LinkRequestStatus.PENDING)
        .order_by(LinkRequest.created_at, LinkRequest.id)
    )
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template(
        "federation/requests.html", page=page, accept_form=AcceptLinkForm(), form=EmptyForm()
    )


def _pending_request_or_404(request_id: int) -> LinkRequest:
    link_request = db.session.get(LinkRequest, request_id)
    if link_request is None:
        raise NotFound("No such request.")
    return link_request


@bp.route("/requests/<int:request_id>/accept", methods=["POST"])
@require(Permission.FEDERATION_REVIEW)
def accept_request(request_id: int):
    link_request = _pending_request_or_404(request_id)
    form = AcceptLinkForm()
    if form.validate_on_submit():
        services.accept_request(link_request, form.account_email.data, actor=current_user)
        flash("The identity is linked.", "success")
    else:
        flash("Give the e-mail address of an existing account.", "danger")
    return redirect(url_for("federation.requests_queue"))


@bp.route("/requests/<int:request_id>/refuse", methods=["POST"])
@require(Permission.FEDERATION_REVIEW)
def refuse_request(request_id: int):
    link_request = _pending_request_or_404(request_id)
    if EmptyForm().validate_on_submit():
        services.refuse_request(link_request, actor=current_user)
        flash("The request is refused.", "info")
    return redirect(url_for("federation.requests_queue"))
