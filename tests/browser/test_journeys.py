"""One browser journey per role, through the real pages (CSRF on, TOTP for center staff).

Each journey signs in once, walks that role's main jobs, asserts what the user sees
(headings, flash messages, status badges), screenshots each main page
(test-artifacts/screenshots/journey-<role>-*.png) and checks the database afterwards.
Only the data a journey starts from is built with the factories and services.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from flo_portal.agencies.models import Agency
from flo_portal.audit.models import AuditEvent
from flo_portal.briefings.models import Briefing, BriefingInvitation, RsvpStatus
from flo_portal.core.extensions import db
from flo_portal.notifications.models import OutboxEmail
from flo_portal.products import services as products
from flo_portal.products.models import PrivacyStatus, Product, ProductRecipient, ProductStatus
from flo_portal.rfis import services as rfis
from flo_portal.rfis.models import Rfi, RfiRecipient, RfiStatus
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.security.permissions import Role
from flo_portal.training.models import TrainingRecord
from flo_portal.users.audience import Audience
from flo_portal.users.models import User
from tests.briefings.factories import make_briefing
from tests.browser.fixtures import officer_safety_alert
from tests.factories import AgencyFactory
from tests.products.helpers import draft, publish
from tests.rfis.helpers import future, submit, task
from tests.roster.factories import CourseFactory, OfficerFactory

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fail_fast(page):
    page.set_default_timeout(10_000)  # a missing element fails in 10 s, not 30


@pytest.fixture
def seen(shot, axe_check):
    """Screenshot a page the journey passes through, and hold it to WCAG 2.1 AA (axe)."""

    def _seen(page, name):
        shot(page, name)
        assert axe_check(page) == [], name

    return _seen


def _staff(make_user, role, **kw):
    """Center staff with TOTP already set up (sign_in answers the code)."""
    return make_user(role, mfa_secret=pyotp.random_base32(), mfa_enabled=True, **kw)


def _flash(page, text):
    expect(page.locator(".alert").filter(has_text=text)).to_be_visible()


def _actions(*, actor, action):
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.actor_id == actor.id, AuditEvent.action == action)
    ).all()


# --------------------------------------------------------------------------- coordinator


def test_coordinator_journey(page, live_server, make_user, sign_in, seen):
    coordinator = _staff(make_user, Role.COORDINATOR, name="Casey Coordinator")
    analyst = make_user(Role.ANALYST, name="Avery Analyst")
    course = CourseFactory(code="FLO-101", title="FLO basic course", validity_months=24)
    flo = make_user(Role.LIAISON_OFFICER, name="Robin Invitee")
    bulletin = draft(analyst, title="Copper theft from rail signal boxes")
    products.transition(bulletin, "submit", analyst)
    db.session.commit()
    today = date.today()

    sign_in(page, coordinator)

    # Add an agency.
    page.goto(f"{live_server}/agencies/")
    seen(page, "journey-coordinator-agencies")
    page.get_by_role("link", name="Add agency").click()
    expect(page.get_by_role("heading", name="Add a partner agency")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Lakeside Port Authority Police")
    page.get_by_label("Discipline").select_option("law_enforcement")
    page.get_by_label("Region", exact=True).fill("Lakeside")
    page.get_by_label("Contact e-mail").fill("chief@lakeside.example.gov")
    seen(page, "journey-coordinator-agency-form")
    page.get_by_role("button", name="Save").click()
    _flash(page, "Lakeside Port Authority Police added.")
    expect(page.get_by_role("heading", name="Lakeside Port Authority Police")).to_be_visible()
    seen(page, "journey-coordinator-agency-detail")

    # Nominate an officer with the onboarding dates, then vet and activate.
    page.goto(f"{live_server}/roster/officers/new")
    page.get_by_label("Agency", exact=True).select_option(label="Lakeside Port Authority Police")
    page.get_by_label("First name").fill("Morgan")
    page.get_by_label("Last name").fill("Harbor")
    page.get_by_label("Rank or title").fill("Sergeant")
    page.get_by_label("E-mail").fill("morgan.harbor@lakeside.example.gov")
    page.get_by_label("Supervisor approval on").fill((today - timedelta(days=5)).isoformat())
    page.get_by_label("Non-disclosure agreement signed on").fill(
        (today - timedelta(days=4)).isoformat()
    )
    page.get_by_label("Privacy policy acknowledged on").fill(
        (today - timedelta(days=3)).isoformat()
    )
    page.get_by_label("Privacy policy version").fill("2.1")
    page.get_by_label("Why is this officer nominated?").fill("Port security lead")
    seen(page, "journey-coordinator-nominate")
    page.get_by_role("button", name="Nominate").click()
    _flash(page, "Morgan Harbor is nominated")
    expect(page.get_by_role("heading", name="Morgan Harbor")).to_be_visible()

    page.get_by_label("New status").select_option(label="Start vetting")
    page.get_by_label("Reason (kept in the history)").fill("Nomination complete")
    page.get_by_role("button", name="Change status").click()
    _flash(page, "Morgan Harbor is now")
    page.get_by_label("New status").select_option(label="Activate")
    page.get_by_label("Reason (kept in the history)").fill("Vetting passed")
    page.get_by_role("button", name="Change status").click()
    _flash(page, "Morgan Harbor is now active.")
    header = page.locator("main h1").locator("xpath=../..")
    expect(header.locator(".badge", has_text="Active")).to_be_visible()

    # Record training on the profile.
    page.get_by_label("Course", exact=True).select_option(label="FLO-101 — FLO basic course")
    page.get_by_label("Completed on").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("I verified the certificate").check()
    page.get_by_role("button", name="Add training record").click()
    _flash(page, "Training recorded.")
    expect(page.locator("#training tbody")).to_contain_text("FLO-101 — FLO basic course")
    expect(header.get_by_text("current", exact=True)).to_be_visible()
    seen(page, "journey-coordinator-officer-profile")

    # Schedule a briefing for one FLO.
    start = (datetime.now() + timedelta(days=10)).replace(hour=9, minute=0)
    page.goto(f"{live_server}/briefings/new")
    expect(page.get_by_role("heading", name="Schedule a briefing")).to_be_visible()
    page.get_by_label("Title").fill("Port threat picture")
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Format").select_option("in_person")
    page.get_by_label("Place (in person)").fill("Fusion center, room 2")
    page.get_by_label("Named people").select_option(str(flo.id))
    seen(page, "journey-coordinator-briefing-form")
    page.get_by_role("button", name="Schedule and invite").click()
    _flash(page, "Briefing scheduled (1 occurrence); 1 person invited.")
    expect(page.get_by_role("heading", name="Port threat picture")).to_be_visible()
    seen(page, "journey-coordinator-briefing-detail")

    # Publish an analyst's product that is in review.
    page.goto(f"{live_server}/products/work")
    seen(page, "journey-coordinator-products-work")
    page.get_by_role("link", name="Copper theft from rail signal boxes").click()
    page.get_by_role("button", name="Publish").click()
    _flash(page, f"{bulletin.reference}: publish — done.")
    expect(page.locator(".badge", has_text="Published").first).to_be_visible()
    seen(page, "journey-coordinator-product-published")

    db.session.expire_all()
    agency = db.session.scalar(sa.select(Agency).filter_by(name="Lakeside Port Authority Police"))
    assert agency.region == "Lakeside" and agency.active
    officer = db.session.scalar(sa.select(Officer).filter_by(last_name="Harbor"))
    assert officer.agency_id == agency.id and officer.status == OfficerStatus.ACTIVE
    assert [c.to_status for c in officer.status_history] == [
        OfficerStatus.NOMINATED,
        OfficerStatus.VETTING,
        OfficerStatus.ACTIVE,
    ]
    assert officer.training_current
    record = db.session.scalar(sa.select(TrainingRecord).filter_by(officer_id=officer.id))
    assert record.course_id == course.id and record.verified_by_id == coordinator.id
    briefing = db.session.scalar(sa.select(Briefing).filter_by(title="Port threat picture"))
    invited = db.session.scalars(
        sa.select(BriefingInvitation.user_id).filter_by(briefing_id=briefing.id)
    ).all()
    assert invited == [flo.id]
    assert db.session.get(Product, bulletin.id).status == ProductStatus.PUBLISHED
    assert (
        db.session.scalar(
            sa.select(sa.func.count(ProductRecipient.id)).filter_by(product_id=bulletin.id)
        )
        >= 1
    )
    for action in ("agency.created", "officer.status_changed", "product.published"):
        assert _actions(actor=coordinator, action=action), action


# ------------------------------------------------------------------------ liaison officer


def test_liaison_officer_journey(page, live_server, make_user, sign_in, seen):
    agency = AgencyFactory(name="Harbor County Sheriff")
    flo = make_user(Role.LIAISON_OFFICER, agency=agency, name="Deputy Dana")
    coordinator = make_user(Role.COORDINATOR, name="Casey Coordinator")
    analyst = make_user(Role.ANALYST, name="Avery Analyst")
    tasking = task(coordinator, Audience(user_ids=[flo.id]), title="Drones over substations")
    alert = publish(officer_safety_alert(analyst, agency), coordinator)
    start = (datetime.now() + timedelta(days=4)).replace(hour=10, minute=0, second=0, microsecond=0)
    briefing = make_briefing(coordinator, user_ids=[flo.id], start=start, title="Bridge security")

    sign_in(page, flo)
    seen(page, "journey-flo-dashboard")

    # Submit an RFI with the attestation.
    page.goto(f"{live_server}/rfis/new")
    expect(page.get_by_role("heading", name="New request for information")).to_be_visible()
    page.get_by_label("Title").fill("Stolen fuel tanker")
    page.get_by_label("Question").fill("Any reports of a stolen fuel tanker near the port?")
    page.get_by_label("Justification").fill("Possible theft ring targeting fuel depots.")
    page.get_by_label("Requested due date").fill(future(5).isoformat())
    seen(page, "journey-flo-rfi-new")
    page.get_by_role("button", name="Submit RFI").click()
    expect(page.get_by_text("You must make the attestation.")).to_be_visible()
    page.get_by_label("I attest").check()
    page.get_by_role("button", name="Submit RFI").click()
    _flash(page, "submitted to the center.")
    expect(page.locator("h1")).to_contain_text("Stolen fuel tanker")
    expect(page.locator("main .badge", has_text="submitted")).to_be_visible()
    seen(page, "journey-flo-rfi-detail")

    # Answer the tasking addressed to them.
    page.goto(f"{live_server}/rfis/")
    seen(page, "journey-flo-rfis")
    page.locator("tr", has_text="Drones over substations").get_by_role("link").first.click()
    page.get_by_label("Your response").fill("Two sightings last week near the north substation.")
    page.get_by_role("button", name="Send response").click()
    _flash(page, "Response sent to the center.")
    expect(page.get_by_text("You answered on")).to_be_visible()
    seen(page, "journey-flo-tasking")

    # Acknowledge the officer-safety alert from the feed.
    page.goto(f"{live_server}/products/")
    item = page.locator(f'[data-product-id="{alert.id}"]')
    expect(item.get_by_text("Acknowledgement needed")).to_be_visible()
    seen(page, "journey-flo-products-feed")
    item.get_by_role("link", name="Armed subject ambushing deputies").click()
    page.get_by_role("button", name="I have read and understood this alert").click()
    expect(page.get_by_text("You acknowledged this alert")).to_be_visible()
    seen(page, "journey-flo-product-detail")

    # RSVP to the briefing from the calendar.
    page.goto(f"{live_server}/briefings/")
    seen(page, "journey-flo-briefings")
    page.get_by_role("link", name="Bridge security").first.click()
    page.get_by_role("button", name="Yes, I will attend").click()
    expect(page.get_by_text("You are attending.")).to_be_visible()
    expect(page.locator("#my-rsvp")).to_have_text("Yes")
    seen(page, "journey-flo-briefing-detail")

    db.session.expire_all()
    rfi = db.session.scalar(sa.select(Rfi).filter_by(title="Stolen fuel tanker"))
    assert rfi.requester_id == flo.id and rfi.status == RfiStatus.SUBMITTED
    assert rfi.agency_id == agency.id
    slot = db.session.scalar(sa.select(RfiRecipient).filter_by(rfi_id=tasking.id, user_id=flo.id))
    assert slot.responded_at is not None and slot.response.startswith("Two sightings")
    receipt = db.session.scalar(
        sa.select(ProductRecipient).filter_by(product_id=alert.id, user_id=flo.id)
    )
    assert receipt.acknowledged_at is not None
    invitation = db.session.scalar(
        sa.select(BriefingInvitation).filter_by(briefing_id=briefing.id, user_id=flo.id)
    )
    assert invitation.status == RsvpStatus.YES
    assert _actions(actor=flo, action="rfi.submitted") or _actions(actor=flo, action="rfi.created")


# --------------------------------------------------------------------------- agency head


def test_agency_head_journey(page, live_server, make_user, sign_in, seen):
    mine = AgencyFactory(name="Riverside Fire District")
    other = AgencyFactory(name="Pine Valley Police")
    course = CourseFactory(code="FLO-101", title="FLO basic course")
    head = make_user(Role.AGENCY_HEAD, agency=mine, name="Chief Riley")
    current = OfficerFactory(agency=mine, first_name="Alex", last_name="Current")
    OfficerFactory(agency=mine, first_name="Blake", last_name="Lapsed")
    OfficerFactory(agency=other, first_name="Hidden", last_name="Elsewhere")
    from flo_portal.training.services import record_training

    record_training(current, course, date.today() - timedelta(days=30))
    db.session.commit()

    sign_in(page, head)

    # Read the agency's coverage: own agency only, one of two active officers current.
    page.goto(f"{live_server}/roster/coverage")
    expect(page.get_by_role("heading", name="Training coverage")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Riverside Fire District")
    expect(page.locator("main")).not_to_contain_text("Pine Valley Police")
    expect(page.locator("main")).to_contain_text("50%")
    seen(page, "journey-agency-head-coverage")

    # The roster shows only their officers.
    page.goto(f"{live_server}/roster/officers")
    expect(page.get_by_role("link", name=re.compile("Current"))).to_be_visible()
    expect(page.get_by_text("Elsewhere")).to_have_count(0)
    seen(page, "journey-agency-head-roster")

    # Nominate an officer of their agency (onboarding dates are the center's to record).
    page.goto(f"{live_server}/roster/officers/new")
    expect(page.get_by_label("Supervisor approval on")).to_have_count(0)
    page.get_by_label("First name").fill("Jamie")
    page.get_by_label("Last name").fill("Nominee")
    page.get_by_label("Rank or title").fill("Captain")
    page.get_by_label("E-mail").fill("jamie.nominee@riverside.example.gov")
    page.get_by_label("Why is this officer nominated?").fill("Leads hazmat liaison")
    seen(page, "journey-agency-head-nominate")
    page.get_by_role("button", name="Nominate").click()
    _flash(page, "Jamie Nominee is nominated; the FLO coordinators will vet the nomination.")
    expect(page.locator("main .badge", has_text="Nominated").first).to_be_visible()
    seen(page, "journey-agency-head-officer-profile")

    db.session.expire_all()
    officer = db.session.scalar(sa.select(Officer).filter_by(last_name="Nominee"))
    assert officer.agency_id == mine.id and officer.status == OfficerStatus.NOMINATED
    assert officer.nda_signed_on is None
    assert _actions(actor=head, action="officer.nominated") or _actions(
        actor=head, action="officer.created"
    )


# ------------------------------------------------------------------------------- analyst


def test_analyst_journey(page, live_server, make_user, sign_in, seen):
    analyst = _staff(make_user, Role.ANALYST, name="Avery Analyst")
    coordinator = make_user(Role.COORDINATOR, name="Casey Coordinator")
    flo = make_user(Role.LIAISON_OFFICER, name="Deputy Dana")
    rfi = submit(flo, title="Stolen fuel tanker sightings")
    rfis.perform(coordinator, rfi, "accept", expected_version=rfi.version)
    rfis.perform(coordinator, rfi, "assign", expected_version=rfi.version, assignee_id=analyst.id)
    db.session.commit()

    sign_in(page, analyst)
    page.goto(f"{live_server}/rfis/queue")
    seen(page, "journey-analyst-rfi-queue")
    page.locator("tr", has_text="Stolen fuel tanker sightings").get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text(rfi.reference)
    expect(page.locator("main .badge", has_text="assigned")).to_be_visible()
    page.get_by_label("Answer", exact=True).fill(
        "Two tankers reported stolen in the county; see case 24-118."
    )
    seen(page, "journey-analyst-rfi-detail")
    page.locator("[data-action=answer]").click()
    _flash(page, f"{rfi.reference}: answered.")
    expect(page.locator("#rfi-answer")).to_contain_text("Two tankers reported stolen")
    expect(page.locator("main .badge", has_text="answered")).to_be_visible()
    seen(page, "journey-analyst-rfi-answered")

    db.session.expire_all()
    rfi = db.session.get(Rfi, rfi.id)
    assert rfi.status == RfiStatus.ANSWERED and rfi.answered_by_id == analyst.id
    assert rfi.answer.startswith("Two tankers")
    assert _actions(actor=analyst, action="rfi.answer")


# ----------------------------------------------------------------------- privacy officer


def test_privacy_officer_journey(page, live_server, make_user, sign_in, seen):
    privacy = _staff(make_user, Role.PRIVACY_OFFICER, name="Parker Privacy")
    analyst = make_user(Role.ANALYST, name="Avery Analyst")
    flagged = draft(
        analyst,
        title="Planned rally at the state capitol",
        summary="A protest march is planned; expect road closures.",
    )
    products.transition(flagged, "submit", analyst)
    db.session.commit()
    assert flagged.privacy_status == PrivacyStatus.PENDING

    sign_in(page, privacy)
    page.goto(f"{live_server}/products/privacy-queue")
    seen(page, "journey-privacy-queue")
    page.get_by_role("link", name="Planned rally at the state capitol").click()
    expect(page.locator("main")).to_contain_text("protected-activity terms")
    page.get_by_label("Note (optional) for “Approve (privacy review)”").fill(
        "Public-safety nexus only."
    )
    seen(page, "journey-privacy-product")
    page.get_by_role("button", name="Approve (privacy review)").click()
    _flash(page, f"{flagged.reference}: approve (privacy review) — done.")
    expect(page.locator("main")).to_contain_text("Privacy review: approved")
    seen(page, "journey-privacy-approved")

    db.session.expire_all()
    product = db.session.get(Product, flagged.id)
    assert product.privacy_status == PrivacyStatus.APPROVED
    assert product.privacy_reviewer_id == privacy.id
    assert product.status == ProductStatus.IN_REVIEW  # publishing stays the coordinator's
    assert _actions(actor=privacy, action="product.privacy_approve") or _actions(
        actor=privacy, action="product.privacy_approved"
    )


# --------------------------------------------------------------------------------- admin


def test_admin_journey(page, live_server, make_user, sign_in, seen):
    admin = _staff(make_user, Role.ADMIN, name="Ada Admin")
    AgencyFactory(name="Harbor County Sheriff")
    db.session.commit()  # an open write transaction would lock SQLite for the server

    sign_in(page, admin)
    page.goto(f"{live_server}/admin/users")
    seen(page, "journey-admin-users")
    page.get_by_role("link", name="Invite user").click()
    expect(page.get_by_role("heading", name="Invite a user")).to_be_visible()
    page.get_by_label("Full name").fill("Quinn Newcomer")
    page.get_by_label("E-mail").fill("quinn.newcomer@harbor.example.gov")
    page.get_by_label("Role").select_option("liaison_officer")
    page.get_by_label("Agency").select_option(label="Harbor County Sheriff")
    seen(page, "journey-admin-user-form")
    page.get_by_role("button", name="Send invitation").click()
    _flash(page, "Quinn Newcomer is invited; an e-mail with a sign-up link is queued.")
    expect(page.get_by_role("cell", name="quinn.newcomer@harbor.example.gov")).to_be_visible()

    page.goto(f"{live_server}/audit/")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.locator("tbody tr", has_text="user.created").first).to_contain_text(admin.email)
    seen(page, "journey-admin-audit")

    db.session.expire_all()
    user = db.session.scalar(sa.select(User).filter_by(email="quinn.newcomer@harbor.example.gov"))
    assert user.role == Role.LIAISON_OFFICER and user.agency.name == "Harbor County Sheriff"
    assert (
        db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).filter_by(to_address=user.email))
        == 1
    )
    assert _actions(actor=admin, action="user.created")
