"""Deny-by-default view access.

Every view function declares who may use it with one of:

* ``@public`` — anyone, signed in or not (sign-in pages, health check);
* ``@authenticated`` — any signed-in user (their own profile, notifications);
* ``@require(Permission.X, ...)`` — signed-in users whose role holds *all* of them.

``enforce_declared_access`` runs before every request: a view that declared nothing
is refused with 403, so forgetting the decorator fails closed. Object-level checks
(this RFI, this officer) are policy functions in each feature; they answer 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from flo_portal.security.permissions import Permission, role_has

ACCESS_ATTR = "_flo_access"
PUBLIC = "public"
AUTHENTICATED = "authenticated"


def public(view: Callable) -> Callable:
    """Mark a view as open to anonymous users."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


def _unauthenticated():
    if _is_api_request():
        from flo_portal.core.errors import error_response

        response = error_response(401, "Sign in or send a valid token.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="flo-portal"'
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _forbidden():
    if _is_api_request():
        from flo_portal.core.errors import error_response

        return error_response(403, "Your role may not use this.")
    abort(403)


def _guard(view: Callable, permissions: tuple[Permission, ...]) -> Callable:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return _unauthenticated()
        if not all(can(p) for p in permissions):
            return _forbidden()
        return view(*args, **kwargs)

    setattr(wrapper, ACCESS_ATTR, permissions or AUTHENTICATED)
    return wrapper


def authenticated(view: Callable) -> Callable:
    """Any signed-in user may use the view."""
    return _guard(view, ())


def require(*permissions: Permission) -> Callable[[Callable], Callable]:
    """Signed-in users whose role holds every one of ``permissions``."""
    if not permissions:
        raise TypeError("require() needs at least one permission; use @authenticated")

    def decorator(view: Callable) -> Callable:
        return _guard(view, tuple(permissions))

    return decorator


def can(permission: Permission, user: Any = None) -> bool:
    """True when ``user`` (default: the current user) holds ``permission``."""
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return False
    return role_has(getattr(user, "role", None), permission)


def declared_access(view: Callable | None) -> Any:
    return getattr(view, ACCESS_ATTR, None) if view is not None else None


def enforce_declared_access():
    """before_request: refuse any endpoint whose view declared no access rule."""
    if request.endpoint is None:
        return None  # 404/405 handled by Flask
    if request.endpoint == "static" or request.endpoint.endswith(".static"):
        return None
    view = current_app.view_functions.get(request.endpoint)
    if declared_access(view) is None:
        current_app.logger.error("view %s declares no access rule: refused", request.endpoint)
        if not current_user.is_authenticated:
            return _unauthenticated()
        return _forbidden()
    return None
