"""Training catalogue, records, derived expiry, evidence files, bulk entry, current flag."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.roster.models import Officer
from flo_portal.security.permissions import Role
from flo_portal.training.models import TrainingCourse, TrainingRecord
from flo_portal.training.services import (
    add_months,
    expiry_for,
    record_training,
    refresh_training_current,
)
from tests.factories import AgencyFactory
from tests.roster.factories import CourseFactory, OfficerFactory

PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _token(client, url):
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return match.group(1) if match else ""


def _count(action):
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action)
    )


def test_expiry_is_derived_from_validity():
    course = TrainingCourse(code="X", title="X", validity_months=24)
    assert expiry_for(course, date(2024, 2, 29)) == date(2026, 2, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert (
        expiry_for(TrainingCourse(code="Y", title="Y", validity_months=0), date(2024, 1, 1)) is None
    )


def test_no_required_course_means_everyone_current():
    officer = OfficerFactory(training_current=False)
    CourseFactory(required=False)
    db.session.commit()
    refresh_training_current()
    assert db.session.get(Officer, officer.id).training_current is True


def test_current_needs_every_required_course_unexpired():
    officer = OfficerFactory()
    basic, inter = (
        CourseFactory(code="BASIC"),
        CourseFactory(code="INTER", validity_months=12),
    )
    db.session.commit()
    record_training(officer, basic, clock.today() - timedelta(days=10))
    assert db.session.get(Officer, officer.id).training_current is False
    record_training(officer, inter, clock.today() - timedelta(days=400))  # expired
    assert db.session.get(Officer, officer.id).training_current is False
    rec, created = record_training(officer, inter, clock.today())
    assert created and db.session.get(Officer, officer.id).training_current is True
    assert record_training(officer, inter, clock.today()) == (rec, False)  # idempotent
    # Records expire with time, not only when rows change.
    refresh_training_current(today=clock.today() + timedelta(days=800))
    assert db.session.get(Officer, officer.id).training_current is False


def test_catalogue_create_and_cve_review_rule(client, login_as):
    login_as(Role.COORDINATOR)
    token = _token(client, "/training/courses/new")
    data = {
        "csrf_token": token,
        "code": "cve-101",
        "title": "Behaviours and indicators",
        "hours": "16",
        "provider": "State center",
        "validity_months": "36",
        "required": "y",
        "is_cve": "y",
        "active": "y",
    }
    # A CVE course cannot be required before it is approved against the guidance.
    refused = client.post("/training/courses/new", data=data)
    assert refused.status_code == 422 and "CVE Training Guidance" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(TrainingCourse.id))) == 0
    ok = client.post("/training/courses/new", data={**data, "required": ""})
    assert ok.status_code == 302
    course = db.session.scalar(sa.select(TrainingCourse).where(TrainingCourse.code == "CVE-101"))
    assert course.is_cve and not course.required and course.validity_months == 36
    assert _count("training.course_created") == 1
    page = client.get("/training/courses").get_data(as_text=True)
    assert "CVE-101" in page and "Never reviewed" in page
    dup = client.post("/training/courses/new", data={**data, "required": ""})
    assert dup.status_code == 422


def test_changing_validity_rederives_expiry(client, login_as):
    course = CourseFactory(validity_months=12)
    officer = OfficerFactory()
    db.session.commit()
    record_training(officer, course, date(2025, 1, 10))
    db.session.commit()
    from flo_portal.training.services import save_course

    save_course(course, {"validity_months": 24}, None)
    rec = db.session.scalar(sa.select(TrainingRecord))
    assert rec.expires_on == date(2027, 1, 10)


def test_add_record_with_evidence_and_download(client, login_as, make_user, app):
    agency = AgencyFactory()
    course = CourseFactory(code="BASIC")
    flo = make_user(Role.LIAISON_OFFICER, agency=agency)
    officer = OfficerFactory(agency=agency, user_id=flo.id)
    other_head = make_user(Role.AGENCY_HEAD, agency=AgencyFactory())
    db.session.commit()
    coordinator = login_as(Role.COORDINATOR)
    url = f"/roster/officers/{officer.id}"
    token = _token(client, url)
    response = client.post(
        f"/training/officers/{officer.id}/records",
        data={
            "csrf_token": token,
            "course_id": course.id,
            "completed_on": clock.today().isoformat(),
            "verified": "y",
            "evidence": (io.BytesIO(PDF), "certificate.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    rec = db.session.scalar(sa.select(TrainingRecord))
    assert rec.verified_by_id == coordinator.id and rec.evidence_mime == "application/pdf"
    assert rec.expires_on == expiry_for(course, clock.today())
    stored = app.config["UPLOAD_DIR"] + "/" + rec.evidence_path
    assert Path(stored).read_bytes() == PDF
    assert "static" not in stored
    assert db.session.get(Officer, officer.id).training_current is True
    download = client.get(f"/training/records/{rec.id}/evidence")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    assert _count("training.evidence_viewed") == 1
    # The FLO may download their own evidence; another agency's head may not.
    login_as(flo)
    own = client.get(f"/training/records/{rec.id}/evidence")
    assert own.status_code == 200
    own.close()
    login_as(other_head)
    assert client.get(f"/training/records/{rec.id}/evidence").status_code == 404


def test_evidence_checked_by_content_and_size(client, login_as, app):
    course = CourseFactory()
    officer = OfficerFactory()
    db.session.commit()
    login_as(Role.COORDINATOR)
    token = _token(client, f"/roster/officers/{officer.id}")
    rec, _ = record_training(officer, course, clock.today())
    db.session.commit()
    url = f"/training/records/{rec.id}/evidence"
    fake = client.post(
        url,
        data={
            "csrf_token": token,
            "evidence": (io.BytesIO(b"<script>x</script>"), "cert.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Only PDF, PNG or JPEG" in fake.get_data(as_text=True)
    big = PNG + b"\x00" * app.config["MAX_UPLOAD_BYTES"]
    too_big = client.post(
        url,
        data={"csrf_token": token, "evidence": (io.BytesIO(big), "big.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert too_big.status_code in (200, 413)
    db.session.expire_all()
    assert db.session.get(TrainingRecord, rec.id).evidence_path == ""
    ok = client.post(
        url,
        data={"csrf_token": token, "evidence": (io.BytesIO(PNG), "scan.png")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(TrainingRecord, rec.id).evidence_mime == "image/png"


def test_bulk_entry_records_one_course_for_many(client, login_as):
    agency = AgencyFactory()
    officers = OfficerFactory.create_batch(4, agency=agency)
    pasted = OfficerFactory(external_id="PASTE-1")
    course = CourseFactory(code="BASIC")
    db.session.commit()
    login_as(Role.COORDINATOR)
    page = client.get(f"/training/bulk?agency={agency.id}").get_data(as_text=True)
    assert officers[0].last_name in page
    token = _token(client, f"/training/bulk?agency={agency.id}")
    data = {
        "csrf_token": token,
        "course_id": course.id,
        "completed_on": clock.today().isoformat(),
        "officer_ids": [officers[0].id, officers[1].id],
        "keys": "PASTE-1\n",
    }
    assert client.post(f"/training/bulk?agency={agency.id}", data=data).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(TrainingRecord.id))) == 3
    # Again: nothing new.
    client.post(f"/training/bulk?agency={agency.id}", data=data)
    assert db.session.scalar(sa.select(sa.func.count(TrainingRecord.id))) == 3
    assert db.session.get(Officer, pasted.id).training_current is True
    unknown = client.post("/training/bulk", data={**data, "officer_ids": [], "keys": "NOPE-9"})
    assert unknown.status_code == 422 and "NOPE-9" in unknown.get_data(as_text=True)
    future = client.post("/training/bulk", data={**data, "completed_on": "2999-01-01"})
    assert future.status_code == 422


def test_training_export(client, login_as):
    course = CourseFactory(code="BASIC")
    officer = OfficerFactory(external_id="E-1")
    db.session.commit()
    record_training(officer, course, date(2025, 5, 1))
    db.session.commit()
    login_as(Role.COORDINATOR)
    text = client.get("/training/records.csv").get_data(as_text=True)
    assert "E-1,BASIC,2025-05-01,2027-05-01" in text
    assert _count("training.exported") == 1
