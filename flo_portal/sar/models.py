"""Suspicious activity reports (SARs) on the ISE-SAR Functional Standard categories."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.agencies.models import Agency
from flo_portal.core.enums import LabelledEnum
from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum, utcnow
from flo_portal.users.models import User


class SarCategory(LabelledEnum):
    """The 16 behaviour categories of the ISE-SAR Functional Standard (v1.5.5)."""

    # Defined criminal activity and potential terrorism nexus activity
    BREACH = "breach_attempted_intrusion", "Breach / attempted intrusion"
    MISREPRESENTATION = "misrepresentation"
    THEFT = "theft_loss_diversion", "Theft / loss / diversion"
    SABOTAGE = "sabotage_tampering_vandalism", "Sabotage / tampering / vandalism"
    CYBER_ATTACK = "cyber_attack"
    THREAT = "expressed_implied_threat", "Expressed or implied threat"
    AVIATION = "aviation_activity"
    # Potential criminal or non-criminal activity requiring additional fact information
    ELICITING = "eliciting_information"
    TESTING = "testing_probing_security", "Testing or probing of security"
    RECRUITING = "recruiting_financing", "Recruiting / financing"
    PHOTOGRAPHY = "photography"
    SURVEILLANCE = "observation_surveillance", "Observation / surveillance"
    MATERIALS = "materials_acquisition_storage", "Materials acquisition / storage"
    EXPERTISE = "acquisition_of_expertise"
    WEAPONS = "weapons_collection_discovery", "Weapons collection / discovery"
    SECTOR_SPECIFIC = "sector_specific_incident", "Sector-specific incident"

    @property
    def needs_more_facts(self) -> bool:
        """True for the nine categories that are not criminal on their face."""
        return self in NEEDS_MORE_FACTS


DEFINED_CRIMINAL = (
    SarCategory.BREACH,
    SarCategory.MISREPRESENTATION,
    SarCategory.THEFT,
    SarCategory.SABOTAGE,
    SarCategory.CYBER_ATTACK,
    SarCategory.THREAT,
    SarCategory.AVIATION,
)
NEEDS_MORE_FACTS = tuple(c for c in SarCategory if c not in DEFINED_CRIMINAL)


class SarStatus(LabelledEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    VETTED = "vetted", "Vetted (shared as ISE-SAR)"
    CLOSED_NOT_SAR = "closed_not_sar", "Closed (not a SAR)"


OPEN_SAR_STATUSES = (SarStatus.SUBMITTED, SarStatus.UNDER_REVIEW)


class SuspiciousActivityReport(TimestampMixin, db.Model):
    __tablename__ = "sar_report"
    __table_args__ = (sa.Index("ix_sar_report_status_submitted", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[SarCategory] = mapped_column(str_enum(SarCategory, 40), index=True)
    observed: Mapped[str] = mapped_column(sa.Text)  # what was observed
    observed_at: Mapped[datetime]  # UTC; shown in observed_tz
    observed_tz: Mapped[str] = mapped_column(sa.String(64))
    location: Mapped[str] = mapped_column(sa.String(300))
    subjects: Mapped[str] = mapped_column(sa.Text, default="")  # people / vehicles
    local_report: Mapped[str] = mapped_column(sa.Text)  # how it was reported locally
    status: Mapped[SarStatus] = mapped_column(str_enum(SarStatus, 20), index=True)

    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    agency: Mapped[Agency | None] = relationship()
    attested_at: Mapped[datetime]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Protected-activity terms found in the text; the reporter confirmed extra facts.
    privacy_terms: Mapped[str] = mapped_column(sa.String(500), default="")

    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    review_started_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")  # reason / vetting note

    @property
    def reference(self) -> str:
        return f"SAR-{self.submitted_at.year}-{self.id:05d}"

    @property
    def is_open(self) -> bool:
        return SarStatus(self.status) in OPEN_SAR_STATUSES

    def __repr__(self) -> str:
        return f"<SAR {self.id} {self.status}>"
