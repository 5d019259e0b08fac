"""An FLO RSVPs to a briefing and downloads its .ics; a decline promotes the waitlist."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from flo_portal.briefings.models import BriefingInvitation, RsvpStatus
from flo_portal.security.permissions import Role
from tests.briefings.factories import make_briefing

pytestmark = pytest.mark.browser


def test_flo_rsvps_downloads_ics_and_decline_promotes_waitlist(
    page, live_server, make_user, sign_in, db
):
    coord = make_user(Role.COORDINATOR)
    first = make_user(Role.LIAISON_OFFICER, name="Fran First")
    second = make_user(Role.LIAISON_OFFICER, name="Sam Second")
    start = (datetime.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    b = make_briefing(
        coord,
        user_ids=[first.id, second.id],
        capacity=1,
        start=start,
        title="Bridge security briefing",
    )

    sign_in(page, first)
    page.goto(f"{live_server}/briefings/{b.id}")
    page.get_by_role("button", name="Yes, I will attend").click()
    expect(page.get_by_text("You are attending.")).to_be_visible()
    expect(page.locator("#my-rsvp")).to_have_text("Yes")
    with page.expect_download() as info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    cal = icalendar.Calendar.from_ical(Path(info.value.path()).read_bytes())
    event = next(iter(cal.walk("VEVENT")))
    assert (
        str(event["SUMMARY"]) == "Bridge security briefing" and str(event["STATUS"]) == "CONFIRMED"
    )

    page.context.clear_cookies()
    sign_in(page, second)
    page.goto(f"{live_server}/briefings/{b.id}")
    page.get_by_role("button", name="Yes, I will attend").click()
    expect(page.get_by_text("you are on the waitlist")).to_be_visible()
    expect(page.locator("#my-rsvp")).to_have_text("On the waitlist")

    page.context.clear_cookies()
    sign_in(page, first)
    page.goto(f"{live_server}/briefings/{b.id}")
    page.get_by_role("button", name="No", exact=True).click()
    expect(page.locator("#my-rsvp")).to_have_text("No")

    page.context.clear_cookies()
    sign_in(page, second)
    page.goto(f"{live_server}/notifications/")
    expect(page.get_by_text("You have a place: Bridge security briefing")).to_be_visible()
    page.goto(f"{live_server}/briefings/{b.id}")
    expect(page.locator("#my-rsvp")).to_have_text("Yes")
    db.session.expire_all()
    status = dict(
        db.session.execute(sa.select(BriefingInvitation.user_id, BriefingInvitation.status)).all()
    )
    assert status == {first.id: RsvpStatus.NO, second.id: RsvpStatus.YES}
