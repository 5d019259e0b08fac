"""The one clock: the center's "now" (aware UTC) and "today" (the date in the center's zone).

Every service, job and form asks here, never ``date.today()`` or ``datetime.now()``: a
training record that expires "today" expires on the center's calendar, not the server's
(a server on UTC is a day ahead of New York every evening). Tests move this clock with
time-machine (``FLO_TEST_CLOCK``), which moves both.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

from flo_portal.core.orm import utcnow as now  # the one "now": aware UTC

DEFAULT_ZONE = "America/New_York"

# The zones offered first wherever a person picks one (profile, briefing, SAR): the US
# states' and territories' zones, then UTC.
US_ZONES: tuple[str, ...] = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "Pacific/Guam",
    "UTC",
)


def zone(name: str | None) -> ZoneInfo:
    """The time zone ``name`` (IANA), or UTC when it is empty or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def center_zone() -> ZoneInfo:
    name = DEFAULT_ZONE
    if has_app_context():
        name = current_app.config.get("CENTER_TIMEZONE") or current_app.config.get(
            "DISPLAY_TIMEZONE", DEFAULT_ZONE
        )
    return zone(name)


def today(at: datetime | None = None) -> date:
    """The center's calendar date now, or at the moment ``at`` (aware)."""
    return (at or now()).astimezone(center_zone()).date()


__all__ = ["US_ZONES", "center_zone", "now", "today", "zone"]
