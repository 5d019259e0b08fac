"""Reference numbers stay unique and gap-free when submissions race (PostgreSQL)."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.rfis import services
from flo_portal.rfis.models import Rfi, Tlp
from flo_portal.security.permissions import Role
from tests.markers import needs_postgres
from tests.rfis.helpers import future

N = 12


@needs_postgres
def test_concurrent_submissions_get_distinct_gap_free_numbers(app, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    flo_id = flo.id
    due = future(5)
    barrier = threading.Barrier(N)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            with app.app_context():
                user = db.session.get(type(flo), flo_id)
                barrier.wait(timeout=30)
                services.submit_rfi(
                    user,
                    title=f"Race {i}",
                    question="q",
                    justification="j",
                    priority="routine",
                    tlp=Tlp.GREEN,
                    due_on=due,
                    attested=True,
                )
                if i % 4 == 3:
                    db.session.rollback()  # an abandoned submission must not leave a gap
                else:
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    db.session.expire_all()
    seqs = sorted(db.session.scalars(sa.select(Rfi.ref_seq)))
    committed = N - N // 4
    assert seqs == list(range(1, committed + 1))
    refs = db.session.scalars(sa.select(Rfi.reference)).all()
    assert len(set(refs)) == committed
