"""Query plans at a center's real size: ``EXPLAIN ANALYZE`` of the portal's lists.

Builds the load benchmark's data set (bench/load/data.py: 10,000 officers, 60,000
training records, 100,000 RFIs, 50,000 products at scale 1) in a fresh PostgreSQL
schema, then runs each list below exactly as its page runs it (the same query function,
for a signed-in account of the role that opens it) under ``EXPLAIN (ANALYZE, BUFFERS)``,
and prints each plan with its execution time and any sequential scan of a large table.

    .venv/bin/python -m bench.explain [--only coverage] [--scale 1] [--full]

A new list adds one line to ``LISTS``.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from bench.load.run import DEFAULT_PG, ensure_database

BIG_TABLES = ("officer", "training_record", "rfi", "product", "product_audience", "user")


def _coverage_expiring(w):
    from flo_portal.roster.coverage import expiring_within

    return "coordinator", lambda viewer: expiring_within(viewer, 90)


def _coverage_expiring_head(w):
    from flo_portal.roster.coverage import expiring_within

    return "agency_head", lambda viewer: expiring_within(viewer, 90)


def _coverage_statement(role, which):
    from flo_portal.core.clock import today
    from flo_portal.roster import coverage

    def statement(viewer):
        day = today()
        ids = [c.id for c in coverage.required_courses(day)]
        scope = coverage.agencies_shown(viewer)
        if which == "agencies":
            return coverage.agency_figures_select(scope, ids, day)
        return coverage.missing_names_select(ids, scope, day, coverage.MISSING_LIST_LIMIT)

    return role, statement


def _coverage_agencies(w):
    return _coverage_statement("coordinator", "agencies")


def _coverage_missing(w):
    return _coverage_statement("coordinator", "missing")


def _coverage_missing_head(w):
    return _coverage_statement("agency_head", "missing")


def _my_rfis(w):
    from flo_portal.rfis.queries import my_rfis_query

    return "liaison_officer", my_rfis_query


def _roster(w):
    from flo_portal.core.extensions import with_total
    from flo_portal.roster.services import roster_query

    # A search reads its total with its page (db.paginate(total_with_page=True)).
    return "coordinator", lambda viewer: with_total(roster_query(viewer, q="smi", status="active"))


def _catalogue(w):
    from flo_portal.training.queries import catalogue_query

    return "coordinator", lambda viewer: catalogue_query()


def _search(w):
    from flo_portal.search.kinds import BY_NAME
    from flo_portal.search.queries import _pg_statement

    return "liaison_officer", lambda viewer: _pg_statement(
        BY_NAME["rfi"], viewer, ["fuel", "tanker"], 20, 0
    )


def _search_all(w):
    from flo_portal.search.kinds import BY_NAME
    from flo_portal.search.queries import _pg_statement

    return "coordinator", lambda viewer: _pg_statement(BY_NAME["rfi"], viewer, ["fuel"], 20, 0)


def _search_analyst(w):
    from bench.rfis import RARE
    from flo_portal.search.kinds import BY_NAME
    from flo_portal.search.queries import _pg_statement

    return "analyst", lambda viewer: _pg_statement(BY_NAME["rfi"], viewer, [RARE], 5, 0)


def _search_partner_products(w):
    from flo_portal.search.kinds import BY_NAME
    from flo_portal.search.queries import _few_matches, _pg_statement

    # A quoted phrase and an excluded word, as the search reduces them: three words, a few
    # hundred matches, a few dozen the agency head may see (ids read first).
    kind, terms = BY_NAME["product"], ["purchase", "burglary", "trailer"]
    return "agency_head", lambda viewer: _pg_statement(
        kind, viewer, terms, 5, 0, 100, matching_ids=_few_matches(kind, terms)
    )


def _queue_analyst(w):
    from flo_portal.core.clock import today
    from flo_portal.rfis.queries import QueueFilters, queue_query

    return "analyst", lambda viewer: queue_query(viewer, QueueFilters(), today())


def _queue_analyst_open(w):
    from flo_portal.core.clock import today
    from flo_portal.rfis.queries import QueueFilters, queue_query

    return "analyst", lambda viewer: queue_query(viewer, QueueFilters(status="open"), today())


def _feed(role: str, count: bool = False):
    def make(w):
        from flo_portal.products.queries import feed_count_query, feed_ids_query

        return role, feed_count_query if count else feed_ids_query

    return make


def _own_training(w):
    from datetime import timedelta

    from flo_portal.core.clock import today
    from flo_portal.training.queries import EXPIRING_SOON_DAYS, _own_training

    soon = today() + timedelta(days=EXPIRING_SOON_DAYS)
    return "liaison_officer", lambda viewer: _own_training().params(
        user_id=viewer.id, today=today(), soon=soon
    )


# name -> (data world) -> (role, viewer -> select); each list is paged as its page pages it
LISTS: dict[str, Callable] = {
    "coverage: expiring within 90 days (coordinator)": _coverage_expiring,
    "coverage: expiring within 90 days (agency head)": _coverage_expiring_head,
    "coverage: per agency and heat map (coordinator)": _coverage_agencies,
    "coverage: who misses each course (coordinator)": _coverage_missing,
    "coverage: who misses each course (agency head)": _coverage_missing_head,
    "My RFIs (FLO)": _my_rfis,
    "roster search": _roster,
    "training catalogue, records per course": _catalogue,
    "portal search: RFIs (FLO)": _search,
    "portal search: RFIs, a word in most (coordinator)": _search_all,
    "portal search: RFIs, a rare word (analyst)": _search_analyst,
    "portal search: products, three words (agency head)": _search_partner_products,
    "RFI queue (analyst)": _queue_analyst,
    "RFI queue, open (analyst)": _queue_analyst_open,
    "product feed (FLO)": _feed("liaison_officer"),
    "product feed, its total (FLO)": _feed("liaison_officer", count=True),
    "product feed (agency head)": _feed("agency_head"),
    "product feed, its total (agency head)": _feed("agency_head", count=True),
    "dashboard: own training (FLO)": _own_training,
}


def explain(stmt: sa.Select, *, page_size: int = 50) -> tuple[str, float]:
    from flo_portal.core.extensions import db

    paged = stmt.limit(page_size)
    sql = str(paged.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    lines = db.session.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).scalars().all()
    plan = "\n".join(lines)
    found = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return plan, float(found.group(1)) if found else float("nan")


def seq_scans(plan: str) -> list[str]:
    return sorted(
        {
            m.group(1)
            for m in re.finditer(r"Seq Scan on (\w+)", plan)
            if m.group(1).strip('"') in BIG_TABLES
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="only the lists whose name contains this")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--full", action="store_true", help="print every plan in full")
    opts = parser.parse_args(argv)

    from flo_portal.core.extensions import db
    from flo_portal.users.models import User

    with world_on_pg("bench_explain", opts.scale) as world:
        print("| list | execution ms | sequential scans of large tables |")
        print("|---|---|---|")
        plans = []
        for name, make in LISTS.items():
            if opts.only and opts.only not in name:
                continue
            role, query = make(world)
            viewer = db.session.get(User, world.accounts[role][0].id)
            plan, ms = explain(query(viewer))
            plans.append((name, plan))
            print(f"| {name} | {ms:.1f} | {', '.join(seq_scans(plan)) or 'none'} |")
        for name, plan in plans:
            print(f"\n### {name}\n")
            print(plan if opts.full else "\n".join(plan.splitlines()[:25]))
    return 0


@contextmanager
def world_on_pg(prefix: str, scale: float, *, search_index: bool = True) -> Iterator:
    """The load benchmark's data set in a fresh PostgreSQL schema (dropped afterwards),
    inside an app and request context; the search index rebuilt over it."""
    from flask_migrate import upgrade

    from bench.load import data, serve
    from flo_portal.core.extensions import db

    pg_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG
    ensure_database(pg_url)
    # BENCH_KEEP_SCHEMA=<name>: build the data once into that schema, keep it, and reuse it
    # (the world is pickled beside it) on the next run, e.g. to compare code before/after.
    kept = os.environ.get("BENCH_KEEP_SCHEMA", "")
    schema = kept or f"{prefix}_{uuid.uuid4().hex[:8]}"
    saved = Path(tempfile.gettempdir()) / f"{schema}.world.pickle"
    admin = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    reuse = bool(kept and exists and saved.exists())
    os.environ.update(
        BENCH_LOAD_URL=pg_url,
        BENCH_LOAD_SCHEMA=schema,
        BENCH_LOAD_UPLOADS=tempfile.mkdtemp(prefix=f"{prefix}-"),
    )
    try:
        app = serve.portal_app()
        with app.app_context(), app.test_request_context():
            upgrade(revision="heads")
            if reuse:
                world = pickle.loads(saved.read_bytes())  # noqa: S301 (our own file)
                yield world
                db.session.remove()
                return
            world = data.build(scale)
            if search_index:
                from flo_portal.search.index import rebuild

                rebuild(db.session.connection())
                db.session.commit()
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()  # the statistics too: a rollback would take them back
            print(f"data: {world.counts}")
            if kept:
                saved.write_bytes(pickle.dumps(world))
            yield world
            db.session.remove()
    finally:
        if not kept:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
