"""The user's own page for personal access tokens (linked from their account page)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from flo_portal.api.forms import NewTokenForm
from flo_portal.api.models import ApiToken, TokenScope
from flo_portal.api.tokens import (
    MAX_ACTIVE_TOKENS,
    count_usable_tokens,
    create_token,
    forget_token_use,
    get_own_token_or_404,
    keep_token_use,
    revoke_token,
    tokens_of,
)
from flo_portal.core import unit_of_work
from flo_portal.core.formtools import EmptyForm
from flo_portal.security import authenticated

bp = Blueprint("api_tokens", __name__)


def _api_tokens_of_current_user() -> list[ApiToken]:
    return tokens_of(current_user) if current_user.is_authenticated else []


# The account page's include (templates/users/_profile_sections.html) lists the tokens.
bp.record_once(
    lambda state: state.app.jinja_env.globals.update(my_api_tokens=_api_tokens_of_current_user)
)


def _keep_token_use_in_the_unit_of_work(state) -> None:
    """A bearer token's "last used" is written by the request loader (api/tokens.py) and
    committed with the request; a failed request keeps it too."""
    unit_of_work.before_commit(state.app, forget_token_use)
    unit_of_work.after_failure(state.app, keep_token_use)


bp.record_once(_keep_token_use_in_the_unit_of_work)


@bp.route("/", methods=["GET", "POST"])
@authenticated
def index():
    form = NewTokenForm()
    if form.validate_on_submit():
        if count_usable_tokens(current_user) >= MAX_ACTIVE_TOKENS:
            flash(
                f"You already have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.",
                "warning",
            )
            return redirect(url_for("api_tokens.index"))
        token, token_text = create_token(
            current_user,
            form.name.data,
            TokenScope(form.scope.data),
            int(form.expires_in_days.data),
        )
        # Shown once, in this response only; never stored, never in a redirect or flash.
        return render_template("api/token_created.html", token=token, token_text=token_text)
    return render_template(
        "api/tokens.html",
        form=form,
        tokens=tokens_of(current_user),
        action_form=EmptyForm(),
    )


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@authenticated
def revoke(token_id: int):
    token = get_own_token_or_404(current_user, token_id)
    if EmptyForm().validate_on_submit() and revoke_token(token, current_user):
        flash(f"Token “{token.name}” revoked.", "success")
    return redirect(url_for("api_tokens.index"))
