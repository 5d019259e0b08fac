"""An officer's profile lists their RFIs and briefings, filtered by what the viewer may see."""

from __future__ import annotations

from flo_portal.rfis.models import Tlp
from flo_portal.security.permissions import Role
from tests.briefings.factories import make_briefing
from tests.rfis.helpers import submit
from tests.roster.factories import OfficerFactory


def test_profile_shows_the_officers_rfis_and_briefings(client, login_as, make_user, db):
    flo = make_user(Role.LIAISON_OFFICER)
    officer = OfficerFactory(agency=flo.agency, user_id=flo.id)
    db.session.commit()
    amber = submit(flo, title="Fuel theft pattern", tlp=Tlp.AMBER)
    red = submit(flo, title="Named informant question", tlp=Tlp.RED)
    coordinator = make_user(Role.COORDINATOR)
    make_briefing(coordinator, user_ids=[flo.id], title="Drone threat awareness")

    login_as(coordinator)
    page = client.get(f"/roster/officers/{officer.id}").get_data(as_text=True)
    assert amber.reference in page and red.reference in page
    assert "Drone threat awareness" in page and "No answer yet" in page

    # An analyst who is no participant of the RED RFI does not see it listed.
    login_as(Role.ANALYST)
    page = client.get(f"/roster/officers/{officer.id}").get_data(as_text=True)
    assert amber.reference in page and red.reference not in page


def test_officer_without_account_says_so(client, login_as, db):
    officer = OfficerFactory(user_id=None)
    db.session.commit()
    login_as(Role.COORDINATOR)
    page = client.get(f"/roster/officers/{officer.id}").get_data(as_text=True)
    assert "No portal account: no RFIs." in page
