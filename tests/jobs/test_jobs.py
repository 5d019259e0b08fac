"""Jobs: reminders and expiry notices on a frozen clock, the tick claim, the lock, JobRun page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from flo_portal.briefings.models import BriefingInvitation, RsvpStatus
from flo_portal.core.extensions import db
from flo_portal.jobs.models import JobRun
from flo_portal.jobs.runner import job_lock, run_job, slot_for
from flo_portal.notifications.models import Notification, OutboxEmail
from flo_portal.security.permissions import Role
from tests.briefings.factories import make_briefing
from tests.roster.factories import CourseFactory, OfficerFactory, RecordFactory

# A briefing at 09:00 Los Angeles time on 12 March 2030 (PDT, UTC-7) = 16:00 UTC.
START_UTC = datetime(2030, 3, 12, 16, 0, tzinfo=UTC)


def _reminders(user_id):
    return db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user_id, Notification.kind == "briefing.reminder")
        .order_by(Notification.id)
    ).all()


def test_reminders_24h_and_1h_at_the_right_times_in_the_viewers_zone_once(make_user):
    coord = make_user(Role.COORDINATOR)
    ny = make_user(Role.LIAISON_OFFICER, timezone="America/New_York")
    la = make_user(Role.LIAISON_OFFICER, timezone="America/Los_Angeles")
    decliner = make_user(Role.LIAISON_OFFICER)
    with time_machine.travel(datetime(2030, 3, 1, tzinfo=UTC), tick=False):
        b = make_briefing(
            coord,
            user_ids=[ny.id, la.id, decliner.id],
            start=datetime(2030, 3, 12, 9, 0),
            timezone="America/Los_Angeles",
        )
        inv = db.session.scalars(
            sa.select(BriefingInvitation).where(BriefingInvitation.user_id == decliner.id)
        ).one()
        inv.status = RsvpStatus.NO
        db.session.commit()
    assert b.starts_at == START_UTC

    def tick(at):
        with time_machine.travel(at, tick=False):
            return run_job("briefing_reminders", slot=at)

    assert tick(START_UTC - timedelta(hours=24, minutes=1)).counts == {"sent_24h": 0, "sent_1h": 0}
    assert tick(START_UTC - timedelta(hours=24)).counts == {"sent_24h": 2, "sent_1h": 0}
    # Re-run of the same and later ticks, and a re-run after a "crash": nothing twice.
    assert run_job("briefing_reminders", slot=START_UTC - timedelta(hours=24)) is None
    assert tick(START_UTC - timedelta(hours=12)).counts == {"sent_24h": 0, "sent_1h": 0}
    assert tick(START_UTC - timedelta(hours=1, seconds=1)).counts == {"sent_24h": 0, "sent_1h": 0}
    assert tick(START_UTC - timedelta(minutes=59)).counts == {"sent_24h": 0, "sent_1h": 2}
    assert tick(START_UTC - timedelta(minutes=30)).counts == {"sent_24h": 0, "sent_1h": 0}
    assert tick(START_UTC + timedelta(minutes=5)).counts == {"sent_24h": 0, "sent_1h": 0}

    ny_notes, la_notes = _reminders(ny.id), _reminders(la.id)
    assert len(ny_notes) == 2 and len(la_notes) == 2 and _reminders(decliner.id) == []
    assert "12:00 EDT" in ny_notes[0].body and "09:00 PDT" in la_notes[0].body
    assert ny_notes[0].created_at == START_UTC - timedelta(hours=24)
    assert la_notes[1].created_at == START_UTC - timedelta(minutes=59)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.kind == "briefing.reminder")
        )
        == 4
    )
    runs = db.session.scalars(sa.select(JobRun).where(JobRun.job == "briefing_reminders")).all()
    assert (
        len(runs) == 7 and {r.outcome for r in runs} == {"ok"} and all(r.finished_at for r in runs)
    )


def test_training_expiry_notices_at_60_30_7_days_once_each(make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    course = CourseFactory(code="FLO-B", title="FLO Basic", hours=8, required=True)
    linked = OfficerFactory(
        agency=flo.agency, user_id=flo.id, first_name="Jo", last_name="Lee", email=""
    )
    # An unlinked officer with an e-mail address gets the notice by e-mail only.
    other = OfficerFactory(
        agency=flo.agency,
        first_name="No",
        last_name="Login",
        email="nologin@example.gov",
        discipline="fire",
    )
    expires = date(2030, 6, 30)
    for officer in (linked, other):
        RecordFactory(
            officer=officer, course=course, completed_on=date(2028, 6, 30), expires_on=expires
        )
    db.session.commit()

    sent_on = []
    day = expires - timedelta(days=75)
    while day <= expires + timedelta(days=2):
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=6)
        with time_machine.travel(at, tick=False):
            run = run_job("training_expiry", slot=at)
            run_job("training_expiry", slot=at + timedelta(hours=1))  # a second run the same day
        if run.counts.get("sent"):
            sent_on.append(((expires - day).days, run.counts["sent"]))
        day += timedelta(days=1)
    assert sent_on == [(60, 2), (30, 2), (7, 2)]
    titles = db.session.scalars(
        sa.select(Notification.title)
        .where(Notification.user_id == flo.id)
        .order_by(Notification.id)  # PostgreSQL reuses deleted rows' space: no heap order
    ).all()
    assert titles == [
        "FLO-B FLO Basic expires in 60 days",
        "FLO-B FLO Basic expires in 30 days",
        "FLO-B FLO Basic expires in 7 days",
    ]
    emails = db.session.scalars(
        sa.select(OutboxEmail.to_address).where(OutboxEmail.kind == "training.expiry")
    ).all()
    assert emails.count("nologin@example.gov") == 3 and emails.count(flo.email) == 3


def test_late_record_gets_only_the_nearest_threshold(make_user):
    from flo_portal.training.expiry import threshold_for

    assert [threshold_for(d) for d in (61, 60, 31, 30, 8, 7, 1, 0)] == [
        None,
        60,
        60,
        30,
        30,
        7,
        7,
        None,
    ]


def test_tick_is_claimed_once_and_failures_are_recorded(monkeypatch):
    from flo_portal.jobs import registry

    at = datetime(2030, 1, 1, 10, 0, 30, tzinfo=UTC)
    assert slot_for(60, at) == datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
    first = run_job("outbox_delivery", now=at)
    assert (
        first.outcome == "ok" and run_job("outbox_delivery", now=at + timedelta(seconds=20)) is None
    )

    def boom(now):
        raise RuntimeError("the mail relay is on fire")

    monkeypatch.setitem(
        registry.JOBS, "outbox_delivery", registry.JobSpec("outbox_delivery", "x", 60, boom)
    )
    failed = run_job("outbox_delivery", now=at + timedelta(minutes=1))
    assert failed.outcome == "error" and "on fire" in failed.error and failed.finished_at


def test_a_held_lock_makes_the_other_run_skip():
    at = datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
    # PostgreSQL: pg_try_advisory_lock from another connection; SQLite: the lease row.
    with job_lock("daily_digest", at) as got:
        assert got
        with job_lock("daily_digest", at) as again:
            assert again is False
        run = run_job("daily_digest", now=at)
        assert run.outcome == "skipped" and "lock" in run.error
    with job_lock("daily_digest", at) as got_again:
        assert got_again


def test_daily_digest_at_seven_local_once(make_user):
    from flo_portal.notifications.services import notify

    la = make_user(Role.LIAISON_OFFICER, timezone="America/Los_Angeles")
    with time_machine.travel(datetime(2030, 1, 11, 2, 0, tzinfo=UTC), tick=False):
        notify(la, "rfi.answered", "Your RFI was answered", email=False)
        db.session.commit()
    seven_la = datetime(2030, 1, 11, 15, 0, tzinfo=UTC)  # 07:00 PST
    with time_machine.travel(seven_la - timedelta(hours=1), tick=False):
        assert run_job("daily_digest").counts == {"users": 0, "queued": 0}
    with time_machine.travel(seven_la, tick=False):
        assert run_job("daily_digest").counts == {"users": 1, "queued": 1}
        run_job("daily_digest", slot=seven_la + timedelta(minutes=1))
    digest = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.kind == "digest")).one()
    assert digest.to_address == la.email and "1 × Requests for information" in digest.body_text
    assert "Your RFI was answered" not in digest.body_text  # no titles leave by e-mail


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR])
def test_jobs_page_lists_runs(client, login_as, role):
    run_job("outbox_delivery", now=datetime(2030, 1, 1, tzinfo=UTC))
    login_as(role)
    page = client.get("/jobs/")
    assert page.status_code == 200 and b"Outbox delivery" in page.data and b"ok" in page.data
    run_id = db.session.scalar(sa.select(JobRun.id))
    assert client.get(f"/jobs/runs/{run_id}").status_code == 200
    assert client.get("/jobs/runs/999999").status_code == 404
    assert client.get("/jobs/?job=nope&outcome=<script>").status_code == 200


def test_training_current_follows_the_calendar(db):
    course = CourseFactory(required=True, validity_months=12)
    officer = OfficerFactory(training_current=True)
    RecordFactory(
        officer=officer, course=course, completed_on=date(2029, 1, 10)
    )  # expires 2030-01-10
    db.session.commit()
    run = run_job("training_current_refresh", now=datetime(2030, 1, 9, 12, 0, tzinfo=UTC))
    assert run.outcome == "ok"
    db.session.refresh(officer)
    assert officer.training_current
    run_job("training_current_refresh", now=datetime(2030, 1, 11, 12, 0, tzinfo=UTC))
    db.session.refresh(officer)
    assert not officer.training_current
