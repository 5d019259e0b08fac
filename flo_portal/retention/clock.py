"""The one retention clock: when criminal intelligence is next due for review.

An item marked criminal intelligence is reviewed ``RETENTION_YEARS`` after it was
released (a product's first publication, an RFI's answer) and again that long after each
validation. The day counted from is the center's (``core.clock.today``), whatever the
server's zone; 29 February counts to 28 February in a year that has none.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from flask import current_app

from flo_portal.core import clock


def retention_years() -> int:
    return int(current_app.config["RETENTION_YEARS"])


def review_due(start: date | datetime) -> date:
    """The review date of an item released (or validated) at ``start``: a moment (aware)
    counts on the center's calendar; a date is that day."""
    day = clock.today(start) if isinstance(start, datetime) else start
    year = day.year + retention_years()
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))
