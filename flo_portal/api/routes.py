"""/api/v1: the account endpoint, the OpenAPI document and its reference page.

Feature endpoints live in the sibling modules imported at the bottom; they all attach
to the one ``bp`` from ``flo_portal.api.blueprint``.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user

from flo_portal.api.blueprint import bp
from flo_portal.api.docs import reference_sections
from flo_portal.api.models import ApiToken
from flo_portal.api.openapi import build_spec, iter_operations, operations
from flo_portal.api.schemas import AgencyRef, MeOut, TokenInfo
from flo_portal.core.extensions import db
from flo_portal.security import authenticated, public
from flo_portal.security.permissions import ROLE_PERMISSIONS, Role

__all__ = ["bp"]

op = operations("account")


@bp.route("/me")
@authenticated
@op("The caller's account", response=MeOut)
def me():
    """Who the token (or session) belongs to, with the permissions of their role."""
    token = None
    if getattr(current_user, "via_token", False):
        row = db.session.get(ApiToken, current_user.token_id)
        token = TokenInfo(id=row.id, name=row.name, scope=str(row.scope), expires_at=row.expires_at)
    agency = AgencyRef.model_validate(current_user.agency) if current_user.agency else None
    return MeOut(
        id=current_user.id,
        name=current_user.name,
        email=current_user.email,
        role=Role(current_user.role),
        agency=agency,
        timezone=current_user.timezone,
        permissions=sorted(str(p) for p in ROLE_PERMISSIONS[Role(current_user.role)]),
        token=token,
    )


@bp.route("/openapi.json")
@public
def openapi_document():
    response = current_app.response_class(
        current_app.json.dumps(build_spec(current_app)), mimetype="application/json"
    )
    return response


@bp.route("/docs")
@public
def reference():
    spec = build_spec(current_app)
    operations = len(list(iter_operations(current_app)))
    return render_template(
        "api/reference.html",
        spec=spec,
        sections=reference_sections(spec),
        operation_count=operations,
    )


# Feature endpoints (each module registers its views on ``bp``).
from flo_portal.api import agencies, briefings, products, rfis, roster  # noqa: E402, F401 - registers views on bp
