"""Loading the signed-in user and ending idle sessions."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from flo_portal.extensions import db, login_manager
from flo_portal.users.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """IDs are "<id>:<session token>": rotating the token signs out every session."""
    try:
        raw_id, token = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or user.session_token != token or not user.is_active_account:
        return None
    return user


def expire_idle_session():
    """before_request: sign out a browser session idle longer than SESSION_IDLE_MINUTES."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    if getattr(current_user, "via_token", False):
        return None  # API token requests carry no session
    now = int(time.time())
    last_seen = session.get("last_seen")
    limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    if last_seen is None or now - int(last_seen) > limit:
        logout_user()
        session.clear()
        if request.path.startswith("/api/"):
            return None  # the guard answers 401
        flash("Your session ended after a period of inactivity. Please sign in again.", "warning")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    session["last_seen"] = now
    return None
