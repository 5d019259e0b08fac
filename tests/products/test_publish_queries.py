"""Publishing is set-based: the dissemination log, the notices and the e-mails of a
release cost the same number of statements for 3 recipients as for 1,100, and every
recipient still gets their log row (with the rule that reached them), their notice, and
their e-mail unless they chose in-app only."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from bench.harness import count_queries
from flo_portal.agencies.models import Discipline
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification, NotificationPreference, OutboxEmail
from flo_portal.products import services
from flo_portal.products.models import ProductRecipient, ProductShare
from flo_portal.security.permissions import Role
from flo_portal.users.models import User
from tests.factories import AgencyFactory
from tests.products.helpers import draft, staff


def _publish_counting(product, coordinator) -> int:
    services.transition(product, "submit", product.author)
    db.session.flush()
    with count_queries() as counter:
        services.transition(product, "publish", coordinator)
        db.session.flush()
    db.session.commit()
    return counter["n"]


def _flos(n: int, agency_id: int) -> list[User]:
    tag = uuid.uuid4().hex[:6]
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"flo{i}-{tag}@harbor.example.gov",
                "name": f"FLO {i}",
                "role": Role.LIAISON_OFFICER,
                "agency_id": agency_id,
                "session_token": uuid.uuid4().hex,
            }
            for i in range(n)
        ],
    )
    db.session.commit()
    return list(db.session.scalars(sa.select(User).where(User.email.like(f"%-{tag}@%"))))


def _rows(model, **where):
    stmt = sa.select(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return list(db.session.scalars(stmt))


def test_publish_costs_the_same_statements_for_few_and_many(app, make_user):
    people = staff(make_user)
    counts = {}
    # 1,100: more than the old code's 500-id lookup chunks and 1,000-row insert batches
    for n in (3, 1100):
        agency = AgencyFactory(name=f"Harbor PD {n}")
        db.session.commit()
        flos = _flos(n, agency.id)
        quiet = flos[0]  # wants product notices in the portal only
        db.session.add(NotificationPreference(user_id=quiet.id, kind="product", channel="in_app"))
        db.session.commit()
        product = draft(people["author"], audience={"agency_ids": [agency.id]})
        with app.test_request_context():
            counts[n] = _publish_counting(product, people["coordinator"])

        log = _rows(ProductRecipient, product_id=product.id)
        assert sorted(r.user_id for r in log) == sorted(u.id for u in flos)
        assert {r.rule for r in log} == {f"TLP:GREEN audience — agency: Harbor PD {n}"}
        notices = _rows(Notification, link=f"/products/{product.id}")
        assert sorted(x.user_id for x in notices) == sorted(u.id for u in flos)
        mailed = {m.to_address for m in _rows(OutboxEmail, kind="product.published")}
        assert {u.email for u in flos[1:]} <= mailed
        assert quiet.email not in mailed
    assert counts[3] == counts[1100]


def test_log_rule_names_every_reason_and_shares(app, make_user):
    people = staff(make_user)
    agency = AgencyFactory(name="Coastal Fire", region="Coastal", discipline=Discipline.FIRE)
    flo = make_user(Role.LIAISON_OFFICER, agency=agency)
    outsider = make_user(Role.LIAISON_OFFICER)
    analyst = make_user(Role.ANALYST)
    product = draft(
        people["author"],
        audience={
            "regions": ["Coastal"],
            "disciplines": [Discipline.FIRE.value],
            "user_ids": [analyst.id],
        },
    )
    with app.test_request_context():
        _publish_counting(product, people["coordinator"])
        db.session.add(
            ProductShare(product_id=product.id, user_id=outsider.id, shared_by_id=flo.id)
        )
        db.session.commit()
        services.update_product(product, {"summary": "Revised."}, people["coordinator"], "v2")
        db.session.commit()
    for version in (1, 2):
        rules = {
            r.user_id: r.rule
            for r in _rows(ProductRecipient, product_id=product.id, version=version)
        }
        assert rules[flo.id] == "TLP:GREEN audience — discipline: Fire service; region: Coastal"
        assert rules[analyst.id] == "TLP:GREEN audience — named recipient"
    # the share counts from the next version on, logged once, naming the sharer
    assert outsider.id not in {r.user_id for r in _rows(ProductRecipient, version=1)}
    assert [r.rule for r in _rows(ProductRecipient, version=2, user_id=outsider.id)] == [
        f"TLP:GREEN shared by user #{flo.id}"
    ]
    told = {n.user_id for n in _rows(Notification, link=f"/products/{product.id}")}
    assert {flo.id, analyst.id, outsider.id} <= told
