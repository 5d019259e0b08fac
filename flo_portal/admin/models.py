"""Two-person rule: a change to a center-staff account waits for a second administrator."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flo_portal.core.enums import LabelledEnum
from flo_portal.core.extensions import db
from flo_portal.core.orm import str_enum, utcnow
from flo_portal.users.models import User


class ChangeKind(LabelledEnum):
    ACCOUNT_DETAILS = "account_details", "E-mail / role change"  # e-mail, role, agency
    MFA_RESET = "mfa_reset", "MFA reset"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a kind of change, not a password


class ChangeStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AccountChangeRequest(db.Model):
    __tablename__ = "account_change_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    target: Mapped[User] = relationship(foreign_keys=[target_id])
    kind: Mapped[ChangeKind] = mapped_column(str_enum(ChangeKind, 20))
    # For account details: {"field": [value when requested, requested value]}.
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[ChangeStatus] = mapped_column(
        str_enum(ChangeStatus, 20), default=ChangeStatus.PENDING, index=True
    )
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    decided_at: Mapped[datetime | None]

    @property
    def kind_enum(self) -> ChangeKind:
        return ChangeKind(self.kind)
