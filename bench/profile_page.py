"""CPU per request, in-process: what each main page of the load benchmark costs the web
process and the database, whatever else the machine is doing.

Builds the load data set (``bench.load.data``), signs a Flask test client in as each role,
runs every page ``--runs`` times and reports, per request, the web process's CPU
(``time.process_time()``) and the CPU of the PostgreSQL backend that served it (read from
``/proc``, so PostgreSQL must run on this machine), with the statement count. ``--profile
LABEL`` prints cProfile's top functions for one page; ``--publish N`` times publishing an
"all FLOs" product to N extra FLOs (then rolls it back).

    .venv/bin/python -m bench.profile_page --scale 0.05
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python -m bench.profile_page --keep perf_profile --runs 30
    ... --keep perf_profile --only coverage --profile coverage
    ... --keep perf_profile --pages none --publish 10000

``--keep SCHEMA`` (PostgreSQL) builds the data set once in that schema and reuses it on
the next run, so a before/after comparison measures the same data.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from bench.harness import bench_app, count_queries, sign_in
from flo_portal.core.extensions import db


@contextlib.contextmanager
def kept_app(url: str, schema: str, config: str = "test") -> Iterator[tuple[object, bool]]:
    """The app on a PostgreSQL schema that outlives the run; yields (app, fresh). A kept
    schema is brought up to the migrations' heads on every run (a new index is there for
    the "after" figures). ``config`` "development" is what the load benchmark serves
    (CSRF, rate limits, JSON logs on); "test" is the tests' configuration."""
    from flask_migrate import upgrade

    from config import TestConfig
    from flo_portal import create_app

    admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        fresh = not conn.scalar(
            sa.text("SELECT count(*) FROM information_schema.schemata WHERE schema_name = :s"),
            {"s": schema},
        )
        if fresh:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    overrides: dict = {}
    if config == "development":
        from bench.load.serve import settings

        os.environ.setdefault("BENCH_LOAD_URL", url)
        os.environ.setdefault("BENCH_LOAD_UPLOADS", tempfile.mkdtemp(prefix="bench-uploads-"))
        overrides = {
            k: v
            for k, v in settings().items()
            if k not in ("UPLOAD_DIR",) and not k.startswith("SQLALCHEMY")
        }
    app = create_app(
        TestConfig if config == "test" else config,
        **overrides,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS={
            "connect_args": {"options": f"-csearch_path={schema}"},
            "pool_size": 1,  # one backend, whose CPU we read
            "max_overflow": 0,
        },
        UPLOAD_DIR=tempfile.mkdtemp(prefix="bench-uploads-"),
    )
    with app.app_context():
        try:
            upgrade(revision="heads")
            yield app, fresh
        finally:
            db.session.remove()
            db.engine.dispose()


def world_file(schema: str) -> Path:
    return Path(tempfile.gettempdir()) / f"flo-bench-profile-{schema}.json"


def build_world(scale: float, schema: str | None):
    from bench.load import data

    world_ = data.build(scale)
    if schema:
        world_file(schema).write_text(
            json.dumps(
                {
                    "officer_id": world_.officer_id,
                    "rfi_id": world_.rfi_id,
                    "product_id": world_.product_id,
                    "accounts": {r: [a.id for a in v] for r, v in world_.accounts.items()},
                    "counts": world_.counts,
                    "built_s": world_.built_s,
                }
            )
        )
    return world_


class _World:
    def __init__(self, d: dict):
        from types import SimpleNamespace

        self.officer_id, self.rfi_id, self.product_id = (
            d["officer_id"],
            d["rfi_id"],
            d["product_id"],
        )
        self.accounts = {
            r: [SimpleNamespace(id=i) for i in ids] for r, ids in d["accounts"].items()
        }
        self.counts = d["counts"]


def backend_pid() -> int | None:
    if db.engine.dialect.name != "postgresql":
        return None
    return db.session.scalar(sa.text("SELECT pg_backend_pid()"))


