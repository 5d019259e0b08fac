"""The admin page of job runs."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from flo_portal.audit.reads import audit_listing
from flo_portal.core.extensions import db
from flo_portal.jobs.models import JobRun
from flo_portal.jobs.registry import JOBS
from flo_portal.jobs.runner import latest_runs
from flo_portal.notifications.delivery import outbox_summary
from flo_portal.security import Permission, require

bp = Blueprint("jobs", __name__)

OUTCOMES = ("running", "ok", "error", "skipped")


@bp.route("/")
@require(Permission.JOBS_READ)
def index():
    job = request.args.get("job", "")
    outcome = request.args.get("outcome", "")
    stmt = sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if job in JOBS:
        stmt = stmt.where(JobRun.job == job)
    else:
        job = ""
    if outcome in OUTCOMES:
        stmt = stmt.where(JobRun.outcome == outcome)
    else:
        outcome = ""
    page = db.paginate(stmt, per_page=50, error_out=False)
    filters = {"job": job, "outcome": outcome}
    audit_listing("job_run", filters, page.total, values=filters, page=page.page)
    return render_template(
        "jobs/index.html",
        page=page,
        jobs=JOBS,
        latest=latest_runs(),
        outbox=outbox_summary(),
        job=job,
        outcome=outcome,
        outcomes=OUTCOMES,
    )


@bp.route("/runs/<int:run_id>")
@require(Permission.JOBS_READ)
def run_detail(run_id: int):
    run = db.get_or_404(JobRun, run_id)
    return render_template("jobs/run.html", run=run, spec=JOBS.get(run.job))
