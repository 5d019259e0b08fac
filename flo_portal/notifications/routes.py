"""The user's notices: list, open, mark read; and per-kind e-mail preferences."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from flo_portal.core.extensions import db
from flo_portal.core.formtools import EmptyForm
from flo_portal.notifications import services
from flo_portal.notifications.queries import get_own_notice_or_404
from flo_portal.security import authenticated
from flo_portal.security.redirects import local_path

bp = Blueprint("notifications", __name__)


@bp.route("/")
@authenticated
def index():
    unread_only = request.args.get("show") == "unread"
    page = db.paginate(
        services.user_notifications_query(current_user.id, unread_only=unread_only),
        per_page=25,
        error_out=False,
    )
    return render_template(
        "notifications/index.html",
        page=page,
        unread_only=unread_only,
        action_form=EmptyForm(),
    )


@bp.route("/<int:notification_id>/open", methods=["POST"])
@authenticated
def open_notice(notification_id: int):
    notice = get_own_notice_or_404(current_user, notification_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.mark_read(current_user.id, [notice.id])
    return redirect(local_path(notice.link) or url_for("notifications.index"))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@authenticated
def mark_read(notification_id: int):
    notice = get_own_notice_or_404(current_user, notification_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.mark_read(current_user.id, [notice.id])
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@authenticated
def mark_all_read():
    if not EmptyForm().validate_on_submit():
        abort(400)
    count = services.mark_read(current_user.id)
    flash(f"{count} notices marked read.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@authenticated
def preferences():
    form = EmptyForm()
    prefs = services.preferences_for(current_user.id)
    if form.validate_on_submit():
        known = {kind for kind, _label, _channel in prefs}
        choices = {}
        for kind in known:
            value = request.form.get(f"channel-{kind}", services.EMAIL)
            if value not in services.CHANNELS:
                abort(400)
            choices[kind] = value
        changed = services.set_preferences(current_user, choices)
        flash("Preferences saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", prefs=prefs, form=form)
