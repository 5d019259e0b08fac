"""The Following page (account area): list, follow, unfollow, how to be told; and the
follower counts for coordinators."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from flo_portal.agencies.models import Discipline
from flo_portal.core.errors import InputError
from flo_portal.core.formtools import EmptyForm, form_page, show_error
from flo_portal.notifications.services import EMAIL, channel_for
from flo_portal.products.models import ProductType
from flo_portal.security import Permission, authenticated, require
from flo_portal.security.redirects import local_path
from flo_portal.subscriptions import services
from flo_portal.subscriptions.forms import DeliveryForm, FollowForm
from flo_portal.subscriptions.kinds import KINDS, normal_text

bp = Blueprint("subscriptions", __name__)


def _page(follow_form=None, delivery_form=None):
    delivery_form = delivery_form or DeliveryForm(
        formdata=None, delivery=services.delivery_for(current_user)
    )
    follow_form = follow_form or FollowForm(formdata=None)
    suggestions = [t.label for t in ProductType] + [d.label for d in Discipline]
    suggestions += [a.name for a in services.followable_agencies(current_user)]
    return form_page(
        "subscriptions/index.html",
        follow_form,
        delivery_form=delivery_form,
        followed=services.followed(current_user),
        suggestions=suggestions,
        digest_on=channel_for(current_user.id, "digest") == EMAIL,
        action_form=EmptyForm(),
    )


@bp.route("/", methods=["GET", "POST"])
@authenticated
def index():
    form = FollowForm()
    if form.validate_on_submit():
        try:
            sub = services.follow(current_user, form.kind.data, form.value.data)
        except InputError as err:
            show_error(form, err)
        else:
            flash(
                f"You now follow {KINDS[sub.kind].label.lower()} “{form.value.data.strip()}”.",
                "success",
            )
            return redirect(local_path(form.next.data) or url_for("subscriptions.index"))
    return _page(follow_form=form)


@bp.route("/<int:subscription_id>/remove", methods=["POST"])
@authenticated
def remove(subscription_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.unfollow(current_user, subscription_id)
    flash("You no longer follow it.", "success")
    return redirect(url_for("subscriptions.index"))


@bp.route("/delivery", methods=["POST"])
@authenticated
def delivery():
    form = DeliveryForm()
    if form.validate_on_submit():
        changed = services.set_delivery(current_user, form.delivery.data)
        flash("Saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("subscriptions.index"))
    return _page(delivery_form=form)


@bp.route("/counts")
@require(Permission.PRODUCT_REACH)
def counts():
    return render_template("subscriptions/counts.html", rows=services.follower_counts())


def follow_options(item) -> list[tuple[str, str, str, bool]]:
    """(kind, value, label, already followed) a product or briefing page offers to follow:
    its topics and, for a product, its type."""
    if not current_user.is_authenticated:
        return []
    raw = getattr(item, "topics", None)
    if raw is None:
        raw = getattr(item, "topic", "") or ""
    options = [("topic", t, t) for t in dict.fromkeys(normal_text(p) for p in raw.split(",")) if t]
    if getattr(item, "product_type", None):
        options.append(
            ("product_type", str(item.product_type), ProductType(item.product_type).label)
        )
    mine = services.followed_keys(current_user)
    return [(k, v, label, (k, v) in mine) for k, v, label in options]


bp.record_once(lambda state: state.app.jinja_env.globals.update(follow_options=follow_options))
