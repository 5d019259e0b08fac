"""CVE training review pages: the privacy officer's report of CVE courses by standing,
a course's review history, the checklist review form and its evidence files.

The points come from DHS's *Countering Violent Extremism (CVE) Training Guidance and Best
Practices* (see ``training.cve_points`` for where they were found).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from flo_portal.audit.reads import audit_listing
from flo_portal.audit.services import record as audit
from flo_portal.core.errors import DomainError
from flo_portal.core.extensions import db
from flo_portal.core.formtools import form_page, show_error
from flo_portal.core.uploads import read_limited, send_stored
from flo_portal.security import Permission, require
from flo_portal.training import cve, cve_points, cve_reviews
from flo_portal.training.forms import CveReviewForm
from flo_portal.training.models import CveReviewAnswer, TrainingCourse

bp = Blueprint("training_cve", __name__)


def _cve_course_or_404(course_id: int) -> TrainingCourse:
    course = db.session.get(TrainingCourse, course_id)
    if course is None or not course.is_cve:
        abort(404)
    return course


def _page_context(course: TrainingCourse) -> dict:
    return {
        "course": course,
        "reviews": cve_reviews.reviews_of(course),
        "points": cve_points.CVE_POINTS,
        "points_by_key": cve_points.POINTS_BY_KEY,
        "guidance": cve_points,
        "approved": cve.is_approved(course),
    }


@bp.route("/")
@require(Permission.CVE_REPORT)
def report():
    grouped = cve_reviews.cve_report()
    audit_listing("cve_review", {}, sum(len(rows) for rows in grouped.values()), listing="report")
    return render_template(
        "training/cve_report.html", grouped=grouped, standings=cve.CveStanding, guidance=cve_points
    )


@bp.route("/courses/<int:course_id>")
@require(Permission.CVE_REPORT)
def history(course_id: int):
    return render_template(
        "training/cve_history.html", **_page_context(_cve_course_or_404(course_id))
    )


def _answers_from(form) -> dict[str, cve_reviews.PointAnswer]:
    answers = {}
    for point in cve_points.CVE_POINTS:
        storage = form[f"file_{point.key}"].data
        upload = None
        if storage is not None and getattr(storage, "filename", ""):
            upload = (storage.filename, read_limited(storage.stream))
        answers[point.key] = cve_reviews.PointAnswer(
            answer=form[f"answer_{point.key}"].data or "",
            note=form[f"note_{point.key}"].data or "",
            evidence=form[f"evidence_{point.key}"].data or "",
            file=upload,
        )
    return answers


@bp.route("/courses/<int:course_id>/review", methods=["GET", "POST"])
@require(Permission.CVE_REVIEW)
def review(course_id: int):
    course = _cve_course_or_404(course_id)
    form = CveReviewForm()
    if form.validate_on_submit():
        try:
            done = cve_reviews.submit_review(
                course, _answers_from(form), current_user, note=form.overall_note.data or ""
            )
        except DomainError as err:
            show_error(form, err)
        else:
            if done.approved_until:
                flash(f"{course.code} approved until {done.approved_until:%Y-%m-%d}.", "success")
            else:
                flash(
                    f"{course.code} is not approved: a point does not meet the guidance. "
                    "It cannot be required or credited by a briefing.",
                    "warning",
                )
            return redirect(url_for("training_cve.history", course_id=course.id))
    return form_page("training/cve_review_form.html", form, **_page_context(course))


@bp.route("/answers/<int:answer_id>/evidence")
@require(Permission.CVE_REPORT)
def evidence(answer_id: int):
    answer = db.session.get(CveReviewAnswer, answer_id)
    path = cve_reviews.evidence_file(answer) if answer is not None else None
    if path is None or not path.is_file():
        abort(404)
    audit(
        "training.cve_evidence_viewed",
        answer.review,
        summary=answer.evidence_name,
        details={"answer_id": answer.id, "point": answer.point_key},
        actor=current_user,
    )
    return send_stored(path, mimetype=answer.evidence_mime, download_name=answer.evidence_name)
