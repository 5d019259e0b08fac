"""CVE training reviewed point by point against DHS's CVE Training Guidance (issue 16)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from flo_portal.audit.models import AuditEvent
from flo_portal.briefings.models import Briefing
from flo_portal.briefings.services import BriefingInputError, take_attendance
from flo_portal.core.errors import Conflict, InputError, Refused
from flo_portal.core.extensions import db
from flo_portal.roster.models import Officer
from flo_portal.security.permissions import Role
from flo_portal.training import cve
from flo_portal.training.cve_points import CVE_POINTS, POINT_KEYS
from flo_portal.training.cve_reviews import PointAnswer, cve_report, submit_review
from flo_portal.training.models import CveOutcome, CveReview, CveReviewAnswer, TrainingCourse
from flo_portal.training.services import (
    current_officer_ids_subquery,
    record_training,
    refresh_training_current,
    save_course,
)
from tests.briefings.factories import make_briefing
from tests.roster.factories import CourseFactory, OfficerFactory

PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REVIEW_DAY = datetime(2030, 3, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(REVIEW_DAY, tick=False) as traveller:
        yield traveller


def all_meet(**override) -> dict[str, PointAnswer]:
    answers = {p.key: PointAnswer("meets", evidence=f"Seen: {p.title}") for p in CVE_POINTS}
    answers.update(override)
    return answers


def cve_course(**kw) -> TrainingCourse:
    kw.setdefault("required", False)
    course = CourseFactory(is_cve=True, provider=kw.pop("provider", "Acme Training LLC"), **kw)
    db.session.commit()
    return course


def test_points_are_the_guidance_do_and_donts_with_stable_keys():
    assert POINT_KEYS == (
        "trainer_expertise",
        "civil_rights",
        "no_stereotyping",
        "accurate_current",
        "behaviours_not_ideology",
        "government_standards",
        "objectives_audience",
        "evaluation",
    )
    assert all(p.question.endswith("?") for p in CVE_POINTS)


def test_a_course_cannot_be_approved_while_any_point_fails(make_user, frozen):
    reviewer = make_user(Role.PRIVACY_OFFICER)
    course = cve_course()
    failing = all_meet(
        no_stereotyping=PointAnswer("does_not_meet", note="Slide 12 generalises a community.")
    )
    first = submit_review(course, failing, reviewer)
    db.session.commit()
    assert first.outcome == CveOutcome.NOT_APPROVED and first.approved_until is None
    assert not cve.is_approved(course)
    # Not applicable counts like meets; a later review approves; each review is kept.
    second = submit_review(
        course, all_meet(evaluation=PointAnswer("not_applicable", note="One-off pilot.")), reviewer
    )
    db.session.commit()
    assert second.number == 2 and second.outcome == CveOutcome.APPROVED
    assert second.approved_until == date(2032, 3, 1)  # CVE_APPROVAL_MONTHS = 24
    assert cve.is_approved(course)
    # The newest review is the standing: failing again withdraws the approval.
    submit_review(course, failing, reviewer)
    db.session.commit()
    assert not cve.is_approved(course)
    rows = db.session.scalars(sa.select(CveReview).order_by(CveReview.number)).all()
    assert [r.outcome for r in rows] == ["not_approved", "approved", "not_approved"]
    assert db.session.scalar(sa.select(sa.func.count(CveReviewAnswer.id))) == 3 * len(CVE_POINTS)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "training.cve_reviewed")
    ).all()
    assert len(events) == 3 and all(e.actor_id == reviewer.id for e in events)


def test_every_point_needs_an_answer_with_evidence_or_a_note(make_user, frozen):
    reviewer = make_user(Role.PRIVACY_OFFICER)
    course = cve_course()
    missing = all_meet()
    del missing["civil_rights"]
    with pytest.raises(InputError) as err:
        submit_review(course, missing, reviewer)
    assert "answer_civil_rights" in err.value.fields
    with pytest.raises(InputError) as err:
        submit_review(course, all_meet(evaluation=PointAnswer("meets")), reviewer)
    assert "evidence_evaluation" in err.value.fields
    with pytest.raises(InputError) as err:
        submit_review(course, all_meet(evaluation=PointAnswer("does_not_meet")), reviewer)
    assert "note_evaluation" in err.value.fields
    with pytest.raises(Conflict):
        submit_review(CourseFactory(is_cve=False), all_meet(), reviewer)


def test_the_provider_may_not_review_their_own_course(make_user, frozen):
    trainer = make_user(Role.PRIVACY_OFFICER, name="Dana Trainer")
    course = cve_course(provider="Dana Trainer Consulting")
    with pytest.raises(Refused):
        submit_review(course, all_meet(), trainer)
    agency_head = make_user(Role.AGENCY_HEAD)
    own = cve_course(provider=agency_head.agency.name)
    assert cve.is_provider(own, agency_head)
    other = make_user(Role.PRIVACY_OFFICER, name="Parker Privacy")
    assert not cve.is_provider(course, other)
    assert submit_review(course, all_meet(), other).outcome == CveOutcome.APPROVED


def test_approval_expires_after_the_configured_months(app, make_user, frozen, monkeypatch):
    monkeypatch.setitem(app.config, "CVE_APPROVAL_MONTHS", 6)
    reviewer = make_user(Role.PRIVACY_OFFICER)
    course = cve_course()
    review = submit_review(course, all_meet(), reviewer)
    db.session.commit()
    assert review.approved_until == date(2030, 9, 1)
    frozen.move_to(datetime(2030, 8, 31, 15, 0, tzinfo=UTC))
    assert cve.is_approved(course)
    frozen.move_to(datetime(2030, 9, 1, 15, 0, tzinfo=UTC))
    assert not cve.is_approved(course)
    grouped = cve_report()
    assert [r.course.code for r in grouped[cve.CveStanding.EXPIRED]] == [course.code]


def test_an_unapproved_cve_course_cannot_be_required(make_user, frozen):
    reviewer = make_user(Role.PRIVACY_OFFICER)
    course = cve_course()
    with pytest.raises(cve.CveNotApproved):  # never reviewed
        save_course(course, {"required": True}, None)
    db.session.rollback()
    submit_review(
        course, all_meet(accurate_current=PointAnswer("does_not_meet", note="2009")), reviewer
    )
    db.session.commit()
    with pytest.raises(cve.CveNotApproved, match="cannot be required for FLO status"):  # failed
        save_course(course, {"required": True}, None)
    db.session.rollback()
    submit_review(course, all_meet(), reviewer)
    save_course(course, {"required": True}, None)
    db.session.commit()
    assert db.session.get(TrainingCourse, course.id).required


def test_a_lapsed_cve_course_stops_counting_as_required(app, make_user, frozen, monkeypatch):
    monkeypatch.setitem(app.config, "CVE_APPROVAL_MONTHS", 6)
    reviewer = make_user(Role.PRIVACY_OFFICER)
    basic = CourseFactory(code="BASIC", validity_months=0)
    course = cve_course(validity_months=0)
    submit_review(course, all_meet(), reviewer)
    save_course(course, {"required": True}, None)
    officer = OfficerFactory()
    db.session.commit()
    record_training(officer, basic, date(2030, 1, 5))
    db.session.commit()
    assert officer.id not in db.session.scalars(current_officer_ids_subquery()).all()
    # Once the approval lapses the course is no longer a requirement anyone must hold.
    frozen.move_to(datetime(2030, 9, 2, 15, 0, tzinfo=UTC))
    refresh_training_current()
    assert db.session.get(Officer, officer.id).training_current is True


def test_a_briefing_cannot_credit_an_unapproved_cve_course(make_user, frozen):
    coordinator = make_user(Role.COORDINATOR)
    reviewer = make_user(Role.PRIVACY_OFFICER)
    flo = make_user(Role.LIAISON_OFFICER)
    OfficerFactory(agency=flo.agency, user_id=flo.id)
    course = cve_course()
    with pytest.raises(BriefingInputError) as err:
        make_briefing(coordinator, user_ids=[flo.id], credit_course_id=course.id)
    assert err.value.fields.get("credit_course_id")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Briefing.id))) == 0
    # Approved when scheduled, failed by the day of the briefing: attendance is refused.
    submit_review(course, all_meet(), reviewer)
    br = make_briefing(
        coordinator,
        user_ids=[flo.id],
        credit_course_id=course.id,
        start=datetime(2030, 3, 1, 9, 0),
    )
    submit_review(
        course,
        all_meet(civil_rights=PointAnswer("does_not_meet", note="No CR-CL content.")),
        reviewer,
    )
    db.session.commit()
    with pytest.raises(cve.CveNotApproved):
        take_attendance(br, {flo.id}, coordinator)


def test_review_form_records_answers_and_an_evidence_file(client, login_as, frozen):
    reviewer = login_as(Role.PRIVACY_OFFICER)
    course = cve_course()
    page = client.get(f"/training/cve/courses/{course.id}/review")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Countering Violent Extremism (CVE) Training Guidance and Best Practices" in html
    assert "373_cve_oct11" in html and "Trainers&#39; qualifications and expertise" in html
    data = {}
    for p in CVE_POINTS:
        data[f"answer_{p.key}"] = "meets"
        data[f"evidence_{p.key}"] = f"Checked {p.key}"
    data["answer_government_standards"] = "does_not_meet"
    data["note_government_standards"] = "No POST accreditation."
    data["file_trainer_expertise"] = (io.BytesIO(PDF), "cv.pdf")
    response = client.post(
        f"/training/cve/courses/{course.id}/review",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "is not approved" in html
    assert "No POST accreditation." in html and "cv.pdf" in html
    review = db.session.scalars(sa.select(CveReview)).one()
    assert review.reviewer_id == reviewer.id and review.outcome == CveOutcome.NOT_APPROVED
    answer = db.session.scalar(
        sa.select(CveReviewAnswer).where(CveReviewAnswer.point_key == "trainer_expertise")
    )
    download = client.get(f"/training/cve/answers/{answer.id}/evidence")
    assert download.status_code == 200 and download.data == PDF


def test_review_form_shows_what_is_missing(client, login_as, frozen):
    login_as(Role.PRIVACY_OFFICER)
    course = cve_course()
    response = client.post(
        f"/training/cve/courses/{course.id}/review", data={"answer_civil_rights": "meets"}
    )
    assert response.status_code == 422
    assert "Answer this point." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CveReview.id))) == 0


def test_the_provider_is_refused_on_the_form(client, login_as, frozen):
    login_as(Role.PRIVACY_OFFICER, name="Sam Provider")
    course = cve_course(provider="Sam Provider")
    data = {f"answer_{k}": "meets" for k in POINT_KEYS} | {f"evidence_{k}": "x" for k in POINT_KEYS}
    response = client.post(f"/training/cve/courses/{course.id}/review", data=data)
    assert response.status_code == 422
    assert "someone independent of the provider" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CveReview.id))) == 0


def test_report_lists_courses_by_standing_for_the_privacy_officer(
    client, login_as, make_user, frozen
):
    reviewer = make_user(Role.PRIVACY_OFFICER)
    approved = cve_course(code="CVE-OK")
    failed = cve_course(code="CVE-NO")
    legacy = cve_course(code="CVE-OLD")
    cve_course(code="CVE-NEW")
    CourseFactory(code="NOT-CVE", is_cve=False)
    submit_review(approved, all_meet(), reviewer)
    submit_review(failed, all_meet(evaluation=PointAnswer("does_not_meet", note="none")), reviewer)
    db.session.add(
        CveReview(
            course_id=legacy.id,
            number=1,
            reviewer_name="Typed Name",
            reviewed_on=date(2025, 9, 15),
            outcome=CveOutcome.LEGACY,
        )
    )
    db.session.commit()
    grouped = {s.value: [r.course.code for r in rows] for s, rows in cve_report().items()}
    assert grouped == {
        "approved": ["CVE-OK"],
        "expired": [],
        "not_approved": ["CVE-NO"],
        "legacy": ["CVE-OLD"],
        "never_reviewed": ["CVE-NEW"],
    }
    assert not cve.is_approved(legacy)  # a legacy record is not an approval
    login_as(Role.PRIVACY_OFFICER)
    page = client.get("/training/cve/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Legacy, not checklist-reviewed" in html and "does not count as approval" in html
    assert "Typed Name" in html and "NOT-CVE" not in html
    for code in ("CVE-OK", "CVE-NO", "CVE-OLD", "CVE-NEW"):
        assert code in html
    assert "373_cve_oct11" in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PRIVACY_OFFICER, 200),
        (Role.COORDINATOR, 200),
        (Role.ANALYST, 403),
        (Role.ADMIN, 403),
        (Role.AGENCY_HEAD, 403),
        (Role.LIAISON_OFFICER, 403),
    ],
)
def test_report_and_review_access_by_role(client, login_as, role, status, frozen):
    course = cve_course()
    login_as(role)
    assert client.get("/training/cve/").status_code == status
    assert client.get(f"/training/cve/courses/{course.id}").status_code == status
    review_status = 200 if role == Role.PRIVACY_OFFICER else 403
    assert client.get(f"/training/cve/courses/{course.id}/review").status_code == review_status


def test_catalogue_shows_a_required_cve_course_is_not_counted_until_approved(
    client, login_as, make_user, frozen
):
    reviewer = make_user(Role.PRIVACY_OFFICER)
    cve_course(code="CVE-WAIT", required=True)  # e.g. carried over by the migration
    counted = cve_course(code="CVE-DONE")
    submit_review(counted, all_meet(), reviewer)
    save_course(counted, {"required": True}, None)
    db.session.commit()
    login_as(Role.COORDINATOR)
    html = client.get("/training/courses").get_data(as_text=True)
    assert html.count("required, not counted until CVE-approved") == 1
    waiting_row = html[html.index("CVE-WAIT") :].split("</tr>")[0]
    assert "not counted until CVE-approved" in waiting_row and "Never reviewed" in waiting_row
    done_row = html[html.index("CVE-DONE") :].split("</tr>")[0]
    assert "Approved" in done_row and "not approved" not in done_row
