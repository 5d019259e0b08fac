"""before_request: agreements a signed-in user must sign.

Beside the MFA enrolment rule in the app factory's request pipeline. A current version
the user's role must sign and they have not:

* within its grace period (``AGREEMENT_GRACE_DAYS`` from its effective date), the first
  page after sign-in is the agreement (once per session: the flag lives in the session,
  which sign-in starts afresh);
* after it, only the account pages, sign-out and the agreements open; the API answers
  403 JSON saying so.
"""

from __future__ import annotations

from flask import flash, redirect, request, session, url_for
from flask_login import current_user

from flo_portal.agreements import queries

ASKED_KEY = "agreements_asked"

# Endpoints open to a user whose grace period has ended.
OPEN_ENDPOINTS = frozenset(
    {
        "static",
        "auth.logout",
        "auth.mfa_setup",
        "auth.password_change",
        "roster.me",
        "agreements.index",
        "agreements.view",
        "agreements.sign",
        "agreements.pdf",
    }
)
OPEN_BLUEPRINTS = frozenset({"users"})  # the user's own account page


def _is_open(endpoint: str | None) -> bool:
    if endpoint is None or endpoint in OPEN_ENDPOINTS:
        return True
    return endpoint.split(".", 1)[0] in OPEN_BLUEPRINTS


def require_current_agreements():
    """Ask for, then insist on, the signatures of the current versions."""
    if _is_open(request.endpoint) or not current_user.is_authenticated:
        return None
    unsigned = queries.unsigned_current_versions(current_user)
    if not unsigned:
        return None
    api = request.path.startswith("/api/") or getattr(current_user, "via_token", False)
    overdue = [v for v in unsigned if queries.is_overdue(v)]
    if overdue:
        names = ", ".join(f"{v.title} (version {v.version})" for v in overdue)
        message = (
            f"Sign {names} first: its grace period has ended, so until you sign only "
            "your account and the agreement are open."
        )
        if api:
            from flo_portal.core.errors import error_response

            return error_response(403, message, "agreement_unsigned")
        flash(message, "warning")
        return redirect(url_for("agreements.view", version_id=overdue[0].id))
    if api or request.method != "GET" or request.headers.get("HX-Request"):
        return None  # asked on a page, not in a fragment or a form's answer
    if session.get(ASKED_KEY):
        return None
    session[ASKED_KEY] = True
    first = unsigned[0]
    flash(
        f"Please read and sign {first.title} (version {first.version}) by "
        f"{queries.sign_by(first).isoformat()}.",
        "info",
    )
    return redirect(
        url_for("agreements.view", version_id=first.id, next=request.full_path.rstrip("?"))
    )
