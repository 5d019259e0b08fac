"""A privacy officer reviews a CVE course point by point in the browser; the form and
the report pass axe; an FLO's dashboard card for reporting suspicious activity."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from flo_portal.training.cve_points import CVE_POINTS
from flo_portal.training.models import CveOutcome, CveReview
from tests.roster.factories import CourseFactory

pytestmark = pytest.mark.browser


def test_privacy_officer_reviews_a_cve_course(
    page, live_server, make_user, sign_in, axe_check, shot
):
    course = CourseFactory(
        code="CVE-201",
        title="Countering violent extremism",
        is_cve=True,
        required=False,
        provider="Acme Training LLC",
    )
    db.session.commit()
    reviewer = make_user(Role.PRIVACY_OFFICER, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    sign_in(page, reviewer)
    page.goto(f"{live_server}/training/cve/courses/{course.id}/review")
    expect(
        page.get_by_role("group", name="1. Trainers' qualifications and expertise")
    ).to_be_visible()
    assert axe_check(page) == []
    # Submitting with nothing answered shows what is missing, next to each point.
    page.get_by_role("button", name="Record this review").click()
    expect(page.get_by_text("Answer this point.").first).to_be_visible()
    shot(page, "cve-review-form-errors")
    for point in CVE_POINTS:
        page.locator(f"#answer_{point.key}").select_option("meets")
        page.locator(f"#evidence_{point.key}").fill(f"Reviewed the material for {point.title}.")
    page.get_by_role("button", name="Record this review").click()
    expect(page.get_by_text("CVE-201 approved until")).to_be_visible()
    shot(page, "cve-review-history")
    page.goto(f"{live_server}/training/cve/")
    expect(page.locator("#standing-approved")).to_contain_text("Approved")
    expect(page.get_by_role("link", name="CVE-201")).to_be_visible()
    assert axe_check(page) == []
    db.session.expire_all()
    review = db.session.scalars(sa.select(CveReview)).one()
    assert review.outcome == CveOutcome.APPROVED and review.reviewer_id == reviewer.id
