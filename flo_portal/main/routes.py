"""The dashboard and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user

from flo_portal.core.extensions import db
from flo_portal.dashboard import dashboard_cards
from flo_portal.security import authenticated, public

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@authenticated
def dashboard():
    return render_template("main/dashboard.html", cards=dashboard_cards(current_user))


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        body: dict = {"status": "ok", "database": "ok"}
        if db.engine.dialect.name == "postgresql":
            # Without autovacuum, dead rows pile up and list pages slow down week by week
            # (the RFI queue ran at half speed until a manual VACUUM): say so to monitoring.
            autovacuum = db.session.scalar(sa.text("SELECT current_setting('autovacuum')"))
            body["autovacuum"] = autovacuum
            if autovacuum != "on":
                body["warnings"] = ["PostgreSQL autovacuum is off: turn it on (postgresql.conf)."]
        return jsonify(body)
    except Exception:  # the unit of work rolls back a 503
        return jsonify({"status": "error", "database": "unreachable"}), 503
