"""/dev/mail: the messages the sink caught, for administrators, in development only.

Outside ``MAIL_BACKEND=sink`` every page here answers 404 (production refuses the sink
at start-up, config.ProductionConfig.validate).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template

from flo_portal.core.extensions import db
from flo_portal.notifications.models import OutboxEmail
from flo_portal.security import Permission, require

bp = Blueprint("mailsink", __name__)


@bp.before_request
def _only_with_the_sink():
    if current_app.config.get("MAIL_BACKEND") != "sink":
        abort(404)


@bp.route("/")
@require(Permission.USERS_MANAGE)
def index():
    page = db.paginate(
        sa.select(OutboxEmail).order_by(OutboxEmail.id.desc()), per_page=50, error_out=False
    )
    return render_template("mailsink/index.html", page=page)


@bp.route("/<int:email_id>")
@require(Permission.USERS_MANAGE)
def message(email_id: int):
    email = db.session.get(OutboxEmail, email_id)
    if email is None:
        abort(404)
    return render_template("mailsink/message.html", email=email)
