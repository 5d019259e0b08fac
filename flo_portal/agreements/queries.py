"""Reading agreements: the current versions, who must sign them, who has signed.

"Current": of each kind, the published version with the latest effective date that has
been reached (``core.clock.today()``, the center's date). A signature counts for a user
when it names the account, or the officer record linked to it (paper signatures).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy.pagination import SelectPagination

from flo_portal.agreements.models import (
    AgreementRole,
    AgreementSignature,
    AgreementVersion,
    VersionStatus,
)
from flo_portal.core import clock, request_cache
from flo_portal.core.extensions import db, requested_page
from flo_portal.core.request_cache import per_request
from flo_portal.roster.models import Officer
from flo_portal.security.permissions import Role
from flo_portal.users.models import User


def current_versions_subquery(today: date | None = None):
    """The ids of the current version of each kind (one row per kind at most)."""
    today = clock.today() if today is None else today
    ranked = (
        sa.select(
            AgreementVersion.id.label("id"),
            sa.func.row_number()
            .over(
                partition_by=AgreementVersion.kind,
                order_by=(AgreementVersion.effective_on.desc(), AgreementVersion.id.desc()),
            )
            .label("rank"),
        )
        .where(
            AgreementVersion.status == VersionStatus.PUBLISHED,
            AgreementVersion.effective_on <= today,
        )
        .subquery()
    )
    return sa.select(ranked.c.id).where(ranked.c.rank == 1)


@per_request
def current_versions_for_role(role: Role | str, today: date | None = None) -> list:
    """The current versions ``role`` must sign, by kind (read once per request: the
    officer profile's onboarding check and its agreements section both ask it)."""
    return list(
        db.session.scalars(
            sa.select(AgreementVersion)
            .join(AgreementRole, AgreementRole.version_id == AgreementVersion.id)
            .where(
                AgreementVersion.id.in_(current_versions_subquery(today)),
                AgreementRole.role == Role(role),
            )
            .order_by(AgreementVersion.kind)
        )
    )


def signed_by(user_id):
    """SQL: the signature is by ``user_id`` (a column or a value): in the portal, or on
    paper through the officer record linked to the account."""
    return sa.or_(
        AgreementSignature.user_id == user_id,
        AgreementSignature.officer_id.in_(sa.select(Officer.id).where(Officer.user_id == user_id)),
    )


def signatures_of_user(version_id, user_id):
    """SELECT of the signatures of version ``version_id`` by ``user_id`` (columns or values)."""
    return sa.select(AgreementSignature.id).where(
        AgreementSignature.version_id == version_id,
        signed_by(user_id),
    )


# Whether any current version awaits the user's signature, read in the signed-in user's
# own statement (``auth.session_rules.load_user``, ``core.request_cache.note``): the gate
# then asks for the versions only when there are some.
ANY_UNSIGNED = "any_unsigned_agreement"


def unsigned_current_versions(user) -> list[AgreementVersion]:
    """The current versions ``user``'s role must sign that they have not signed (one query,
    built once per process: every signed-in request asks it, in the gate)."""
    if request_cache.noted(ANY_UNSIGNED, user.id) is False:
        return []
    return list(
        db.session.scalars(
            _unsigned_current_versions(),
            {"role": Role(user.role), "user_id": user.id, "today": clock.today()},
        )
    )


def _unsigned_current(user_id, role, today) -> sa.Select:
    return (
        sa.select(AgreementVersion)
        .join(AgreementRole, AgreementRole.version_id == AgreementVersion.id)
        .where(
            AgreementVersion.id.in_(current_versions_subquery(today)),
            AgreementRole.role == role,
            ~sa.exists(signatures_of_user(AgreementVersion.id, user_id)),
        )
    )


@functools.cache
def _unsigned_current_versions():
    return _unsigned_current(
        sa.bindparam("user_id", type_=sa.Integer), sa.bindparam("role"), sa.bindparam("today")
    ).order_by(AgreementVersion.effective_on, AgreementVersion.kind)


def any_unsigned_current_column(user_id, role, today) -> sa.Exists:
    """SQL: ``unsigned_current_versions`` of the user ``user_id`` (a bind parameter) with
    ``role`` (the user's column in the enclosing statement) is not empty on ``today``."""
    return sa.exists(_unsigned_current(user_id, role, today))


def note_any_unsigned(user_id: int, any_unsigned: bool) -> None:
    """Keep whether ``user_id`` has current versions to sign, for this request."""
    request_cache.note(ANY_UNSIGNED, user_id, bool(any_unsigned))


def grace_days() -> int:
    return int(current_app.config["AGREEMENT_GRACE_DAYS"])


def sign_by(version: AgreementVersion) -> date:
    """The last day the version may be left unsigned; from the next day access is gated."""
    return version.effective_on + timedelta(days=grace_days())


def is_overdue(version: AgreementVersion, today: date | None = None) -> bool:
    return (today or clock.today()) > sign_by(version)


def signature_of(user, version: AgreementVersion) -> AgreementSignature | None:
    return signatures_by_version(user, [version]).get(version.id)


def signatures_by_version(user, versions) -> dict[int, AgreementSignature]:
    """{version id: the user's signature} for those of ``versions`` they signed (one query)."""
    ids = [v.id for v in versions]
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(AgreementSignature).where(
            AgreementSignature.version_id.in_(ids),
            signed_by(user.id),
        )
    )
    return {sig.version_id: sig for sig in rows}


