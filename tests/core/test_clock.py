"""The one clock: the center's date differs from UTC's in the evening."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flo_portal.core import clock


def test_today_is_the_centers_date_not_utcs(app, monkeypatch):
    monkeypatch.setitem(app.config, "CENTER_TIMEZONE", "America/New_York")
    with app.app_context():
        late_evening_in_new_york = datetime(2027, 3, 1, 3, 30, tzinfo=UTC)
        assert clock.today(late_evening_in_new_york) == date(2027, 2, 28)
        assert clock.today(datetime(2027, 3, 1, 12, 0, tzinfo=UTC)) == date(2027, 3, 1)
        assert clock.today() == clock.now().astimezone(clock.center_zone()).date()


def test_an_unknown_zone_falls_back_to_utc(app, monkeypatch):
    monkeypatch.setitem(app.config, "CENTER_TIMEZONE", "Mars/Olympus")
    with app.app_context():
        assert clock.today(datetime(2027, 3, 1, 3, 30, tzinfo=UTC)) == date(2027, 3, 1)
