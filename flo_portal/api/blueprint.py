"""The /api/v1 blueprint and the rules every API request goes through.

* A bearer token (see ``tokens.load_user_from_bearer``) makes the request CSRF-exempt;
  a browser session calling the API keeps CSRF protection on writes.
* A read-scoped token may only use safe methods (403 ``insufficient_scope`` otherwise).
* Requests are rate-limited per token (``API_RATE_LIMIT``), per user for sessions.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from flo_portal.api.errors import ApiError
from flo_portal.api.models import TokenScope
from flo_portal.api.tokens import clear_token_marks
from flo_portal.core.extensions import csrf, limiter

bp = Blueprint("api", __name__)
# The converter of an object's id in an API route (``f"/agencies/<{ID}:agency_id>"``);
# ids past 2**31-1 answer 404 before the view runs (core.ids).
ID = "int"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

csrf.exempt(bp)  # re-applied below for session-authenticated writes


def rate_limit_key() -> str:
    if getattr(current_user, "via_token", False):
        return f"api-token:{current_user.token_id}"
    if current_user.is_authenticated:
        return f"api-user:{current_user.id}"
    return f"api-ip:{get_remote_address()}"


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(bp)


@bp.before_request
def api_request_rules():
    if request.method in SAFE_METHODS or not current_user.is_authenticated:
        return  # anonymous writes get 401 from the view guard
    if getattr(current_user, "via_token", False):
        if current_user.token_scope is not TokenScope.READ_WRITE:
            raise ApiError(
                403,
                "This token is read-only; make a read-write token to change things.",
                code="insufficient_scope",
            )
        return
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    return


bp.teardown_app_request(clear_token_marks)
