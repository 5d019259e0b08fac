"""Roster benchmark: 500 agencies, 10,000 officers, 60,000 training records.

Reports the time to import the 10,000-officer CSV, and for the roster list (unfiltered
and filtered), an officer profile and the all-agency coverage page: the median render
time over several requests and the number of SQL queries each request ran.

    .venv/bin/python -m bench.roster                      # SQLite (a temporary file)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.roster

On PostgreSQL the benchmark works in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import time
from datetime import date, timedelta

import sqlalchemy as sa

from bench.harness import (
    bench_app,
    count_queries,  # noqa: F401  (tests/roster/test_query_counts.py)
    measure,
    print_table,
    signed_in_client,
    vacuum_analyze,
)
from flo_portal.agencies.models import Agency, Discipline
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.training.models import CveReview, TrainingCourse, TrainingRecord
from flo_portal.training.services import expiry_for, refresh_training_current, refresh_validity

FIRST = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jamal",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Will",
    "Yuki",
]
LAST = [
    "Smith",
    "Garcia",
    "Nguyen",
    "Okafor",
    "Kowalski",
    "Haddad",
    "Johnson",
    "Silva",
    "Müller",
    "Chen",
    "Rossi",
    "Dubois",
    "Ivanova",
    "Patel",
    "Kim",
    "Brown",
    "Lopez",
    "Walker",
    "Young",
    "Hill",
]
REGIONS = ["Central", "Coastal", "Northern", "Southern", "Eastern", "Western"]
COURSES = [  # code, title, hours, validity months, required, cve
    ("FLO-BASIC", "Basic Fusion Liaison Officer course", 8, 36, True, False),
    (
        "FLO-INT-CVE",
        "Intermediate FLO: behaviours and indicators (CVE)",
        16,
        36,
        True,
        True,
    ),
    ("PRIV-CRCL", "Privacy, civil rights and civil liberties", 2, 12, False, False),
    ("SAR-101", "Suspicious activity reporting", 4, 24, False, False),
]
STATUSES = [OfficerStatus.ACTIVE] * 7 + [
    OfficerStatus.INACTIVE,
    OfficerStatus.NOMINATED,
    OfficerStatus.VETTING,
]


def make_agencies(n: int, rng: random.Random, start: int = 0) -> None:
    now = utcnow()
    disciplines = list(Discipline)
    rows = [
        {
            "name": f"Agency {i:04d} {rng.choice(['PD', 'Fire', 'EMS', 'Health', 'EM'])}",
            "discipline": disciplines[i % len(disciplines)],
            "region": REGIONS[i % len(REGIONS)],
            "jurisdiction": f"County {i % 90}",
            "contact_name": "",
            "contact_email": "",
            "contact_phone": "",
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(start, start + n)
    ]
    db.session.execute(Agency.__table__.insert(), rows)


def make_courses() -> None:
    now = utcnow()
    db.session.execute(
        TrainingCourse.__table__.insert(),
        [
            {
                "code": c,
                "title": t,
                "hours": h,
                "provider": "State fusion center",
                "validity_months": v,
                "required": r,
                "is_cve": cve,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for c, t, h, v, r, cve in COURSES
        ],
    )
    # The CVE course stands approved against the guidance, so it counts as required.
    cve_ids = db.session.scalars(
        sa.select(TrainingCourse.id).where(TrainingCourse.is_cve.is_(True))
    ).all()
    if cve_ids:
        db.session.execute(
            CveReview.__table__.insert(),
            [
                {
                    "course_id": cid,
                    "number": 1,
                    "reviewer_name": "Privacy officer",
                    "reviewed_on": date(2025, 1, 15),
                    "reviewed_at": now,
                    "outcome": "approved",
                    "approved_until": date(2099, 1, 15),
                    "note": "",
                }
                for cid in cve_ids
            ],
        )


def officers_csv(n: int, agency_names: list[str], rng: random.Random) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "external_id",
            "first_name",
            "last_name",
            "agency",
            "rank_title",
            "email",
            "phone",
            "flo_level",
            "status",
            "supervisor_approved_on",
            "nda_signed_on",
            "privacy_ack_on",
        ]
    )
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        status = rng.choice(STATUSES)
        onboard = "2024-03-01" if status in (OfficerStatus.ACTIVE, OfficerStatus.INACTIVE) else ""
        w.writerow(
            [
                f"B-{i:06d}",
                first,
                last,
                agency_names[i % len(agency_names)],
                rng.choice(["Officer", "Sergeant", "Detective", "Captain", "Analyst"]),
                f"{first.lower()}.{last.lower()}.{i}@agency.example.gov",
                f"555-{i % 10000:04d}",
                rng.choice(["basic", "basic", "intermediate", "advanced"]),
                status.value,
                onboard,
                onboard,
                onboard,
            ]
        )
    return buf.getvalue().encode("utf-8")


def make_records(n: int, rng: random.Random) -> None:
    officer_ids = list(db.session.scalars(sa.select(Officer.id)))
    courses = list(db.session.scalars(sa.select(TrainingCourse)))
    today, now = clock.today(), utcnow()
    seen, rows = set(), []
    while len(rows) < n:
        oid, course = rng.choice(officer_ids), rng.choice(courses)
        done = today - timedelta(days=rng.randint(0, 1300))
        if (oid, course.id, done) in seen:
            continue
        seen.add((oid, course.id, done))
        rows.append(
            {
                "officer_id": oid,
                "course_id": course.id,
                "completed_on": done,
                "expires_on": expiry_for(course, done),
                "source": "bench",
                "evidence_path": "",
                "evidence_name": "",
                "evidence_mime": "",
                "recorded_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    for i in range(0, len(rows), 5000):
        db.session.execute(TrainingRecord.__table__.insert(), rows[i : i + 5000])
    refresh_validity()  # the summary the coverage page reads


def build_world(agencies: int, officers: int, records: int, seed: int = 7) -> float:
    """Fill the current database; returns the seconds the officer CSV import took."""
    from flo_portal.roster.importer import import_csv

    rng = random.Random(seed)
    make_agencies(agencies, rng)
    make_courses()
    db.session.commit()
    names = list(db.session.scalars(sa.select(Agency.name).order_by(Agency.id)))
    data = officers_csv(officers, names, rng)
    started = time.perf_counter()
    report = import_csv(data, kind="officers", filename="bench-officers.csv")
    db.session.commit()
    elapsed = time.perf_counter() - started
    assert report.ok and report.created == officers, report.summary()
    make_records(records, rng)
    refresh_training_current()
    vacuum_analyze()
    return elapsed


def bench_pages(app, runs: int) -> dict[str, tuple[float, int]]:
    client = signed_in_client(app)
    officer_id = db.session.scalar(
        sa.select(Officer.id)
        .where(Officer.status == OfficerStatus.ACTIVE)
        .order_by(Officer.id)
        .limit(1)
    )
    pages = {
        "roster list, unfiltered": "/roster/officers",
        "roster list, filtered": "/roster/officers?q=smi&status=active&current=no&sort=agency",
        "officer profile": f"/roster/officers/{officer_id}",
        "coverage, all agencies": "/roster/coverage",
    }
    return {name: measure(client, url, runs) for name, url in pages.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=500)
    parser.add_argument("--officers", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    with bench_app() as app:
        t0 = time.perf_counter()
        import_s = build_world(args.agencies, args.officers, args.records)
        build_s = time.perf_counter() - t0
        results = bench_pages(app, args.runs)
        dialect = db.engine.dialect.name
    print(
        f"roster benchmark on {dialect}: {args.agencies} agencies, {args.officers} officers, "
        f"{args.records} training records (built in {build_s:.1f} s)"
    )
    print(f"  import of the {args.officers}-officer CSV: {import_s:.2f} s")
    print_table(results, width=28, indent="  ")


if __name__ == "__main__":
    main()
