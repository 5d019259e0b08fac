"""Briefings and jobs benchmark: 2,000 partner users invited to one briefing.

Reports the time and SQL queries to schedule a briefing for all FLOs (invitations and
notices included), the reminder job over those 2,000 invitations, the outbox job sending
the resulting e-mails to a local SMTP sink, and the briefing pages (median ms, queries).

    .venv/bin/python -m bench.briefings
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.briefings
"""

from __future__ import annotations

import argparse
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bench.harness import bench_app, count_queries, measure, print_table, signed_in_client
from flo_portal.core.extensions import db


def build_users(agencies: int, users: int) -> None:
    from flo_portal.agencies.models import Agency, Discipline
    from flo_portal.users.models import User

    disciplines = list(Discipline)
    rows = [
        Agency(
            name=f"Bench agency {i}",
            discipline=disciplines[i % len(disciplines)],
            region=["Central", "Coastal", "Northern", "Southern"][i % 4],
            jurisdiction="County",
        )
        for i in range(agencies)
    ]
    db.session.add_all(rows)
    db.session.flush()
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"flo{i}@bench.example.gov",
                "name": f"FLO {i:05d}",
                "role": "liaison_officer",
                "agency_id": rows[i % agencies].id,
                "session_token": uuid.uuid4().hex,
                "timezone": ["America/New_York", "America/Chicago", "America/Los_Angeles"][i % 3],
                "created_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC),
            }
            for i in range(users)
        ],
    )
    db.session.commit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(app, args) -> list[tuple[str, float, int | str]]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    from flo_portal.briefings.models import Briefing
    from flo_portal.briefings.services import BriefingData, schedule_briefing
    from flo_portal.jobs.runner import run_job
    from flo_portal.notifications.models import OutboxEmail
    from flo_portal.users.audience import Audience

    results = []
    build_users(args.agencies, args.users)
    start = (datetime.now(UTC) + timedelta(hours=20)).replace(tzinfo=None, microsecond=0)
    data = BriefingData(
        title="All-FLO briefing",
        local_start=start,
        local_end=start + timedelta(hours=1),
        timezone="UTC",
        location="Auditorium",
        audience=Audience(all_flos=True),
    )
    with app.test_request_context(), count_queries() as counter:
        t0 = time.perf_counter()
        schedule_briefing(data, None)
        db.session.commit()
        results.append(
            (f"schedule + invite {args.users} users", time.perf_counter() - t0, counter["n"])
        )
    with count_queries() as counter:
        t0 = time.perf_counter()
        run = run_job("briefing_reminders")
        results.append(
            (
                f"reminder job ({run.counts['sent_24h']} reminders)",
                time.perf_counter() - t0,
                counter["n"],
            )
        )
    with count_queries() as counter:
        t0 = time.perf_counter()
        again = run_job("briefing_reminders", slot=datetime.now(UTC))
        results.append(
            (
                f"reminder job re-run ({again.counts['sent_24h']} sent)",
                time.perf_counter() - t0,
                counter["n"],
            )
        )

    port = _free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_ENABLED=True)
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        total = db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)))
        t0 = time.perf_counter()
        sent = 0
        while True:
            from flo_portal.notifications.delivery import deliver_outbox

            report = deliver_outbox(limit=500)
            sent += report.sent
            if not report.sent:
                break
        results.append(
            (f"outbox delivery ({sent} of {total} e-mails)", time.perf_counter() - t0, "-")
        )
    finally:
        controller.stop()

    client = signed_in_client(app)
    b_id = db.session.scalar(sa.select(Briefing.id))
    for name, url in {
        "briefing list": "/briefings/",
        "month view": "/briefings/?view=month",
        f"briefing detail ({args.users} invitees)": f"/briefings/{b_id}",
        "jobs page": "/jobs/",
    }.items():
        results.append((name, *measure(client, url, args.runs)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    with bench_app() as app:
        results = run(app, args)
        dialect = db.engine.dialect.name
    print(
        f"briefings benchmark on {dialect}: {args.users} partner users in {args.agencies} agencies"
    )
    print_table(results, label="step", width=42, indent="  ", ms=False)


if __name__ == "__main__":
    main()
