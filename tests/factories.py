"""factory_boy factories. Sessions flush; tests commit when they need to."""

from __future__ import annotations

import factory
import sqlalchemy as sa
from factory.alchemy import SQLAlchemyModelFactory

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.auth.passwords import hash_password
from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from flo_portal.users.models import User

TEST_PASSWORD = "a long enough test passphrase"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class AgencyFactory(BaseFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n:04d}")
    discipline = Discipline.LAW_ENFORCEMENT
    region = "Central"
    jurisdiction = "County"
    active = True


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.gov")
    name = factory.Sequence(lambda n: f"Test User {n}")
    role = Role.LIAISON_OFFICER
    agency = None
    password_hash = factory.LazyFunction(lambda: hash_password(TEST_PASSWORD))


def notices(user, kind: str) -> list:
    """The in-app notices of ``kind`` that ``user`` has."""
    from flo_portal.notifications.models import Notification

    stmt = sa.select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    return list(db.session.scalars(stmt))


def audit_events(action: str) -> list:
    """The audit events recorded as ``action``, oldest first."""
    from flo_portal.audit.models import AuditEvent

    stmt = sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(stmt))


def audit_actions(object_type: str, object_id) -> list[str]:
    """The actions audited on one object (``object_type`` as the audit names it), oldest
    first."""
    from flo_portal.audit.models import AuditEvent

    stmt = (
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id)
    )
    return list(db.session.scalars(stmt))
