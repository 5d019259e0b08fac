"""Who may see which agreement version: coordinators (``agreement:manage``) see every
version; anyone else the published versions their role must sign, and any version they
signed. One SQL condition, used by the lists and (for one row) by the loader."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.agreements.models import AgreementRole, AgreementVersion, VersionStatus
from flo_portal.agreements.queries import signatures_of_user
from flo_portal.audit.reads import refuse
from flo_portal.core.extensions import db
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission


def visible_versions_condition(user):
    if not getattr(user, "is_authenticated", False):
        return sa.false()
    if can(Permission.AGREEMENT_MANAGE, user):
        return sa.true()
    must_sign = sa.and_(
        AgreementVersion.status == VersionStatus.PUBLISHED,
        sa.exists(
            sa.select(AgreementRole.role).where(
                AgreementRole.version_id == AgreementVersion.id, AgreementRole.role == user.role
            )
        ),
    )
    return sa.or_(must_sign, sa.exists(signatures_of_user(AgreementVersion.id, user.id)))


def get_visible_version_or_404(user, version_id: int) -> AgreementVersion:
    version = db.session.scalar(
        sa.select(AgreementVersion).where(
            AgreementVersion.id == version_id, visible_versions_condition(user)
        )
    )
    if version is None:
        refuse(db.session.get(AgreementVersion, version_id))
    return version
