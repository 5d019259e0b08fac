"""Several processes appending to the audit trail at once keep one chain (issue 18 item 1)."""

from __future__ import annotations

import multiprocessing

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.audit.services import verify_chain

PROCESSES = 3
EACH = 30


def _append(uri: str, engine_options: dict, start, n: int) -> None:
    from config import TestConfig
    from flo_portal import create_app
    from flo_portal.audit.services import record
    from flo_portal.core.extensions import db

    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=uri, SQLALCHEMY_ENGINE_OPTIONS=engine_options
    )
    with app.app_context():
        start.wait(30)
        for i in range(n):
            record("load.append", summary=f"event {i}", actor=None)
            db.session.commit()
        db.engine.dispose()


def test_processes_appending_at_once_do_not_fork_the_chain(app, db):
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    procs = [
        ctx.Process(target=_append, args=(uri, options, start, EACH)) for _ in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    prevs = db.session.scalars(sa.select(AuditEvent.prev_hash)).all()
    assert len(prevs) == PROCESSES * EACH
    assert len(set(prevs)) == len(prevs), "two events chained onto the same predecessor"
    report = verify_chain()
    assert report.ok and report.checked == PROCESSES * EACH
