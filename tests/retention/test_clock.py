"""The one retention clock, for products and RFIs: RETENTION_YEARS after the center's day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flo_portal.retention.clock import review_due


def test_review_due_counts_from_the_centers_day(app):
    years = app.config["RETENTION_YEARS"]
    # 02:00 UTC on 1 March is still 28 February in New York (the center's zone).
    late_evening = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert review_due(late_evening) == date(2026 + years, 2, 28)
    assert review_due(date(2026, 3, 1)) == date(2026 + years, 3, 1)


def test_29_february_counts_to_28_february_without_a_leap_day(app):
    years = app.config["RETENTION_YEARS"]
    due = review_due(date(2028, 2, 29))
    leap = (2028 + years) % 4 == 0
    assert due == date(2028 + years, 2, 29 if leap else 28)
