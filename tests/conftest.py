"""Fixtures: app, db, client, login_as, and factories.

The schema is built once per run by the Alembic migrations (never create_all), on a
SQLite file or, when TEST_DATABASE_URL is set, in a PostgreSQL schema of its own that
is dropped at the end. Every test starts from empty tables.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from bench.harness import sign_in
from config import TestConfig
from flo_portal import create_app
from flo_portal.core.extensions import db as _db
from flo_portal.security.permissions import Role

pytest_plugins = ["tests.browser.fixtures"]

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# Run the whole suite as if it were another moment (month end, year end, DST change):
# FLO_TEST_CLOCK=2027-03-14T06:30:00+00:00 make test. The clock keeps ticking from there.
TEST_CLOCK = os.environ.get("FLO_TEST_CLOCK", "")


@pytest.fixture(scope="session", autouse=True)
def _suite_clock():
    """Find tests that depend on today's date: the suite must pass at any moment."""
    if not TEST_CLOCK:
        yield
        return
    from datetime import datetime

    import time_machine

    with time_machine.travel(datetime.fromisoformat(TEST_CLOCK), tick=True):
        yield


def _pg_schema_config(url: str, schema: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-csearch_path={schema}"},
        },
    }


@contextmanager
def scratch_app(tmp_path, **overrides):
    """An app on an empty database of its own (a PostgreSQL schema or a SQLite file), for
    tests that run the migrations themselves; the schema is dropped afterwards."""
    overrides.setdefault("UPLOAD_DIR", str(tmp_path))
    schema = None
    if PG_URL:
        schema = f"test_mig_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        _run_on_pg(f'CREATE SCHEMA "{schema}"')
        overrides.update(_pg_schema_config(PG_URL, schema))
    else:
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'scratch.sqlite'}"
    app = create_app(TestConfig, **overrides)
    try:
        yield app
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        if schema:
            _run_on_pg(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def soft(app):
    """Makes software passkey authenticators for this app's relying party."""
    from flo_portal.auth import passkeys
    from tests.auth.soft_webauthn import SoftAuthenticator

    def _make() -> SoftAuthenticator:
        with app.test_request_context():
            return SoftAuthenticator(rp_id=passkeys.rp_id(), origin=passkeys.origin())

    return _make


@contextlib.contextmanager
def search_index_paused():
    """The ORM without the search index's flush hook: for rows written at a schema older
    than the index (a migration test), before upgrading to the heads."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from flo_portal.search.index import _index_flushed

    event.remove(Session, "after_flush", _index_flushed)
    try:
        yield
    finally:
        event.listen(Session, "after_flush", _index_flushed)


def _run_on_pg(statement: str) -> None:
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(statement))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    overrides: dict = {"UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads"))}
    schema = None
    if PG_URL:
        schema = f"test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        overrides.update(_pg_schema_config(PG_URL, schema))
    else:
        path = tmp_path_factory.mktemp("db") / "test.sqlite"
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app = create_app(TestConfig, **overrides)
    with app.app_context():
        upgrade(revision="heads")
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
    if schema:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _empty_all_tables() -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    if _db.engine.dialect.name == "postgresql":
        # DELETE on small tables is far faster than TRUNCATE; replica mode skips the
        # audit trail's append-only trigger for this clean-up only (test superuser).
        _db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    for table in tables:
        _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture(autouse=True)
def db(app):
    """The database, empty at the start of each test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        _empty_all_tables()
        _db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(db):
    from tests.factories import AgencyFactory, UserFactory

    def _make(role: Role | str = Role.LIAISON_OFFICER, agency=None, **kwargs):
        role = Role(role)
        if agency is None and not role.is_center_staff:
            agency = AgencyFactory()
        user = UserFactory(role=role, agency=agency, **kwargs)
        db.session.commit()
        return user

    return _make


@pytest.fixture
def login_as(client, make_user):
    """Sign ``client`` in as a user of ``role`` (or as the given user) without the forms."""

    def _login(role_or_user=Role.LIAISON_OFFICER, **kwargs):
        user = role_or_user if hasattr(role_or_user, "id") else make_user(role_or_user, **kwargs)
        sign_in(client, user)
        return user

    return _login


@pytest.fixture
def second_app(app):
    """Another app on the same database with other settings (proxy hops, rate limits).

    Flask-Limiter keeps its storage and on/off switch on the one global ``limiter``: what
    it was before is put back afterwards, so later tests see the session app's limiter."""
    from flo_portal.core.extensions import limiter

    saved = dict(limiter.__dict__)
    made = []

    def _make(**overrides):
        other = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            **overrides,
        )
        made.append(other)
        return other

    yield _make
    for other in made:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)
