"""Migration 0020b carries the typed "CVE reviewed by / on" over as a legacy review that
does not count as approval; the downgrade puts them back."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from flo_portal.core.extensions import db
from flo_portal.training import cve
from flo_portal.training.models import CveOutcome, CveReview, TrainingCourse
from tests.conftest import scratch_app

INSERT = sa.text(
    "INSERT INTO training_course (code, title, hours, provider, validity_months, required,"
    " is_cve, cve_reviewed_by, cve_reviewed_on, active, version, created_at, updated_at)"
    " VALUES (:code, 't', 8, 'p', 0, :required, :cve, :by, :on, :t, 1, :now, :now)"
)


def test_typed_reviews_become_legacy_reviews(tmp_path):
    with scratch_app(tmp_path) as app, app.app_context():
        upgrade(revision="0019")
        now = "2026-01-01 00:00:00"
        for code, cve_flag, by, on in (
            ("CVE-TYPED", True, "Parker Privacy", date(2025, 9, 15)),
            ("CVE-NONE", True, "", None),
            ("BASIC", False, "", None),
        ):
            db.session.execute(
                INSERT,
                {
                    "code": code,
                    "required": cve_flag,
                    "cve": cve_flag,
                    "by": by,
                    "on": on,
                    "t": True,
                    "now": now,
                },
            )
        db.session.commit()
        upgrade(revision="heads")
        review = db.session.scalars(sa.select(CveReview)).one()
        course = db.session.get(TrainingCourse, review.course_id)
        assert course.code == "CVE-TYPED" and review.number == 1
        assert review.outcome == CveOutcome.LEGACY and review.approved_until is None
        assert review.reviewer_name == "Parker Privacy" and review.reviewed_on == date(2025, 9, 15)
        assert "not checklist-reviewed" in review.note
        assert not cve.is_approved(course)
        assert course.is_sar_awareness is False
        db.session.remove()

        downgrade(revision="0019")
        typed = dict(
            db.session.execute(
                sa.text("SELECT code, cve_reviewed_by FROM training_course ORDER BY code")
            ).all()
        )
        assert typed == {"BASIC": "", "CVE-NONE": "", "CVE-TYPED": "Parker Privacy"}
        assert "cve_review" not in sa.inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()
