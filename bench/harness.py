"""Shared harness of the benchmarks: a throw-away app, query counting, timing, sign-in.

`bench_app()` builds the app on a temporary SQLite file, or, when BENCH_DATABASE_URL
names a PostgreSQL database, in a schema of its own (bench_xxxxxxxx) that is dropped at
the end, even when the benchmark fails. The schema is built by the migrations.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from flo_portal.core.extensions import db


@contextmanager
def bench_app() -> Iterator:
    """Yield a migrated app with its app context pushed; dispose and clean up afterwards."""
    from flask_migrate import upgrade

    from config import TestConfig
    from flo_portal import create_app

    url = os.environ.get("BENCH_DATABASE_URL", "")
    overrides: dict = {"UPLOAD_DIR": tempfile.mkdtemp(prefix="bench-uploads-")}
    schema = None
    if url.startswith("postgresql"):
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        _execute(url, f'CREATE SCHEMA "{schema}"')
        overrides.update(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SQLALCHEMY_ENGINE_OPTIONS": {
                    "connect_args": {"options": f"-csearch_path={schema}"}
                },
            }
        )
    else:
        path = os.path.join(tempfile.mkdtemp(prefix="bench-"), "bench.sqlite")
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    try:
        app = create_app(TestConfig, **overrides)
        with app.app_context():
            try:
                upgrade(revision="heads")
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        if schema:
            _execute(url, f'DROP SCHEMA "{schema}" CASCADE')


def _execute(url: str, statement: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


@contextmanager
def count_queries() -> Iterator[dict[str, int]]:
    """Count the SQL statements run inside the block: `counter["n"]`."""
    counter = {"n": 0}

    def _before(*_args, **_kwargs):
        counter["n"] += 1

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", _before)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", _before)


def measure(client, url: str, runs: int) -> tuple[float, int]:
    """Median seconds and the query count of GET url (a first request warms caches)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times, queries = [], set()
    for _ in range(runs):
        with count_queries() as counter:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(counter["n"])
    return statistics.median(times), max(queries)


def signed_in_client(app, user="coordinator"):
    """A test client signed in as `user`: a User, or a role for a new bench account."""
    from flo_portal.users.models import User

    if isinstance(user, str):
        user = User(
            email=f"bench-{uuid.uuid4().hex[:8]}@fusion.example.gov",
            name="Bench Coordinator",
            role=user,
        )
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    sign_in(client, user)
    return client


def sign_in(client, user) -> None:
    """Give a test ``client`` a signed-in session of ``user``, with its server-side record
    (the tests' ``login_as`` uses this too)."""
    from flo_portal.auth.session_rules import SESSION_KEY, open_session_record

    sid = open_session_record(user)
    db.session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
        sess[SESSION_KEY] = sid


def print_table(
    rows: dict[str, tuple[float, int]] | Iterable[tuple[str, float, int | str]],
    *,
    label: str = "page",
    width: int = 52,
    indent: str = "",
    ms: bool = True,
) -> None:
    """Print {name: (seconds, queries)} or (name, seconds, queries) rows: the seconds as
    median milliseconds, or as seconds when ms is False."""
    if isinstance(rows, dict):
        rows = [(name, seconds, queries) for name, (seconds, queries) in rows.items()]
    head, fmt, scale = ("median ms", "10.1f", 1000) if ms else ("seconds", "9.3f", 1)
    print(f"{indent}{label:<{width}} {head:>{fmt.split('.')[0]}} {'queries':>8}")
    for name, seconds, queries in rows:
        print(f"{indent}{name:<{width}} {seconds * scale:>{fmt}} {queries!s:>8}")


def vacuum_analyze() -> None:
    """After building data: fresh planner statistics and no dead rows, as a server with
    autovacuum on would have (the RFI queue ran at half speed on PostgreSQL without it)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
