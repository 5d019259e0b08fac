"""A user's own account settings. Services flush; the request commits."""

from __future__ import annotations

from flo_portal.audit.services import record
from flo_portal.users.models import User


def set_preferences(user: User, *, timezone: str) -> None:
    user.timezone = timezone
    record("user.preferences_changed", user, actor=user, details={"timezone": timezone})
