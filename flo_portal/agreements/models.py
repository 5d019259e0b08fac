"""Agreements officers sign in the portal: versions (immutable once published) and
signatures (in the portal, or historical paper signatures carried over from the roster).

A *version* of a kind (NDA, privacy policy, acceptable use) is published with its text
(Markdown) or a PDF, a version label, an effective date and the roles that must sign it;
its SHA-256 is computed at publication and its content can never change afterwards. The
current version of a kind is the published one with the latest effective date reached.
Historical versions stand for what was signed on paper before the portal kept agreements:
they are never current, so nobody is asked to sign them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.core.enums import LabelledEnum
from flo_portal.core.extensions import db
from flo_portal.core.orm import str_enum, utcnow
from flo_portal.security.permissions import Role


class AgreementKind(LabelledEnum):
    NDA = "nda", "Non-disclosure agreement (FOUO/LES material)"
    PRIVACY = "privacy", "Privacy and civil-liberties policy"
    ACCEPTABLE_USE = "acceptable_use"


class VersionStatus(StrEnum):
    PUBLISHED = "published"
    HISTORICAL = "historical"  # paper-era placeholder (migration 0020a): never current


class SignatureMethod(StrEnum):
    PORTAL = "portal"
    PAPER = "paper"


class AgreementVersion(db.Model):
    __tablename__ = "agreement_version"
    __table_args__ = (
        sa.UniqueConstraint("kind", "version", name="uq_agreement_version_kind_version"),
        sa.Index("ix_agreement_version_current", "status", "kind", "effective_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AgreementKind] = mapped_column(str_enum(AgreementKind, 30))
    version: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    body_md: Mapped[str] = mapped_column(sa.Text, default="")
    # A PDF instead of (or beside) the text: the stored file (core.uploads, area "agreements").
    pdf_path: Mapped[str] = mapped_column(sa.String(255), default="")
    pdf_name: Mapped[str] = mapped_column(sa.String(200), default="")
    sha256: Mapped[str] = mapped_column(sa.String(64))
    effective_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[VersionStatus] = mapped_column(
        str_enum(VersionStatus, 20), default=VersionStatus.PUBLISHED
    )
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    published_by = relationship("User")
    # Set by the announcement job once everyone who must sign was told (rows drive it).
    announced_at: Mapped[datetime | None] = mapped_column(index=True)

    roles: Mapped[list[AgreementRole]] = relationship(
        back_populates="version", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def kind_label(self) -> str:
        return AgreementKind(self.kind).label

    @property
    def role_values(self) -> list[str]:
        return sorted(str(r.role) for r in self.roles)

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in self.role_values]

    def __repr__(self) -> str:
        return f"<AgreementVersion {self.kind} v{self.version}>"


# What publication fixes for ever (the announcement time may still be set).
IMMUTABLE_FIELDS = (
    "kind",
    "version",
    "title",
    "body_md",
    "pdf_path",
    "pdf_name",
    "sha256",
    "effective_on",
    "status",
)


class ImmutableVersion(Exception):
    """A published agreement version was about to change: a programming error."""


@event.listens_for(AgreementVersion, "before_update")
def _refuse_changes_to_published(mapper, connection, target: AgreementVersion) -> None:
    state = inspect(target)
    changed = [name for name in IMMUTABLE_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        raise ImmutableVersion(f"agreement version {target.id} is immutable: {changed}")


class AgreementRole(db.Model):
    """A role that must sign a version."""

    __tablename__ = "agreement_role"

    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreement_version.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role, 30), primary_key=True, index=True)
    version: Mapped[AgreementVersion] = relationship(back_populates="roles")


class AgreementSignature(db.Model):
    """Who signed which version (and its hash), when and from where.

    A portal signature names the account (and its officer record, if any); a paper
    signature carried over from the roster names the officer and the typed date."""

    __tablename__ = "agreement_signature"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "user_id", name="uq_agreement_signature_user"),
        sa.UniqueConstraint("version_id", "officer_id", name="uq_agreement_signature_officer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreement_version.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[AgreementVersion] = relationship()
    version_sha256: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    user = relationship("User")
    officer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("officer.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[SignatureMethod] = mapped_column(
        str_enum(SignatureMethod, 10), default=SignatureMethod.PORTAL
    )
    signed_name: Mapped[str] = mapped_column(sa.String(200))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    paper_signed_on: Mapped[date | None] = mapped_column(sa.Date)  # the date typed on the roster
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(255), default="")
