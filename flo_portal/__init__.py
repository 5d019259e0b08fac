"""FLO Portal: the application factory."""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
from pathlib import Path

from flask import Flask, flash, has_request_context, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from config import BASE_DIR, CONFIGS, INSTANCE_DIR
from flo_portal.core import unit_of_work
from flo_portal.core.errors import DomainError
from flo_portal.core.extensions import csrf, db, limiter, login_manager, migrate
from flo_portal.core.formtools import refuse_control_characters_in_query
from flo_portal.core.ids import refuse_out_of_range_ids
from flo_portal.core.proxy import trust_proxies
from flo_portal.registry import BLUEPRINTS, CLI_MODULES, MODEL_MODULES, NAV, NAV_GROUPS

__version__ = "1.0.0"  # the release: footer, OpenAPI document, /readyz (see CHANGELOG.md)


def create_app(config: type | str | None = None, **overrides) -> Flask:
    """Build the app. ``config`` is a config class or its name; default from FLO_ENV."""
    if config is None or isinstance(config, str):
        config = CONFIGS[config or os.environ.get("FLO_ENV", "development")]
    if hasattr(config, "validate"):
        config.validate()

    app = unit_of_work.PortalFlask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config)
    app.config.update(overrides)
    if app.config.get("ENV_NAME") == "production" and (app.debug or app.config.get("DEBUG")):
        # FLASK_DEBUG=1 (or DEBUG=True) would serve tracebacks and the debugger to anyone.
        raise RuntimeError(
            "Refusing to start in production with debug on; unset FLASK_DEBUG and DEBUG."
        )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure_logging(app)
    trust_proxies(app)  # TRUSTED_PROXY_HOPS: client address from X-Forwarded-For

    for module in MODEL_MODULES:
        importlib.import_module(module)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from flo_portal.agreements import gate as agreements_gate
    from flo_portal.audit import reads
    from flo_portal.auth import mfa, session_rules
    from flo_portal.security.access import enforce_declared_access

    for module, prefix in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module).bp, url_prefix=prefix or None)
    for module in CLI_MODULES:
        importlib.import_module(module).register(app)

    # Order matters: load the user afresh, end idle sessions, hold back users who must
    # enrol in MFA, then those who must sign an agreement, then refuse undeclared views.
    app.before_request(_forget_cached_user)
    app.before_request(refuse_out_of_range_ids)
    app.before_request(refuse_control_characters_in_query)
    app.before_request(session_rules.expire_idle_session)
    app.before_request(mfa.require_enrolment)
    app.before_request(agreements_gate.require_current_agreements)
    app.before_request(enforce_declared_access)
    app.after_request(_security_headers)
    unit_of_work.before_commit(app, reads.write_read_events)
    unit_of_work.after_failure(app, reads.write_refusals)
    _register_error_pages(app)
    _register_template_helpers(app)
    return app


def _forget_cached_user() -> None:
    """Flask-Login caches the user on `g`; when an app context outlives one request
    (tests, CLI-driven clients) that cache would leak between requests."""
    from flask import g

    g.pop("_login_user", None)
    g.pop("flo_session_record", None)  # auth.session_rules: read with the user


def _configure_logging(app: Flask) -> None:
    """JSON logs with request id, user and endpoint; request latency metrics."""
    from flo_portal.ops import logs, metrics

    logs.configure(app)
    metrics.init_app(app)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    from flask import current_app

    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response


ERROR_TEXT = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Sign-in needed", "Please sign in."),
    403: ("Not allowed", "Your role does not allow this page."),
    404: ("Not found", "There is nothing here, or you may not see it."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    409: ("Conflict", "Someone else changed this meanwhile. Reload and try again."),
    413: ("Too large", "What you sent is larger than the portal accepts."),
    422: ("Invalid input", "Some of what you sent is not valid."),
    429: ("Too many requests", "Slow down and try again in a minute."),
    500: ("Something went wrong", "The error was logged. Please try again."),
    503: (
        "Temporarily unavailable",
        "The portal cannot reach its database just now. Please try again in a minute.",
    ),
}
RETRY_AFTER_SECONDS = 30


