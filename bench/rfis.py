"""RFI benchmark: 100,000 RFIs; the center queue (filtered) and search.

Builds 300 agencies, 3,000 partner users, 20 analysts and 100,000 RFIs (bulk insert;
statuses, priorities, TLP, due dates and answers spread at random, a few rare words
planted for search), then reports for each page the median render time over several
requests and the number of SQL queries one request ran.

    .venv/bin/python -m bench.rfis                      # SQLite (a temporary file)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.rfis

On PostgreSQL the benchmark works in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa

from bench.harness import bench_app, measure, print_table, signed_in_client, vacuum_analyze
from bench.roster import make_agencies
from flo_portal.agencies.models import Agency
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.rfis.models import (
    Rfi,
    RfiCounter,
    RfiDirection,
    RfiPriority,
    RfiStatus,
    Tlp,
)
from flo_portal.security.permissions import Role
from flo_portal.users.models import User

WORDS = [
    "theft",
    "fuel",
    "depot",
    "copper",
    "rail",
    "yard",
    "drone",
    "substation",
    "threat",
    "vehicle",
    "warehouse",
    "burglary",
    "fraud",
    "weapon",
    "report",
    "suspicious",
    "purchase",
    "pattern",
    "network",
    "bridge",
    "port",
    "shipment",
    "alarm",
    "camera",
    "storage",
    "trailer",
    "tanker",
    "license",
    "plate",
]
RARE = "ammonium"  # planted in about 0.5% of questions


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


# The mix of a center's RFIs (the RFI benchmark and the load benchmark build the same).
STATUSES = [RfiStatus.CLOSED] * 5 + [RfiStatus.ANSWERED] * 2 + [RfiStatus.ASSIGNED] * 2
STATUSES += [RfiStatus.SUBMITTED, RfiStatus.ACCEPTED, RfiStatus.RETURNED]
STATUSES += [RfiStatus.REJECTED, RfiStatus.PRIVACY_REVIEW]
TLPS = [Tlp.AMBER] * 5 + [Tlp.GREEN] * 3 + [Tlp.AMBER_STRICT, Tlp.RED, Tlp.CLEAR]
PRIORITIES = [RfiPriority.ROUTINE] * 6 + [RfiPriority.PRIORITY] * 3 + [RfiPriority.URGENT]


def rfi_row(rng, *, reference, year, seq, submitted, today, requester, agency, analysts) -> dict:
    """One RFI request row for a bulk insert: a random status, priority and TLP of the mix
    above, answered or assigned as its status says; 1 in 200 names a rare term."""
    status = rng.choice(STATUSES)
    answered = status in (RfiStatus.ANSWERED, RfiStatus.CLOSED)
    assigned = answered or status == RfiStatus.ASSIGNED
    question = _text(rng, rng.randint(20, 60))
    if rng.random() < 0.005:
        question += f" Large {RARE} nitrate purchase."
    return {
        "reference": reference,
        "ref_year": year,
        "ref_seq": seq,
        "direction": RfiDirection.REQUEST,
        "title": _text(rng, 5),
        "question": question,
        "justification": _text(rng, 15),
        "priority": rng.choice(PRIORITIES),
        "tlp": rng.choice(TLPS),
        "due_on": min(
            submitted.date() + timedelta(days=rng.randint(1, 30)),
            today + timedelta(days=30),
        ),
        "status": status,
        "version": 1,
        "requester_id": requester,
        "agency_id": agency,
        "assignee_id": rng.choice(analysts) if assigned else None,
        "attested_at": submitted,
        "submitted_at": submitted,
        "privacy_flagged": status == RfiStatus.PRIVACY_REVIEW,
        "privacy_terms": "",
        "privacy_note": "",
        "return_note": "",
        "reject_reason": "",
        "answer": _text(rng, 40) if answered else "",
        "answered_at": submitted + timedelta(hours=rng.randint(1, 400)) if answered else None,
        "closure_comment": "",
        "satisfaction": rng.randint(1, 5) if status == RfiStatus.CLOSED else None,
        "criminal_intelligence": False,
        "created_at": submitted,
        "updated_at": submitted,
    }


def build_world(n_rfis: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    make_agencies(300, rng)
    db.session.commit()
    agency_ids = list(db.session.scalars(sa.select(Agency.id)))
    now = utcnow()
    users = [
        {
            "email": f"flo{i}@partner.example.gov",
            "name": f"Partner {i}",
            "role": Role.LIAISON_OFFICER if i % 10 else Role.AGENCY_HEAD,
            "agency_id": agency_ids[i % len(agency_ids)],
            "session_token": uuid.uuid4().hex,
            "active": True,
            "timezone": "America/New_York",
            "mfa_enabled": False,
            "failed_logins": 0,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(3000)
    ] + [
        {
            "email": f"analyst{i}@fusion.example.gov",
            "name": f"Analyst {i}",
            "role": Role.ANALYST,
            "agency_id": None,
            "session_token": uuid.uuid4().hex,
            "active": True,
            "timezone": "America/New_York",
            "mfa_enabled": False,
            "failed_logins": 0,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(20)
    ]
    db.session.execute(User.__table__.insert(), users)
    db.session.commit()
    partners = db.session.execute(
        sa.select(User.id, User.agency_id).where(
            User.role.in_((Role.LIAISON_OFFICER, Role.AGENCY_HEAD))
        )
    ).all()
    analysts = list(db.session.scalars(sa.select(User.id).where(User.role == Role.ANALYST)))
    today = clock.today()
    per_year: dict[int, int] = {}
    batch = []
    for i in range(n_rfis):
        requester, agency = rng.choice(partners)
        submitted = now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
        year = submitted.year
        per_year[year] = per_year.get(year, 0) + 1
        batch.append(
            rfi_row(
                rng,
                reference=f"RFI-{year}-{i:06d}"[:20],
                year=year,
                seq=i + 1,
                submitted=submitted,
                today=today,
                requester=requester,
                agency=agency,
                analysts=analysts,
            )
        )
        if len(batch) == 5000:
            db.session.execute(Rfi.__table__.insert(), batch)
            batch = []
    if batch:
        db.session.execute(Rfi.__table__.insert(), batch)
    db.session.execute(
        RfiCounter.__table__.insert(),
        [{"year": y, "last_seq": n} for y, n in per_year.items()],
    )
    vacuum_analyze()


def bench_pages(app, runs: int) -> dict[str, tuple[float, int]]:
    agency_id = db.session.scalar(sa.select(Agency.id).order_by(Agency.id).limit(1))
    analyst_id = db.session.scalar(sa.select(User.id).where(User.role == Role.ANALYST).limit(1))
    pages = {
        "queue, unfiltered (page 1)": "/rfis/queue",
        "queue, status=assigned & priority=urgent": "/rfis/queue?status=assigned&priority=urgent",
        "queue, open & overdue": "/rfis/queue?status=open&overdue=1",
        f"queue, agency={agency_id}": f"/rfis/queue?agency={agency_id}",
        f"queue, assignee={analyst_id} & status=assigned": f"/rfis/queue?assignee={analyst_id}&status=assigned",
        f"search q={RARE} (rare word)": f"/rfis/queue?q={RARE}",
        "search q=tanker (common word)": "/rfis/queue?q=tanker",
        f"search q={RARE} & priority=routine": f"/rfis/queue?q={RARE}&priority=routine",
    }
    results = {}
    coordinator = signed_in_client(app, "coordinator")
    for name, url in pages.items():
        results[name] = measure(coordinator, url, runs)
    analyst = signed_in_client(app, "analyst")  # the TLP:RED participant rule in the filter
    results["queue as analyst, status=assigned (RED rule)"] = measure(
        analyst, "/rfis/queue?status=assigned", runs
    )
    results[f"search as analyst q={RARE} (RED rule)"] = measure(
        analyst, f"/rfis/queue?q={RARE}", runs
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rfis", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    with bench_app() as app:
        t0 = time.perf_counter()
        build_world(args.rfis)
        build_s = time.perf_counter() - t0
        results = bench_pages(app, args.runs)
        dialect = db.engine.dialect.name
    print(
        f"\nRFI benchmark on {dialect}: {args.rfis:,} RFIs (built in {build_s:.1f} s), "
        f"median of {args.runs} requests"
    )
    print_table(results)


if __name__ == "__main__":
    main()