def versions_query(kind: str | None = None):
    """Every version, newest effective first (the coordinator's list)."""
    stmt = sa.select(AgreementVersion).order_by(
        AgreementVersion.effective_on.desc(), AgreementVersion.id.desc()
    )
    if kind:
        stmt = stmt.where(AgreementVersion.kind == kind)
    return stmt


def must_sign_users(version: AgreementVersion):
    """SELECT of the active accounts whose role must sign ``version``."""
    return sa.select(User).where(
        User.is_active_account.is_(True),
        User.role.in_(sa.select(AgreementRole.role).where(AgreementRole.version_id == version.id)),
    )


def unsigned_users_query(version: AgreementVersion, agency_id: int | None = None, *, center=False):
    """SELECT of the accounts that must sign ``version`` and have not, by name; for one
    agency when given (``center``: the center's staff, who have no agency)."""
    stmt = must_sign_users(version).where(~sa.exists(signatures_of_user(version.id, User.id)))
    if center:
        stmt = stmt.where(User.agency_id.is_(None))
    elif agency_id is not None:
        stmt = stmt.where(User.agency_id == agency_id)
    return stmt.order_by(User.name, User.id)


class RowsPagination(SelectPagination):
    """db.paginate for a SELECT of several columns (an aggregate): the items are rows."""

    def _query_items(self) -> list:
        stmt = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(stmt).all())


def signing_by_agency(version: AgreementVersion):
    """SELECT, per agency, of how many must sign ``version``, how many have and how many
    have not: one aggregate grouped in SQL (the center's staff are the row with no
    agency), most unsigned first. Paginate it with ``RowsPagination``."""
    from flo_portal.agencies.models import Agency

    base = must_sign_users(version).subquery()
    grouped = (
        sa.select(
            base.c.agency_id.label("agency_id"),
            sa.func.count().label("must_sign"),
            sa.func.sum(
                sa.case((sa.exists(signatures_of_user(version.id, base.c.id)), 1), else_=0)
            ).label("signed"),
        )
        .group_by(base.c.agency_id)
        .subquery()
    )
    unsigned = grouped.c.must_sign - grouped.c.signed
    return (
        sa.select(
            grouped.c.agency_id,
            sa.func.coalesce(Agency.name, "Center staff").label("agency_name"),
            grouped.c.must_sign,
            grouped.c.signed,
            unsigned.label("unsigned"),
        )
        .outerjoin(Agency, Agency.id == grouped.c.agency_id)
        .order_by(unsigned.desc(), sa.func.coalesce(Agency.name, ""), grouped.c.agency_id)
    )


def paginate_rows(stmt, per_page: int) -> RowsPagination:
    return RowsPagination(
        select=stmt, session=db.session, page=requested_page(), per_page=per_page, error_out=False
    )


def officer_agreement_problems(officer, versions: list | None = None) -> tuple[set, list[str]]:
    """For an officer's activation: the kinds that have a current version FLOs must sign,
    and a line for each such version the officer has not signed (through their account,
    or on paper). An officer not yet stored (an import row) has signed nothing.
    ``versions``: the current FLO versions, when the caller read them once already."""
    if versions is None:
        versions = current_versions_for_role(Role.LIAISON_OFFICER)
    kinds = {str(v.kind) for v in versions}
    if not versions:
        return kinds, []
    signed: set[int] = set()
    officer_id = getattr(officer, "id", None)
    if officer_id is not None:
        user_id = getattr(officer, "user_id", None)
        who = AgreementSignature.officer_id == officer_id
        if user_id is not None:
            who = sa.or_(who, AgreementSignature.user_id == user_id)
        signed = set(
            db.session.scalars(
                sa.select(AgreementSignature.version_id).where(
                    AgreementSignature.version_id.in_([v.id for v in versions]), who
                )
            )
        )
    missing = [
        f"signature of the current {v.kind_label.split(' (')[0].lower()} (version {v.version})"
        for v in versions
        if v.id not in signed
    ]
    return kinds, missing
