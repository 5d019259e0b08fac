"""Officers on the FLO roster and their dated status history."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.core.enums import LabelledEnum
from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum, utcnow


class OfficerStatus(LabelledEnum):
    NOMINATED = "nominated"
    VETTING = "vetting"
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"
    SEPARATED = "separated"


class FloLevel(LabelledEnum):
    BASIC = "basic"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class Officer(TimestampMixin, db.Model):
    __tablename__ = "officer"
    __table_args__ = (
        sa.Index("ix_officer_agency_status", "agency_id", "status"),
        sa.Index("ix_officer_name", "last_name", "first_name"),
        # The roster search's substring filters (PostgreSQL; migration 0018b): trigram
        # indexes on the lower-cased columns it matches, a btree on the external id.
        *(
            sa.Index(
                f"ix_officer_{label}_trgm",
                expr.label(label),
                postgresql_using="gin",
                postgresql_ops={label: "gin_trgm_ops"},
            ).ddl_if(dialect="postgresql")
            for label, expr in (
                (
                    "full_name",
                    sa.func.lower(sa.text("(first_name::text || ' '::text) || last_name::text")),
                ),
                ("rank_title", sa.func.lower(sa.text("rank_title"))),
                ("email", sa.func.lower(sa.text("email"))),
            )
        ),
        sa.Index("ix_officer_external_id_lower", sa.func.lower(sa.text("external_id"))).ddl_if(
            dialect="postgresql"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    agency: Mapped[Agency] = relationship()
    # An officer may exist before they have a login; at most one officer per account.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), unique=True)
    user = relationship("User", foreign_keys=[user_id])
    # Stable key from the agency's own records (badge or HR number): import matches on it.
    external_id: Mapped[str | None] = mapped_column(sa.String(60), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    rank_title: Mapped[str] = mapped_column(sa.String(120), default="", index=True)
    discipline: Mapped[Discipline] = mapped_column(str_enum(Discipline), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), default="", index=True)
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    mobile: Mapped[str] = mapped_column(sa.String(40), default="")
    # Optimistic concurrency (flo_portal.core.formtools.stale_edit): SQLAlchemy adds
    # "AND version = :old" to every UPDATE, and edit forms carry the version they showed.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    flo_level: Mapped[FloLevel] = mapped_column(str_enum(FloLevel), default=FloLevel.BASIC)
    status: Mapped[OfficerStatus] = mapped_column(
        str_enum(OfficerStatus), default=OfficerStatus.NOMINATED, index=True
    )
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Onboarding: supervisor approval, NDA for FOUO/LES, privacy-policy acknowledgement.
    # Deprecated: the NDA and privacy dates/version typed by coordinators. Signatures now
    # live in flo_portal.agreements (migration 0020a carried these over as paper
    # signatures); the dates count for activation only while no such agreement is published.
    supervisor_approved_on: Mapped[date | None] = mapped_column(sa.Date)
    nda_signed_on: Mapped[date | None] = mapped_column(sa.Date)
    privacy_ack_on: Mapped[date | None] = mapped_column(sa.Date)
    privacy_policy_version: Mapped[str] = mapped_column(sa.String(20), default="")
    # Whether every required course has an unexpired record; kept up to date by the
    # training services so the roster can filter on it in SQL.
    training_current: Mapped[bool] = mapped_column(default=False, index=True)
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    status_history: Mapped[list[OfficerStatusChange]] = relationship(
        back_populates="officer",
        order_by="OfficerStatusChange.changed_at",
        cascade="all, delete-orphan",
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    def __repr__(self) -> str:
        return f"<Officer {self.id} {self.full_name} {self.status}>"


class OfficerStatusChange(db.Model):
    __tablename__ = "officer_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("officer.id", ondelete="CASCADE"), index=True
    )
    officer: Mapped[Officer] = relationship(back_populates="status_history")
    from_status: Mapped[OfficerStatus | None] = mapped_column(str_enum(OfficerStatus))
    to_status: Mapped[OfficerStatus] = mapped_column(str_enum(OfficerStatus))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    changed_by = relationship("User")
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