def python_calls(client, path: str, runs: int = 3) -> int:
    """Python function calls per request: a load-insensitive count of the web process's
    work (CPU time on a shared machine varies by a third from run to run)."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(runs):
        client.get(path)
    prof.disable()
    return pstats.Stats(prof).total_calls // runs


def measure_page(client, path: str, runs: int, pid: int | None) -> tuple[float, float, int, int]:
    """(web CPU ms/req, PostgreSQL CPU ms/req, statements, Python calls/req) of GET path."""
    from bench.load.run import cpu_seconds

    response = client.get(path)  # warm
    assert response.status_code == 200, (path, response.status_code)
    with count_queries() as counter:
        client.get(path)
    db_before = cpu_seconds(pid) if pid else 0.0
    web_before = time.process_time()
    for _ in range(runs):
        response = client.get(path)
    web = (time.process_time() - web_before) / runs
    dbcpu = ((cpu_seconds(pid) - db_before) / runs) if pid else float("nan")
    assert response.status_code == 200, (path, response.status_code)
    return web * 1000, dbcpu * 1000, counter["n"], python_calls(client, path)


def measure_bare(url: str, schema: str, user_id: int, runs: int) -> tuple:
    """The load benchmark's bare page (``bench.load.serve.bare_app``: Flask, SQLAlchemy
    Core and Flask-Login, a user row and 50 rows) measured like a portal page."""
    from bench.load.run import cpu_seconds
    from bench.load.serve import bare_app

    os.environ.setdefault("BENCH_LOAD_URL", url)
    os.environ.setdefault("BENCH_LOAD_SCHEMA", schema)
    os.environ.setdefault("BENCH_LOAD_UPLOADS", tempfile.mkdtemp(prefix="bench-uploads-"))
    app = bare_app()
    engine = app.extensions["bare_engine"]
    client = app.test_client()
    client.get(f"/login/{user_id}")
    client.get("/")  # warm: the pool holds the one connection from here on
    with engine.connect() as conn:
        pid = conn.scalar(sa.text("SELECT pg_backend_pid()"))
    counter = {"n": 0}

    def _count(*_args):
        counter["n"] += 1

    sa.event.listen(engine, "before_cursor_execute", _count)
    client.get("/")
    sa.event.remove(engine, "before_cursor_execute", _count)
    db_before, web_before = cpu_seconds(pid), time.process_time()
    for _ in range(runs):
        response = client.get("/")
    assert response.status_code == 200, response.status_code
    web = (time.process_time() - web_before) / runs
    dbcpu = (cpu_seconds(pid) - db_before) / runs
    calls = python_calls(client, "/")
    engine.dispose()
    return "bare page", web * 1000, dbcpu * 1000, counter["n"], calls


def profile_page(client, path: str, runs: int, top: int) -> str:
    client.get(path)
    prof = cProfile.Profile(time.process_time)  # CPU, not time spent waiting on the database
    prof.enable()
    for _ in range(runs):
        client.get(path)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def statements_of(client, path: str, *, full: bool = False) -> list:
    """The statements one GET of ``path`` runs (shortened), or with ``full`` the
    (statement, parameters) pairs."""
    seen: list = []

    def _before(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters) if full else " ".join(statement.split())[:240])

    sa.event.listen(db.engine, "before_cursor_execute", _before)
    try:
        client.get(path)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", _before)
    return seen


def explain_page(client, path: str, slowest: int = 3) -> str:
    """EXPLAIN ANALYZE of the statements one GET of ``path`` runs (PostgreSQL): the
    slowest ``slowest`` plans in full, and every statement's execution time."""
    statements = [
        (st, params)
        for st, params in statements_of(client, path, full=True)
        if st.lstrip().upper().startswith("SELECT")
    ]
    plans = []
    with db.engine.connect() as conn:
        for statement, params in statements:
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
            text = "\n".join(r[0] for r in rows)
            ms = float(text.rsplit("Execution Time: ", 1)[1].split(" ", 1)[0])
            plans.append((ms, " ".join(statement.split())[:160], text))
        conn.rollback()
    out = [f"{ms:8.2f} ms  {head}" for ms, head, _ in plans]
    for ms, head, text in sorted(plans, reverse=True)[:slowest]:
        out += ["", f"-- {ms:.2f} ms: {head}", text]
    return "\n".join(out)


