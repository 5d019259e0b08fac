"""Partner agencies of the FLO network."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from flo_portal.core.enums import LabelledEnum
from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum


class Discipline(LabelledEnum):
    LAW_ENFORCEMENT = "law_enforcement"
    FIRE = "fire", "Fire service"
    EMS = "ems", "Emergency medical services"
    PUBLIC_HEALTH = "public_health"
    EMERGENCY_MANAGEMENT = "emergency_management"
    CORRECTIONS = "corrections"
    EDUCATION = "education"
    TRANSPORTATION = "transportation"
    TRIBAL = "tribal"
    PRIVATE_SECTOR = "private_sector", "Private sector / critical infrastructure"
    OTHER = "other"


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
