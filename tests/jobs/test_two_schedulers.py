"""Two scheduler instances on one PostgreSQL database: every job runs once per tick."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.triggers.date import DateTrigger

from flo_portal.core.extensions import db
from flo_portal.jobs.models import JobRun
from flo_portal.jobs.registry import JOBS
from flo_portal.jobs.scheduler import build_scheduler
from flo_portal.notifications.models import Notification
from flo_portal.security.permissions import Role
from tests.briefings.factories import make_briefing
from tests.markers import skip_unless_postgres

pytestmark = [pytest.mark.postgres, skip_unless_postgres]


def test_two_schedulers_run_each_job_once(app, make_user):
    from config import TestConfig
    from flo_portal import create_app

    coord = make_user(Role.COORDINATOR)
    flos = [make_user(Role.LIAISON_OFFICER) for _ in range(5)]
    now = datetime.now(UTC)
    local = (now + timedelta(hours=12)).replace(tzinfo=None, second=0, microsecond=0)
    make_briefing(coord, user_ids=[u.id for u in flos], start=local, hours=1, timezone="UTC")

    fire_at = datetime.now(UTC) + timedelta(seconds=2)
    slot = fire_at.replace(microsecond=0)
    done = threading.Event()
    finished: list[str] = []
    lock = threading.Lock()
    expected = 2 * len(JOBS)

    def listener(event):
        with lock:
            finished.append(event.job_id)
            if len(finished) == expected:
                done.set()

    schedulers = []
    for _ in range(2):
        other = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        )
        sched = build_scheduler(
            other,
            blocking=False,
            trigger_for=lambda spec: (DateTrigger(run_date=fire_at), {"slot": slot}),
        )
        sched.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        schedulers.append((other, sched))
    for _, sched in schedulers:
        sched.start()
    try:
        assert done.wait(60), f"only {len(finished)} of {expected} job executions finished"
    finally:
        for other, sched in schedulers:
            sched.shutdown(wait=True)
            with other.app_context():
                db.engine.dispose()
    db.session.expire_all()
    runs = db.session.execute(sa.select(JobRun.job, sa.func.count()).group_by(JobRun.job)).all()
    assert dict(runs) == dict.fromkeys(JOBS, 1)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.kind == "briefing.reminder"
            )
        )
        == 5
    )
