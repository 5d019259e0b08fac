"""Agreement changes: publish a version, sign it, tell and remind those who must sign.

Services take the acting user, flush and audit; the unit of work (or the job runner)
commits.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

import sqlalchemy as sa

from flo_portal.agreements import queries
from flo_portal.agreements.models import (
    AgreementKind,
    AgreementRole,
    AgreementSignature,
    AgreementVersion,
    SignatureMethod,
    VersionStatus,
)
from flo_portal.audit.services import record as audit
from flo_portal.core import clock
from flo_portal.core.errors import Conflict, InputError
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.core.uploads import check_upload, store_file
from flo_portal.notifications.services import Notice, notify_many
from flo_portal.security.permissions import Role

KIND = "agreement"
UPLOAD_AREA = "agreements"


def version_path(version_id: int) -> str:
    """The version's page, without needing a request (jobs, notices)."""
    return f"/agreements/{version_id}"


def content_digest(body_md: str, pdf: bytes = b"") -> str:
    """The SHA-256 kept with a version: of its text, then its PDF's bytes."""
    return hashlib.sha256(body_md.encode() + pdf).hexdigest()


def publish_version(
    actor,
    *,
    kind: str,
    version: str,
    title: str,
    body_md: str = "",
    pdf: tuple[str, bytes] | None = None,
    effective_on: date,
    roles: list[str],
) -> AgreementVersion:
    """Publish a new version (immutable from now on) with its SHA-256; when it is already
    in effect, everyone who must sign is told at once (else the announcement job tells
    them on its effective date). Refused with InputError for a bad field."""
    try:
        kind_value = AgreementKind(kind)
    except ValueError:
        raise InputError("Choose a kind of agreement.", field="kind") from None
    version, title, body_md = version.strip(), title.strip(), (body_md or "").strip()
    if not version:
        raise InputError("Give a version number.", field="version")
    if not title:
        raise InputError("Give a title.", field="title")
    wanted = sorted({Role(r) for r in roles if r in Role._value2member_map_})
    if not wanted:
        raise InputError("Choose at least one role that must sign.", field="roles")
    if effective_on < clock.today():
        raise InputError("The effective date cannot be in the past.", field="effective_on")
    if db.session.scalar(
        sa.select(AgreementVersion.id).where(
            AgreementVersion.kind == kind_value, AgreementVersion.version == version
        )
    ):
        raise InputError(
            f"Version {version} of this agreement exists already; versions never change, "
            "give the new one its own number.",
            field="version",
        )
    pdf_bytes, pdf_path, pdf_name = b"", "", ""
    if pdf is not None:
        checked = check_upload(pdf[0], pdf[1], allowed=("pdf",))
        pdf_bytes, pdf_name = pdf[1], checked.filename
        pdf_path = store_file(UPLOAD_AREA, pdf_bytes, suffix=".pdf")
    if not body_md and not pdf_bytes:
        raise InputError("Give the agreement's text or upload it as a PDF.", field="body_md")
    row = AgreementVersion(
        kind=kind_value,
        version=version,
        title=title[:200],
        body_md=body_md,
        pdf_path=pdf_path,
        pdf_name=pdf_name,
        sha256=content_digest(body_md, pdf_bytes),
        effective_on=effective_on,
        status=VersionStatus.PUBLISHED,
        published_at=utcnow(),
        published_by_id=getattr(actor, "id", None),
        roles=[AgreementRole(role=r) for r in wanted],
    )
    db.session.add(row)
    db.session.flush()
    audit(
        "agreement.published",
        row,
        summary=f"{row.title} v{row.version}, effective {effective_on.isoformat()}",
        details={
            "kind": kind_value.value,
            "version": version,
            "sha256": row.sha256,
            "effective_on": effective_on.isoformat(),
            "roles": [r.value for r in wanted],
        },
        actor=actor,
    )
    if effective_on <= clock.today():
        _announce(row, utcnow())
    return row


def _normalised_name(name: str) -> str:
    return re.sub(r"\s+", " ", (name or "").strip()).casefold()


