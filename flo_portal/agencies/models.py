"""Partner agencies of the FLO network."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum


class Discipline(StrEnum):
    LAW_ENFORCEMENT = "law_enforcement"
    FIRE = "fire"
    EMS = "ems"
    PUBLIC_HEALTH = "public_health"
    EMERGENCY_MANAGEMENT = "emergency_management"
    CORRECTIONS = "corrections"
    EDUCATION = "education"
    TRANSPORTATION = "transportation"
    TRIBAL = "tribal"
    PRIVATE_SECTOR = "private_sector"
    OTHER = "other"

    @property
    def label(self) -> str:
        return DISCIPLINE_LABELS[self]


DISCIPLINE_LABELS = {
    Discipline.LAW_ENFORCEMENT: "Law enforcement",
    Discipline.FIRE: "Fire service",
    Discipline.EMS: "Emergency medical services",
    Discipline.PUBLIC_HEALTH: "Public health",
    Discipline.EMERGENCY_MANAGEMENT: "Emergency management",
    Discipline.CORRECTIONS: "Corrections",
    Discipline.EDUCATION: "Education",
    Discipline.TRANSPORTATION: "Transportation",
    Discipline.TRIBAL: "Tribal",
    Discipline.PRIVATE_SECTOR: "Private sector / critical infrastructure",
    Discipline.OTHER: "Other",
}


class Agency(TimestampMixin, db.Model):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    discipline: Mapped[Discipline] = mapped_column(str_enum(Discipline), index=True)
    region: Mapped[str] = mapped_column(sa.String(120), index=True)
    jurisdiction: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    active: Mapped[bool] = mapped_column(default=True, index=True)
    # Optimistic concurrency (flo_portal.core.formtools.stale_edit): SQLAlchemy adds
    # "AND version = :old" to every UPDATE, and edit forms carry the version they showed.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.name!r}>"