def publish_to(n_flos: int) -> tuple[float, int, int]:
    """Seconds and statements to publish an "all FLOs" product to ``n_flos`` new FLOs (and
    everyone already there); rolled back afterwards. Returns (s, statements, recipients)."""
    from bench.products import publish_to_all_flos
    from flo_portal.agencies.models import Agency
    from flo_portal.core.orm import utcnow
    from flo_portal.security.permissions import Role
    from flo_portal.users.models import User

    agencies = db.session.scalars(sa.select(Agency.id).where(Agency.active.is_(True))).all()
    now = utcnow()
    db.session.execute(
        User.__table__.insert(),
        [
            {
                "email": f"pub{i}-{uuid.uuid4().hex[:6]}@bench.gov",
                "name": f"Publish FLO {i}",
                "agency_id": agencies[i % len(agencies)],
                "role": Role.LIAISON_OFFICER,
                "session_token": uuid.uuid4().hex,
                "active": True,
                "timezone": "UTC",
                "mfa_enabled": False,
                "failed_logins": 0,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(n_flos)
        ],
    )
    author = User(email=f"pa-{uuid.uuid4().hex[:6]}@bench.gov", name="A", role=Role.ANALYST)
    coord = User(email=f"pc-{uuid.uuid4().hex[:6]}@bench.gov", name="C", role=Role.COORDINATOR)
    db.session.add_all([author, coord])
    db.session.flush()
    seconds, statements, n = publish_to_all_flos(author, coord, commit=False)
    db.session.rollback()
    return seconds, statements, n


def run(app, world, opts) -> None:
    from bench.load.run import pages
    from flo_portal.users.models import User

    only = opts.only.split("|") if opts.only else []
    wanted = [p for p in pages(world) if not only or any(o in p.label for o in only)]
    if opts.pages == "none":
        wanted = []
    pid = backend_pid()
    clients: dict[str, object] = {}
    rows = []
    for page in wanted:
        if page.role not in clients:
            client = app.test_client()
            sign_in(client, db.session.get(User, world.accounts[page.role][0].id))
            clients[page.role] = client
        client = clients[page.role]
        rows.append((page.label, *measure_page(client, page.path, opts.runs, pid)))
        if opts.sql and opts.sql in page.label:
            print(f"\n== SQL of one request: {page.label}")
            for statement in statements_of(client, page.path):
                print(" ", statement)
        if opts.explain and opts.explain in page.label:
            print(f"\n== EXPLAIN ANALYZE: {page.label}")
            print(explain_page(client, page.path))
        if opts.profile and opts.profile in page.label:
            print(f"\n== cProfile: {page.label} ({opts.runs} requests)")
            print(profile_page(client, page.path, opts.runs, opts.top))
    if opts.keep and opts.pages != "none" and (not only or any(o in "bare page" for o in only)):
        url = db.engine.url.render_as_string(hide_password=False)
        rows.append(measure_bare(url, opts.keep, world.accounts["coordinator"][0].id, opts.runs))
    if rows:
        print(
            f"\n{db.engine.dialect.name} ({opts.config} configuration): CPU per request, {opts.runs} requests each"
        )
        print(
            "| page | web CPU ms/req | DB CPU ms/req | SQL/req | Python calls/req |\n"
            "|---|---|---|---|---|"
        )
        for label, web, dbcpu, n, calls in rows:
            print(f"| {label} | {web:.1f} | {dbcpu:.1f} | {n} | {calls:,} |")
    if opts.publish:
        seconds, statements, n = publish_to(opts.publish)
        print(
            f"\npublish to all FLOs: {n:,} recipients in {seconds:.2f} s, {statements} statements"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", metavar="SCHEMA", help="build once in this PostgreSQL schema")
    parser.add_argument("--only", help="pages whose label contains this (several: a|b)")
    parser.add_argument("--pages", default="all", choices=["all", "none"])
    parser.add_argument("--profile", metavar="LABEL", help="cProfile the page(s) matching")
    parser.add_argument("--sql", metavar="LABEL", help="print the statements of the page(s)")
    parser.add_argument("--explain", metavar="LABEL", help="EXPLAIN ANALYZE the page(s)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--config",
        default="test",
        choices=["test", "development"],
        help="the app's configuration: development is what the load benchmark serves",
    )
    parser.add_argument("--publish", type=int, default=0, metavar="N_FLOS")
    opts = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if opts.keep:
        if not url.startswith("postgresql"):
            parser.error("--keep needs BENCH_DATABASE_URL naming a PostgreSQL database")
        with kept_app(url, opts.keep, opts.config) as (app, fresh):
            if fresh or not world_file(opts.keep).exists():
                world = build_world(opts.scale, opts.keep)
            else:
                world = _World(json.loads(world_file(opts.keep).read_text()))
            run(app, world, opts)
    else:
        with bench_app() as app:
            run(app, build_world(opts.scale, None), opts)


if __name__ == "__main__":
    main()
