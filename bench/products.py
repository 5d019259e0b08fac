"""Product benchmark: the TLP-filtered feed, search and reach figures at volume, and the
time to publish one product to every FLO.

Builds 300 agencies, 3,000 partner users and 50,000 published products (bulk insert;
types, TLP labels and audience forms spread at random, ~4 recipient rows each), then
reports the median render time and query count of each page, and how long publishing an
"all FLOs" product (dissemination log + in-app notice + e-mail per recipient) takes.

    .venv/bin/python -m bench.products
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.products
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa

from bench.harness import (
    bench_app,
    count_queries,
    measure,
    print_table,
    signed_in_client,
    vacuum_analyze,
)
from bench.roster import make_agencies
from flo_portal.agencies.models import Agency
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.products.models import (
    Product,
    ProductAudience,
    ProductRecipient,
    ProductStatus,
    ProductType,
    Tlp,
)
from flo_portal.security.permissions import Role
from flo_portal.users.models import User

WORDS = [
    "theft",
    "copper",
    "rail",
    "drone",
    "substation",
    "fraud",
    "weapon",
    "network",
    "fuel",
    "depot",
]


def build_world(n_products: int, seed: int = 11) -> dict:
    rng = random.Random(seed)
    make_agencies(300, rng)
    agencies = db.session.execute(sa.select(Agency.id, Agency.discipline, Agency.region)).all()
    now = utcnow()
    users = [
        {
            "email": f"p{i}@bench.gov",
            "name": f"Partner {i}",
            "agency_id": agencies[i % 300][0],
            "role": Role.LIAISON_OFFICER if i % 10 else Role.AGENCY_HEAD,
            "session_token": uuid.uuid4().hex,
            "active": True,
            "timezone": "UTC",
            "mfa_enabled": False,
            "failed_logins": 0,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(3000)
    ]
    db.session.execute(User.__table__.insert(), users)
    staff = User(email="author@bench.gov", name="Bench Analyst", role=Role.ANALYST)
    coord = User(email="coord@bench.gov", name="Bench Coordinator", role=Role.COORDINATOR)
    db.session.add_all([staff, coord])
    db.session.flush()
    user_ids = db.session.scalars(sa.select(User.id).where(User.agency_id.is_not(None))).all()
    tlps, types = list(Tlp), list(ProductType)
    rows = []
    for i in range(n_products):
        when = now - timedelta(minutes=i * 7)
        rows.append(
            {
                "reference": f"PRD-B-{i:06d}",
                "product_type": rng.choice(types),
                "tlp": rng.choice(tlps),
                "title": " ".join(rng.sample(WORDS, 3)) + f" {i}",
                "summary": " ".join(rng.sample(WORDS, 5)),
                "body_md": " ".join(rng.choices(WORDS, k=60)),
                "caveats": "",
                "topics": rng.choice(WORDS),
                "audience": {},
                "status": ProductStatus.PUBLISHED,
                "author_id": staff.id,
                "privacy_review_requested": False,
                "privacy_status": "not_needed",
                "privacy_reasons": "",
                "review_note": "",
                "version": 1,
                "published_at": when,
                "last_published_at": when,
                "withdrawn_reason": "",
                "criminal_intelligence": False,
                "created_at": when,
                "updated_at": when,
            }
        )
    db.session.execute(Product.__table__.insert(), rows)
    pids = db.session.scalars(sa.select(Product.id)).all()
    aud, rec = [], []
    for pid in pids:
        form = rng.random()
        if form < 0.1:
            aud.append({"product_id": pid, "kind": "all", "value": ""})
        elif form < 0.6:
            aud += [
                {"product_id": pid, "kind": "agency", "value": str(a[0])}
                for a in rng.sample(agencies, 3)
            ]
        elif form < 0.75:
            aud.append(
                {"product_id": pid, "kind": "discipline", "value": str(rng.choice(agencies)[1])}
            )
        elif form < 0.9:
            aud.append({"product_id": pid, "kind": "region", "value": rng.choice(agencies)[2]})
        else:
            aud += [
                {"product_id": pid, "kind": "user", "value": str(u)}
                for u in rng.sample(user_ids, 2)
            ]
        rec += [
            {
                "product_id": pid,
                "version": 1,
                "user_id": u,
                "disseminated_at": now,
                "rule": "bench",
                "opened_at": now if rng.random() < 0.6 else None,
            }
            for u in rng.sample(user_ids, 4)
        ]
    db.session.execute(ProductAudience.__table__.insert(), aud)
    db.session.execute(ProductRecipient.__table__.insert(), rec)
    vacuum_analyze()
    return {"author": staff.id, "coordinator": coord.id, "flo": user_ids[5]}


def bench(app, ids: dict, runs: int) -> tuple[dict, float, int]:
    flo = signed_in_client(app, db.session.get(User, ids["flo"]))
    coord = signed_in_client(app, db.session.get(User, ids["coordinator"]))
    results = {
        "FLO feed (TLP + audience filter), page 1": measure(flo, "/products/", runs),
        "FLO feed, page 20": measure(flo, "/products/?page=20", runs),
        "FLO search 'copper drone'": measure(flo, "/products/?q=copper+drone", runs),
        "coordinator feed": measure(coord, "/products/", runs),
        "coordinator reach (per product + per month)": measure(coord, "/products/reach", runs),
    }
    author = db.session.get(User, ids["author"])
    coordinator = db.session.get(User, ids["coordinator"])
    publish_s, _statements, n = publish_to_all_flos(author, coordinator, commit=True)
    return results, publish_s, n


def publish_to_all_flos(author, coordinator, *, commit: bool) -> tuple[float, int, int]:
    """Seconds and statements to publish an "all FLOs" product (``author`` writes it,
    ``coordinator`` publishes it; with ``commit``, the commit is timed too), and how many
    recipients it reached."""
    from flo_portal.products import services

    product = services.create_product(
        author,
        {
            "product_type": "bulletin",
            "tlp": "TLP:GREEN",
            "title": "All FLOs",
            "summary": "s",
            "body_md": "b",
            "audience": {"all_flos": True},
        },
    )
    services.transition(product, "submit", author)
    db.session.flush()
    with count_queries() as counter:
        started = time.perf_counter()
        services.transition(product, "publish", coordinator)
        if commit:
            db.session.commit()
        else:
            db.session.flush()
        seconds = time.perf_counter() - started
    n = db.session.scalar(
        sa.select(sa.func.count(ProductRecipient.id)).where(
            ProductRecipient.product_id == product.id
        )
    )
    return seconds, counter["n"], n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    with bench_app() as app:
        t0 = time.perf_counter()
        ids = build_world(args.products)
        build_s = time.perf_counter() - t0
        results, publish_s, recipients = bench(app, ids, args.runs)
        dialect = db.engine.dialect.name
    print(
        f"\nProduct benchmark on {dialect}: {args.products:,} products, 3,000 partners "
        f"(built in {build_s:.1f} s), median of {args.runs} requests"
    )
    print_table(results)
    print(f"publish to all FLOs: {recipients:,} recipients in {publish_s:.1f} s")


if __name__ == "__main__":
    main()