def _error_response(
    code: int, message: str | None = None, *, error_code: str | None = None, fields=None
):
    title, text = ERROR_TEXT.get(code, ("Error", "Something went wrong."))
    if request.path.startswith("/api/"):
        from flo_portal.core.errors import error_response

        return error_response(code, message or text, error_code, fields)
    return render_template("errors/error.html", code=code, title=title, text=message or text), code


def _same_site_referrer() -> str | None:
    """The referring page when it is one of ours (never an open redirect)."""
    from urllib.parse import urlsplit

    ref = request.referrer
    if not ref:
        return None
    parts = urlsplit(ref)
    if parts.netloc and parts.netloc != request.host:
        return None
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _is_database_unavailable(err: Exception) -> bool:
    """True for errors that mean the database is gone (refused, dropped, terminated),
    not for a query the database rejected."""
    if isinstance(err, sa_exc.DisconnectionError | sa_exc.OperationalError):
        return True
    return isinstance(err, sa_exc.DBAPIError) and bool(err.connection_invalidated)


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return _error_response(
            400, "The form expired or was tampered with. Go back, reload the page and retry."
        )

    @app.errorhandler(HTTPException)
    def http_error(err):
        if err.code in (301, 302, 303, 307, 308):
            return err
        if hasattr(err, "error_code"):  # flo_portal.api.errors.ApiError: code, message, fields
            return _error_response(
                err.code, err.description, error_code=err.error_code, fields=err.fields
            )
        response = _error_response(err.code or 500, None if err.code != 400 else err.description)
        if request.path.startswith("/api/") and getattr(err, "valid_methods", None):
            response.headers["Allow"] = ", ".join(err.valid_methods)  # 405 keeps its Allow
        return response

    @app.errorhandler(StaleDataError)
    def lost_update(err):
        """Two saves of the same version at the same instant: version_id_col let one win.

        An edit form that carries its version (formtools.stale_edit) is answered again
        against the now-current row, which shows the conflict page with the user's input;
        anything else (a button, the API) gets a plain 409 and changes nothing.
        """
        db.session.rollback()
        view = app.view_functions.get(request.endpoint or "")
        if (
            request.method == "POST"
            and "version" in request.form
            and not request.path.startswith("/api/")
            and view is not None
        ):
            try:
                response = app.dispatch_request()  # again, inside its own unit of work
            except StaleDataError:
                db.session.rollback()
            else:
                return response  # 409 and the conflict page, unless nothing would be lost
        return _error_response(409)

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        """A service refused: the API answers its JSON error body; a page flashes the
        message and goes back to the page the user came from (or shows the error page)."""
        if request.path.startswith("/api/"):
            from flo_portal.core.errors import error_response

            return error_response(err.status, err.message, err.code, err.fields)
        back = _same_site_referrer()
        if request.method == "POST" and back:
            flash(err.message, "danger")
            return redirect(back, 303)
        return _error_response(err.status, err.message)

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.DisconnectionError)
    def database_error(err):
        # A lost or unreachable database is not a bug in the request: 503, come back later.
        if not _is_database_unavailable(err):
            return unhandled(err)
        from flask import g

        app.logger.error("database unavailable on %s %s: %s", request.method, request.path, err)
        # Render as signed out: loading the user (layout, nav) would hit the database again.
        g._login_user = login_manager.anonymous_user()
        with contextlib.suppress(sa_exc.SQLAlchemyError):
            db.session.rollback()
        response = app.make_response(_error_response(503, error_code="database_unavailable"))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unhandled(err):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _error_response(500)


