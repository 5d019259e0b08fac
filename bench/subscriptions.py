"""Subscriptions benchmark: telling 10,000 followers of a topic that a product is out.

Builds 10,000 partner users (all FLOs) who follow the topic "rail" (a hundred of them
also follow "drone"), then reports the time and SQL statements of the fan-out alone
(notices and e-mails, two INSERT ... SELECT) to 10,000 and to 100 followers — the
statement counts must be equal — the whole publication of an "all FLOs" product
(dissemination log, notices, e-mails and the fan-out), and the Following and follower
counts pages (median ms, queries).

    .venv/bin/python -m bench.subscriptions
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.subscriptions
"""

from __future__ import annotations

import argparse
import time

import sqlalchemy as sa

from bench.briefings import build_users
from bench.harness import (
    bench_app,
    count_queries,
    measure,
    print_table,
    signed_in_client,
    vacuum_analyze,
)
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow


def build_follows(drone_followers: int) -> None:
    from flo_portal.subscriptions.models import Subscription
    from flo_portal.users.models import User

    ids = db.session.scalars(sa.select(User.id).order_by(User.id)).all()
    now = utcnow()
    rows = [{"user_id": i, "kind": "topic", "value": "rail", "created_at": now} for i in ids]
    rows += [
        {"user_id": i, "kind": "topic", "value": "drone", "created_at": now}
        for i in ids[:drone_followers]
    ]
    db.session.execute(sa.insert(Subscription), rows)
    db.session.commit()


def _product(author, publisher, topics: str, *, publish: bool):
    from flo_portal.products import services

    product = services.create_product(
        author,
        {
            "product_type": "bulletin",
            "title": f"Bench product on {topics}",
            "summary": "Bench.",
            "body_md": "Bench.",
            "tlp": "TLP:GREEN",
            "caveats": "",
            "topics": topics,
            "audience": {"all_flos": True},
            "privacy_review_requested": False,
            "criminal_intelligence": False,
        },
    )
    services.transition(product, "submit", author)
    if publish:
        services.transition(product, "publish", publisher)
    db.session.commit()
    return product


def _fan_out(product, label: str) -> tuple[str, float, int]:
    """The fan-out alone, for a fresh version (publishing already told the followers)."""
    from flo_portal.subscriptions.services import product_released

    product.version += 1
    with count_queries() as counter:
        t0 = time.perf_counter()
        told = product_released(product, revised=True)
        db.session.commit()
        elapsed = time.perf_counter() - t0
    return (f"fan-out to {told:,} {label} followers", elapsed, counter["n"] - 1)  # not COMMIT


def run(app, args) -> list[tuple[str, float, int | str]]:
    from flo_portal.users.models import User

    results = []
    build_users(args.agencies, args.users)
    build_follows(args.small)
    vacuum_analyze()
    coordinator = User(
        email="coord@bench.example.gov", name="Bench Coordinator", role="coordinator"
    )
    analyst = User(email="analyst@bench.example.gov", name="Bench Analyst", role="analyst")
    db.session.add_all([coordinator, analyst])
    db.session.commit()

    with app.test_request_context():
        product = _product(analyst, coordinator, "drone", publish=True)
        results.append(_fan_out(product, "drone"))
        waiting = _product(analyst, coordinator, "rail", publish=False)
        with count_queries() as counter:
            t0 = time.perf_counter()
            from flo_portal.products import services

            services.transition(waiting, "publish", coordinator)
            db.session.commit()
            results.append(
                (
                    f"publish to all {args.users:,} FLOs (log, notices, mail, fan-out)",
                    time.perf_counter() - t0,
                    counter["n"],
                )
            )
        results.append(_fan_out(waiting, "rail"))
    client = signed_in_client(app, coordinator)
    for name, url in {
        "Following page": "/following/",
        "follower counts": "/following/counts",
    }.items():
        seconds, queries = measure(client, url, args.runs)
        results.append((name, seconds, queries))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=200)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=100, help="followers of the small topic")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    with bench_app() as app:
        results = run(app, args)
        dialect = db.engine.dialect.name
    print(f"subscriptions benchmark on {dialect}: {args.users:,} FLOs following one topic")
    print_table(results, label="step", width=58, indent="  ", ms=False)


if __name__ == "__main__":
    main()
