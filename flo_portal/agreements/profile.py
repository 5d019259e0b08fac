"""The "Agreements" section of an officer's profile: what they signed, in the portal or
(carried over from the typed dates) on paper, and what they still must sign."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from flo_portal.agreements.models import AgreementSignature, AgreementVersion, SignatureMethod
from flo_portal.agreements.queries import current_versions_for_role
from flo_portal.core.display import localtime
from flo_portal.core.extensions import db
from flo_portal.roster.profile_sections import profile_section
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission, Role

LIMIT = 10


@profile_section
def agreements_of_officer(viewer, officer) -> dict | None:
    """The officer's signatures (newest first) and the current FLO versions unsigned;
    for those who manage agreements (the officer's own page shows theirs at /agreements)."""
    if not can(Permission.AGREEMENT_MANAGE, viewer):
        return None
    who = AgreementSignature.officer_id == officer.id
    if officer.user_id is not None:
        who = sa.or_(who, AgreementSignature.user_id == officer.user_id)
    rows = db.session.execute(
        sa.select(AgreementSignature, AgreementVersion)
        .join(AgreementVersion, AgreementVersion.id == AgreementSignature.version_id)
        .where(who)
        .order_by(AgreementSignature.signed_at.desc())
        .limit(LIMIT)
    ).all()
    items = []
    signed = set()
    for sig, version in rows:
        signed.add(version.id)
        how = (
            f"on paper, {sig.paper_signed_on.isoformat()}"
            if sig.method == SignatureMethod.PAPER and sig.paper_signed_on
            else f"in the portal, {localtime(sig.signed_at, '%Y-%m-%d %H:%M')}"
        )
        items.append(
            {
                "label": f"{version.title} (version {version.version})",
                "link": url_for("agreements.view", version_id=version.id),
                "meta": f"signed {how}",
            }
        )
    for version in current_versions_for_role(Role.LIAISON_OFFICER):
        if version.id not in signed:
            items.insert(
                0,
                {
                    "label": f"{version.title} (version {version.version})",
                    "link": url_for("agreements.view", version_id=version.id),
                    "meta": "not signed",
                },
            )
    return {"title": "Agreements", "items": items, "empty": "No agreement signed."}
