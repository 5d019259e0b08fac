"""The roster, profile, coverage, dashboard and training catalogue pages run a fixed number of queries at any data size."""

from __future__ import annotations

import sqlalchemy as sa

from bench.roster import build_world, count_queries, signed_in_client
from flo_portal.agencies.models import Agency
from flo_portal.core.extensions import db
from flo_portal.roster.models import Officer, OfficerStatus

PAGES = {
    "roster": "/roster/officers",
    "roster filtered": "/roster/officers?q=a&status=active&current=no&sort=agency",
    "roster search, past the end": "/roster/officers?q=a&page=99",
    "profile": "/roster/officers/{officer}",
    "coverage": "/roster/coverage",
    "coverage csv": "/roster/coverage.csv",
    "coverage expiring": "/roster/coverage/expiring?within=90",
    "agency": "/agencies/{agency}",
    "agencies": "/agencies/",
    "dashboard": "/dashboard",
    "training catalogue": "/training/courses",
}


def _counts(app) -> dict[str, int]:
    client = signed_in_client(app)
    officer = db.session.scalar(
        sa.select(Officer.id)
        .where(Officer.status == OfficerStatus.ACTIVE)
        .order_by(Officer.id.desc())
        .limit(1)
    )
    agency = db.session.scalar(sa.select(Agency.id).order_by(Agency.id.desc()).limit(1))
    counts = {}
    for name, url in PAGES.items():
        url = url.format(officer=officer, agency=agency)
        client.get(url)  # warm-up
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = counter["n"]
    return counts


def test_query_counts_do_not_grow_with_the_data(app):
    build_world(agencies=4, officers=30, records=80, seed=1)
    small = _counts(app)
    build_world_more()
    large = _counts(app)
    assert db.session.scalar(sa.select(sa.func.count(Officer.id))) > 300
    assert small == large


def build_world_more():
    """Add many more agencies, officers and records to the same database."""
    import random

    from bench import roster as b
    from flo_portal.roster.importer import import_csv
    from flo_portal.training.services import refresh_training_current

    rng = random.Random(2)
    now_names = set(db.session.scalars(sa.select(Agency.name)))
    b.make_agencies(40, rng, start=1000)
    db.session.commit()
    names = [n for n in db.session.scalars(sa.select(Agency.name)) if n not in now_names]
    data = b.officers_csv(400, names, rng).replace(b"B-0", b"M-0")
    assert import_csv(data, kind="officers").ok
    b.make_records(1500, rng)
    refresh_training_current()
    db.session.commit()
