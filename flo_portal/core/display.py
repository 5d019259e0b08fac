"""Showing stored UTC times in the viewer's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_login import current_user

from flo_portal.core.clock import zone


def viewer_zone() -> ZoneInfo:
    return zone(getattr(current_user, "timezone", None) or current_app.config["DISPLAY_TIMEZONE"])


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    if value is None:
        return ""
    return value.astimezone(viewer_zone()).strftime(fmt)


def format_date(value: date | datetime | None, fmt: str = "%Y-%m-%d") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(viewer_zone())
    return value.strftime(fmt)