def _register_template_helpers(app: Flask) -> None:
    from flo_portal.core import display
    from flo_portal.security.access import can
    from flo_portal.security.permissions import Permission

    app.jinja_env.globals.update(can=can, Permission=Permission, portal_version=__version__)
    app.jinja_env.filters.update(
        localtime=display.localtime,
        date=display.format_date,
        timeago=display.format_date,
        plural=display.plural,
        code_label=display.code_label,
        select_options=display.select_options,
        notice_kind=_notice_kind,
    )
    app.jinja_env.tests["current_for"] = display.is_current_section

    @app.context_processor
    def nav_context():
        from flask_login import current_user

        from flo_portal.core.formtools import EmptyForm

        unread = 0
        if current_user.is_authenticated:
            from flo_portal.notifications.services import unread_count

            unread = unread_count(current_user.id)
        # formdata=None: the nav form must never read the request body (e.g. a 413 page).
        return {
            "unread_notifications": unread,
            "logout_form": EmptyForm(formdata=None),
            "nav_entries": _nav_entries(current_user),
            "layout_urls": (
                _layout_urls(request.script_root, app.config["CENTER_LOGO"])
                if has_request_context()
                else {}
            ),
        }


def _notice_kind(kind: str) -> str:
    from flo_portal.notifications.services import kind_label

    return kind_label(kind)


NavMenu = tuple[str, tuple[tuple[str, str], ...]]

# The addresses every page's layout links to (templates/layouts/base.html), by name.
LAYOUT_ENDPOINTS = {
    "home": ("main.index", {}),
    "dashboard": ("main.dashboard", {}),
    "notifications": ("notifications.index", {}),
    "search": ("search.index", {}),
    "profile": ("users.profile", {}),
    "logout": ("auth.logout", {}),
    "favicon": ("static", {"filename": "favicon.svg"}),
    "bootstrap_css": ("static", {"filename": "vendor/bootstrap/bootstrap.min.css"}),
    "icons_css": ("static", {"filename": "vendor/bootstrap-icons/bootstrap-icons.min.css"}),
    "app_css": ("static", {"filename": "css/app.css"}),
    "bootstrap_js": ("static", {"filename": "vendor/bootstrap/bootstrap.bundle.min.js"}),
    "htmx_js": ("static", {"filename": "vendor/htmx/htmx.min.js"}),
    "app_js": ("static", {"filename": "js/app.js"}),
}


@functools.lru_cache(maxsize=16)
def _layout_urls(script_root: str, logo: str) -> dict[str, str]:
    """The layout's links, built once per script root (and logo) rather than with ~14
    url_for calls on every page: they depend on nothing else."""
    from flask import url_for

    urls = {name: url_for(endpoint, **args) for name, (endpoint, args) in LAYOUT_ENDPOINTS.items()}
    urls["logo"] = url_for("static", filename=logo)
    return urls


def _nav_entries(user) -> tuple[NavMenu, ...]:
    """The menus of the navigation ``user`` may open, as (label, ((label, url), ...)):
    for each slot of the manifest, its first option the user's role allows, gathered in
    the menus of ``NAV_GROUPS``; a menu of one entry is that entry. It depends on the
    role alone, so it is worked out once per role (and script root)."""
    if not getattr(user, "is_authenticated", False):
        return ()
    from flask import request

    return _nav_for_role(str(user.role), request.script_root)


@functools.lru_cache(maxsize=64)
def _nav_for_role(role: str, script_root: str) -> tuple[NavMenu, ...]:
    from flask import url_for

    grouped: dict[str, list[tuple[str, str]]] = {g: [] for g in NAV_GROUPS}
    loose: list[NavMenu] = []
    for options in NAV:
        for option in options:
            if option.allows_role(role):
                entry = (option.label, url_for(option.endpoint))
                if option.group in grouped:
                    grouped[option.group].append(entry)
                else:
                    loose.append((option.label, (entry,)))
                break
    menus: list[NavMenu] = [
        (group if len(entries) > 1 else entries[0][0], tuple(entries))
        for group, entries in grouped.items()
        if entries
    ]
    return tuple(menus + loose)