def sign(user, version: AgreementVersion, *, typed_name: str, ip: str, user_agent: str):
    """``user`` signs ``version`` by typing their full name (as on their account, case
    and spacing aside). Records who, which version and its hash, when and from where,
    and audits it. Refused: InputError (422) for a name that does not match, Conflict
    (409) when the version is not one the user must sign now or is signed already."""
    if version.id not in {v.id for v in queries.current_versions_for_role(user.role)}:
        raise Conflict("This version is not one you are asked to sign.")
    if queries.signature_of(user, version) is not None:
        raise Conflict("You have signed this version already.")
    if _normalised_name(typed_name) != _normalised_name(user.name):
        raise InputError(
            f"Type your full name as it is on your account ({user.name}).", field="full_name"
        )
    from flo_portal.roster.models import Officer

    officer_id = db.session.scalar(sa.select(Officer.id).where(Officer.user_id == user.id))
    signature = AgreementSignature(
        version_id=version.id,
        version_sha256=version.sha256,
        user_id=user.id,
        officer_id=officer_id,
        method=SignatureMethod.PORTAL,
        signed_name=" ".join(typed_name.split())[:200],
        signed_at=utcnow(),
        ip=(ip or "")[:45],
        user_agent=(user_agent or "")[:255],
    )
    db.session.add(signature)
    db.session.flush()
    audit(
        "agreement.signed",
        version,
        summary=f"{user.name} signed {version.title} v{version.version}",
        details={
            "signature_id": signature.id,
            "sha256": version.sha256,
            "ip": signature.ip,
            "user_agent": signature.user_agent,
        },
        actor=user,
    )
    return signature


def _notices(version: AgreementVersion, users, *, purpose: str, title: str, body: str):
    return [
        Notice(
            user,
            KIND,
            title,
            body,
            version_path(version.id),
            dedupe_key=f"agreement:{version.id}:{purpose}:user:{user.id}",
        )
        for user in users
    ]


def _announce(version: AgreementVersion, now: datetime) -> int:
    """Tell everyone who must sign ``version`` and has not (one notice and mail each),
    and mark the version announced. Safe to repeat: the dedupe keys keep it once each."""
    version.announced_at = now
    users = db.session.scalars(queries.unsigned_users_query(version)).all()
    sign_by = queries.sign_by(version)
    notices = _notices(
        version,
        users,
        purpose="announce",
        title=f"Please sign: {version.title} (version {version.version})",
        body=f"A new version took effect on {version.effective_on.isoformat()}. Read and "
        f"sign it in the portal by {sign_by.isoformat()}; after that date the portal only "
        "opens your account and the agreement until you sign.",
    )
    new = notify_many(notices)
    db.session.flush()
    return new


def announce_effective_versions(now: datetime) -> dict:
    """Job: the published versions that took effect and were not announced yet are
    announced (a superseded one is only marked). Driven by ``announced_at``; the runner
    commits. Returns counts."""
    today = clock.today()
    current = set(db.session.scalars(queries.current_versions_subquery(today)))
    due = db.session.scalars(
        sa.select(AgreementVersion)
        .where(
            AgreementVersion.status == VersionStatus.PUBLISHED,
            AgreementVersion.effective_on <= today,
            AgreementVersion.announced_at.is_(None),
        )
        .order_by(AgreementVersion.id)
        .with_for_update(skip_locked=True)
    ).all()
    told = versions = 0
    for version in due:
        if version.id in current:
            told += _announce(version, now)
            versions += 1
        else:
            version.announced_at = now
    db.session.flush()
    return {"versions": versions, "told": told}


def remind_unsigned(
    actor, version: AgreementVersion, *, agency_id: int | None = None, center: bool = False
) -> int:
    """Remind, in one batch, everyone (of one agency, or the center's staff) who must sign
    ``version`` and has not: one notice and mail each, at most once a day. Audited once;
    returns how many were reminded."""
    users = db.session.scalars(
        queries.unsigned_users_query(version, agency_id, center=center)
    ).all()
    today = clock.today().isoformat()
    notices = _notices(
        version,
        users,
        purpose=f"remind:{today}",
        title=f"Reminder: please sign {version.title} (version {version.version})",
        body=f"Sign it in the portal by {queries.sign_by(version).isoformat()}.",
    )
    sent = notify_many(notices)
    audit(
        "agreement.reminded",
        version,
        summary=f"{sent} reminded to sign {version.title} v{version.version}",
        details={"agency_id": agency_id, "center": center, "reminded": sent},
        actor=actor,
    )
    return sent


__all__ = [
    "announce_effective_versions",
    "content_digest",
    "publish_version",
    "remind_unsigned",
    "sign",
]
